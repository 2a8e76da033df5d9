"""Choose the window size (`FusionConfig.window_chars`) by what a reader of the
results reads, on tuning halves only.

A result is read with its window of neighbours (`qa_app.windows.read_within`):
the language model's prompt holds `CONTEXT_CHARS` of them, and the QMSum
evaluation counts them at the LangChain-tutorial baseline's characters. The
window rankings stay off (their weights are 0), so the size changes what is
read, never the ranking. For each size the retriever is run on:
- the QMSum val tuning half (even question positions): gold-turn recall@10 at
  the baseline's characters for each question, as `eval --format qmsum` reports it;
- guards, the evidence among what the model reads (`CONTEXT_CHARS`): 200
  answerable SQuAD 2.0 dev questions from outside the seeded evaluation sample
  (at least 0.95), the real-paper tuning half and the council dev questions
  (neither below paragraphs alone).
The size with the best QMSum figure among those keeping the guards is chosen,
then reported on the QMSum held half.

    python bench/tune_reading.py --qmsum PATH/val.jsonl --qmsum-work DIR --squad SQUAD_DIR/dev-v2.0.json \\
        --squad-work DIR --realcorpus-questions REALCORPUS_DIR/questions.jsonl --realcorpus-store STORE \\
        --split bench/splits/realcorpus.json --council-questions tests/fixtures/council_dev.jsonl --council-store STORE
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tune_windows import add_tuning_sets, qmsum_recall, qmsum_set, squad_set  # noqa: E402  (beside this script)

from ingest.config import load_settings  # noqa: E402
from ingest.index import PaperStore  # noqa: E402
from ingest.library import make_embedder, open_store  # noqa: E402
from qa_app.answerers.llm import CONTEXT_CHARS  # noqa: E402
from qa_app.fusion import FusionConfig  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402
from qa_app.windows import read_within  # noqa: E402

logger = logging.getLogger("bench.tune_reading")
SIZES = (0, 1000, 1500, 2000, 2500, 3000, 3500, 4000)
"""0: paragraphs alone."""
SQUAD_GUARD = 0.95


def _alnum(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def evidence_read(retriever: HybridRetriever, questions: list[tuple[str, str]]) -> float:
    """Share of questions whose evidence text is in a paragraph the model reads."""
    found = 0
    for question, evidence in questions:
        read = read_within(retriever.retrieve(question, k=10), CONTEXT_CHARS)
        found += any(_alnum(evidence) in _alnum(p.text) for _, p in read)
    return found / max(len(questions), 1)


def ids_read(retriever: HybridRetriever, questions: list[tuple[str, set[str]]]) -> float:
    """Share of questions whose gold paragraph is among those the model reads."""
    found = sum(1 for question, gold in questions
                if {p.id for _, p in read_within(retriever.retrieve(question, k=10), CONTEXT_CHARS)} & gold)
    return found / max(len(questions), 1)


def _rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_tuning_sets(parser)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    embedder = make_embedder(load_settings(args.council_store), lean=True)
    embedder.warm_up()
    qm = qmsum_set(args.qmsum, args.qmsum_work, embedder)
    squad, squad_q = squad_set(args.squad, args.squad_work, embedder)
    tune_ids = set(json.loads(args.split.read_text())["tune_questions"])
    rc_q = [(str(q["question"]), str(q["evidence"])) for q in _rows(args.realcorpus_questions)
            if q.get("answerable") and q.get("evidence") and q["id"] in tune_ids]
    council_q = [(str(q["question"]), str(q["evidence"])) for q in _rows(args.council_questions)
                 if q.get("answerable") and q.get("evidence")]
    stores: dict[str, PaperStore] = {
        "realcorpus": open_store(load_settings(args.realcorpus_store), embedder),
        "council": open_store(load_settings(args.council_store), embedder),
    }

    def score(chars: int, half: str = "tune") -> dict[str, Any]:
        config = FusionConfig(window_chars=chars)

        def retriever(store: PaperStore) -> HybridRetriever:
            return HybridRetriever(store, embedder, fusion=config)

        return {
            "window_chars": chars,
            f"qmsum_{half}_equal_chars": round(qmsum_recall(retriever(qm.store), qm, half), 3),
            "squad_read": round(ids_read(retriever(squad), squad_q), 3),
            "realcorpus_read": round(evidence_read(retriever(stores["realcorpus"]), rc_q), 3),
            "council_read": round(evidence_read(retriever(stores["council"]), council_q), 3),
        }

    rows = []
    for chars in SIZES:
        row = score(chars)
        logger.info(json.dumps(row))
        rows.append(row)
    alone = rows[0]
    keep = [r for r in rows[1:] if r["squad_read"] >= SQUAD_GUARD
            and r["realcorpus_read"] >= alone["realcorpus_read"] and r["council_read"] >= alone["council_read"]]
    best = max(keep or rows, key=lambda r: r["qmsum_tune_equal_chars"])
    report = {"chosen": best, "chosen_held": score(best["window_chars"], "held"), "qmsum_baseline": qm.baseline,
              "context_chars": CONTEXT_CHARS, "grid": rows}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
