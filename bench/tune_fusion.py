"""Choose the reciprocal-rank-fusion constants on tuning sets only.

    python bench/tune_fusion.py --squad SQUAD_DIR/dev-v2.0.json --squad-work SQUAD_WORK \\
        --realcorpus REALCORPUS_DIR --realcorpus-store RC_STORE --split bench/splits/realcorpus.json \\
        --council-questions tests/fixtures/council_dev.jsonl --council-store COUNCIL_STORE \\
        [--written-work WA_WORK] [--known-items SCALE_SIZE_DIR [--known-tune 300]]

For each setting of `rrf_k`, `lexical_weight` and `type_boost` it prints:
SQuAD 2.0 dev gold paragraph in the top 5 over `--squad-tune` answerable
questions drawn from outside the seeded evaluation sample (what `python -m qa_app
eval --format squad2 --limit 1000` scores), evidence in the top 5 on the tune
half of the real-paper questions and on council dev, and, with
`--written-work` (a `bench/written_answers.py` work folder), the right paper in
the top 5 on the written-answers tune half, and, with `--known-items` (a size
folder of `bench/scale.py`: index/ and questions.jsonl), the right paper in the
top 5 for `--known-tune` known-item questions drawn (seed 7) from outside the
sample `bench/scale.py` reports (200 at seed 13). The SQuAD questions and their
store, and the written-answer measure, are `bench/tune_windows.py`'s (the
store is built in `--squad-work` unless it is there, e.g. the SQuAD
evaluation's `--work-dir`); the others are `python -m ingest` stores. Numbers
only: the choice, and the held-out check, are in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from scale import _questions  # noqa: E402  (beside this script)
from scale_corpus import _read_jsonl  # noqa: E402
from tune_retrieval import measure  # noqa: E402
from tune_windows import squad_recall, squad_set, written_recall  # noqa: E402

from ingest.config import Settings, load_settings  # noqa: E402
from ingest.embed import Embedder  # noqa: E402
from ingest.index import PaperStore  # noqa: E402
from ingest.library import make_embedder, open_store  # noqa: E402
from qa_app.fusion import FusionConfig  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402

REPORTED_KNOWN_ITEMS, REPORTED_SEED, TUNE_SEED = 200, 13, 7
GRID: list[tuple[float, float, float]] = [  # (rrf_k, lexical_weight, type_boost)
    (60, 0.75, 0.3), (10, 0.75, 0.3), (20, 0.75, 0.3), (30, 0.75, 0.3), (45, 0.75, 0.3), (100, 0.75, 0.3),
    (60, 0.5, 0.3), (60, 1.0, 0.3), (60, 0.75, 0.0), (60, 0.75, 0.15), (60, 0.75, 0.5),
    (20, 1.0, 0.3), (30, 1.0, 0.3), (20, 0.75, 0.15), (30, 0.75, 0.15), (20, 1.0, 0.15),
    # around the shipped setting, swept again once the adapted dense ranking replaced the plain one
    (10, 1.0, 0.3), (20, 0.5, 0.3), (20, 1.25, 0.3), (20, 1.5, 0.3), (30, 1.25, 0.3),
    (40, 1.0, 0.3),  # and at the known items' scale
]


def _known_tune(path: Path, size: int) -> list[dict[str, str]]:
    """Known-item questions to tune on: none of those `bench/scale.py` reports."""
    reported = {row["question"] for row in _questions(path, REPORTED_KNOWN_ITEMS, REPORTED_SEED)}
    pool = [{k: str(v) for k, v in row.items()} for row in _read_jsonl(path) if row["question"] not in reported]
    return random.Random(TUNE_SEED).sample(pool, min(size, len(pool)))


def known_recall(retriever: HybridRetriever, rows: list[dict[str, str]], k: int) -> float:
    """Share of questions whose own paper (`gold`, a file name) is among the top
    `k` results' papers, as `bench/scale.py` counts it."""
    hits = sum(row["gold"] in [Path(h.path).name for h in retriever.retrieve(row["question"], k=k)] for row in rows)
    return hits / max(len(rows), 1)


def _open(folder: Path, embedder: Embedder) -> PaperStore:
    return open_store(load_settings(folder), embedder)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--squad", type=Path, required=True, help="SQuAD 2.0 dev JSON")
    p.add_argument("--squad-work", type=Path, required=True, help="folder of the SQuAD store (built if missing)")
    p.add_argument("--squad-tune", type=int, default=800,
                   help="answerable SQuAD questions to tune on, from outside the seeded evaluation sample")
    p.add_argument("--realcorpus", type=Path, required=True, help="REALCORPUS_DIR (questions.jsonl)")
    p.add_argument("--realcorpus-store", type=Path, required=True)
    p.add_argument("--split", type=Path, required=True, help="split file with tune_questions")
    p.add_argument("--council-questions", type=Path, required=True)
    p.add_argument("--council-store", type=Path, required=True)
    p.add_argument("--written-work", type=Path, help="bench/written_answers.py work folder (index/, questions.jsonl)")
    p.add_argument("--known-items", type=Path, help="a bench/scale.py size folder (index/, questions.jsonl)")
    p.add_argument("--known-tune", type=int, default=300, help="known-item questions to tune on")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    tune_ids = set(json.loads(args.split.read_text())["tune_questions"])
    real = [q for q in _read_jsonl(args.realcorpus / "questions.jsonl")
            if q.get("answerable") and q.get("evidence") and q["id"] in tune_ids]
    council = [q for q in _read_jsonl(args.council_questions) if q.get("answerable") and q.get("evidence")]
    written = [{k: str(v) for k, v in q.items()} for q in _read_jsonl(args.written_work / "questions.jsonl")
               if q["half"] == "tune"] if args.written_work else []

    known = _known_tune(args.known_items / "questions.jsonl", args.known_tune) if args.known_items else []

    embedder = make_embedder(Settings(), lean=True)
    embedder.warm_up()
    squad_store, squad_tune = squad_set(args.squad, args.squad_work, embedder, size=args.squad_tune)
    stores = {"squad": squad_store, "real": _open(args.realcorpus_store, embedder),
              "council": _open(args.council_store, embedder)}
    if args.written_work:
        stores["written"] = _open(args.written_work / "index", embedder)
    if args.known_items:
        stores["known"] = _open(args.known_items / "index", embedder)

    for rrf_k, lexical_weight, type_boost in GRID:
        config = replace(FusionConfig(), rrf_k=rrf_k, lexical_weight=lexical_weight, type_boost=type_boost)
        r = {name: HybridRetriever(store, embedder, fusion=config) for name, store in stores.items()}
        row: dict[str, Any] = {"rrf_k": rrf_k, "lexical_weight": lexical_weight, "type_boost": type_boost,
                               "squad_top5": round(squad_recall(r["squad"], squad_tune), 4),
                               "realcorpus_tune_top5": measure(r["real"], real)["recall@5"],
                               "council_dev_top5": measure(r["council"], council)["recall@5"]}
        if written:
            row["written_tune_top5"] = round(written_recall(r["written"], written), 3)
        if known:
            row["known_tune_top5"] = round(known_recall(r["known"], known, 5), 3)
            row["known_tune_top10"] = round(known_recall(r["known"], known, 10), 3)
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
