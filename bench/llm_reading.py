"""What the LLM reads: the share of answerable questions whose evidence is among
the paragraphs `qa_app.answerers.llm.reading_context` gives the model (the
results with their windows, within `COUNCIL_LLM_CONTEXT_CHARS`).

The extractive answer reads the first five results; the LLM reads windows until
its budget runs out, so evidence at results 4-5 can go unread. This is the
guard for any change to what is read, or in what order.

    python bench/llm_reading.py --store RC_STORE --questions REALCORPUS_DIR/questions.jsonl \\
        [--questions bench/data/realcorpus_fresh.jsonl ...] [--squad SQUAD_DIR/dev-v2.0.json --squad-work DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tune_reading import evidence_read, ids_read  # noqa: E402  (beside this script)
from tune_windows import squad_set  # noqa: E402

from ingest.config import load_settings  # noqa: E402
from qa_app.answerers.llm import CONTEXT_CHARS  # noqa: E402
from qa_app.engine import QAEngine  # noqa: E402
from qa_app.eval.datasets import load_council  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402

logger = logging.getLogger("bench.llm_reading")


def evidence_questions(path: Path) -> list[tuple[str, str]]:
    """(question, evidence) of each answerable question with evidence, in the
    council question format (the first evidence passage when there are several)."""
    return [(q.question, q.evidence[0]) for q in load_council(path).questions
            if q.answerable and q.evidence and q.evidence[0]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--store", type=Path, required=True, help="index the --questions are asked of")
    parser.add_argument("--questions", type=Path, action="append", default=[], help="council-format questions")
    parser.add_argument("--squad", type=Path, help="SQuAD 2.0 dev: 200 questions outside the evaluation sample")
    parser.add_argument("--squad-work", type=Path, help="folder for the SQuAD store")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = load_settings(args.store)
    engine = QAEngine(settings)  # the retriever as the app builds it, with the settings' switches
    if not isinstance(engine.retriever, HybridRetriever):
        raise SystemExit(f"{type(engine.retriever).__name__}: not the hybrid retriever this bench reads through")
    report: dict[str, object] = {"context_chars": CONTEXT_CHARS}
    for path in args.questions:
        asked = evidence_questions(path)
        report[path.name] = {"questions": len(asked), "evidence_read": round(evidence_read(engine.retriever, asked), 3)}
    if args.squad is not None:
        if args.squad_work is None:
            parser.error("--squad needs --squad-work")
        store, asked_ids = squad_set(args.squad, args.squad_work, engine.embedder)
        retriever = HybridRetriever(store, engine.embedder, fusion=engine.retriever.fusion)
        report["squad"] = {"questions": len(asked_ids), "evidence_read": round(ids_read(retriever, asked_ids), 3)}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
