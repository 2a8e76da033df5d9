"""Write UK parliamentary motions (mySociety parl-motion-detector, JSON Lines) out
as one text file per motion, with a sidecar, to benchmark ingestion at scale.

    python bench/make_motions_corpus.py MOTIONS.jsonl OUT_DIR --limit 2000
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("motions", type=Path, help="motions.jsonl")
    parser.add_argument("out", type=Path, help="folder to write papers into")
    parser.add_argument("--limit", type=int, default=2000)
    parser.add_argument("--max-chars", type=int, default=20_000, help="skip motions longer than this")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    written = 0
    with args.motions.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            text = (row.get("motion_text") or "").strip()
            if not text or len(text) > args.max_chars:
                continue
            slug = re.sub(r"[^a-z0-9]+", "-", (row.get("motion_title") or "motion").lower()).strip("-")[:60]
            name = f"{row['date']}-{written:05d}-{slug}.txt"
            (args.out / name).write_text(f"{row.get('motion_title') or 'Motion'}\n\n{text}\n", encoding="utf-8")
            sidecar = {"doc_type": "motion", "date": row["date"], "body": row.get("chamber")}
            (args.out / f"{name}.meta.json").write_text(json.dumps(sidecar))
            written += 1
            if written >= args.limit:
                break
    print(f"wrote {written} motions to {args.out}")


if __name__ == "__main__":
    main()
