"""Table rows as readable lines, one home for every format that has tables."""

from __future__ import annotations


def table_rows(rows: list[list[str]]) -> list[str]:
    """One line per row: "Header: value | Header: value" when the first row is a
    header, else the cells joined by " | ". Merged cells repeated across grid
    columns count once; empty rows are dropped."""
    rows = [_dedupe_merged(r) for r in rows if any(r)]
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if body and len(header) > 1 and all(header):
        return [" | ".join(f"{h}: {v}" for h, v in zip(header, row, strict=False) if v) for row in body]
    return [" | ".join(c for c in row if c) for row in rows]


def _dedupe_merged(row: list[str]) -> list[str]:
    """python-docx (and some PDF tables) repeat a merged cell's text once per grid column."""
    out: list[str] = []
    for cell in row:
        if not out or cell != out[-1] or not cell:
            out.append(cell)
    return out
