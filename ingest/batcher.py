"""Embed papers in batches that span small papers, and write each paper as soon
as its vectors exist. A failure costs only the papers of its own batch."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ingest.embed import Embedder
from ingest.index import PaperStore
from ingest.report import Failure, IngestReport
from ingest.types import Chunk, Paper

logger = logging.getLogger(__name__)

EMBED_STEP = 32
"""Passages per embedding call, so the progress bar moves during long papers."""

ProgressHook = Callable[[str, int], None]
"""Called as (event, amount): ("file", 1) after each paper, ("embed", n) after
each embedding batch, and ("total_files", n) up front (chunk counts are only
known as papers are parsed, so the embedding bar counts up without a total)."""


@dataclass
class EmbedBatcher:
    """Collects parsed papers until `batch_chunks` chunks are pending, then
    embeds them together and writes each paper to the store."""

    store: PaperStore
    embedder: Embedder
    report: IngestReport
    notify: ProgressHook
    batch_chunks: int = 64
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
        offset = 0
        for paper, chunks in pending:
            part = vectors[offset : offset + len(chunks)]
            offset += len(chunks)
            try:
                self.store.write_paper(paper, chunks, part)
            except Exception as exc:  # noqa: BLE001 - one bad write must not stop the run
                logger.exception("writing %s failed", paper.doc_id)
                self._fail(paper, f"could not store ({type(exc).__name__}: {exc})")
                continue
            self.landed += 1
            self.report.embedded_chunks += len(chunks)
            self.notify("file", 1)

    def _fail(self, paper: Paper, reason: str) -> None:
        self.report.failed.append(Failure(paper.doc_id, reason))
        self.notify("file", 1)

    def _embed(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        out = []
        for start in range(0, len(texts), EMBED_STEP):
            piece = texts[start : start + EMBED_STEP]
            out.append(self.embedder.embed_documents(piece))
            self.notify("embed", len(piece))
        return np.concatenate(out)
