"""Table rows as readable lines, one home for every format that has tables."""

from __future__ import annotations

import re

_ITEM_NUMBER = re.compile(r"^(?:(?:agenda\s+)?item\s+|minute\s+)?\d{1,4}(?:[./]\d{1,4})*[.)]?$", re.IGNORECASE)
"""A cell holding nothing but an item number: "5.", "12/24", "3.2", "Item 7"."""


def table_rows(rows: list[list[str]]) -> list[str]:
    """One line per row: "Header: value | Header: value" when the first row is a
    header, else the cells joined by " | ". Merged cells repeated across grid
    columns count once; empty rows are dropped. Minutes laid out as a table
    (number, item, action) read as their items do: see `row_text`."""
    rows = [_dedupe_merged(r) for r in rows if any(r)]
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if body and len(header) > 1 and all(header):
        out = []
        for row in body:
            pairs = [(h, v) for h, v in zip(header, row, strict=False) if v]
            lead, rest = _numbered_title([v for _, v in pairs])
            out.append(" | ".join(([lead] if lead else []) + [f"{h}: {v}" for h, v in pairs[len(pairs) - rest:]]))
        return out
    return [row_text(row) for row in rows]


def row_text(cells: list[str]) -> str:
    """A row's filled cells joined by " | ". An item number alone in its cell runs
    into the title after it ("5. | Precept | Clerk" reads "5. Precept | Clerk"),
    so an item laid out in a table opens its item as a typed-out one does."""
    filled = [c for c in cells if c]
    lead, rest = _numbered_title(filled)
    return " | ".join(([lead] if lead else []) + filled[len(filled) - rest:])


def _numbered_title(cells: list[str]) -> tuple[str | None, int]:
    """("5. Precept", cells left after the two) when the row opens with an item
    number and a capitalised title; (None, all of them) otherwise."""
    if len(cells) > 1 and _ITEM_NUMBER.match(cells[0]) and cells[1][:1].isupper():
        return f"{cells[0]} {cells[1]}", len(cells) - 2
    return None, len(cells)


def _dedupe_merged(row: list[str]) -> list[str]:
    """python-docx (and some PDF tables) repeat a merged cell's text once per grid column."""
    out: list[str] = []
    for cell in row:
        if not out or cell != out[-1] or not cell:
            out.append(cell)
    return out
