"""The library as an officer sees it: one row per paper, with flags for what
ingestion could not work out, so a missing date or a weak title is visible
before anyone relies on it. The CLI (`python -m ingest --list`) and the Officer
page share these rows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import PurePath
from typing import Protocol

from ingest.types import PaperMeta

FEW_PARAGRAPHS = 3


class ListedDocument(Protocol):
    """What a listing needs of a stored paper (`store.StoredDocument` has it)."""

    @property
    def path(self) -> str: ...
    @property
    def meta(self) -> PaperMeta: ...
    @property
    def paragraphs(self) -> int: ...
    @property
    def ingested_at(self) -> float: ...


@dataclass(frozen=True)
class LibraryRow:
    """One paper in the listing. Field names are the `--list --json` contract."""

    path: str
    title: str
    council: str | None
    body: str | None
    doc_type: str
    date: str | None
    paragraphs: int
    ingested_at: str
    flags: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def flags_for(path: str, meta: PaperMeta, paragraphs: int) -> list[str]:
    """What an officer should check by hand."""
    flags: list[str] = []
    if not meta.date:
        flags.append("no date")
    if not meta.council:
        flags.append("no council")
    if not meta.body and meta.doc_type in ("minutes", "agenda"):
        flags.append("no body")
    if _weak_title(path, meta):
        flags.append("weak title")
    if paragraphs < FEW_PARAGRAPHS:
        flags.append("few paragraphs")
    return flags


def _weak_title(path: str, meta: PaperMeta) -> bool:
    """A title that is only the file name, or that says neither who nor when."""
    stem = re.sub(r"[\W_]+", " ", PurePath(path).stem).strip().lower()
    title = re.sub(r"[\W_]+", " ", meta.title).strip().lower()
    return title == stem or len(title) < 8 or (not meta.council and not meta.date)


def rows(documents: Iterable[ListedDocument]) -> list[LibraryRow]:
    """Rows sorted by date (newest first, undated last), then path."""
    out = [
        LibraryRow(
            path=doc.path, title=doc.meta.title, council=doc.meta.council, body=doc.meta.body,
            doc_type=doc.meta.doc_type, date=doc.meta.date, paragraphs=doc.paragraphs,
            ingested_at=datetime.fromtimestamp(doc.ingested_at, tz=UTC).isoformat(timespec="seconds"),
            flags=flags_for(doc.path, doc.meta, doc.paragraphs),
        )
        for doc in documents
    ]
    out.sort(key=lambda r: r.path)
    out.sort(key=lambda r: r.date or "", reverse=True)
    return out


def format_table(library: list[LibraryRow]) -> str:
    """A plain-text table for the terminal."""
    header = ("date", "type", "paras", "ingested", "council", "body", "title", "flags")
    lines = [header]
    for r in library:
        lines.append((
            r.date or "-", r.doc_type, str(r.paragraphs), r.ingested_at[:16].replace("T", " "), r.council or "-",
            r.body or "-", r.title if len(r.title) <= 70 else r.title[:69] + "…", ", ".join(r.flags) or "-",
        ))
    widths = [min(40, max(len(line[i]) for line in lines)) for i in range(len(header) - 2)]
    return "\n".join(
        "  ".join(cell[:w].ljust(w) for cell, w in zip(line, widths, strict=False)) + "  " + "  ".join(line[-2:])
        for line in lines
    ) + f"\n{len(library)} papers"
