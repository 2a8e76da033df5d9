"""`python -m ingest [PATH ...] [--store DIR] [--access LEVEL] [--dry-run] [--rebuild] [--json]`

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
from ingest.errors import ConfigError, CouncilPapersError, StoreMismatchError
from ingest.library import make_embedder, open_store
from ingest.pipeline import run
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
    parser.add_argument("--access", metavar="LEVEL",
                        help="who may read these papers: public, members or group:NAME (a sidecar's `access` "
                             "wins; default: the level a paper already has, else public)")
    parser.add_argument("--json", action="store_true", help="print one JSON summary object")
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
    if args.dry_run and args.rebuild:
        parser.print_usage(sys.stderr)
        print("error: --dry-run and --rebuild cannot be combined", file=sys.stderr)
        return EXIT_USAGE
    embedder = make_embedder(settings)
    try:
        store = open_store(settings, embedder)
        if args.rebuild:
            store.reset()
        else:
            store.check_compatible()
        interactive = sys.stderr.isatty() and not args.json
        with _progress(interactive) as hook:
            report = run(
                paths, store, embedder, max_bytes=settings.max_file_bytes,
                dry_run=args.dry_run, progress=hook, access=args.access,
            )
        if not args.dry_run:
            _audit(settings.store_dir, report)
    except StoreMismatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_MISMATCH
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except CouncilPapersError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        _print_human(report)
    return EXIT_OK if report.ok else EXIT_FAILED


def _audit(store_dir: Path, report: IngestReport) -> None:
    """Record the run in the audit log. The audit trail belongs to the access
    layer (`qa_app`); this entry point, like the app, sits above both packages."""
    from qa_app.audit import AuditLog, cli_actor, record_report

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
