"""How much of the true top of the dense ranking Chroma's approximate (HNSW)
search returns: for each question, the chunks among the exact `--depth` most
similar (one matrix product over every vector in the store) that the
collection's own search leaves out. The product searches with the adapted
question vector, so this does too.

    python bench/vector_recall.py --store RC_STORE --questions REALCORPUS_DIR/questions.jsonl \\
        [--questions bench/data/realcorpus_fresh.jsonl ...] [--depth 50]
    python bench/vector_recall.py --store WORK/size-100000/index --questions WORK/size-100000/questions.jsonl \\
        --limit 200 --seed 13      # the scale benchmark's known-item questions

Prints one JSON line: questions, those with at least one chunk missed, chunks
missed, and the share of the exact top found.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from ingest.config import load_settings  # noqa: E402
from qa_app.engine import QAEngine  # noqa: E402
from qa_app.eval.datasets import load_council  # noqa: E402
from qa_app.retrieval import HybridRetriever  # noqa: E402

logger = logging.getLogger("bench.vector_recall")
PAGE = 5000
"""Vectors read per Chroma call (one call for 75k chunks exceeds SQLite's variable limit)."""


def questions_of(paths: list[Path], limit: int | None, seed: int) -> list[str]:
    """Every `question` of the JSONL files; a seeded sample of `limit` (as `bench/scale.py` asks)."""
    asked = [q.question for path in paths for q in load_council(path).questions]
    return asked if limit is None else random.Random(seed).sample(asked, min(limit, len(asked)))


def all_vectors(collection: object) -> tuple[list[str], np.ndarray]:
    """Every chunk id and its unit vector, read page by page."""
    count = int(collection.count())  # type: ignore[attr-defined]
    ids: list[str] = []
    blocks: list[np.ndarray] = []
    for start in range(0, count, PAGE):
        page = collection.get(include=["embeddings"], limit=PAGE, offset=start)  # type: ignore[attr-defined]
        ids += page["ids"]
        blocks.append(np.asarray(page["embeddings"], dtype=np.float32))
    matrix = np.concatenate(blocks) if blocks else np.zeros((0, 1), dtype=np.float32)
    return ids, matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a store `python -m ingest` built")
    parser.add_argument("--questions", type=Path, action="append", required=True, help="JSONL with `question`")
    parser.add_argument("--depth", type=int, default=50, help="how deep the top compared is (default 50)")
    parser.add_argument("--limit", type=int, help="ask a seeded sample of this many questions")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")

    engine = QAEngine(load_settings(args.store))
    retriever, vectors = engine.retriever, engine.store.vectors
    if not isinstance(retriever, HybridRetriever):
        parser.error("the store's retriever is not the hybrid one")
    ids, matrix = all_vectors(vectors.collection)
    asked = questions_of(args.questions, args.limit, args.seed)
    missed_questions = missed_chunks = 0
    for question in asked:
        query = np.asarray(retriever.search_vector(retriever.embedder.embed_query(question)), dtype=np.float32)
        scores = matrix @ (query / np.linalg.norm(query))
        depth = min(args.depth, len(ids))
        exact = {ids[i] for i in np.argpartition(-scores, depth - 1)[:depth]}
        found = {chunk_id for chunk_id, _ in vectors.query(query, depth, None)}
        missed = len(exact - found)
        missed_questions += missed > 0
        missed_chunks += missed
    total = max(len(asked) * min(args.depth, len(ids)), 1)
    print(json.dumps({"questions": len(asked), "chunks": len(ids), "depth": args.depth,
                      "questions_with_a_miss": missed_questions, "chunks_missed": missed_chunks,
                      "recall": round(1 - missed_chunks / total, 4)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
