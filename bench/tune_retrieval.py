"""Choose the retrieval weights by measurement on labelled questions.

Grid-searches the field boost, the weight of the search inside named papers
and the structural penalty on the tuning half of a question set, then reports
the chosen setting and the defaults on both halves (the held half was never
looked at while choosing). A hit is a retrieved paragraph holding the
question's evidence (letters and digits compared, as the evaluation does).

    python -m ingest REALCORPUS_DIR/papers --store STORE
    python bench/tune_retrieval.py REALCORPUS_DIR/questions.jsonl --store STORE \\
        --split bench/splits/realcorpus.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import logging
import re
from dataclasses import replace
from pathlib import Path

from ingest.config import load_settings
from ingest.library import make_embedder, open_store
from qa_app.fusion import FusionConfig
from qa_app.retrieval import HybridRetriever

logger = logging.getLogger("bench.tune_retrieval")
GRID = {"field_boost": (0.0, 0.25, 0.5, 1.0), "field_weight": (0.0, 0.25, 0.5, 1.0),
        "structural_penalty": (0.3, 1.0)}


def _alnum(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.lower())


def measure(retriever: HybridRetriever, questions: list[dict[str, object]], k: int = 5) -> dict[str, float]:
    hits = 0
    reciprocal = 0.0
    for q in questions:
        evidence = _alnum(str(q["evidence"]))
        got = retriever.retrieve(str(q["question"]), k=k)
        rank = next((i for i, r in enumerate(got, start=1) if evidence in _alnum(r.paragraph.text)), None)
        hits += rank is not None
        reciprocal += 1.0 / rank if rank else 0.0
    n = max(1, len(questions))
    return {"recall@5": round(hits / n, 3), "mrr@5": round(reciprocal / n, 3), "questions": len(questions)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", type=Path)
    parser.add_argument("--store", type=Path, required=True)
    parser.add_argument("--split", type=Path, required=True, help="JSON with tune_questions and held_questions")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    split = json.loads(args.split.read_text())
    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    answerable = [q for q in rows if q.get("answerable") and q.get("evidence")]
    halves = {h: [q for q in answerable if q["id"] in set(split[f"{h}_questions"])] for h in ("tune", "held")}
    settings = load_settings(args.store)
    embedder = make_embedder(settings)
    store = open_store(settings, embedder)
    base = FusionConfig()
    best: tuple[tuple[float, float], FusionConfig] | None = None
    for values in itertools.product(*GRID.values()):
        boost, weight, penalty = values
        config = replace(base, field_boost=boost, field_weight=weight, structural_penalty=penalty)
        score = measure(HybridRetriever(store, embedder, fusion=config), halves["tune"])
        key = (score["recall@5"], score["mrr@5"])
        logger.info("%s %s", dict(zip(GRID, values, strict=True)), score)
        if best is None or key > best[0]:
            best = (key, config)
    assert best is not None
    chosen = best[1]
    report = {
        "chosen": {name: getattr(chosen, name) for name in GRID},
        "defaults": {name: getattr(base, name) for name in GRID},
    }
    for label, config in (("chosen", chosen), ("defaults", base)):
        retriever = HybridRetriever(store, embedder, fusion=config)
        report[f"{label}_tune"] = measure(retriever, halves["tune"])
        report[f"{label}_held"] = measure(retriever, halves["held"])
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
