"""Paragraphs → chunks that fit the embedding model.

A chunk is one paragraph, prefixed with its paper's title and heading for
context. A paragraph too long for the model is split with LangChain's
token-aware splitter, every piece still mapping back to that paragraph, so
nothing is ever silently truncated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from ingest.types import Chunk, Paper

CHUNKING_VERSION = "paragraph-v1"
SPLIT_OVERLAP_TOKENS = 32


def chunking_signature(max_tokens: int) -> str:
    """What an index records about how its chunks were made."""
    return f"{CHUNKING_VERSION};max_tokens={max_tokens};overlap={SPLIT_OVERLAP_TOKENS};prefix=title+heading"


def context_prefix(title: str, heading: str | None) -> str:
    parts = [title.strip()]
    if heading and heading.strip() and heading.strip().lower() not in title.lower():
        parts.append(heading.strip())
    return " — ".join(p for p in parts if p) + "\n"


def chunk_paper(paper: Paper, count_tokens: Callable[[str], int], max_tokens: int) -> list[Chunk]:
    """Chunks for every paragraph except bare headings (their words ride along in
    the prefix of the paragraphs beneath them)."""
    return list(_chunks(paper, count_tokens, max_tokens))


def _chunks(paper: Paper, count_tokens: Callable[[str], int], max_tokens: int) -> Iterator[Chunk]:
    for para in paper.paragraphs:
        if para.kind == "heading":
            continue
        prefix = context_prefix(paper.meta.title, para.heading)
        if count_tokens(prefix) > max_tokens // 3:
            prefix = ""
        full = prefix + para.text
        if count_tokens(full) <= max_tokens:
            yield Chunk(id=_chunk_id(para.id, 0, full), doc_id=paper.doc_id, text=full, paragraph_ids=(para.id,))
            continue
        budget = max_tokens - count_tokens(prefix) - 2
        for i, piece in enumerate(split_long_text(para.text, count_tokens, budget)):
            text = prefix + piece
            yield Chunk(id=_chunk_id(para.id, i, text), doc_id=paper.doc_id, text=text, paragraph_ids=(para.id,))


def split_long_text(text: str, count_tokens: Callable[[str], int], budget: int) -> list[str]:
    """Split on sentence and word boundaries into pieces of at most `budget`
    tokens each (as the embedding model counts them)."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter  # only ingestion needs LangChain

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=budget,
        chunk_overlap=min(SPLIT_OVERLAP_TOKENS, budget // 4),
        length_function=count_tokens,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
    )
    pieces = [p.strip() for p in splitter.split_text(text) if p.strip()]
    return pieces


def _chunk_id(paragraph_id: str, piece: int, text: str) -> str:
    """Deterministic, so re-running a killed ingestion upserts rather than duplicates;
    the text is part of it, so a changed prefix yields a new vector."""
    digest = hashlib.blake2b(text.encode(), digest_size=4).hexdigest()
    return f"{paragraph_id}-{piece}-{digest}"
