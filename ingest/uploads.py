"""Officer administration of the corpus folder: preview uploads as a dry run,
keep the acceptable ones and ingest, delete a paper.

The corpus folder stays the source of truth: uploads are written into it and
the ordinary ingestion run brings the store in line with it, so the CLI and the
Officer page always agree. An upload is checked and parsed with the pipeline's
own code before it is kept, so a rejected file never lands in the corpus.
"""

from __future__ import annotations

import logging
import os
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ingest.access_levels import PUBLIC, AccessError, parse_level
from ingest.batcher import ProgressHook
from ingest.embed import Embedder
from ingest.errors import ConfigError, CouncilPapersError, LoadError
from ingest.index import PaperStore
from ingest.limits import DEFAULT_LIMITS, ParseLimits
from ingest.load import SIDECAR_SUFFIX
from ingest.pipeline import Candidate, check_admissible, content_hash, doc_id_for, parse_paper, plan, run
from ingest.report import Failure, IngestReport

logger = logging.getLogger(__name__)

MAX_NAME_CHARS = 120
"""Longest file name an upload is stored under (file systems allow 255 bytes;
UTF-8 names can take four bytes a character)."""


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it."""

    name: str
    data: bytes


def safe_name(name: str) -> str:
    """The bare file name an upload is stored under: no folders, no control or
    bidirectional-override characters (which can make `x‮fdp.txt` look like
    a PDF), no leading dots or underscores (hidden files and notes beside the
    papers are never ingested), at most `MAX_NAME_CHARS` characters with the
    extension kept. Raises `ConfigError` naming the upload when nothing is left."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/")).rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    base = base.lstrip("._ ")
    if not base:
        raise ConfigError(f"cannot store an upload named {name!r}: nothing usable is left of the name")
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    suffix = f".{suffix}" if dot else ""
    if len(base) > MAX_NAME_CHARS:
        base = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" .") + suffix
    return base


def _split(uploads: Sequence[Upload]) -> tuple[list[tuple[Upload, str]], dict[str, bytes], list[Failure]]:
    """(papers with their safe names, sidecar bytes by paper name, bad names)."""
    papers: list[tuple[Upload, str]] = []
    sidecars: dict[str, bytes] = {}
    bad: list[Failure] = []
    for upload in uploads:
        try:
            name = safe_name(upload.name)
        except ConfigError as exc:
            bad.append(Failure(upload.name, str(exc)))
            continue
        if name.endswith(SIDECAR_SUFFIX):
            sidecars[name[: -len(SIDECAR_SUFFIX)]] = upload.data
        else:
            papers.append((upload, name))
    return papers, sidecars, bad


def _check(upload: Upload, target: Path, sidecar: bytes, max_bytes: int, limits: ParseLimits) -> Candidate:
    """Everything ingestion would check, on the upload's bytes, before anything
    is written. Raises `LoadError` with the reason."""
    check_admissible(target, len(upload.data), max_bytes)
    cand = Candidate(target, doc_id_for(target), content_hash(upload.data, sidecar), upload.data)
    parse_paper(cand, limits)
    return cand


def preview(
    uploads: Sequence[Upload], corpus_dir: Path, store: PaperStore, max_bytes: int,
    limits: ParseLimits = DEFAULT_LIMITS,
) -> IngestReport:
    """What `apply` would do, without writing anything (a dry-run report)."""
    report = IngestReport(dry_run=True)
    if corpus_dir.is_dir():
        base = plan([corpus_dir], store, max_bytes)
        for cand in base.added + base.updated:  # predict the failures a run would report, as `--dry-run` does
            try:
                with report.collect_warnings(cand.doc_id):
                    parse_paper(cand, limits)
            except CouncilPapersError as exc:
                base.failed.append(Failure(cand.doc_id, exc.reason if isinstance(exc, LoadError) else str(exc)))
        broken = {f.path for f in base.failed}
        report.added = [c.doc_id for c in base.added if c.doc_id not in broken]
        report.updated = [c.doc_id for c in base.updated if c.doc_id not in broken]
        report.unchanged, report.removed = list(base.unchanged), list(base.removed)
        report.failed, report.skipped = list(base.failed), list(base.skipped)
    papers, sidecars, bad = _split(uploads)
    report.failed.extend(bad)
    stored = store.hashes()
    for upload, name in papers:
        target = corpus_dir / name
        doc_id = doc_id_for(target)
        _forget(report, doc_id)
        report.uploaded.append(doc_id)
        try:
            with report.collect_warnings(doc_id):
                cand = _check(upload, target, _sidecar_bytes(target, sidecars.get(name)), max_bytes, limits)
        except CouncilPapersError as exc:
            report.failed.append(Failure(doc_id, exc.reason if isinstance(exc, LoadError) else str(exc)))
            continue
        old = stored.get(doc_id)
        status = "added" if old is None else "updated" if old != cand.content_hash else "unchanged"
        getattr(report, status).append(doc_id)
    return report


def _forget(report: IngestReport, doc_id: str) -> None:
    """Drop what the folder's plan said of a paper an upload replaces."""
    for status in ("added", "updated", "unchanged", "removed"):
        setattr(report, status, [d for d in getattr(report, status) if d != doc_id])
    report.failed = [f for f in report.failed if f.path != doc_id]
    report.warnings = [w for w in report.warnings if w.path != doc_id]


def _sidecar_bytes(target: Path, uploaded: bytes | None) -> bytes:
    if uploaded is not None:
        return uploaded
    existing = target.with_name(target.name + SIDECAR_SUFFIX)
    return existing.read_bytes() if existing.exists() else b""


def _write_atomically(target: Path, data: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    # A dot-name: ingestion ignores it if a crash leaves it behind.
    fd, tmp = tempfile.mkstemp(prefix=".upload-", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def apply(
    uploads: Sequence[Upload],
    corpus_dir: Path,
    store: PaperStore,
    embedder: Embedder,
    *,
    max_bytes: int,
    progress: ProgressHook | None = None,
    limits: ParseLimits = DEFAULT_LIMITS,
    access: str | None = None,
) -> IngestReport:
    """Keep the uploads that pass every check in the corpus folder, then ingest
    the folder (new papers get `access` unless their sidecar names a level).
    Each rejected upload is reported by name and not written."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    papers, sidecars, rejected = _split(uploads)
    kept: list[str] = []
    for upload, name in papers:
        target = corpus_dir / name
        try:
            side = _sidecar_bytes(target, sidecars.get(name))
            _check(upload, target, side, max_bytes, limits)
            if name in sidecars:
                _write_atomically(target.with_name(name + SIDECAR_SUFFIX), sidecars[name])
            _write_atomically(target, upload.data)
        except CouncilPapersError as exc:
            rejected.append(Failure(doc_id_for(target), exc.reason if isinstance(exc, LoadError) else str(exc)))
            continue
        except OSError as exc:
            rejected.append(Failure(doc_id_for(target), f"could not save the upload ({exc.strerror or exc})"))
            continue
        kept.append(doc_id_for(target))
        logger.info("saved upload %s", name)
    report = run([corpus_dir], store, embedder, max_bytes=max_bytes, progress=progress, limits=limits,
                 new_access=access)
    report.failed.extend(rejected)
    report.uploaded = kept + [f.path for f in rejected]
    return report


def in_corpus(doc_id: str, corpus_dir: Path) -> bool:
    """Whether `doc_id` names a file inside the corpus folder."""
    path = Path(doc_id)
    resolved = path.resolve() if path.is_absolute() else (Path.cwd() / path).resolve()
    return resolved.is_relative_to(corpus_dir.resolve()) and resolved.is_file()


def delete(store: PaperStore, doc_id: str, corpus_dir: Path, *, remove_file: bool) -> Path | None:
    """Remove a paper from the library and, if asked and it lives in the corpus
    folder, its file and sidecar (else the next ingestion adds it back). A file
    that failed to ingest is not in the library; it can still be removed.
    Returns the file removed, if any."""
    known = {d.doc_id: d for d in store.documents()}
    path = Path(known[doc_id].path) if doc_id in known else Path(doc_id)
    resolved = path.resolve() if path.is_absolute() else (Path.cwd() / path).resolve()
    in_corpus = resolved.is_relative_to(corpus_dir.resolve()) and resolved.is_file()
    if doc_id not in known and not in_corpus:
        raise ConfigError(f"no paper {doc_id!r} in the library or the corpus folder")
    if doc_id in known:
        store.delete_paper(doc_id)
    if not (remove_file or doc_id not in known):
        return None
    if not in_corpus:
        logger.info("not removing %s: outside the corpus folder or missing", resolved)
        return None
    resolved.unlink()
    resolved.with_name(resolved.name + SIDECAR_SUFFIX).unlink(missing_ok=True)
    return resolved


def new_paper_access(level: str) -> str | None:
    """The level the Officer page gives new uploads: None for public, so papers
    already in the folder keep theirs."""
    parsed = parse_level(level, source="access for new papers")
    return None if parsed == PUBLIC else parsed


def change_access(store: PaperStore, doc_id: str, level: str) -> tuple[str, str]:
    """Set one paper's access level (validated); returns (before, after)."""
    after = parse_level(level or None, source=doc_id) if level.strip() else None
    if after is None:
        raise AccessError(f"{doc_id}: give an access level (public, members or group:<name>)")
    before = store.access_levels().get(doc_id)
    if before is None or not store.set_access(doc_id, after):
        raise ConfigError(f"no paper {doc_id!r} in the library")
    return before, after
