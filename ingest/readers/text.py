"""Plain text and Markdown → blocks.

Each paper is measured before it is split: HTML saved as text is read as HTML;
a paper printed with a blank line after every line (OCR, some exports) has its
single blank lines taken as line breaks; a hard-wrapped paper (most lines end
near one width) gets per-line fills so `reflow` can rejoin its paragraphs.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from ingest.errors import LoadError
from ingest.readers.html import HTML_FRAGMENTS, read_html
from ingest.structure import opens_paragraph
from ingest.types import Block

logger = logging.getLogger(__name__)

_TEXT_ENCODINGS = ("utf-8-sig", "cp1252", "latin-1")
_BOMS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BLANK = re.compile(r"\n[ \t\u00a0]*\n")
_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:\s*[\"']?(.*?)[\"']?\s*$", re.MULTILINE)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(\*\*|__)"), ""),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!])"), r"\1"),
]


def decode_text(path: Path, raw: bytes) -> str:
    """Decode text bytes: by its byte-order mark when it has one (Notepad's
    "Unicode" and Word's web pages are UTF-16), else UTF-8 first, then the
    Windows/Latin-1 encodings councils still produce. Refuses content that is
    really binary."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                text = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise LoadError(str(path), f"marked as {encoding.upper()} but not valid {encoding.upper()} "
                                           f"({exc.reason})") from exc
            logger.info("%s: decoded as %s", path, encoding)
            return _checked(path, text)
    if b"\x00" in raw[:8192]:
        raise LoadError(str(path), "binary content, not text (NUL bytes found)")
    for encoding in _TEXT_ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8-sig":
            logger.info("%s: decoded as %s", path, encoding)
        return _checked(path, text)
    raise LoadError(str(path), "could not decode text")  # pragma: no cover - latin-1 decodes all


def _checked(path: Path, text: str) -> str:
    """The decoded text with Unix line ends, unless it is mostly control characters."""
    sample = text[:8192]
    if sample and len(_CONTROL.findall(sample)) / len(sample) > 0.05:
        raise LoadError(str(path), "binary content, not text (control characters)")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_txt(path: Path, raw: bytes) -> Iterator[Block]:
    text = decode_text(path, raw)
    if len(HTML_FRAGMENTS.findall(text[:20000])) >= 3:
        yield from read_html(text)
        return
    yield from plain_blocks(text)


def read_md(path: Path, raw: bytes) -> Iterator[Block]:
    """Markdown: front matter gives the title (its date is the posting date, not
    the paper's, so it is dropped); `#` lines become headings; links and emphasis
    become plain text."""
    text = decode_text(path, raw)
    front = _FRONT_MATTER.match(text)
    if front:
        title = _FRONT_TITLE.search(front.group(1))
        if title and title.group(1).strip():
            yield Block(text=title.group(1).strip(), kind="heading")
        text = text[front.end():]
    for block in plain_blocks(text):
        lines: list[str] = []
        fills: list[float] = []
        raw_lines = block.text.split("\n")
        for line, fill in zip(raw_lines, block.fills or (0.0,) * len(raw_lines), strict=True):
            heading = _MD_HEADING.match(line)
            if heading:
                if lines:
                    yield Block(text="\n".join(lines), fills=tuple(fills) if block.fills else ())
                    lines, fills = [], []
                yield Block(text=md_inline(heading.group(1)), kind="heading")
            else:
                lines.append(md_inline(line))
                fills.append(fill)
        if lines:
            yield Block(text="\n".join(lines), fills=tuple(fills) if block.fills else ())


def md_inline(text: str) -> str:
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return text


def plain_blocks(text: str) -> Iterator[Block]:
    """Blank-line-separated blocks, after measuring the paper's layout."""
    if _double_spaced(text):
        text = re.sub(r"\n[ \t\u00a0]*\n(?![ \t\u00a0]*\n)", "\n", text)
    width = _wrap_width(text)
    for part in _BLANK.split(text):
        if not part.strip():
            continue
        lines = part.split("\n")
        fills = tuple(min(1.0, len(ln.rstrip()) / width) for ln in lines) if width else ()
        yield Block(text=part, fills=fills)


def _double_spaced(text: str) -> bool:
    """A blank line after (nearly) every printed line, with sentences running on
    across those blank lines."""
    parts = [p.strip() for p in _BLANK.split(text) if p.strip()]
    if len(parts) < 8:
        return False
    single = sum("\n" not in p for p in parts) / len(parts)
    lengths = sorted(len(p) for p in parts)
    width = lengths[int(0.9 * (len(lengths) - 1))]
    runs_on = sum(
        1 for a, b in zip(parts, parts[1:], strict=False)
        if not a.endswith((".", ":", "!", "?")) and not opens_paragraph(a) and not opens_paragraph(b)
        and (b[:1].islower() or len(a) >= 0.8 * width)
    )
    return single > 0.8 and runs_on >= 0.2 * len(parts)


def _wrap_width(text: str) -> int | None:
    """The width a hard-wrapped paper was wrapped at, or None when lines are
    whole paragraphs (most text exports)."""
    lengths = sorted(len(ln.rstrip()) for ln in text.split("\n") if ln.strip())
    if len(lengths) < 8:
        return None
    width = lengths[int(0.9 * (len(lengths) - 1))]
    near = sum(1 for n in lengths if 0.75 * width <= n <= width + 2) / len(lengths)
    return width if 40 <= width <= 110 and near >= 0.4 else None
