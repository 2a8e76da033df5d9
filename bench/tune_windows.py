"""Choose the paragraph-window settings by measurement, on tuning halves only.

For each setting of the grid (window size, weights of the window rankings) the
retriever alone is run on:
- the council dev questions (evidence in the top 5, and the extractive
  answerer declining every unanswerable one; guards: both must stay 1.0),
- the real-paper tuning half (evidence in the top 5; a guard: must not fall),
- the QMSum val tuning half (even question positions): gold-turn recall@10 at
  the LangChain baseline's characters for each question, as `eval` reports it,
- the written-answer tuning half (`bench/written_answers.py`): gold paper in the
  top 5 distinct papers,
- 200 answerable SQuAD 2.0 dev questions drawn outside the seeded evaluation sample of
  1,000 (gold paragraph in the top 5; a guard: at least 0.95).
The chosen setting keeps the guards and has the best sum of the two ratios to
the baseline; it is then reported on the held halves too.

    python bench/tune_windows.py --council-questions tests/fixtures/council_dev.jsonl --council-store STORE \\
        --realcorpus-questions REALCORPUS_DIR/questions.jsonl --realcorpus-store STORE \\
        --split bench/splits/realcorpus.json --qmsum PATH/val.jsonl --qmsum-work DIR --written-work DIR \
        --baseline-written 0.57 --squad SQUAD_DIR/dev-v2.0.json --squad-work DIR
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tune_retrieval import measure as evidence_recall  # noqa: E402  (beside this script)
from written_answers import paper_ranks  # noqa: E402

from ingest.chunk import chunking_signature  # noqa: E402
from ingest.config import load_settings  # noqa: E402
from ingest.embed import Embedder  # noqa: E402
from ingest.index import PaperStore  # noqa: E402
from ingest.library import make_embedder, open_store  # noqa: E402
from qa_app.engine import QAEngine  # noqa: E402
from qa_app.eval.breakdown import chars_returned, gold_recall_equal_chars, shown_hits  # noqa: E402
from qa_app.eval.corpus_store import build_store, paragraph_ids  # noqa: E402
from qa_app.eval.datasets import load, sample  # noqa: E402
from qa_app.eval.metrics import Hit, QuestionResult, gold_recall_at  # noqa: E402
from qa_app.fusion import FusionConfig  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402

logger = logging.getLogger("bench.tune_windows")
Asked = tuple[str, set[str]]
"""A question and its gold paragraph ids."""
SIZES = (1000, 2000)
WEIGHTS = ((0.0, 0.0), (0.25, 0.25), (0.5, 0.5), (0.5, 1.0), (1.0, 2.0))


@dataclass
class QMSumSet:
    store: PaperStore
    halves: dict[str, list[QuestionResult]]
    budgets: dict[str, list[int]]
    baseline: dict[str, float]


def qmsum_set(path: Path, work: Path, embedder: Embedder) -> QMSumSet:
    """The QMSum store, its questions in two halves and the baseline's characters
    and gold-turn recall@10 per half."""
    from qa_app.eval.baseline import LangChainBaseline

    evalset = load("qmsum", path)
    assert evalset.documents is not None
    store = build_store(evalset.documents, embedder, work, chunking_signature(embedder.max_tokens))
    gold_map = paragraph_ids(evalset.documents)
    baseline = LangChainBaseline(store, embedder)
    halves: dict[str, list[QuestionResult]] = {"tune": [], "held": []}
    budgets: dict[str, list[int]] = {"tune": [], "held": []}
    base: dict[str, list[QuestionResult]] = {"tune": [], "held": []}
    for i, q in enumerate(evalset.questions):
        half = "tune" if i % 2 == 0 else "held"
        gold = {gold_map[g] for g in q.gold if g in gold_map}
        chunks = baseline.retrieve(q.question, k=10)
        hits = [Hit(f"{c.doc_id}@{c.start}", c.text, c.paragraph_ids) for c in chunks]
        halves[half].append(QuestionResult(id=q.id, question=q.question, answerable=True, gold_ids=gold))
        base[half].append(QuestionResult(id=q.id, question=q.question, answerable=True, gold_ids=gold,
                                         retrieved=hits))
        budgets[half].append(chars_returned(hits))
    return QMSumSet(store, halves, budgets, {h: gold_recall_at(base[h], 10) or 0.0 for h in base})


def qmsum_recall(retriever: HybridRetriever, data: QMSumSet, half: str) -> float:
    results = [replace(q, retrieved=shown_hits(retriever.retrieve(q.question, k=10))) for q in data.halves[half]]
    return gold_recall_equal_chars(results, data.budgets[half], 10) or 0.0


def squad_set(path: Path, work: Path, embedder: Embedder, size: int = 200) -> tuple[PaperStore, list[Asked]]:
    """The SQuAD store and `size` answerable questions from outside the seeded evaluation sample."""
    evalset = load("squad2", path)
    assert evalset.documents is not None
    store = build_store(evalset.documents, embedder, work, chunking_signature(embedder.max_tokens))
    gold_map = paragraph_ids(evalset.documents)
    held_out = {q.id for q in sample(evalset.questions, 1000, 13)}
    rest = [q for q in evalset.questions if q.id not in held_out and q.answerable]
    chosen = sample(rest, size, 13)
    return store, [(q.question, {gold_map[g] for g in q.gold if g in gold_map}) for q in chosen]


def squad_recall(retriever: HybridRetriever, questions: list[Asked]) -> float:
    found = sum(1 for question, gold in questions
                if {r.paragraph.id for r in retriever.retrieve(question, k=5)} & gold)
    return found / max(len(questions), 1)


def written_recall(retriever: HybridRetriever, rows: list[dict[str, str]]) -> float:
    ranked = [[Path(h.path).name for h in retriever.retrieve(r["question"], k=10)] for r in rows]
    ranks = paper_ranks(ranked, [r["gold"] for r in rows])
    return sum(1 for r in ranks if r is not None and r <= 5) / max(len(rows), 1)


def add_tuning_sets(parser: argparse.ArgumentParser) -> None:
    """The sets both window tuners read: council dev, the real-paper halves, QMSum val and SQuAD 2.0 dev."""
    parser.add_argument("--council-questions", type=Path, required=True)
    parser.add_argument("--council-store", type=Path, required=True)
    parser.add_argument("--realcorpus-questions", type=Path, required=True)
    parser.add_argument("--realcorpus-store", type=Path, required=True)
    parser.add_argument("--split", type=Path, required=True)
    parser.add_argument("--qmsum", type=Path, required=True, help="QMSum committee val.jsonl")
    parser.add_argument("--qmsum-work", type=Path, required=True)
    parser.add_argument("--squad", type=Path, required=True, help="SQuAD 2.0 dev-v2.0.json")
    parser.add_argument("--squad-work", type=Path, required=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_tuning_sets(parser)
    parser.add_argument("--written-work", type=Path, required=True, help="work dir of bench/written_answers.py")
    parser.add_argument("--baseline-written", type=float, required=True,
                        help="the baseline's recall@5 on the written answers (written_answers.py)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    settings = load_settings(args.council_store)
    embedder = make_embedder(settings, lean=True)
    embedder.warm_up()
    council = open_store(load_settings(args.council_store), embedder)
    realcorpus = open_store(load_settings(args.realcorpus_store), embedder)
    written = open_store(load_settings(args.written_work / "index"), embedder)
    council_rows = [json.loads(line) for line in args.council_questions.read_text().splitlines() if line.strip()]
    council_q = [q for q in council_rows if q.get("answerable")]
    council_none = [str(q["question"]) for q in council_rows if not q.get("answerable")]
    answerer = QAEngine(load_settings(args.council_store), embedder=embedder, store=council).answerer
    split = json.loads(args.split.read_text())
    rc_rows = [json.loads(line) for line in args.realcorpus_questions.read_text().splitlines() if line.strip()]
    rc = {h: [q for q in rc_rows if q.get("answerable") and q.get("evidence") and q["id"] in split[f"{h}_questions"]]
          for h in ("tune", "held")}
    wa_rows = [json.loads(line) for line in (args.written_work / "questions.jsonl").read_text().splitlines()]
    wa = {h: [r for r in wa_rows if r["half"] == h] for h in ("tune", "held")}
    qm = qmsum_set(args.qmsum, args.qmsum_work, embedder)
    squad, squad_q = squad_set(args.squad, args.squad_work, embedder)

    def score(config: FusionConfig, half: str) -> dict[str, Any]:
        council_retriever = HybridRetriever(council, embedder, fusion=config)
        declined = [answerer.answer(q, council_retriever.retrieve(q, k=10)).abstained for q in council_none]
        return {
            "council_recall@5": evidence_recall(council_retriever, council_q)["recall@5"],
            "council_abstention": round(sum(declined) / max(len(declined), 1), 3),
            "realcorpus_recall@5": evidence_recall(HybridRetriever(realcorpus, embedder, fusion=config),
                                                   rc[half])["recall@5"],
            "qmsum_equal_chars": round(qmsum_recall(HybridRetriever(qm.store, embedder, fusion=config), qm, half), 3),
            "written_recall@5": round(written_recall(HybridRetriever(written, embedder, fusion=config), wa[half]), 3),
            "squad_recall@5": round(squad_recall(HybridRetriever(squad, embedder, fusion=config), squad_q), 3),
        }

    rows = []
    for chars in SIZES:
        for dense_w, lexical_w in WEIGHTS:
            config = FusionConfig(window_chars=chars, window_dense_weight=dense_w, window_lexical_weight=lexical_w)
            row = {"window_chars": chars, "window_dense_weight": dense_w, "window_lexical_weight": lexical_w,
                   **score(config, "tune")}
            logger.info(json.dumps(row))
            rows.append(row)
    floor = score(FusionConfig(window_chars=0), "tune")
    logger.info("paragraphs alone: %s", json.dumps(floor))
    keep = [r for r in rows if r["council_recall@5"] >= 1.0 and r["council_abstention"] >= 1.0
            and r["squad_recall@5"] >= 0.95
            and r["realcorpus_recall@5"] >= floor["realcorpus_recall@5"]]
    best = max(keep or rows, key=lambda r: r["qmsum_equal_chars"] / qm.baseline["tune"]
               + r["written_recall@5"] / args.baseline_written)
    chosen = FusionConfig(window_chars=best["window_chars"], window_dense_weight=best["window_dense_weight"],
                          window_lexical_weight=best["window_lexical_weight"])
    report = {"chosen": best, "chosen_held": score(chosen, "held"), "paragraphs_alone_tune": floor,
              "paragraphs_alone_held": score(FusionConfig(window_chars=0), "held"),
              "qmsum_baseline": qm.baseline, "grid": rows}
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
