"""Embed papers in batches that span small papers, and write each batch of papers
to the store at once. A failure costs only the papers of its own batch.

Throughput comes from three things (`docs/BENCHMARKS.md`, "Lean query path and
scale"): passages are embedded longest first, so each model call pads to about
its own length rather than to the longest passage of a mixed call; a batch is a
few hundred passages, so that sort has something to work with; and a batch's
papers go to Chroma and the catalogue in one write each, not one per paper.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ingest.embed import Embedder
from ingest.index import PaperStore
from ingest.report import Failure, IngestReport
from ingest.types import Chunk, Paper

logger = logging.getLogger(__name__)

EMBED_STEP = 64
"""Passages per embedding call, so the progress bar moves during long papers."""
BATCH_CHUNKS = 256
"""Passages embedded and written together; a killed run re-embeds at most this many."""

ProgressHook = Callable[[str, int], None]
"""Called as (event, amount): ("file", 1) after each paper, ("embed", n) after
each embedding batch, and ("total_files", n) up front (chunk counts are only
known as papers are parsed, so the embedding bar counts up without a total)."""


@dataclass
class EmbedBatcher:
    """Collects parsed papers until `batch_chunks` chunks are pending, then
    embeds them together and writes the papers to the store."""

    store: PaperStore
    embedder: Embedder
    report: IngestReport
    notify: ProgressHook
    batch_chunks: int = BATCH_CHUNKS
    landed: int = 0
    _pending: list[tuple[Paper, list[Chunk]]] = field(default_factory=list)
    _pending_chunks: int = 0

    def add(self, paper: Paper, chunks: list[Chunk]) -> None:
        self._pending.append((paper, chunks))
        self._pending_chunks += len(chunks)
        if self._pending_chunks >= self.batch_chunks:
            self.flush()

    def flush(self) -> None:
        pending, self._pending, self._pending_chunks = self._pending, [], 0
        if not pending:
            return
        try:
            vectors = self._embed([c.text for _, chunks in pending for c in chunks])
        except Exception as exc:  # noqa: BLE001 - a model failure must not lose other papers
            for paper, _ in pending:
                self._fail(paper, f"embedding failed ({type(exc).__name__}: {exc})")
            return
        items, offset = [], 0
        for paper, chunks in pending:
            items.append((paper, chunks, vectors[offset : offset + len(chunks)]))
            offset += len(chunks)
        try:
            self.store.write_papers(items)
        except Exception:  # noqa: BLE001 - find the paper that cannot be written; the others land
            logger.warning("writing %d papers together failed; writing them one at a time", len(items), exc_info=True)
            for item in items:
                self._write_one(*item)
            return
        for _, chunks, _ in items:
            self._landed(chunks)

    def _write_one(self, paper: Paper, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        try:
            self.store.write_paper(paper, chunks, vectors)
        except Exception as exc:  # noqa: BLE001 - one bad write must not stop the run
            logger.exception("writing %s failed", paper.doc_id)
            self._fail(paper, f"could not store ({type(exc).__name__}: {exc})")
            return
        self._landed(chunks)

    def _landed(self, chunks: Sequence[Chunk]) -> None:
        self.landed += 1
        self.report.embedded_chunks += len(chunks)
        self.notify("file", 1)

    def _fail(self, paper: Paper, reason: str) -> None:
        self.report.failed.append(Failure(paper.doc_id, reason))
        self.notify("file", 1)

    def _embed(self, texts: list[str]) -> np.ndarray:
        """Vectors in the order of `texts`, embedded longest first."""
        out = np.zeros((len(texts), self.embedder.dimension), dtype=np.float32)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        for start in range(0, len(order), EMBED_STEP):
            piece = order[start : start + EMBED_STEP]
            out[piece] = self.embedder.embed_documents([texts[i] for i in piece])
            self.notify("embed", len(piece))
        return out
