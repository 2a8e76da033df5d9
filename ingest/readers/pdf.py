"""PDF pages → blocks, read the way a person reads the page.

Word positions and fonts (pdfplumber) rather than the text stream: the gap
between lines separates paragraphs, a bold or larger line standing alone is a
heading, a gutter down the middle means two columns read left then right, a
ruled table becomes one row per block, and lines that repeat in the top or bottom
band of most pages (running headers, footers, page numbers) are dropped. Each
line carries how far across its column it runs, so `reflow` can tell a wrapped
line from a paragraph's last line.
"""

from __future__ import annotations

import io
import logging
import re
import statistics
import time
import warnings
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.errors import LoadError, ReadWarning
from ingest.limits import DEFAULT_LIMITS, ParseLimits
from ingest.readers import ocr
from ingest.readers.tables import table_rows
from ingest.reflow import ends_sentence, undecoded
from ingest.structure import PAGE_NUMBER, URL_ONLY
from ingest.types import Block

logger = logging.getLogger(__name__)

BAND = 0.1
"""Top and bottom share of the page where running headers and footers live."""


@dataclass
class _Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    column: int = 0


def read_pdf(path: Path, raw: bytes, limits: ParseLimits = DEFAULT_LIMITS) -> Iterator[Block]:
    """Blocks of every page, in reading order, with their page numbers; scanned
    pages are read by OCR (`ocr.py`) up to `limits.max_ocr_pages`."""
    _refuse_encrypted(path, raw)
    import pdfplumber

    for name in ("pdfminer", "pypdf"):
        logging.getLogger(name).setLevel(logging.ERROR)
    ocr_until = time.monotonic() + OCR_SHARE * limits.max_seconds
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            pages = [_read_page(page) for page in pdf.pages]
            height = [float(page.height) for page in pdf.pages]
            scans = [i for i, page in enumerate(pdf.pages) if _is_scan(page, pages[i])]
            unmapped = [i for i, items in enumerate(pages)
                        if i not in scans and any(undecoded(item.text) for item in items)]
            unread, reason = _read_by_ocr(path, pdf.pages, scans, unmapped, pages, limits, ocr_until)
    except Exception as exc:  # noqa: BLE001 - a damaged PDF can fail anywhere in pdfminer
        raise LoadError(str(path), f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if not any(items for items in pages):
        if reason:
            raise LoadError(str(path), f"PDF has only scanned pages and they could not be read: {reason}")
        raise LoadError(str(path), "PDF has no extractable text")
    if unread_scans := [i for i in unread if i in scans]:
        warnings.warn(f"scanned page(s) {_page_list(unread_scans)} not read: {reason}", ReadWarning, stacklevel=2)
    if unread_glyphs := [i for i in unread if i not in scans]:
        warnings.warn(f"page(s) {_page_list(unread_glyphs)}: characters the PDF's fonts do not map to text were "
                      f"kept as they are, not read from the page: {reason}", ReadWarning, stacklevel=2)
    furniture = _running_furniture(pages, height)
    kept_once: set[str] = set()
    for number, items in enumerate(pages, start=1):
        lines: list[_Line | Block] = []
        for item in items:
            if isinstance(item, _Line):
                key = _furniture_key(item.text)
                in_band = _in_band(item, height[number - 1])
                if in_band and (key in furniture or PAGE_NUMBER.match(item.text) or URL_ONLY.match(item.text)):
                    if PAGE_NUMBER.match(item.text) or URL_ONLY.match(item.text) or key in kept_once:
                        continue
                    kept_once.add(key)  # a running title is content once: the paper's own title block
            lines.append(item)
        yield from _blocks(lines, number)


MAX_SCAN_TEXT = 40
"""Characters of text layer a scanned page may carry (a stamped page number or reference)."""


def _is_scan(page: Any, items: list[_Line | Block]) -> bool:
    """A page whose text is a picture: next to no text layer (a scanner's page
    stamp at most) and a picture over a quarter of the page, or shapes drawn on
    it (a design program that converts fonts to outlines draws each letter as
    one; a page of a rule or a logo alone costs a second of OCR that finds
    nothing)."""
    if sum(len(i.text) for i in items) > MAX_SCAN_TEXT:
        return False
    area = float(page.width) * float(page.height)
    return bool(page.curves or page.rects) or any(
        (float(im["x1"]) - float(im["x0"])) * (float(im["bottom"]) - float(im["top"])) >= area / 4
        for im in page.images)


OCR_SHARE = 0.75
"""Share of the reading time limit (`COUNCIL_MAX_PARSE_SECONDS`) after which no
further scanned page is started: a long scan lands with the pages read so far
and a warning naming the rest, rather than failing whole at the limit."""


WORD_GAP = 1.5
"""Points between two pieces of one printed word (`extract_words`' own x tolerance)."""


def _read_by_ocr(path: Path, pdf_pages: list[Any], scans: list[int], unmapped: list[int],
                 pages: list[list[_Line | Block]], limits: ParseLimits, until: float) -> tuple[list[int], str | None]:
    """Replace each scanned page's items with what OCR reads there, and the
    words of each `unmapped` page that hold glyphs without characters with the
    words OCR reads in their place; the indexes of the pages left unread, with
    the reason."""
    wanted = sorted(scans + unmapped)
    if not wanted:
        return [], None
    if len(wanted) > limits.max_ocr_pages:
        what = "scanned pages" if not unmapped else "pages to read by OCR"
        return wanted, (f"{len(wanted)} {what}, over the limit of {limits.max_ocr_pages} read by OCR "
                        "(set COUNCIL_MAX_OCR_PAGES to raise it)")
    try:
        seen = ocr.read_pages([pdf_pages[i] for i in wanted], limits.ocr_languages, stop_at=until)
    except ocr.OcrError as exc:
        return wanted, str(exc)
    for i, page in zip(wanted, seen, strict=False):
        pages[i] = _read_scanned_page(pdf_pages[i], page) if i in scans else _read_page(pdf_pages[i], page)
    logger.info("%s: read %d page(s) by OCR", path, len(seen))
    if len(seen) < len(wanted):
        return wanted[len(seen):], (f"the reading time limit of {limits.max_seconds:g} s came first "
                                    "(set COUNCIL_MAX_PARSE_SECONDS to raise it)")
    return [], None


def _read_scanned_page(page: Any, scanned: ocr.ScannedPage) -> list[_Line | Block]:
    """A scanned page's lines and table rows: pdfplumber finds the tables from
    the lines ruled on the image, as it finds them from a typed page's drawn
    lines, and each cell holds the OCR words inside it."""
    horizontal = [r for r in scanned.rules if r["top"] == r["bottom"]]
    vertical = [r for r in scanned.rules if r["top"] != r["bottom"]]
    found = []
    if len(horizontal) >= 2 and len(vertical) >= 2:
        found = page.find_tables(table_settings={
            "vertical_strategy": "explicit", "horizontal_strategy": "explicit",
            "explicit_vertical_lines": vertical, "explicit_horizontal_lines": horizontal,
        })
    tables: list[tuple[tuple[float, float, float, float], list[list[str]]]] = []
    for table in found:
        rows = [[_cell_text(cell, scanned.words) for cell in row.cells] for row in table.rows]
        if _is_table(rows):
            tables.append((table.bbox, rows))
    words = [w for w in scanned.words if not any(_inside(w, box) for box, _ in tables)]
    width = scanned.width if scanned.width is not None else float(page.width)
    return _place(words, width, [(box[1], rows) for box, rows in tables])


def _cell_text(cell: tuple[float, float, float, float] | None, words: list[dict[str, Any]]) -> str:
    """The words inside a table cell, row by row ("" for a merged cell)."""
    if cell is None:
        return ""
    return " ".join(w["text"] for row in _rows([w for w in words if _inside(w, cell)]) for w in row)


def _page_list(indexes: list[int]) -> str:
    """Page numbers of 0-based `indexes`, runs shortened: "2, 5-7"."""
    runs: list[list[int]] = []
    for i in indexes:
        if runs and i == runs[-1][-1] + 1:
            runs[-1].append(i)
        else:
            runs.append([i])
    return ", ".join(f"{run[0] + 1}" if len(run) == 1 else f"{run[0] + 1}-{run[-1] + 1}" for run in runs)


def _refuse_encrypted(path: Path, raw: bytes) -> None:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise LoadError(str(path), "encrypted PDF: a password is required")
    except LoadError:
        raise
    except Exception as exc:  # noqa: BLE001 - pypdf raises many types on damaged files
        raise LoadError(str(path), f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc


def _read_page(page: Any, seen: ocr.ScannedPage | None = None) -> list[_Line | Block]:
    """A page's lines and table rows in reading order; with what OCR `seen` on
    the page, words and cells holding glyphs without characters (`undecoded`) read
    from the image."""
    tables = [t for t in page.find_tables() if _is_table(t.extract())]
    boxes = [t.bbox for t in tables]
    words = [
        w for w in page.extract_words(x_tolerance=1.5, extra_attrs=["size", "fontname"])
        if not any(_inside(w, box) for box in boxes)
    ]
    rows = [(t.bbox[1], [[" ".join((cell or "").split()) for cell in row] for row in t.extract()]) for t in tables]
    if seen is not None:
        words = decoded(words, seen.words)
        rows = [(top, [[_cell_text(box, seen.words) if undecoded(text) else text
                        for text, box in zip(row, table_row.cells, strict=True)]
                       for row, table_row in zip(cells, t.rows, strict=True)])
                for (top, cells), t in zip(rows, tables, strict=True)]
    return _place(words, float(page.width), rows)


def decoded(words: list[dict[str, Any]], seen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`words` of a page's text layer, each holding glyphs without characters
    (`undecoded`) replaced by the words OCR `seen` inside its box, in their
    order along the line. A word the font changes within ("Cou" + "QFLO¶V")
    comes as pieces that touch, replaced together. The first piece's font size
    and name are kept, so a bold title stays a title; pieces with nothing seen
    inside are kept as they are."""
    pieces: list[list[dict[str, Any]]] = []
    for word in words:
        last = pieces[-1][-1] if pieces else None
        if last and abs(word["top"] - last["top"]) < 1 and 0 <= word["x0"] - last["x1"] <= WORD_GAP:
            pieces[-1].append(word)
        else:
            pieces.append([word])
    out: list[dict[str, Any]] = []
    for piece in pieces:
        if not any(undecoded(w["text"]) for w in piece):
            out.extend(piece)
            continue
        box = (piece[0]["x0"], min(w["top"] for w in piece), piece[-1]["x1"], max(w["bottom"] for w in piece))
        inside = sorted((w for w in seen if _inside(w, box)), key=lambda w: w["x0"])
        if inside:
            out.extend({**piece[0], "text": w["text"], "x0": w["x0"], "x1": w["x1"]} for w in inside)
        else:
            out.extend(piece)  # `clean_line` drops what it cannot read
    return out


def _place(words: list[dict[str, Any]], width: float,
           tables: list[tuple[float, list[list[str]]]]) -> list[_Line | Block]:
    """Words (with their positions) and tables (their top and cells) in reading order."""
    placed: list[tuple[float, int, _Line | Block]] = []
    for top, rows in tables:
        for i, text in enumerate(table_rows(rows)):
            placed.append((top + i * 0.01, 0, Block(text=text, kind="table")))
    for order, column in enumerate(_columns(_rows(words), width)):
        for line in column:
            placed.append((line.top if order == 0 else 10_000 * order + line.top, order, line))
    placed.sort(key=lambda t: (t[0], t[1]))
    return [item for _, _, item in placed]


def _is_table(rows: Sequence[Sequence[str | None]]) -> bool:
    """A ruled grid of short cells; a box drawn round a page of prose is not one."""
    cells = [c for row in rows for c in row if c]
    if len(rows) < 2 or max(len(r) for r in rows) < 2 or not cells:
        return False
    return sum(len(c) for c in cells) / len(cells) <= 250


def _inside(word: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    mid_x, mid_y = (word["x0"] + word["x1"]) / 2, (word["top"] + word["bottom"]) / 2
    return x0 <= mid_x <= x1 and top <= mid_y <= bottom


def _rows(words: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Words grouped into visual rows by their vertical position."""
    rows: list[list[dict[str, Any]]] = []
    for word in sorted(words, key=lambda w: (round(w["top"]), w["x0"])):
        if rows and abs(rows[-1][0]["top"] - word["top"]) <= max(2.0, 0.35 * word["size"]):
            rows[-1].append(word)
        else:
            rows.append([word])
    return [sorted(row, key=lambda w: w["x0"]) for row in rows]


def _columns(rows: list[list[dict[str, Any]]], width: float) -> list[list[_Line]]:
    """One list of lines per column: two when a gutter runs down the middle of
    the page (no word crosses it on most rows, text on both sides), else one."""
    gutter = _gutter(rows, width)
    if gutter is None:
        return [[_line(row) for row in rows]]
    left: list[_Line] = []
    right: list[_Line] = []
    for row in rows:
        if any(w["x0"] < gutter < w["x1"] for w in row):
            left.append(_line(row))  # a heading across both columns
            continue
        lhs = [w for w in row if w["x1"] <= gutter]
        rhs = [w for w in row if w["x0"] >= gutter]
        if lhs:
            left.append(_line(lhs))
        if rhs:
            right.append(_line(rhs, column=1))
    return [left, right]


def _gutter(rows: list[list[dict[str, Any]]], width: float) -> float | None:
    if len(rows) < 10:
        return None
    crossing = Counter[int]()
    for row in rows:
        for w in row:
            for x in range(int(w["x0"]), int(w["x1"]) + 1):
                crossing[x] += 1
    best: tuple[int, int] = (0, 0)
    run = 0
    for x in range(int(width * 0.3), int(width * 0.7)):
        run = run + 1 if crossing[x] <= 0.1 * len(rows) else 0
        best = max(best, (run, x))
    if best[0] < 8:
        return None
    gutter = best[1] - best[0] / 2
    left = sum(1 for row in rows if row[0]["x1"] < gutter)
    right = sum(1 for row in rows if row[-1]["x0"] > gutter)
    prose = statistics.median(len(row) for row in rows) >= 4
    return gutter if prose and left >= 5 and right >= 5 else None


def _line(words: list[dict[str, Any]], column: int = 0) -> _Line:
    bold_chars = sum(len(w["text"]) for w in words if re.search(r"bold|black|heavy", w["fontname"], re.I))
    return _Line(
        text=" ".join(w["text"] for w in words),
        x0=min(w["x0"] for w in words),
        x1=max(w["x1"] for w in words),
        top=min(w["top"] for w in words),
        bottom=max(w["bottom"] for w in words),
        size=statistics.median(w["size"] for w in words),
        bold=bold_chars >= 0.8 * sum(len(w["text"]) for w in words),
        column=column,
    )


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _in_band(line: _Line, height: float) -> bool:
    return line.bottom < height * BAND or line.top > height * (1 - BAND)


def _running_furniture(pages: list[list[_Line | Block]], heights: list[float]) -> set[str]:
    """Texts in the top or bottom band of at least two pages and 40% of them."""
    if len(pages) < 2:
        return set()
    seen = Counter[str]()
    for items, height in zip(pages, heights, strict=True):
        seen.update({_furniture_key(i.text) for i in items if isinstance(i, _Line) and _in_band(i, height)})
    return {key for key, n in seen.items() if n >= max(2, 0.4 * len(pages))}


def _blocks(items: list[_Line | Block], page: int) -> Iterator[Block]:
    """Lines → blocks: a new block where the gap above a line is wider than the
    page's usual line gap, where the font size or weight changes, or after a short
    line that ends a sentence."""
    lines = [i for i in items if isinstance(i, _Line)]
    gaps = [b.top - a.bottom for a, b in zip(lines, lines[1:], strict=False) if 0 <= b.top - a.bottom < 3 * a.size]
    usual = statistics.median(gaps) if gaps else 3.0
    mostly_bold = sum(ln.bold for ln in lines) > 0.6 * max(1, len(lines))
    margins = {
        col: (min(ln.x0 for ln in lines if ln.column == col), _right_margin([ln for ln in lines if ln.column == col]))
        for col in {ln.column for ln in lines}
    }
    current: list[_Line] = []

    def flush() -> Iterator[Block]:
        if current:
            left, right = margins[current[0].column]
            yield _block(current, page, left, right, heading=not mostly_bold and all(c.bold for c in current))
        current.clear()

    for item in items:
        if isinstance(item, Block):
            yield from flush()
            yield Block(text=item.text, kind=item.kind, page=page)
            continue
        if current:
            prev = current[-1]
            gap = item.top - prev.bottom
            new_size = abs(item.size - prev.size) > 0.12 * prev.size
            new_weight = not mostly_bold and item.bold != prev.bold
            short_end = ends_sentence(prev.text) and _fill(prev, *margins[prev.column]) < 0.8
            new_column = item.column != prev.column
            if gap > usual + 0.45 * prev.size or gap < -prev.size or new_size or new_weight or short_end or new_column:
                yield from flush()
        current.append(item)
    yield from flush()


def _right_margin(lines: list[_Line]) -> float:
    """Where full lines end: a high percentile of line ends, ignoring outliers."""
    ends = sorted(ln.x1 for ln in lines)
    return ends[int(0.9 * (len(ends) - 1))] if ends else 1.0


def _fill(line: _Line, left: float, right: float) -> float:
    return max(0.0, min(1.0, (line.x1 - left) / max(1.0, right - left)))


def _block(lines: list[_Line], page: int, left: float, right: float, heading: bool) -> Block:
    text = "\n".join(ln.text for ln in lines)
    words = len(text.split())
    is_heading = heading and len(lines) <= 3 and words <= 20 and not text.rstrip().endswith(".")
    return Block(
        text=text, kind="heading" if is_heading else "text", page=page,
        fills=tuple(round(_fill(ln, left, right), 2) for ln in lines),
    )
