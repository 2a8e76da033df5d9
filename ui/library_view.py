"""The library as the app presents it: filter choices, stats and the paper
table, computed from the catalogue (`PaperStore.documents()`), plus turning
the sidebar's choices into `Filters`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ingest.index import Filters, StoredDocument
from ingest.types import DOC_TYPES
from qa_app.access import Viewer, can_read


@dataclass(frozen=True)
class FilterOptions:
    """What the sidebar offers: only values some paper actually has."""

    doc_types: tuple[str, ...]
    bodies: tuple[str, ...]
    papers: dict[str, str]
    """doc_id → title, ordered by title."""
    first_year: int | None
    last_year: int | None


def visible_documents(documents: Iterable[StoredDocument], viewer: Viewer) -> list[StoredDocument]:
    """The papers `viewer` may read: what the sidebar lists, counts and offers as filters."""
    return [d for d in documents if can_read(viewer, d.meta.access)]


def doc_type_label(doc_type: str) -> str:
    return doc_type.replace("_", " ").capitalize()


def filter_options(documents: Iterable[StoredDocument]) -> FilterOptions:
    docs = list(documents)
    present = {d.meta.doc_type for d in docs}
    types = tuple(t for t in DOC_TYPES if t in present) + tuple(sorted(present - set(DOC_TYPES)))
    bodies = tuple(sorted({d.meta.body for d in docs if d.meta.body}))
    papers = dict(sorted(((d.doc_id, d.meta.title) for d in docs), key=lambda kv: (kv[1].lower(), kv[0])))
    years = sorted(int(d.meta.date[:4]) for d in docs if d.meta.date and d.meta.date[:4].isdigit())
    return FilterOptions(types, bodies, papers, years[0] if years else None, years[-1] if years else None)


def describe_filters(filters: Filters, titles: dict[str, str]) -> str:
    """A one-line human summary, shown under answers that were filtered."""
    parts: list[str] = []
    if filters.doc_types:
        parts.append("type: " + ", ".join(doc_type_label(t) for t in filters.doc_types))
    if filters.bodies:
        parts.append("body: " + ", ".join(filters.bodies))
    if filters.doc_ids:
        parts.append("papers: " + "; ".join(titles.get(d, d) for d in filters.doc_ids))
    if filters.date_from or filters.date_to:
        parts.append(f"dates: {_iso(filters.date_from)} to {_iso(filters.date_to)}")
    return "; ".join(parts)


def _iso(value: int | None) -> str:
    return f"{str(value)[:4]}-{str(value)[4:6]}-{str(value)[6:]}" if value else "…"


def format_time(timestamp: float | None) -> str:
    return datetime.fromtimestamp(timestamp).strftime("%Y-%m-%d %H:%M") if timestamp else "never"


def corpus_relative(path: str, corpus_dir: Path) -> str:
    """A paper's path as officers know it: relative to the corpus folder when inside it."""
    candidate = Path(path)
    absolute = candidate if candidate.is_absolute() else Path.cwd() / candidate
    try:
        return absolute.resolve().relative_to(corpus_dir.resolve()).as_posix()
    except ValueError:
        return path


def resolve_paper_file(path: str) -> Path | None:
    """The paper's file on disk, if it is still there."""
    candidate = Path(path)
    absolute = candidate if candidate.is_absolute() else Path.cwd() / candidate
    return absolute if absolute.is_file() else None


def library_rows(documents: Iterable[StoredDocument], corpus_dir: Path) -> list[dict[str, object]]:
    """The officer page's table, newest date first."""
    rows = [
        {
            "Title": d.meta.title,
            "Type": doc_type_label(d.meta.doc_type),
            "Date": d.meta.date or "",
            "Body": d.meta.body or "",
            "Paragraphs": d.paragraphs,
            "Access": d.meta.access,
            "Ingested": format_time(d.ingested_at),
            "File": corpus_relative(d.path, corpus_dir),
        }
        for d in documents
    ]
    return sorted(rows, key=lambda r: (str(r["Date"]), str(r["Title"])), reverse=True)
