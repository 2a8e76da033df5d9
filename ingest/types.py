"""Data that flows through ingestion: load → paragraphs → chunks → store.

Plain dataclasses so every stage is a function over iterators of them, and so
nothing LangChain- or Chroma-shaped leaks across module seams.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DOC_TYPES: tuple[str, ...] = ("minutes", "motion", "press_release", "report", "agenda")
"""Document types a paper can have; the `--type` filter accepts exactly these."""


@dataclass(frozen=True)
class Block:
    """A run of text as the source format delimits it (a PDF page's text, an HTML
    element, a DOCX paragraph or table row), before paragraph segmentation.

    `kind` is "text", "heading", "list_item" or "table"; `page` is 1-based for PDFs.
    `fills` says, per line of `text`, how far across its column the line runs
    (0-1), when the format knows it (laid-out PDF pages, hard-wrapped text): a
    short line ending a sentence ends a paragraph, a full one was wrapped.
    `styled` is True for a "text" block of a format that marks its headings
    (a Word paragraph in a body style, a web page's plain paragraph): its
    wording alone never makes it a heading, as a plain text file's line may.
    """

    text: str
    kind: str = "text"
    page: int | None = None
    fills: tuple[float, ...] = ()
    styled: bool = False


@dataclass
class PaperMeta:
    """Descriptive metadata of one paper. `date` is ISO `YYYY-MM-DD` (or `YYYY-MM`
    / `YYYY` when only that much is stated). `origin` says, per field, whether the
    value came from the sidecar or was inferred from the text. `access` is who may
    read it (see `ingest.access_levels`)."""

    title: str
    doc_type: str = "report"
    council: str | None = None
    body: str | None = None
    date: str | None = None
    origin: dict[str, str] = field(default_factory=dict)
    access: str = "public"


@dataclass(frozen=True)
class Paragraph:
    """A paragraph as a reader sees it: the product's unit of truth.

    `start`/`end` are offsets into the paper's normalised text, so
    `paper.text[start:end] == text` always holds.
    """

    id: str
    doc_id: str
    number: int
    text: str
    start: int
    end: int
    kind: str = "text"
    heading: str | None = None
    page: int | None = None
    item: str | None = None
    """The agenda or minute item heading this paragraph sits under ("5. Precept");
    `heading` keeps the nearest heading, which may be a sub-heading inside the item."""


@dataclass(frozen=True)
class Chunk:
    """What gets embedded. It maps back to one or more whole paragraphs; `text` may
    carry a context prefix (title, heading) and never exceeds the model's limit."""

    id: str
    doc_id: str
    text: str
    paragraph_ids: tuple[str, ...]


@dataclass
class Paper:
    """One ingested paper: its identity, metadata, normalised text and paragraphs."""

    doc_id: str
    path: str
    content_hash: str
    meta: PaperMeta
    text: str
    paragraphs: list[Paragraph]
