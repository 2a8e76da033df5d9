"""The ingestion run: discover papers, plan what changed, then load → segment →
chunk each changed paper, and embed and store them in batches of papers
(`ingest.batcher`).

Library code: it raises or reports; the CLI and the app decide how to show it.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ingest.access_levels import parse_level
from ingest.batcher import BATCH_CHUNKS, EmbedBatcher, ProgressHook
from ingest.chunk import chunk_paper
from ingest.discover import (
    NOT_A_PAPER_PREFIX,
    PIPELINE_VERSION,
    Candidate,
    check_admissible,
    content_hash,
    discover,
    doc_id_for,
)
from ingest.embed import Embedder
from ingest.errors import CouncilPapersError, LoadError
from ingest.index import PaperStore
from ingest.limits import DEFAULT_LIMITS, ParseLimits, check_paragraphs, check_raw, deadline
from ingest.load import load_blocks
from ingest.metadata import build_meta, read_sidecar
from ingest.paragraphs import segment
from ingest.repair import repair_vectors
from ingest.report import Failure, IngestReport
from ingest.types import Chunk, Paper

__all__ = [
    "NOT_A_PAPER_PREFIX", "PIPELINE_VERSION", "Candidate", "Failure", "IngestReport", "Plan", "ProgressHook",
    "check_admissible", "content_hash", "discover", "doc_id_for", "parse_paper", "plan", "run",
]

logger = logging.getLogger(__name__)

@dataclass
class Plan:
    """What a run would do; `--dry-run` prints exactly this."""

    added: list[Candidate] = field(default_factory=list)
    updated: list[Candidate] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)
    kept: list[Candidate] = field(default_factory=list)
    """The unchanged papers' candidates (a run's `access` may still apply to them)."""


def plan(paths: Sequence[Path], store: PaperStore, max_bytes: int) -> Plan:
    """Compare what is on disk with what is stored."""
    candidates, failures, roots = discover(paths, max_bytes)
    stored = store.hashes()
    result = Plan(failed=failures)
    by_bytes: dict[str, str] = {}
    seen: set[str] = set()
    for cand in candidates:
        seen.add(cand.doc_id)
        file_digest = hashlib.sha256(cand.data).hexdigest()
        first = by_bytes.setdefault(file_digest, cand.doc_id)
        if first != cand.doc_id:
            result.skipped.append(Failure(cand.doc_id, f"same content as {first}; skipped"))
            continue
        old = stored.get(cand.doc_id)
        if old is None:
            result.added.append(cand)
        elif old != cand.content_hash:
            result.updated.append(cand)
        else:
            result.unchanged.append(cand.doc_id)
            result.kept.append(cand)
    seen.update(f.path for f in failures)
    skipped = {s.path for s in result.skipped}
    for doc_id in sorted(stored):
        in_scope = any(doc_id.startswith(root) for root in roots)
        if in_scope and doc_id not in seen:
            result.removed.append(doc_id)
        elif doc_id in skipped:
            result.removed.append(doc_id)
    return result


def parse_paper(cand: Candidate, limits: ParseLimits = DEFAULT_LIMITS) -> Paper:
    """Load, segment and describe one paper (no model needed), within `limits`."""
    check_raw(cand.path, cand.data, limits)
    with deadline(cand.path, limits.max_seconds):
        blocks = load_blocks(cand.path, cand.data, limits)
        text, paragraphs = segment(cand.doc_id, blocks)
    check_paragraphs(cand.path, len(paragraphs), limits)
    if not paragraphs:
        raise LoadError(str(cand.path), "no readable text found")
    meta = build_meta(cand.path, paragraphs, read_sidecar(cand.path))
    return Paper(
        doc_id=cand.doc_id, path=cand.doc_id, content_hash=cand.content_hash,
        meta=meta, text=text, paragraphs=paragraphs,
    )


def run(
    paths: Sequence[Path],
    store: PaperStore,
    embedder: Embedder,
    *,
    max_bytes: int,
    dry_run: bool = False,
    progress: ProgressHook | None = None,
    batch_chunks: int = BATCH_CHUNKS,
    limits: ParseLimits = DEFAULT_LIMITS,
    access: str | None = None,
    new_access: str | None = None,
) -> IngestReport:
    """Bring the store in line with the papers under `paths`; each paper lands
    or fails on its own, a failure never stops the others. A paper's access
    level is its sidecar's `access`, else `access`, else the level it already
    has, else `new_access`, else public. An unchanged paper whose level changes
    is updated without re-embedding."""
    started = time.perf_counter()
    access, new_access = (parse_level(a) if a is not None else None for a in (access, new_access))
    notify = progress or (lambda _event, _n: None)
    if dry_run:
        report = _run(paths, store, embedder, max_bytes, dry_run, notify, batch_chunks, limits, access, new_access)
    else:
        with store.batch():  # holds the write lock from plan to last write
            store.sweep_orphans()
            store.sync_access()
            report = _run(paths, store, embedder, max_bytes, dry_run, notify, batch_chunks, limits, access, new_access)
            repair_vectors(store, embedder)
    report.drop_failed()
    report.documents, report.paragraphs, report.chunks = (
        store.document_count(), store.paragraph_count(), store.chunk_count()
    )
    report.seconds = time.perf_counter() - started
    return report


def _run(
    paths: Sequence[Path], store: PaperStore, embedder: Embedder, max_bytes: int, dry_run: bool,
    notify: ProgressHook, batch_chunks: int, limits: ParseLimits, access: str | None, new_access: str | None,
) -> IngestReport:
    todo = plan(paths, store, max_bytes)
    levels = store.access_levels()
    report = IngestReport(
        added=[c.doc_id for c in todo.added], updated=[c.doc_id for c in todo.updated],
        unchanged=list(todo.unchanged), removed=list(todo.removed),
        failed=list(todo.failed), skipped=list(todo.skipped), dry_run=dry_run,
    )
    work = todo.added + todo.updated
    level = {c.doc_id: access or levels.get(c.doc_id, new_access) for c in work}
    _apply_access(todo.kept, access, levels, store, report, dry_run=dry_run)
    if dry_run:
        for cand in work:
            _parse(cand, embedder, report, limits, chunk=False, access=level[cand.doc_id])
        return report
    for doc_id in todo.removed:
        store.delete_paper(doc_id)
    notify("total_files", len(work))
    batcher = EmbedBatcher(store, embedder, report, notify, batch_chunks)
    for cand in work:
        parsed = _parse(cand, embedder, report, limits, chunk=True, access=level[cand.doc_id])
        if parsed is None:
            notify("file", 1)
        else:
            batcher.add(*parsed)
    batcher.flush()
    return report


def _apply_access(kept: Sequence[Candidate], access: str | None, levels: dict[str, str], store: PaperStore,
                  report: IngestReport, *, dry_run: bool) -> None:
    """Give unchanged papers their sidecar's level, else the run's, when it differs."""
    for cand in kept:
        if cand.sidecar is not None and b'"access"' not in cand.sidecar:
            named = None  # its sidecar (read with the paper) names no level
        else:
            try:
                named = read_sidecar(cand.path).get("access")
            except LoadError as exc:
                report.failed.append(Failure(cand.doc_id, exc.reason))
                continue
        wanted = named or access
        if wanted and levels.get(cand.doc_id) != wanted and (dry_run or store.set_access(cand.doc_id, wanted)):
            report.access_changed[cand.doc_id] = wanted


def _parse(
    cand: Candidate, embedder: Embedder, report: IngestReport, limits: ParseLimits, *, chunk: bool,
    access: str | None = None,
) -> tuple[Paper, list[Chunk]] | None:
    """Parse (and chunk) one paper, or record why it failed. A dry run parses
    too (no model needed), so it predicts the failures a real run would report.
    `access` is the level when the sidecar names none."""
    try:
        with report.collect_warnings(cand.doc_id):
            paper = parse_paper(cand, limits)
        if access is not None and paper.meta.origin.get("access") != "sidecar":
            paper.meta.access = access
        return paper, (chunk_paper(paper, embedder.count_tokens, embedder.max_tokens) if chunk else [])
    except CouncilPapersError as exc:
        reason = exc.reason if isinstance(exc, LoadError) else str(exc)
        report.failed.append(Failure(cand.doc_id, reason))
    except Exception as exc:  # noqa: BLE001 - report, never crash the run
        logger.exception("parsing %s failed", cand.doc_id)
        report.failed.append(Failure(cand.doc_id, f"could not read ({type(exc).__name__}: {exc})"))
    return None
