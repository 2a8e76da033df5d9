"""DOCX → blocks: paragraphs in body order with the numbers Word draws before
numbered ones, heading styles as headings, tables as one readable line per row.

The text is read from the document's XML rather than python-docx's `text`
properties, which see only a paragraph's direct runs and the body's direct
paragraphs: text inside a content control (`w:sdt`, common in council
templates), a field, or a tracked insertion not yet accepted (draft minutes)
would be lost, text boxes were not read at all, and a table's rows or cells
inside a content control were skipped. Tracked deletions and
moved-away text are not read, as Word does not show them once the changes are
accepted.

A paragraph in a body style is never taken for a heading by its wording (Word
has heading styles); one set wholly in bold, as headings made by hand are, may be.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ingest.errors import LoadError
from ingest.readers.tables import table_rows
from ingest.types import Block

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_SKIPPED = frozenset({
    _W + "pPr", _W + "rPr", _W + "del", _W + "moveFrom", _W + "txbxContent", _W + "sdtPr", _W + "sdtEndPr",
    _W + "instrText", _W + "delText", _MC_FALLBACK,
})
"""Formatting, deleted or moved-away text, field codes, text boxes (read as
paragraphs of their own after the paragraph they are anchored in) and the
fallback copy of content a newer Word also stores in a form older readers
understand."""
_CONTAINERS = frozenset({_W + "sdt", _W + "sdtContent", _W + "customXml", _W + "ins", _W + "moveTo"})
"""Body-level wrappers whose paragraphs and tables are read in place."""


def read_docx(path: Path, raw: bytes) -> Iterator[Block]:
    import docx
    from docx.text.paragraph import Paragraph as DocxParagraph

    from ingest.readers.docx_numbering import Numbering

    try:
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(str(path), f"corrupt or unreadable DOCX ({exc})") from exc
    numbering = Numbering(document)
    body = document._body  # the parent python-docx gives the body's own paragraphs and tables

    def numbered(element: Any, paragraph: Any = None) -> str:
        label = numbering.label(paragraph if paragraph is not None else DocxParagraph(element, body))
        text = paragraph_text(element)
        return f"{label} {text.lstrip()}" if label and text.strip() else text

    for element in _body_items(document.element.body):
        if element.tag == _W + "p":
            item = DocxParagraph(element, body)
            style = ((item.style.name if item.style is not None else "") or "").lower()
            text = numbered(element, item)
            if style.startswith(("heading", "title")):
                yield Block(text=text, kind="heading")
            elif "list" in style:
                yield Block(text=text, kind="list_item")
            else:
                yield Block(text=text, styled=not _all_bold(item))
            for box in _text_boxes(element):
                yield from (Block(text=paragraph_text(p)) for p in _body_items(box) if p.tag == _W + "p")
        else:
            for text in table_rows(_grid(element, numbered)):
                yield Block(text=text, kind="table")


def _body_items(container: Any, tags: tuple[str, ...] = (_W + "p", _W + "tbl")) -> Iterator[Any]:
    """The body's paragraphs and tables (or a table's rows, a row's cells: `tags`)
    in reading order, including those wrapped in content controls and other
    containers, such as a repeating section around a table's rows."""
    for child in container:
        if child.tag in tags:
            yield child
        elif child.tag in _CONTAINERS:
            yield from _body_items(child, tags)


def _grid(table: Any, read: Callable[[Any], str]) -> list[list[str]]:
    """A table's text by row and grid column, as Word lays it out: a cell
    spanning columns repeats across them and a cell merged down repeats in the
    rows it covers (`table_rows` reads each once); every cell is read once."""
    rows: list[list[str]] = []
    merged_down: dict[int, str] = {}
    for tr in _body_items(table, (_W + "tr",)):
        row: list[str] = []
        for tc in _body_items(tr, (_W + "tc",)):
            props = tc.find(_W + "tcPr")
            span_el = props.find(_W + "gridSpan") if props is not None else None
            span_val = span_el.get(_W + "val", "1") if span_el is not None else "1"
            span = int(span_val) if span_val.isdigit() and int(span_val) > 0 else 1
            merge = props.find(_W + "vMerge") if props is not None else None
            column = len(row)
            if merge is not None and merge.get(_W + "val", "continue") == "continue":
                text = merged_down.get(column, "")
            else:
                text = " ".join(_cell_text(tc, read).split())
                merged_down[column] = text
            row += [text] * span
        rows.append(row)
    return rows


def _all_bold(paragraph: Any) -> bool:
    """Whether every run with text is bold, by its own formatting or its
    paragraph style's: a heading made by hand in a body style, which may be
    guessed from its wording; a plain body paragraph is not."""
    style, style_bold = paragraph.style, None
    while style is not None and style_bold is None:
        style_bold = style.font.bold
        style = style.base_style
    runs = [r for r in paragraph._p.iter(_W + "r") if any((t.text or "").strip() for t in r.iter(_W + "t"))]
    if not runs:
        return False
    for run in runs:
        props = run.find(_W + "rPr")
        flag = props.find(_W + "b") if props is not None else None
        bold = flag.get(_W + "val", "true") not in ("0", "false", "off") if flag is not None else bool(style_bold)
        if not bold:
            return False
    return True


def _text_boxes(paragraph: Any) -> Iterator[Any]:
    """The text boxes anchored in a paragraph (a sidebar, a highlighted
    figure), each once: Word stores a second copy for older readers."""
    for box in paragraph.iter(_W + "txbxContent"):
        parent = box.getparent()
        while parent is not None and parent.tag != _MC_FALLBACK and parent is not paragraph:
            parent = parent.getparent()
        if parent is None or parent.tag != _MC_FALLBACK:
            yield box


def paragraph_text(element: Any) -> str:
    """What Word shows of a paragraph: its runs wherever they sit (hyperlinks,
    fields, inline content controls, tracked insertions), tabs and line breaks."""
    parts: list[str] = []
    for child in element:
        tag = child.tag
        if tag in _SKIPPED:
            continue
        if tag == _W + "t":
            parts.append(child.text or "")
        elif tag in (_W + "tab", _W + "ptab"):
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("" if child.get(_W + "type") in ("page", "column") else "\n")
        elif tag == _W + "noBreakHyphen":
            parts.append("-")
        else:
            parts.append(paragraph_text(child))
    return "".join(parts)


def _cell_text(cell: Any, read: Callable[[Any], str]) -> str:
    """A table cell's paragraphs, each read by `read` as body paragraphs are
    (with their numbers), one per line."""
    lines: list[str] = []
    for child in _body_items(cell):
        if child.tag == _W + "p":
            lines.append(read(child))
        else:  # a table inside the cell
            lines += [" ".join(cells) for cells in _grid(child, read)]
    return "\n".join(lines)
