"""A real store (Chroma + catalogue + BM25) built from an evaluation set's own
documents through the store API, so SQuAD and QMSum are searched by exactly the
code that searches council papers. Paragraph boundaries are the set's own
(SQuAD contexts, QMSum turns) so gold paragraphs map one to one."""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter
from pathlib import Path

from ingest.chunk import chunk_paper
from ingest.embed import Embedder
from ingest.index import PaperStore
from ingest.paragraphs import paragraph_id
from ingest.types import Paper, PaperMeta, Paragraph
from qa_app.eval.datasets import EvalDocument

logger = logging.getLogger(__name__)


def to_paper(doc: EvalDocument) -> Paper:
    """The document as a `Paper`: paragraphs joined by blank lines, offsets kept."""
    paragraphs: list[Paragraph] = []
    seen: Counter[str] = Counter()
    offset = 0
    pieces: list[str] = []
    for number, text in enumerate(doc.paragraphs, start=1):
        text = text.strip() or "(empty)"
        if pieces:
            pieces.append("\n\n")
            offset += 2
        occurrence = seen[text]
        seen[text] += 1
        paragraphs.append(
            Paragraph(id=paragraph_id(doc.doc_id, text, occurrence), doc_id=doc.doc_id, number=number, text=text,
                      start=offset, end=offset + len(text))
        )
        pieces.append(text)
        offset += len(text)
    text = "".join(pieces)
    digest = hashlib.sha256(text.encode()).hexdigest()
    meta = PaperMeta(title=doc.title, doc_type=doc.doc_type, body=doc.body, date=doc.date)
    return Paper(doc_id=doc.doc_id, path=doc.doc_id, content_hash=digest, meta=meta, text=text, paragraphs=paragraphs)


def build_store(documents: list[EvalDocument], embedder: Embedder, folder: Path, chunking: str) -> PaperStore:
    """Open (or fill) a store in `folder` holding exactly `documents`. A folder
    already built from the same documents, model and chunking is reused, its
    missing paper vectors (a folder built before they were kept) made from its
    chunk vectors."""
    papers = [to_paper(d) for d in documents]
    parts = [embedder.name, chunking, *(p.content_hash for p in papers)]
    signature = hashlib.sha256("\n".join(parts).encode()).hexdigest()
    store = PaperStore(folder, embedder_name=embedder.name, chunking=chunking)
    marker = folder / "eval-corpus.json"
    if marker.exists() and json.loads(marker.read_text()).get("signature") == signature:
        logger.info("reusing the evaluation store in %s", folder)
        store.fill_paper_vectors()
        return store
    store.reset()
    total = len(papers)
    with store.batch():
        for i, paper in enumerate(papers, start=1):
            chunks = chunk_paper(paper, embedder.count_tokens, embedder.max_tokens)
            vectors = embedder.embed_documents([c.text for c in chunks])
            store.write_paper(paper, chunks, vectors)
            logger.info("embedded %d/%d documents (%d chunks)", i, total, len(chunks))
    marker.write_text(json.dumps({"signature": signature}))
    return store


def paragraph_ids(documents: list[EvalDocument]) -> dict[tuple[str, int], str]:
    """(doc_id, paragraph index) → paragraph id, for mapping gold paragraphs."""
    out: dict[tuple[str, int], str] = {}
    for doc in documents:
        for index, para in enumerate(to_paper(doc).paragraphs):
            out[(doc.doc_id, index)] = para.id
    return out
