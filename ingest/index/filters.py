"""Filters: which papers a question may draw on.

One dataclass, rendered two ways (Chroma's `where` and SQL over the catalogue),
and one validator of user-facing values shared by the CLI and the app, so every
filter is applied inside the stores, before ranking, never after a top-k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ingest.dates import parse_partial_date
from ingest.errors import ConfigError
from ingest.types import DOC_TYPES


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some papers. Dates are `yyyymmdd` ints; a paper
    matches when its date range overlaps [date_from, date_to]."""

    doc_types: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    date_from: int | None = None
    date_to: int | None = None
    access: tuple[str, ...] | None = None
    """Access levels the reader may see (`qa_app.access.restrict` sets it); None: no restriction."""

    def is_empty(self) -> bool:
        return not (self.doc_types or self.bodies or self.doc_ids or self.date_from or self.date_to) and (
            self.access is None
        )

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        for field, values in (("doc_type", self.doc_types), ("body", self.bodies), ("doc_id", self.doc_ids)):
            if values:
                clauses.append({field: {"$in": list(values)}})
        if self.date_from:
            clauses.append({"date_end": {"$gte": self.date_from}})
        if self.date_to:
            clauses.append({"date_start": {"$lte": self.date_to}})
            clauses.append({"date_start": {"$gt": 0}})
        if self.access is not None:
            clauses.append({"access": {"$in": list(self.access) or [""]}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def sql(self) -> tuple[str, list[Any]]:
        """A WHERE clause over `documents d` with its parameters."""
        parts: list[str] = []
        args: list[Any] = []
        for column, values in (("d.doc_type", self.doc_types), ("d.body", self.bodies), ("d.doc_id", self.doc_ids)):
            if values:
                parts.append(f"{column} IN ({','.join('?' * len(values))})")
                args.extend(values)
        if self.date_from:
            parts.append("d.date_end >= ?")
            args.append(self.date_from)
        if self.date_to:
            parts.append("d.date_start <= ? AND d.date_start > 0")
            args.append(self.date_to)
        if self.access is not None:
            parts.append(f"d.access IN ({','.join('?' * len(self.access))})" if self.access else "0")
            args.extend(self.access)
        return (" AND ".join(parts) or "1=1"), args


def validate_doc_types(doc_types: Sequence[str]) -> None:
    """Raise `ConfigError` naming the first unknown document type."""
    unknown = [t for t in doc_types if t not in DOC_TYPES]
    if unknown:
        raise ConfigError(f"unknown document type {unknown[0]!r}; choose from {', '.join(DOC_TYPES)}")


def make_filters(
    *,
    doc_types: Sequence[str] = (),
    bodies: Sequence[str] = (),
    papers: Sequence[str] = (),
    date_from: str | None = None,
    date_to: str | None = None,
) -> Filters | None:
    """Filters from user-facing values (CLI flags, sidebar widgets), validated;
    None when nothing is set."""
    validate_doc_types(doc_types)
    start = parse_partial_date(date_from, end=False) if date_from else None
    stop = parse_partial_date(date_to, end=True) if date_to else None
    if start and stop and start > stop:
        raise ConfigError(f"the date range starts after it ends: {date_from} > {date_to}")
    filters = Filters(
        doc_types=tuple(doc_types), bodies=tuple(bodies), doc_ids=tuple(papers), date_from=start, date_to=stop
    )
    return None if filters.is_empty() else filters
