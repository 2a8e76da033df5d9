"""Split a council question set and its papers into a tuning half and a held-out half.

Grouped by council, so the held-out half asks about councils whose papers were
never looked at while tuning: the same situation as a new council's papers.
Unanswerable questions carry no source paper and are split by a hash of their id.
The split is made once, before tuning, and committed; re-running the script
reproduces it byte for byte.

    python bench/split_realcorpus.py REALCORPUS_DIR --out bench/splits/realcorpus.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


def _key(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def split(gold: list[dict[str, object]], questions: list[dict[str, object]]) -> dict[str, list[str]]:
    """Councils in hash order go to whichever half has fewer answerable questions."""
    council_of = {str(row["file"]): str(row["council"]) for row in gold}
    asked: dict[str, int] = {}
    for q in questions:
        if q.get("source"):
            council = council_of[str(q["source"])]
            asked[council] = asked.get(council, 0) + 1
    halves: dict[str, set[str]] = {"tune": set(), "held": set()}
    counts = {"tune": 0, "held": 0}
    for council in sorted(set(council_of.values()), key=_key):
        half = min(counts, key=lambda h: (counts[h], h == "held"))
        halves[half].add(council)
        counts[half] += asked.get(council, 0)
    out: dict[str, list[str]] = {"tune_questions": [], "held_questions": [], "tune_papers": [], "held_papers": []}
    for q in questions:
        if q.get("source"):
            half = "tune" if council_of[str(q["source"])] in halves["tune"] else "held"
        else:
            half = "tune" if int(_key(str(q["id"])), 16) % 2 == 0 else "held"
        out[f"{half}_questions"].append(str(q["id"]))
    for name, council in sorted(council_of.items()):
        out[("tune" if council in halves["tune"] else "held") + "_papers"].append(name)
    out["tune_councils"] = sorted(halves["tune"])
    out["held_councils"] = sorted(halves["held"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("realcorpus", type=Path, help="folder with gold_metadata.jsonl and questions.jsonl")
    parser.add_argument("--out", type=Path, default=Path("bench/splits/realcorpus.json"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    gold = [json.loads(line) for line in (args.realcorpus / "gold_metadata.jsonl").read_text().splitlines() if line]
    questions = [json.loads(line) for line in (args.realcorpus / "questions.jsonl").read_text().splitlines() if line]
    result = split(gold, questions)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    for half in ("tune", "held"):
        logger.info("%s: %d questions, %d papers, %d councils", half, len(result[f"{half}_questions"]),
                    len(result[f"{half}_papers"]), len(result[f"{half}_councils"]))


if __name__ == "__main__":
    main()
