"""Repair: bring vectors and the lexical index back in line with the catalogue,
touching only what is wrong. Papers are re-chunked from the catalogue's own
copy (chunk ids are deterministic), so no paper file is needed."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from ingest.chunk import chunk_paper
from ingest.embed import Embedder
from ingest.index import PaperStore

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RepairReport:
    """What a repair did."""

    reembedded_papers: tuple[str, ...]
    reembedded_chunks: int
    orphans_removed: int


def repair_vectors(store: PaperStore, embedder: Embedder) -> RepairReport:
    """Re-embed the papers whose vectors are missing (an emptied or deleted
    vector folder included), drop vectors no paper owns and write the paper
    vectors that are missing from the chunk vectors. Papers that are fine are
    not touched. The lexical index is rebuilt if it is stale."""
    with store.batch():
        integrity = store.check()
        papers = sorted(store.catalogue.doc_of_chunks(integrity.missing_vectors))
        chunks_done = 0
        for doc_id in papers:
            paper = store.catalogue.stored_paper(doc_id)
            if paper is None:
                continue
            chunks = chunk_paper(paper, embedder.count_tokens, embedder.max_tokens)
            store.put_vectors(paper, chunks, embedder.embed_documents([c.text for c in chunks]))
            chunks_done += len(chunks)
        orphans = store.sweep_orphans() if integrity.orphan_vectors else 0
        store.fill_paper_vectors()
    if papers:
        logger.warning("re-embedded %d chunks of %d papers whose vectors were missing", chunks_done, len(papers))
    return RepairReport(tuple(papers), chunks_done, orphans)
