"""What the officer page does to the library: preview uploads as a dry run,
land them in the corpus folder and ingest, delete a paper.

The corpus folder stays the source of truth: uploads are written into it and
the ordinary ingestion run brings the store in line with it, so the CLI and the
page always agree. The preview writes nothing: it is the pipeline's own plan of
the corpus folder with the uploads laid over it.
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.embed import Embedder
from ingest.errors import ConfigError
from ingest.lexical import LexicalIndex
from ingest.load import SIDECAR_SUFFIX, SUPPORTED_SUFFIXES, is_supported
from ingest.pipeline import Failure, IngestReport, ProgressHook, content_hash, doc_id_for, plan, run
from ingest.store import PaperStore

logger = logging.getLogger(__name__)

STATUSES = ("new", "changed", "unchanged", "removed", "failed", "skipped")


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it."""

    name: str
    data: bytes


@dataclass(frozen=True)
class PlanRow:
    paper: str
    status: str
    detail: str = ""
    uploaded: bool = False


@dataclass
class OfficerPlan:
    """The dry run: one row per paper the run would look at."""

    rows: list[PlanRow] = field(default_factory=list)

    def count(self, status: str) -> int:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}; got {status!r}")
        return sum(1 for r in self.rows if r.status == status)

    def of(self, status: str) -> list[PlanRow]:
        return [r for r in self.rows if r.status == status]

    @property
    def changes_anything(self) -> bool:
        return any(r.status in ("new", "changed", "removed") for r in self.rows)


def safe_name(name: str) -> str:
    """The bare file name an upload may be stored under; refuses names that
    would escape the corpus folder or hide from ingestion."""
    base = Path(name.replace("\\", "/")).name
    if not base or base in (".", "..") or base.startswith(".") or "\0" in base:
        raise ConfigError(f"cannot store an upload named {name!r}")
    return base


def _sidecar_uploads(uploads: Sequence[Upload]) -> dict[str, bytes]:
    return {safe_name(u.name)[: -len(SIDECAR_SUFFIX)]: u.data for u in uploads if u.name.endswith(SIDECAR_SUFFIX)}


def _paper_uploads(uploads: Sequence[Upload]) -> list[Upload]:
    return [u for u in uploads if not u.name.endswith(SIDECAR_SUFFIX)]


def _upload_problem(upload: Upload, max_bytes: int) -> str | None:
    name = safe_name(upload.name)
    if not is_supported(Path(name)):
        return f"unsupported file type '{Path(name).suffix or name}' (supported: {', '.join(SUPPORTED_SUFFIXES)})"
    if len(upload.data) > max_bytes:
        return (
            f"file is {len(upload.data) / 1048576:.1f} MB, over the {max_bytes / 1048576:.1f} MB limit "
            "(set COUNCIL_MAX_FILE_MB to raise it)"
        )
    if not upload.data.strip():
        return "file is empty"
    return None


def preview(uploads: Sequence[Upload], corpus_dir: Path, store: PaperStore, max_bytes: int) -> OfficerPlan:
    """What `apply` would do, without writing anything."""
    base = plan([corpus_dir], store, max_bytes) if corpus_dir.is_dir() else None
    stored = store.hashes()
    sidecars = _sidecar_uploads(uploads)
    rows: dict[str, PlanRow] = {}
    if base is not None:
        for cand in base.added:
            rows[cand.doc_id] = PlanRow(cand.doc_id, "new", "in the corpus folder, not yet in the library")
        for cand in base.updated:
            rows[cand.doc_id] = PlanRow(cand.doc_id, "changed", "the file differs from the library's copy")
        for doc_id in base.unchanged:
            rows[doc_id] = PlanRow(doc_id, "unchanged")
        for doc_id in base.removed:
            rows[doc_id] = PlanRow(doc_id, "removed", "no longer in the corpus folder")
        for failure in base.failed:
            rows[failure.path] = PlanRow(failure.path, "failed", failure.error)
        for skip in base.skipped:
            rows[skip.path] = PlanRow(skip.path, "skipped", skip.error)
    for upload in _paper_uploads(uploads):
        name = safe_name(upload.name)
        target = corpus_dir / name
        doc_id = doc_id_for(target)
        problem = _upload_problem(upload, max_bytes)
        if problem:
            rows[doc_id] = PlanRow(doc_id, "failed", problem, uploaded=True)
            continue
        side = sidecars.get(name)
        if side is None:
            existing = target.with_name(name + SIDECAR_SUFFIX)
            side = existing.read_bytes() if existing.exists() else b""
        digest = content_hash(upload.data, side)
        old = stored.get(doc_id)
        if old is None:
            rows[doc_id] = PlanRow(doc_id, "new", "uploaded", uploaded=True)
        elif old != digest:
            rows[doc_id] = PlanRow(doc_id, "changed", "uploaded; replaces the library's copy", uploaded=True)
        else:
            rows[doc_id] = PlanRow(doc_id, "unchanged", "uploaded; identical to the library's copy", uploaded=True)
    order = {s: i for i, s in enumerate(STATUSES)}
    return OfficerPlan(sorted(rows.values(), key=lambda r: (order[r.status], r.paper)))


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
    max_tokens: int,
    progress: ProgressHook | None = None,
) -> IngestReport:
    """Write the acceptable uploads into the corpus folder, then ingest the folder."""
    corpus_dir.mkdir(parents=True, exist_ok=True)
    sidecars = _sidecar_uploads(uploads)
    rejected: list[tuple[str, str]] = []
    for upload in _paper_uploads(uploads):
        name = safe_name(upload.name)
        problem = _upload_problem(upload, max_bytes)
        if problem:
            rejected.append((doc_id_for(corpus_dir / name), problem))
            continue
        if name in sidecars:
            _write_atomically(corpus_dir / (name + SIDECAR_SUFFIX), sidecars[name])
        _write_atomically(corpus_dir / name, upload.data)
        logger.info("saved upload %s", name)
    report = run([corpus_dir], store, embedder, max_bytes=max_bytes, max_tokens=max_tokens, progress=progress)

    report.failed.extend(Failure(path, error) for path, error in rejected)
    return report


def delete(store: PaperStore, doc_id: str, corpus_dir: Path, *, remove_file: bool) -> Path | None:
    """Remove a paper from the library and, if asked and it lives in the corpus
    folder, its file and sidecar (else the next ingestion adds it back).
    Returns the file removed, if any."""
    known = {d.doc_id: d for d in store.documents()}
    if doc_id not in known:
        raise ConfigError(f"no paper {doc_id!r} in the library")
    store.delete_paper(doc_id)

    LexicalIndex.build(store).save(store)
    if not remove_file:
        return None
    path = Path(known[doc_id].path)
    resolved = path.resolve() if path.is_absolute() else (Path.cwd() / path).resolve()
    if not resolved.is_relative_to(corpus_dir.resolve()) or not resolved.is_file():
        logger.info("not removing %s: outside the corpus folder or missing", resolved)
        return None
    resolved.unlink()
    resolved.with_name(resolved.name + SIDECAR_SUFFIX).unlink(missing_ok=True)
    return resolved
