"""Finding papers on disk: which files are papers, their identity, their
content hash and the checks every paper passes before it is read (the same
for the corpus folder and for uploads)."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.access_levels import without_access
from ingest.errors import ConfigError, LoadError
from ingest.load import SIDECAR_SUFFIX, SUPPORTED_SUFFIXES, is_supported
from ingest.metadata import sidecar_path
from ingest.report import Failure

PIPELINE_VERSION = "7"
"""Part of every content hash: bump it when loading or segmentation changes, and
every paper is re-ingested on the next run."""

NOT_A_PAPER_PREFIX = "_"
"""Files such as `_PROVENANCE.md` sit beside the papers without being ingested."""
OFFICE_OWNER_PREFIX = "~$"
"""Word, Excel and PowerPoint write `~$name.docx` beside a document while it is
open: a few bytes naming who has it open, never a paper."""
_SAVE_AS = {".doc": ".docx or PDF", ".rtf": ".docx or PDF", ".odt": ".docx or PDF", ".wpd": ".docx or PDF",
            ".pages": ".docx or PDF", ".xps": "PDF"}
"""Formats a word processor can save again in one this product reads."""


@dataclass
class Candidate:
    """A paper file found on disk, read and hashed."""

    path: Path
    doc_id: str
    content_hash: str
    data: bytes
    sidecar: bytes | None = None
    """The sidecar's bytes as read with the paper (b"" when it has none); None
    when not read, so whoever needs it reads it."""


def doc_id_for(path: Path) -> str:
    """A paper's identity: its path relative to the working directory when it is
    under it (so `corpus/x.txt` is the same paper from every run), else absolute.
    String work, not `Path.relative_to`: a run names every file of the library."""
    absolute = os.path.abspath(path)
    cwd = os.getcwd()
    prefix = cwd if cwd.endswith(os.sep) else cwd + os.sep
    if absolute == cwd:
        return "."
    if absolute.startswith(prefix):
        return Path(absolute[len(prefix):]).as_posix()
    return Path(absolute).as_posix()


def content_hash(data: bytes, sidecar: bytes) -> str:
    digest = hashlib.sha256()
    for part in (PIPELINE_VERSION.encode(), data, b"\0sidecar\0", without_access(sidecar)):
        digest.update(part)
    return digest.hexdigest()


def discover(paths: Sequence[Path], max_bytes: int) -> tuple[list[Candidate], list[Failure], list[str]]:
    """Find and read every paper under `paths`.

    Returns (candidates, failures, roots), `roots` being the doc_id prefixes of the
    folders scanned, inside which a stored paper that is gone counts as removed.
    Raises `ConfigError` for a path that does not exist.
    """
    candidates: list[Candidate] = []
    failures: list[Failure] = []
    roots: list[str] = []
    for given in paths:
        if not given.exists() and not given.is_symlink():
            raise ConfigError(f"no such file or folder: {given}")
        if given.is_dir():
            roots.append(doc_id_for(given).rstrip("/") + "/" if doc_id_for(given) != "." else "")
            files = sorted(_walk(given))
            root = given.resolve()
        else:
            files, root = [given], given.parent.resolve()
        for path in files:
            try:
                candidates.append(_read_candidate(path, root, max_bytes, explicit=not given.is_dir()))
            except LoadError as exc:
                failures.append(Failure(doc_id_for(path), exc.reason))
            except _NotAPaper:
                continue
    return candidates, failures, roots


class _NotAPaper(Exception):
    """A sidecar or a note that lives beside the papers."""


def _walk(folder: Path) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            yield Path(dirpath) / name
        for name in dirnames:
            candidate = Path(dirpath) / name
            if candidate.is_symlink():
                yield candidate


def _read_candidate(path: Path, root: Path, max_bytes: int, explicit: bool) -> Candidate:
    name = path.name
    if name.endswith(SIDECAR_SUFFIX) or name.startswith("."):
        raise _NotAPaper
    if name.startswith((NOT_A_PAPER_PREFIX, OFFICE_OWNER_PREFIX)) and not explicit:
        raise _NotAPaper
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root):
            raise LoadError(str(path), f"symlink points outside the corpus ({target}); refused")
        if target.is_dir():
            raise LoadError(str(path), "symlink to a folder; refused")
    if not path.is_file():
        raise LoadError(str(path), "not a regular file")
    check_admissible(path, path.stat().st_size, max_bytes)
    data = path.read_bytes()
    sidecar = sidecar_path(path)
    side = sidecar.read_bytes() if sidecar.exists() else b""
    return Candidate(path=path, doc_id=doc_id_for(path), content_hash=content_hash(data, side), data=data,
                     sidecar=side)


def check_admissible(path: Path, size: int, max_bytes: int) -> None:
    """The checks every paper passes before it is read, whether it was found in
    the corpus folder or uploaded. Raises `LoadError` with the reason."""
    if not is_supported(path):
        supported = ", ".join(SUPPORTED_SUFFIXES)
        hint = _SAVE_AS.get(path.suffix.lower())
        advice = f"; save it as {hint}" if hint else ""
        kind = path.suffix or path.name
        raise LoadError(str(path), f"unsupported file type '{kind}' (supported: {supported}){advice}")
    if size > max_bytes:
        raise LoadError(
            str(path),
            f"file is {size / 1048576:.1f} MB, over the {max_bytes / 1048576:.1f} MB limit "
            "(set COUNCIL_MAX_FILE_MB to raise it)",
        )


