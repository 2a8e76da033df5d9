"""`python -m ingest [PATH ...] [--store DIR] [--access LEVEL] [--dry-run | --rebuild | --check | --repair] [--json]`
`python -m ingest --list [--store DIR] [--json]` lists the library with flags.

Exit codes: 0 all papers landed; 1 some failed and the rest landed; 2 usage
error; 3 the index was built with other settings (re-run with --rebuild).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from pydantic import ValidationError

from ingest.config import Settings
from ingest.embed import Embedder
from ingest.errors import ConfigError, CouncilPapersError, IndexUnreadableError, StoreMismatchError
from ingest.index import PaperStore
from ingest.index.schema import set_aside
from ingest.library import make_embedder, open_store
from ingest.listing import format_table, rows
from ingest.pipeline import run
from ingest.repair import repair_vectors
from ingest.report import IngestReport

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MISMATCH = 0, 1, 2, 3


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Ingest council papers (txt, md, html, pdf, docx) into the searchable library.",
    )
    parser.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="papers or folders of papers (default: the corpus folder, corpus/)")
    parser.add_argument("--store", type=Path, help="index folder (default: .index, or COUNCIL_STORE_DIR)")
    parser.add_argument("--dry-run", action="store_true", help="report what would change, write nothing")
    parser.add_argument("--rebuild", action="store_true", help="drop the index and ingest everything again")
    parser.add_argument("--check", action="store_true",
                        help="compare catalogue, vectors and keyword index; exit 1 if they disagree")
    parser.add_argument("--repair", action="store_true",
                        help="re-embed missing vectors and drop orphaned ones, touching nothing else")
    parser.add_argument("--list", action="store_true",
                        help="list every paper in the library (title, council, body, type, date, flags)")
    parser.add_argument("--access", metavar="LEVEL",
                        help="who may read these papers: public, members or group:NAME (a sidecar's `access` "
                             "wins; default: the level a paper already has, else public)")
    parser.add_argument("--json", action="store_true",
                        help="print JSON: one summary object, or with --list one array of papers")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"error: invalid setting: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.store:
        settings.store_dir = args.store
    paths = args.paths or [settings.corpus_dir]
    chosen = [flag for flag in ("dry_run", "rebuild", "check", "repair", "list") if getattr(args, flag)]
    if len(chosen) > 1:
        parser.print_usage(sys.stderr)
        print(f"error: {' and '.join('--' + f.replace('_', '-') for f in chosen)} cannot be combined", file=sys.stderr)
        return EXIT_USAGE
    if args.check or args.repair:
        return _maintain(settings, repair=args.repair, as_json=args.json)
    embedder = make_embedder(settings)
    if args.list:
        return _list(settings, embedder, args.json)
    try:
        store = _open(settings, embedder, rebuild=args.rebuild)
        if args.rebuild:
            store.reset()
        else:
            store.check_compatible()
        interactive = sys.stderr.isatty() and not args.json
        with _progress(interactive) as hook:
            report = run(
                paths, store, embedder, max_bytes=settings.max_file_bytes,
                dry_run=args.dry_run, progress=hook, limits=settings.parse_limits, access=args.access,
                batch_chunks=settings.ingest_batch_chunks,
            )
        if not args.dry_run:
            _audit(settings.store_dir, report)
    except CouncilPapersError as exc:
        return _report_error(exc)
    except OSError as exc:
        print(f"error: could not write the index in {settings.store_dir} ({exc.strerror or exc}); papers that were "
              "already stored are kept; run the same command again once the problem is fixed", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        _print_human(report)
    return EXIT_OK if report.ok else EXIT_FAILED


def _report_error(exc: CouncilPapersError) -> int:
    """Print the library's sentence and choose the exit code for it."""
    print(f"error: {exc}", file=sys.stderr)
    if isinstance(exc, StoreMismatchError):
        return EXIT_MISMATCH
    return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_FAILED


def _open(settings: Settings, embedder: Embedder, *, rebuild: bool) -> PaperStore:
    """The store; with `--rebuild`, an unreadable catalogue is set aside first."""
    try:
        return open_store(settings, embedder)
    except IndexUnreadableError:
        if not rebuild:
            raise
        kept = set_aside(settings.store_dir)
        print(f"the unreadable catalogue was moved to {kept}; rebuilding", file=sys.stderr)
        return open_store(settings, embedder)


def _maintain(settings: Settings, *, repair: bool, as_json: bool) -> int:
    """`--check` and `--repair`."""
    try:
        embedder = make_embedder(settings)
        store = open_store(settings, embedder)
        store.check_compatible()
        done = repair_vectors(store, embedder) if repair else None
        integrity = store.check()
    except CouncilPapersError as exc:
        return _report_error(exc)
    problems = integrity.problems()
    if as_json:
        out: dict[str, object] = {"ok": integrity.ok, "problems": problems}
        if done is not None:
            out.update(reembedded_papers=list(done.reembedded_papers), reembedded_chunks=done.reembedded_chunks,
                       orphans_removed=done.orphans_removed)
        print(json.dumps(out, ensure_ascii=False))
    else:
        if done is not None:
            print(f"re-embedded {done.reembedded_chunks} chunks of {len(done.reembedded_papers)} papers; "
                  f"removed {done.orphans_removed} orphaned vectors")
        for line in problems:
            print(f"problem: {line}")
        if integrity.ok:
            print(f"the index is consistent: {store.document_count()} papers, {store.chunk_count()} chunks")
    return EXIT_OK if integrity.ok else EXIT_FAILED


def _list(settings: Settings, embedder: Embedder, as_json: bool) -> int:
    """`--list`: every paper with what was inferred about it, and flags."""
    try:
        library = rows(open_store(settings, embedder).documents())
    except CouncilPapersError as exc:
        return _report_error(exc)
    if as_json:
        print(json.dumps([row.to_json() for row in library], ensure_ascii=False))
    else:
        print(format_table(library))
    return EXIT_OK


def _audit(store_dir: Path, report: IngestReport) -> None:
    """Record the run in the audit log beside the store."""
    from ingest.audit import AuditLog, cli_actor, record_report

    record_report(AuditLog.for_store(store_dir), report, actor=cli_actor(), via="cli")


def _print_human(report: IngestReport) -> None:
    verb = "would be " if report.dry_run else ""
    for label, items in (("added", report.added), ("updated", report.updated), ("removed", report.removed)):
        for item in items:
            print(f"{label:>9}: {item}" if not report.dry_run else f"{verb}{label}: {item}")
    for skip in report.skipped:
        print(f"  skipped: {skip.path}: {skip.error}")
    for doc_id, level in report.access_changed.items():
        print(f"{verb}access: {doc_id} → {level}")
    for warning in report.warnings:
        print(f"  warning: {warning.path}: {warning.error}", file=sys.stderr)
    for failure in report.failed:
        print(f"   FAILED: {failure.path}: {failure.error}", file=sys.stderr)
    print(report.summary())


class _progress:
    """tqdm bars over files and embedded passages, only on a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.bars: dict[str, object] = {}

    def __enter__(self):  # type: ignore[no-untyped-def]
        if not self.enabled:
            return None
        from tqdm import tqdm

        def hook(event: str, amount: int) -> None:
            if event == "total_files":
                self.bars["file"] = tqdm(total=amount, desc="papers", unit="paper", position=0)
                self.bars["embed"] = tqdm(desc="embedding", unit="passage", position=1)
            elif event in self.bars:
                self.bars[event].update(amount)  # type: ignore[attr-defined]

        return hook

    def __exit__(self, *exc: object) -> None:
        for bar in self.bars.values():
            bar.close()  # type: ignore[attr-defined]


if __name__ == "__main__":
    sys.exit(main())
