"""Read a paper file into `Block`s, one loader per format.

Loaders only turn bytes into text blocks; cleaning and paragraph segmentation
happen in `paragraphs.py`, so every format shares one notion of a paragraph.
Every failure raises `LoadError` naming the file and the reason.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from ingest.errors import LoadError
from ingest.types import Block

logger = logging.getLogger(__name__)

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
SIDECAR_SUFFIX = ".meta.json"

_TEXT_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def is_supported(path: Path) -> bool:
    """True for a paper this product can read (sidecars and hidden files excluded)."""
    name = path.name
    if name.startswith(".") or name.endswith(SIDECAR_SUFFIX):
        return False
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def load_blocks(path: Path, data: bytes | None = None) -> list[Block]:
    """Read `path` (or the already-read `data`) into blocks.

    Raises `LoadError` for unsupported, empty, binary, corrupt or encrypted input.
    """
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        raise LoadError(str(path), f"unsupported file type '{suffix or path.name}'")
    raw = path.read_bytes() if data is None else data
    if not raw.strip():
        raise LoadError(str(path), "empty file")
    blocks = [b for b in loader(path, raw) if b.text.strip()]
    if not blocks:
        raise LoadError(str(path), "no readable text found")
    return blocks


def decode_text(path: Path, raw: bytes) -> str:
    """Decode text bytes: UTF-8 first, then the Windows/Latin-1 encodings councils
    still produce. Refuses content that is really binary."""
    if b"\x00" in raw[:8192]:
        raise LoadError(str(path), "binary content, not text (NUL bytes found)")
    for encoding in _TEXT_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8-sig":
            logger.info("%s: decoded as %s", path, encoding)
        sample = text[:8192]
        if sample and len(_CONTROL.findall(sample)) / len(sample) > 0.05:
            raise LoadError(str(path), "binary content, not text (control characters)")
        return text
    raise LoadError(str(path), "could not decode text")  # pragma: no cover - latin-1 decodes all


def _plain_blocks(text: str, page: int | None = None) -> Iterator[Block]:
    """Blank-line-separated blocks; line structure inside a block is kept for the
    segmenter, which knows about numbered clauses and bullets."""
    for part in re.split(r"\n[ \t\u00a0]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        if part.strip():
            yield Block(text=part, page=page)


def _load_txt(path: Path, raw: bytes) -> Iterator[Block]:
    yield from _plain_blocks(decode_text(path, raw))


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"`([^`]+)`"), r"\1"),
]


def _load_md(path: Path, raw: bytes) -> Iterator[Block]:
    """Markdown: `#` lines become headings, links and emphasis become plain text."""
    for block in _plain_blocks(decode_text(path, raw)):
        lines: list[str] = []
        for line in block.text.split("\n"):
            heading = _MD_HEADING.match(line)
            if heading:
                if lines:
                    yield Block(text="\n".join(lines))
                    lines = []
                yield Block(text=_md_inline(heading.group(1)), kind="heading")
            else:
                lines.append(_md_inline(line))
        if lines:
            yield Block(text="\n".join(lines))


def _md_inline(text: str) -> str:
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return text


_HTML_DROP = ("script", "style", "noscript", "template", "iframe", "svg", "object", "embed", "head")
_HTML_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_HTML_BLOCKS = _HTML_HEADINGS | {
    "p", "li", "dt", "dd", "blockquote", "pre", "address", "figcaption", "caption", "tr",
    "div", "section", "article", "main", "td", "th",
}


def _load_html(path: Path, raw: bytes) -> Iterator[Block]:
    """HTML: scripts and styles are removed before any text is taken; each block
    element with no block children becomes a block; table rows read as cells."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(decode_text(path, raw), "html.parser")
    for tag in soup.find_all(_HTML_DROP):
        tag.decompose()
    root = soup.body or soup
    yield from _html_walk(root)


_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?)])")


def _squash(text: str) -> str:
    """Collapse the spaces `get_text(" ")` puts between inline elements."""
    return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))


def _html_walk(node: object) -> Iterator[Block]:
    from bs4 import NavigableString, Tag

    assert isinstance(node, Tag)
    inline: list[str] = []
    for child in node.children:
        if isinstance(child, Tag) and child.name in _HTML_BLOCKS:
            if inline and "".join(inline).strip():
                yield Block(text=_squash("".join(inline)))
            inline = []
            if child.name == "tr":
                cells = [" ".join(c.get_text(" ").split()) for c in child.find_all(["td", "th"])]
                yield Block(text=" | ".join(c for c in cells if c), kind="table")
            elif child.find(_HTML_BLOCKS):
                yield from _html_walk(child)
            else:
                text = _squash(child.get_text(" "))
                if child.name in _HTML_HEADINGS:
                    yield Block(text=text, kind="heading")
                elif child.name == "li":
                    yield Block(text=text, kind="list_item")
                else:
                    yield Block(text=text)
        elif isinstance(child, Tag):
            if child.find(_HTML_BLOCKS):
                yield from _html_walk(child)
            else:
                inline.append(child.get_text(" "))
        elif isinstance(child, NavigableString):
            inline.append(str(child))
    if inline and "".join(inline).strip():
        yield Block(text=_squash("".join(inline)))


def _load_pdf(path: Path, raw: bytes) -> Iterator[Block]:
    """PDF: text per page, so every paragraph keeps its page number."""
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted:
            try:
                ok = reader.decrypt("")
            except Exception as exc:  # noqa: BLE001 - pypdf raises several types here
                raise LoadError(str(path), f"encrypted PDF ({exc})") from exc
            if not ok:
                raise LoadError(str(path), "encrypted PDF: a password is required")
        pages = [page.extract_text() or "" for page in reader.pages]
    except LoadError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise LoadError(str(path), f"corrupt or unreadable PDF ({exc})") from exc
    except Exception as exc:  # noqa: BLE001 - a damaged PDF can fail anywhere in pypdf
        raise LoadError(str(path), f"corrupt or unreadable PDF ({type(exc).__name__}: {exc})") from exc
    if not any(p.strip() for p in pages):
        raise LoadError(str(path), "PDF has no extractable text (scanned image?)")
    for number, text in enumerate(pages, start=1):
        yield from _plain_blocks(text, page=number)


def _load_docx(path: Path, raw: bytes) -> Iterator[Block]:
    """DOCX: paragraphs in body order; heading styles become headings and tables
    become one readable line per row ("Header: value | Header: value")."""
    import io
    import zipfile

    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph as DocxParagraph

    try:
        document = docx.Document(io.BytesIO(raw))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise LoadError(str(path), f"corrupt or unreadable DOCX ({exc})") from exc
    for item in document.iter_inner_content():
        if isinstance(item, DocxParagraph):
            style = (item.style.name if item.style is not None else "") or ""
            if style.lower().startswith(("heading", "title")):
                yield Block(text=item.text, kind="heading")
            elif "list" in style.lower():
                yield Block(text=item.text, kind="list_item")
            else:
                yield Block(text=item.text)
        elif isinstance(item, Table):
            yield from _docx_table(item)


def _docx_table(table: object) -> Iterator[Block]:
    from docx.table import Table

    assert isinstance(table, Table)
    rows = [[" ".join(cell.text.split()) for cell in row.cells] for row in table.rows]
    rows = [_dedupe_merged(r) for r in rows if any(r)]
    if not rows:
        return
    header, body = rows[0], rows[1:]
    if body and len(header) > 1 and all(header):
        for row in body:
            pairs = [f"{h}: {v}" for h, v in zip(header, row, strict=False) if v]
            yield Block(text=" | ".join(pairs), kind="table")
    else:
        for row in rows:
            yield Block(text=" | ".join(c for c in row if c), kind="table")


def _dedupe_merged(row: list[str]) -> list[str]:
    """python-docx repeats a merged cell's text once per grid column."""
    out: list[str] = []
    for cell in row:
        if not out or cell != out[-1]:
            out.append(cell)
    return out


_LOADERS: dict[str, Callable[[Path, bytes], Iterator[Block]]] = {
    ".txt": _load_txt,
    ".md": _load_md,
    ".markdown": _load_md,
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": _load_pdf,
    ".docx": _load_docx,
}
