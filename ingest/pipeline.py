"""The ingestion run: discover papers, plan what changed, then load → segment →
chunk → embed → store each changed paper, one paper at a time.

Library code: it raises or reports; the CLI and the app decide how to show it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from ingest.chunk import chunk_paper
from ingest.embed import Embedder
from ingest.errors import ConfigError, CouncilPapersError, LoadError
from ingest.lexical import LexicalIndex
from ingest.load import SIDECAR_SUFFIX, is_supported, load_blocks
from ingest.metadata import build_meta, read_sidecar, sidecar_path
from ingest.paragraphs import segment
from ingest.store import PaperStore
from ingest.types import Chunk, Paper

logger = logging.getLogger(__name__)

PIPELINE_VERSION = "2"
"""Part of every content hash: bump it when loading or segmentation changes, and
every paper is re-ingested on the next run."""

NOT_A_PAPER_PREFIX = "_"
"""Files such as `_PROVENANCE.md` sit beside the papers without being ingested."""


@dataclass
class Candidate:
    """A paper file found on disk, read and hashed."""

    path: Path
    doc_id: str
    content_hash: str
    data: bytes


@dataclass
class Failure:
    path: str
    error: str


@dataclass
class Plan:
    """What a run would do; `--dry-run` prints exactly this."""

    added: list[Candidate] = field(default_factory=list)
    updated: list[Candidate] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)


@dataclass
class IngestReport:
    """The run's summary; `to_json()` is the `--json` contract."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    skipped: list[Failure] = field(default_factory=list)
    documents: int = 0
    paragraphs: int = 0
    chunks: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    embedded_chunks: int = 0

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["seconds"] = round(self.seconds, 3)
        return data

    @property
    def ok(self) -> bool:
        return not self.failed


def doc_id_for(path: Path) -> str:
    """A paper's identity: its path relative to the working directory when it is
    under it (so `corpus/x.txt` is the same paper from every run), else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


def content_hash(data: bytes, sidecar: bytes) -> str:
    digest = hashlib.sha256()
    for part in (PIPELINE_VERSION.encode(), data, b"\0sidecar\0", sidecar):
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
    if name.startswith(NOT_A_PAPER_PREFIX) and not explicit:
        raise _NotAPaper
    if path.is_symlink():
        target = path.resolve()
        if not target.is_relative_to(root):
            raise LoadError(str(path), f"symlink points outside the corpus ({target}); refused")
        if target.is_dir():
            raise LoadError(str(path), "symlink to a folder; refused")
    if not path.is_file():
        raise LoadError(str(path), "not a regular file")
    if not is_supported(path):
        raise LoadError(str(path), f"unsupported file type '{path.suffix or name}' (supported: "
                        ".txt, .md, .html, .htm, .pdf, .docx)")
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(
            str(path),
            f"file is {size / 1048576:.1f} MB, over the {max_bytes / 1048576:.1f} MB limit "
            "(set COUNCIL_MAX_FILE_MB to raise it)",
        )
    data = path.read_bytes()
    sidecar = sidecar_path(path)
    side = sidecar.read_bytes() if sidecar.exists() else b""
    return Candidate(path=path, doc_id=doc_id_for(path), content_hash=content_hash(data, side), data=data)


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
    seen.update(f.path for f in failures)
    skipped = {s.path for s in result.skipped}
    for doc_id in sorted(stored):
        in_scope = any(doc_id.startswith(root) for root in roots)
        if in_scope and doc_id not in seen:
            result.removed.append(doc_id)
        elif doc_id in skipped:
            result.removed.append(doc_id)
    return result


def parse_paper(cand: Candidate) -> Paper:
    """Load, segment and describe one paper (no model needed)."""
    blocks = load_blocks(cand.path, cand.data)
    text, paragraphs = segment(cand.doc_id, blocks)
    if not paragraphs:
        raise LoadError(str(cand.path), "no readable text found")
    meta = build_meta(cand.path, paragraphs, read_sidecar(cand.path))
    return Paper(
        doc_id=cand.doc_id, path=cand.doc_id, content_hash=cand.content_hash,
        meta=meta, text=text, paragraphs=paragraphs,
    )


ProgressHook = Callable[[str, int], None]
"""Called as (event, amount): ("file", 1) after each paper, ("embed", n) after
each embedding batch, and ("total_files", n) up front (chunk counts are only
known as papers are parsed, so the embedding bar counts up without a total)."""


def run(
    paths: Sequence[Path],
    store: PaperStore,
    embedder: Embedder,
    *,
    max_bytes: int,
    max_tokens: int,
    dry_run: bool = False,
    progress: ProgressHook | None = None,
    batch_chunks: int = 64,
) -> IngestReport:
    """Bring the store in line with the papers under `paths`.

    Each paper lands or fails on its own; a failure never stops the others.
    """
    started = time.perf_counter()
    notify = progress or (lambda _event, _n: None)
    if not dry_run:
        store.sweep_orphans()
    todo = plan(paths, store, max_bytes)
    report = IngestReport(
        added=[c.doc_id for c in todo.added], updated=[c.doc_id for c in todo.updated],
        unchanged=list(todo.unchanged), removed=list(todo.removed),
        failed=list(todo.failed), skipped=list(todo.skipped), dry_run=dry_run,
    )
    if dry_run:
        _preview_failures(todo, report)
        _count(report, store)
        report.seconds = time.perf_counter() - started
        return report
    changed = False
    for doc_id in todo.removed:
        store.delete_paper(doc_id)
        changed = True
    work = todo.added + todo.updated
    notify("total_files", len(work))
    landed = _ingest_papers(work, store, embedder, max_tokens, report, notify, batch_chunks)
    changed = changed or landed > 0
    failed_ids = {f.path for f in report.failed}
    report.added = [d for d in report.added if d not in failed_ids]
    report.updated = [d for d in report.updated if d not in failed_ids]
    if changed or not (store.store_dir / "bm25").exists():
        LexicalIndex.build(store).save(store)
    _count(report, store)
    report.seconds = time.perf_counter() - started
    return report


def _ingest_papers(
    work: Sequence[Candidate],
    store: PaperStore,
    embedder: Embedder,
    max_tokens: int,
    report: IngestReport,
    notify: ProgressHook,
    batch_chunks: int,
) -> int:
    """Parse and chunk papers, embed them in batches that span small papers, and
    write each paper as soon as its vectors exist."""
    landed = 0
    pending: list[tuple[Paper, list[Chunk]]] = []
    pending_chunks = 0

    def flush() -> None:
        nonlocal pending, pending_chunks, landed
        if not pending:
            return
        texts = [c.text for _, chunks in pending for c in chunks]
        try:
            vectors = _embed(embedder, texts, notify)
        except Exception as exc:  # noqa: BLE001 - a model failure must not lose other papers
            for paper, _ in pending:
                report.failed.append(Failure(paper.doc_id, f"embedding failed ({type(exc).__name__}: {exc})"))
                notify("file", 1)
            pending, pending_chunks = [], 0
            return
        offset = 0
        for paper, chunks in pending:
            part = vectors[offset : offset + len(chunks)]
            offset += len(chunks)
            try:
                store.write_paper(paper, chunks, part)
                landed += 1
                report.embedded_chunks += len(chunks)
            except Exception as exc:  # noqa: BLE001 - one bad write must not stop the run
                logger.exception("writing %s failed", paper.doc_id)
                report.failed.append(Failure(paper.doc_id, f"could not store ({type(exc).__name__}: {exc})"))
            notify("file", 1)
        pending, pending_chunks = [], 0

    for cand in work:
        try:
            paper = parse_paper(cand)
            chunks = chunk_paper(paper, embedder.count_tokens, max_tokens)
        except CouncilPapersError as exc:
            reason = exc.reason if isinstance(exc, LoadError) else str(exc)
            report.failed.append(Failure(cand.doc_id, reason))
            notify("file", 1)
            continue
        except Exception as exc:  # noqa: BLE001 - report, never crash the run
            logger.exception("parsing %s failed", cand.doc_id)
            report.failed.append(Failure(cand.doc_id, f"could not read ({type(exc).__name__}: {exc})"))
            notify("file", 1)
            continue
        pending.append((paper, chunks))
        pending_chunks += len(chunks)
        if pending_chunks >= batch_chunks:
            flush()
    flush()
    return landed


def _embed(embedder: Embedder, texts: list[str], notify: ProgressHook) -> np.ndarray:
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    out = []
    step = 32
    for start in range(0, len(texts), step):
        out.append(embedder.embed_documents(texts[start : start + step]))
        notify("embed", len(texts[start : start + step]))
    return np.concatenate(out)


def _preview_failures(todo: Plan, report: IngestReport) -> None:
    """A dry run still reads and segments each new or changed paper (no model
    needed), so it predicts the failures a real run would report."""
    for cand in todo.added + todo.updated:
        try:
            parse_paper(cand)
        except CouncilPapersError as exc:
            reason = exc.reason if isinstance(exc, LoadError) else str(exc)
            report.failed.append(Failure(cand.doc_id, reason))
        except Exception as exc:  # noqa: BLE001 - a preview must never crash
            report.failed.append(Failure(cand.doc_id, f"could not read ({type(exc).__name__}: {exc})"))
    failed = {f.path for f in report.failed}
    report.added = [d for d in report.added if d not in failed]
    report.updated = [d for d in report.updated if d not in failed]


def _count(report: IngestReport, store: PaperStore) -> None:
    report.documents = store.document_count()
    report.paragraphs = store.paragraph_count()
    report.chunks = store.chunk_count()


