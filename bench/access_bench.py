"""Access levels: what a level change costs next to re-embedding the paper, and
what the access filter costs a question.

    python bench/access_bench.py PATH [--questions 30] [--repeat 3]

Ingests PATH into a temporary store, then for the largest paper: the median
time of `set_access` (catalogue row + Chroma metadata + generation bump) and of
re-embedding it (`write_paper` after chunking and embedding). Then retrieval
latency for the same questions as an officer (no access filter) and as an
anonymous reader (filter inside Chroma and the BM25 mask).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.index import PaperStore
    from ingest.types import Paper

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark access-level changes and filtered retrieval.")
    parser.add_argument("path", type=Path, help="folder of papers")
    parser.add_argument("--questions", type=int, default=30, help="questions for the retrieval timing")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each change")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    from ingest.chunk import chunk_paper
    from ingest.config import Settings
    from ingest.library import make_embedder, open_store
    from ingest.pipeline import run
    from qa_app.access import Viewer, restrict
    from qa_app.retrieval import HybridRetriever

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(_env_file=None, store_dir=Path(tmp))
        embedder = make_embedder(settings)
        embedder.warm_up()
        store = open_store(settings, embedder)
        report = run([args.path], store, embedder, max_bytes=settings.max_file_bytes)
        biggest = max(store.documents(), key=lambda d: d.paragraphs)
        paper = _stored_paper(store, biggest.doc_id)
        change, reembed = [], []
        for i in range(args.repeat):
            t0 = time.perf_counter()
            store.set_access(biggest.doc_id, "members" if i % 2 == 0 else "public")
            change.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            chunks = chunk_paper(paper, embedder.count_tokens, embedder.max_tokens)
            store.write_paper(paper, chunks, embedder.embed_documents([c.text for c in chunks]))
            reembed.append(time.perf_counter() - t0)
        store.set_access(biggest.doc_id, "members")
        retriever = HybridRetriever(store, embedder)
        retriever.refresh()
        texts = [p.text for d in store.documents() for p in store.paragraphs_of(d.doc_id) if p.kind != "heading"]
        questions = [" ".join(t.split()[:12]) for t in texts[:: max(1, len(texts) // args.questions)]]
        timings: dict[str, list[float]] = {"officer": [], "anonymous": []}
        for question in questions[: args.questions]:
            for name, viewer in (("officer", Viewer.everyone()), ("anonymous", Viewer.anonymous())):
                t0 = time.perf_counter()
                retriever.retrieve(question, k=8, filters=restrict(viewer))
                timings[name].append(time.perf_counter() - t0)
        print(json.dumps({
            "papers": report.documents, "paragraphs": report.paragraphs, "chunks": report.chunks,
            "changed_paper_paragraphs": biggest.paragraphs,
            "set_access_ms": median_ms(change), "reembed_paper_ms": median_ms(reembed),
            "retrieve_officer_ms": median_ms(timings["officer"]),
            "retrieve_anonymous_ms": median_ms(timings["anonymous"]),
            "questions": len(timings["officer"]),
        }, indent=2))
        store.close()


def _stored_paper(store: PaperStore, doc_id: str) -> Paper:
    """The stored paper rebuilt from the catalogue (text, paragraphs, metadata)."""
    from ingest.types import Paper

    doc = next(d for d in store.documents() if d.doc_id == doc_id)
    return Paper(doc_id=doc.doc_id, path=doc.path, content_hash=doc.content_hash, meta=doc.meta,
                text=store.paper_text(doc_id) or "", paragraphs=store.paragraphs_of(doc_id))


if __name__ == "__main__":
    main()
