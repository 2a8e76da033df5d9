"""DOCX → blocks: paragraphs in body order with the numbers Word draws before
numbered ones, heading styles as headings, tables as one readable line per row."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ingest.errors import LoadError
from ingest.readers.tables import table_rows
from ingest.types import Block


def read_docx(path: Path, raw: bytes) -> Iterator[Block]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    from ingest.readers.docx_numbering import Numbering

    try:
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(str(path), f"corrupt or unreadable DOCX ({exc})") from exc
    numbering = Numbering(document)
    for item in document.iter_inner_content():
        if isinstance(item, DocxParagraph):
            style = ((item.style.name if item.style is not None else "") or "").lower()
            label = numbering.label(item)
            text = f"{label} {item.text.lstrip()}" if label and item.text.strip() else item.text
            if style.startswith(("heading", "title")):
                yield Block(text=text, kind="heading")
            elif "list" in style:
                yield Block(text=text, kind="list_item")
            else:
                yield Block(text=text)
        elif isinstance(item, Table):
            rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in item.rows]
            for text in table_rows(rows):
                yield Block(text=text, kind="table")
