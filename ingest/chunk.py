"""Paragraphs → chunks that fit the embedding model.

A chunk is one paragraph, prefixed with its paper's title, its item and its
heading for context. A proposer, seconder, vote or "Carried" line is embedded
with the motion it belongs to: its prefix carries the item heading and the first
sentence of the motion above it. The citation stays the procedural line itself
(paragraph-exact), while a question such as "who seconded the precept increase?"
finds it by the motion's words; the motion's own chunk is left as it is, so
questions about the motion still cite the motion. A paragraph too long for the
model is split with LangChain's token-aware splitter, every piece still mapping
back to that paragraph, so nothing is ever silently truncated.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator

from ingest.paragraphs import PARSER_VERSION
from ingest.structure import is_procedural
from ingest.types import Chunk, Paper, Paragraph

CHUNKING_VERSION = "paragraph-v2"
SPLIT_OVERLAP_TOKENS = 32


def chunking_signature(max_tokens: int) -> str:
    """What an index records about how its chunks were made."""
    return (
        f"{CHUNKING_VERSION};parser={PARSER_VERSION};max_tokens={max_tokens};overlap={SPLIT_OVERLAP_TOKENS};"
        "prefix=title+item+heading+motion"
    )


def context_prefix(title: str, heading: str | None, item: str | None = None, motion: str | None = None) -> str:
    """"Title — item — heading — motion", leaving out any part already said."""
    parts = [title.strip()]
    for extra in (item, heading, motion):
        text = (extra or "").strip()
        if text and all(text.lower() not in p.lower() for p in parts):
            parts.append(text)
    return " — ".join(p for p in parts if p) + "\n"


_FIRST_SENTENCE = re.compile(r"^(.{20,240}?[.!?;:])(?:\s|$)")


def _first_sentence(text: str) -> str:
    m = _FIRST_SENTENCE.match(text)
    return m.group(1) if m else text[:240]


def chunk_paper(paper: Paper, count_tokens: Callable[[str], int], max_tokens: int) -> list[Chunk]:
    """Chunks for every paragraph except bare headings (their words ride along in
    the prefix of the paragraphs beneath them)."""
    return list(_chunks(paper, count_tokens, max_tokens))


def _chunks(paper: Paper, count_tokens: Callable[[str], int], max_tokens: int) -> Iterator[Chunk]:
    motion: Paragraph | None = None  # the first paragraph under the current item and heading
    for para in paper.paragraphs:
        if para.kind == "heading":
            continue
        procedural = is_procedural(para.text)
        if motion is not None and (motion.item, motion.heading) != (para.item, para.heading):
            motion = None
        context = _first_sentence(motion.text) if procedural and motion is not None else None
        if motion is None and not procedural:
            motion = para
        prefix = ""
        for parts in ((para.heading, para.item, context), (para.heading, para.item, None), (para.heading, None, None)):
            prefix = context_prefix(paper.meta.title, *parts)
            if count_tokens(prefix) <= max_tokens // 3:
                break
        else:
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
