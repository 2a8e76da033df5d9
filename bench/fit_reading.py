"""Fit the reading model (`qa_app/reading.py`) on QMSum meetings.

Each specific query's top candidates (fused order, before the reading model)
are read with their windows; a window's target is the share of its paragraphs
that are gold turns. A ridge regression on standardised `READING_FEATURES` is
fitted and written as JSON. Cross-validated by meeting (four folds), it reports
the gold turns read within each question's budget, the fitted order against
the fused one.

    python bench/fit_reading.py --qmsum QMSUM_DIR/train.jsonl --work-dir WORK --out qa_app/models/reading.json
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ingest.chunk import chunking_signature  # noqa: E402
from ingest.config import load_settings  # noqa: E402
from ingest.library import make_embedder  # noqa: E402
from qa_app.eval.corpus_store import build_store, paragraph_ids  # noqa: E402
from qa_app.eval.datasets import load  # noqa: E402
from qa_app.fusion import FusionConfig  # noqa: E402
from qa_app.reading import READING_FEATURES, ReadingModel  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402
from qa_app.types import RetrievedParagraph  # noqa: E402
from qa_app.windows import read_within  # noqa: E402

logger = logging.getLogger("fit_reading")

READ_CHARS = 7500
"""What the cross-validation reads per question: about the LangChain-tutorial
baseline's ten 1,000-character chunks (7,594 characters on QMSum train)."""


def collect(path: Path, work: Path, pool: int, k: int) -> list[dict[str, Any]]:
    """Per question: the pool `retrieve(k=k)` weighs for reading (windows attached),
    its feature rows and gold turns."""
    evalset = load("qmsum", path)
    if evalset.documents is None:
        raise SystemExit(f"{path}: no meetings")
    settings = load_settings(None)
    embedder = make_embedder(settings, lean=True)
    embedder.warm_up()
    store = build_store(evalset.documents, embedder, work, chunking_signature(embedder.max_tokens))
    gold_map = paragraph_ids(evalset.documents)
    fusion = FusionConfig() if settings.query_adapter else FusionConfig().without_adapter()
    width = len(READING_FEATURES)
    zero = ReadingModel(mean=np.zeros(width), scale=np.ones(width), coef=np.zeros(width), intercept=0.0, meta={})
    retriever = HybridRetriever(store, embedder, fusion=replace(fusion, reading_pool=pool), reading=zero)
    seen: dict[str, Any] = {}
    rows_of = retriever.reading_rows

    def spy(question: str, pool: Any, windows: Any, best: Any, filters: Any = None) -> np.ndarray:
        """The pool as `retrieve` weighs it (fused with the caller's k), kept with its rows."""
        seen.update(pool=list(pool), windows=windows, rows=rows_of(question, pool, windows, best, filters))
        return seen["rows"]

    retriever.reading_rows = spy  # type: ignore[method-assign]
    out = []
    for q in evalset.questions:
        gold = {gold_map[g] for g in q.gold if g in gold_map}
        if not gold:
            continue
        retriever.retrieve(q.question, k=k)
        results, windows = seen["pool"], seen["windows"]
        results = [replace(r, window=windows[r.paragraph.id].paragraphs) for r in results]
        target = [len({p.id for p in r.window} & gold) / len(r.window) for r in results]
        out.append({"meeting": q.id.split("/")[1], "results": results, "rows": seen["rows"], "target": target,
                    "gold": gold})
    store.close()
    return out


def fit(questions: list[dict[str, Any]], alpha: float) -> ReadingModel:
    from sklearn.linear_model import Ridge
    from sklearn.preprocessing import StandardScaler

    x = np.vstack([q["rows"] for q in questions])
    y = np.concatenate([q["target"] for q in questions])
    scaler = StandardScaler().fit(x)
    ridge = Ridge(alpha=alpha).fit(scaler.transform(x), y)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    return ReadingModel(mean=scaler.mean_, scale=scale, coef=ridge.coef_, intercept=float(ridge.intercept_),
                        meta={"alpha": alpha, "questions": len(questions), "rows": len(y)})


def gold_read(question: dict[str, Any], model: ReadingModel | None, k: int, keeps: int) -> float:
    """Share of the question's gold turns (both capped at 10) read within `READ_CHARS`."""
    results: list[RetrievedParagraph] = question["results"]
    if model is not None:
        scores = model.score(question["rows"])
        rest = sorted(range(keeps, len(results)), key=lambda i: (-scores[i], i))[: k - keeps]
        results = [replace(results[i], reading=float(scores[i])) for i in sorted([*range(keeps), *rest])]
    else:
        results = results[:k]
    read = {p.id for _, p in read_within(results, READ_CHARS)}
    gold = question["gold"]
    return min(len(read & gold), 10) / min(len(gold), 10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qmsum", type=Path, required=True, help="QMSum JSONL to fit on (train)")
    parser.add_argument("--work-dir", type=Path, required=True, help="folder for its evaluation store")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pool", type=int, default=FusionConfig().reading_pool)
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--k", type=int, default=10, help="results asked for, as `qa_app eval` asks")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    questions = collect(args.qmsum, args.work_dir, args.pool, args.k)
    keeps = FusionConfig().reading_keeps
    meetings = sorted({q["meeting"] for q in questions})
    fused = fitted = 0.0
    for fold in range(4):
        held = set(meetings[fold::4])
        model = fit([q for q in questions if q["meeting"] not in held], args.alpha)
        for q in (q for q in questions if q["meeting"] in held):
            fused += gold_read(q, None, args.k, keeps)
            fitted += gold_read(q, model, args.k, keeps)
    model = fit(questions, args.alpha)
    model = replace(model, meta={**model.meta, "cv_gold_read_fused": round(fused / len(questions), 3),
                                 "cv_gold_read_fitted": round(fitted / len(questions), 3)})
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(model.to_json(), indent=1) + "\n", encoding="utf-8")
    logger.info("%d questions, %d meetings; cross-validated gold turns read within %d characters: "
                "fused order %.3f, fitted %.3f", len(questions), len(meetings), READ_CHARS,
                fused / len(questions), fitted / len(questions))
    logger.info("coefficients: %s", dict(zip(READING_FEATURES, np.round(model.coef, 4).tolist(), strict=True)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
