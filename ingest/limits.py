"""Bounded parsing: a hostile or broken file costs seconds, not minutes.

Cheap checks run on the raw bytes before any parser sees them (the unpacked
size of a DOCX's parts, its paragraph count, a PDF's page count), and parsing
itself runs under a wall-clock deadline where the process can set one. A file
over a limit fails with its reason; the rest of the run goes on.
"""

from __future__ import annotations

import io
import re
import signal
import threading
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from ingest.errors import ConfigError, LoadError

_PARAGRAPH_TAG = re.compile(rb"<w:p[\s>/]")
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?!s)")


@dataclass(frozen=True)
class ParseLimits:
    """Limits for one file; each is configurable (`COUNCIL_MAX_UNPACKED_MB`,
    `COUNCIL_MAX_PARAGRAPHS`, `COUNCIL_MAX_PAGES`, `COUNCIL_MAX_PARSE_SECONDS`,
    `COUNCIL_MAX_OCR_PAGES`). Reading a page by OCR (a scan, or a typed page
    whose fonts leave glyphs without characters) costs about a second, so
    `max_ocr_pages` bounds it (0: none is read);
    `ocr_languages` names Tesseract's languages for them ("eng+cym")."""

    max_unpacked_bytes: int = 200 * 1024 * 1024
    max_paragraphs: int = 50_000
    max_pages: int = 2_000
    max_seconds: float = 120.0
    max_ocr_pages: int = 200
    ocr_languages: str = "eng"

    def __post_init__(self) -> None:
        for name in ("max_unpacked_bytes", "max_paragraphs", "max_pages", "max_seconds"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name} must be greater than 0; got {getattr(self, name)}")
        if self.max_ocr_pages < 0:
            raise ConfigError(f"max_ocr_pages must be 0 or more; got {self.max_ocr_pages}")
        if not re.fullmatch(r"[A-Za-z_]+(\+[A-Za-z_]+)*", self.ocr_languages):
            raise ConfigError(f"ocr_languages must be Tesseract language names joined by '+'; "
                              f"got {self.ocr_languages!r}")


DEFAULT_LIMITS = ParseLimits()


def check_raw(path: Path, data: bytes, limits: ParseLimits) -> None:
    """Refuse a file whose raw bytes already show it is over a limit."""
    suffix = path.suffix.lower()
    if suffix == ".docx":
        _check_docx(path, data, limits)
    elif suffix == ".pdf":
        pages = len(_PDF_PAGE.findall(data))
        if pages > limits.max_pages:
            raise LoadError(str(path), f"has {pages:,} pages, over the limit of {limits.max_pages:,} "
                                       "(set COUNCIL_MAX_PAGES to raise it)")


def _check_docx(path: Path, data: bytes, limits: ParseLimits) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return  # the loader names a damaged file itself
    with archive:
        unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > limits.max_unpacked_bytes:
            raise LoadError(
                str(path), f"unpacks to {unpacked / 1048576:.0f} MB, over the limit of "
                f"{limits.max_unpacked_bytes / 1048576:.0f} MB (set COUNCIL_MAX_UNPACKED_MB to raise it)",
            )
        try:
            body = archive.read("word/document.xml")
        except KeyError:
            return
    paragraphs = len(_PARAGRAPH_TAG.findall(body))
    if paragraphs > limits.max_paragraphs:
        raise LoadError(str(path), f"has {paragraphs:,} paragraphs, over the limit of {limits.max_paragraphs:,} "
                                   "(set COUNCIL_MAX_PARAGRAPHS to raise it)")


def check_paragraphs(path: Path, count: int, limits: ParseLimits) -> None:
    """Refuse a parsed file with more paragraphs than any council paper has."""
    if count > limits.max_paragraphs:
        raise LoadError(str(path), f"has {count:,} paragraphs, over the limit of {limits.max_paragraphs:,} "
                                   "(set COUNCIL_MAX_PARAGRAPHS to raise it)")


class _Overtime(Exception):
    pass


@contextmanager
def deadline(path: Path, seconds: float) -> Iterator[None]:
    """Stop parsing `path` after `seconds` of wall time. Signals reach only the
    main thread, so elsewhere (a web server's worker) the raw-byte checks above
    are the bound."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def overtime(_signum: int, _frame: FrameType | None) -> None:
        raise _Overtime

    previous = signal.signal(signal.SIGALRM, overtime)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _Overtime:
        raise LoadError(str(path), f"took more than {seconds:g} s to read; refused "
                                   "(set COUNCIL_MAX_PARSE_SECONDS to raise it)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
