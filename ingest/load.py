"""Read a paper file into `Block`s, one reader per format (`ingest/readers/`).

Readers only turn bytes into text blocks; cleaning, rejoining wrapped lines and
paragraph segmentation happen in `paragraphs.py`, so every format shares one
notion of a paragraph. Every failure raises `LoadError` naming the file and the
reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from ingest.errors import LoadError
from ingest.limits import DEFAULT_LIMITS, ParseLimits
from ingest.readers.docx import read_docx
from ingest.readers.html import read_html
from ingest.readers.pdf import read_pdf
from ingest.readers.text import decode_text, read_md, read_txt
from ingest.types import Block

__all__ = ["SIDECAR_SUFFIX", "SUPPORTED_SUFFIXES", "decode_text", "is_supported", "load_blocks"]

SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx")
SIDECAR_SUFFIX = ".meta.json"


def is_supported(path: Path) -> bool:
    """True for a paper this product can read (sidecars and hidden files excluded)."""
    name = path.name
    if name.startswith(".") or name.endswith(SIDECAR_SUFFIX):
        return False
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def load_blocks(path: Path, data: bytes | None = None, limits: ParseLimits = DEFAULT_LIMITS) -> list[Block]:
    """Read `path` (or the already-read `data`) into blocks; `limits` bounds
    what reading may cost (OCR of scanned PDF pages).

    Raises `LoadError` for unsupported, empty, binary, corrupt or encrypted input.
    """
    suffix = path.suffix.lower()
    loader = _LOADERS.get(suffix)
    if loader is None:
        raise LoadError(str(path), f"unsupported file type '{suffix or path.name}'")
    raw = path.read_bytes() if data is None else data
    if not raw.strip():
        raise LoadError(str(path), "empty file")
    blocks = [b for b in loader(path, raw, limits) if b.text.strip()]
    if not blocks:
        raise LoadError(str(path), "no readable text found")
    return blocks


def _load_html(path: Path, raw: bytes, _limits: ParseLimits) -> Iterator[Block]:
    return read_html(decode_text(path, raw))


_Reader = Callable[[Path, bytes], Iterator[Block]]
_BoundedReader = Callable[[Path, bytes, ParseLimits], Iterator[Block]]


def _unbounded(reader: _Reader) -> _BoundedReader:
    """A reader whose cost the raw-byte checks and the deadline already bound."""
    return lambda path, raw, _limits: reader(path, raw)


_LOADERS: dict[str, _BoundedReader] = {
    ".txt": _unbounded(read_txt),
    ".md": _unbounded(read_md),
    ".markdown": _unbounded(read_md),
    ".html": _load_html,
    ".htm": _load_html,
    ".pdf": read_pdf,
    ".docx": _unbounded(read_docx),
}
