"""Command line: `python -m qa_app ask …` and `python -m qa_app eval …`.

    python -m qa_app ask "QUESTION" [--store DIR] [--k N] [--type minutes] [--json]
    python -m qa_app ask --batch FILE.jsonl --json
    python -m qa_app chat [--store DIR]
    python -m qa_app ask "QUESTION" --as USER | --audience public   (what that user / a visitor would get)
    python -m qa_app eval --questions FILE.jsonl [--store DIR] [--baseline] [--json]
    python -m qa_app eval --questions FILE.jsonl --split SPLIT.json --half tune|held
    python -m qa_app eval --format squad2 FILE [--limit N]
    python -m qa_app eval --format qmsum FILE [--limit N] [--baseline]
    python -m qa_app users add|remove|list|passwd|groups … [--store DIR | --accounts FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ingest.errors import CouncilPapersError
from ingest.types import DOC_TYPES
from qa_app.chat import add_chat_parser
from qa_app.cli_render import context_json, render_text
from qa_app.users_cli import add_users_parser, run_users

if TYPE_CHECKING:
    from qa_app.engine import QAEngine
    from qa_app.types import Answer

logger = logging.getLogger("qa_app")


def positive_int(value: str) -> int:
    """An argparse type: a whole number greater than 0, named in the error."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; got {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than 0; got {number}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m qa_app", description="Ask the council papers; evaluate answers.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="answer a question (or a JSONL batch) with cited paragraphs")
    ask.add_argument("question", nargs="?", help="the question (omit with --batch)")
    ask.add_argument("--batch", type=Path, help="JSONL file, one object with a `question` per line")
    ask.add_argument("--store", type=Path, help="index folder (default: COUNCIL_STORE_DIR or .index)")
    ask.add_argument("--k", type=positive_int, default=8, help="paragraphs to retrieve (default 8)")
    ask.add_argument("--type", dest="doc_types", action="append", default=[], choices=DOC_TYPES,
                     help="only papers of this type (repeatable)")
    ask.add_argument("--body", dest="bodies", action="append", default=[], help="only papers of this body/committee")
    ask.add_argument("--paper", dest="papers", action="append", default=[], help="only this paper (its path as stored)")
    ask.add_argument("--date-from", help="only papers dated on or after YYYY[-MM[-DD]]")
    ask.add_argument("--date-to", help="only papers dated on or before YYYY[-MM[-DD]]")
    ask.add_argument("--json", action="store_true", help="print JSON (one object per line with --batch)")
    ask.add_argument("--context", action="store_true",
                     help="show each source's minute item (or neighbouring paragraphs) around the quote")
    audience = ask.add_mutually_exclusive_group()
    audience.add_argument("--as", dest="as_user", metavar="USER",
                          help="answer from only the papers this account may read (default: every paper)")
    audience.add_argument("--audience", choices=("all", "public"), default="all",
                          help="public: answer as an anonymous visitor would get it (default: all papers)")
    ask.add_argument("--accounts", type=Path, help="accounts file for --as (default: COUNCIL_ACCOUNTS_FILE or "
                                                   "accounts.json in the store folder)")

    add_chat_parser(sub)
    ev = sub.add_parser("eval", help="measure retrieval, answers, citations and abstention on a question set")
    ev.add_argument("file", nargs="?", type=Path, help="question file (same as --questions)")
    ev.add_argument("--questions", type=Path, help="question file")
    ev.add_argument("--format", choices=("council", "squad2", "qmsum"), default="council",
                    help="council (JSONL with id, question, answerable, answers, evidence), squad2 or qmsum")
    ev.add_argument("--store", type=Path, help="index folder for the council format")
    ev.add_argument("--k", type=positive_int, default=10, help="paragraphs retrieved per question (default 10)")
    ev.add_argument("--limit", type=positive_int, help="evaluate at most N questions (a seeded sample for big sets)")
    ev.add_argument("--seed", type=int, default=13, help="sampling seed for --limit")
    ev.add_argument("--baseline", action="store_true", help="also run the LangChain tutorial RAG, side by side")
    ev.add_argument("--work-dir", type=Path, help="keep the temporary index of squad2/qmsum here for reuse")
    ev.add_argument("--details", type=Path, help="write per-question results to this JSONL file")
    ev.add_argument("--threshold", type=float, help="abstention threshold to use instead of the calibrated one")
    ev.add_argument("--calibrate", action="store_true",
                    help="never abstain; print abstention / false abstention / accuracy per threshold")
    ev.add_argument("--split", type=Path, help="split file listing question ids per half (with --half)")
    ev.add_argument("--half", choices=("tune", "held"), help="keep only this half's questions (`<half>_questions`)")
    ev.add_argument("--json", action="store_true", help="print the metrics as JSON")

    add_users_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    args = build_parser().parse_args(argv)
    out = out or sys.stdout
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from qa_app.llm_models import prefer_passive_openmp

    prefer_passive_openmp()
    try:
        if args.command == "ask":
            return _ask(args, out)
        if args.command == "users":
            return run_users(args, out)
        if args.command == "chat":
            from qa_app.chat import run_chat

            return run_chat(_engine(args.store), k=args.k, out=out)
        return _eval(args, out)
    except CouncilPapersError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _engine(store: Path | None) -> Any:
    from ingest.config import load_settings
    from qa_app.engine import QAEngine

    settings = load_settings(store)
    if not settings.store_dir.exists():
        from ingest.errors import ConfigError

        where = settings.store_dir
        raise ConfigError(f"no index at {where}; build one with: python -m ingest --store {where}")
    return QAEngine(settings)


def _json(answer: Answer, engine: QAEngine, context: bool) -> dict[str, object]:
    """The `ask --json` object; `context` adds each citation's item paragraphs."""
    data = answer.to_json()
    if context:
        data["context"] = context_json(answer, engine.context)
    return data


def _ask(args: argparse.Namespace, out: TextIO) -> int:
    from ingest.errors import ConfigError, CouncilPapersError
    from ingest.index import make_filters
    from ingest.jsonl import read_jsonl
    from qa_app.types import Turn

    if (args.question is None) == (args.batch is None):
        raise ConfigError("give either a QUESTION or --batch FILE, not both or neither")
    filters = make_filters(doc_types=args.doc_types, bodies=args.bodies, papers=args.papers,
                           date_from=args.date_from, date_to=args.date_to)
    viewer = _viewer(args)
    engine = _engine(args.store)
    try:
        if args.question is not None:
            answer = engine.ask(args.question, filters=filters, k=args.k, viewer=viewer)
            if args.json:
                print(json.dumps(_json(answer, engine, args.context), ensure_ascii=False), file=out)
            else:
                print(render_text(answer, engine.context if args.context else None), file=out)
            return 0
        if not args.batch.is_file():
            raise ConfigError(f"--batch file not found: {args.batch}")
        failures = 0
        for number, record in read_jsonl(args.batch):
            try:
                if isinstance(record, str):
                    raise ConfigError(record)
                if not isinstance(record.get("question"), str):
                    raise ConfigError("each line needs a string `question`")
                history = [Turn(str(t.get("question", "")), str(t.get("answer", "")))
                           for t in record.get("history") or [] if isinstance(t, dict)]
                answer = engine.ask(record["question"], history=history, filters=filters, k=args.k, viewer=viewer)
            except CouncilPapersError as exc:
                # One bad line is reported and skipped; the rest of the batch is answered.
                failures += 1
                error = f"{args.batch}:{number}: {exc}"
                if args.json:
                    print(json.dumps({"line": number, "error": error}, ensure_ascii=False), file=out, flush=True)
                else:
                    print(f"error: {error}", file=sys.stderr, flush=True)
                continue
            result = {**record, **_json(answer, engine, args.context)}
            if args.json:
                print(json.dumps(result, ensure_ascii=False), file=out, flush=True)
            else:
                print(render_text(answer, engine.context if args.context else None) + "\n", file=out, flush=True)
        return 1 if failures else 0
    finally:
        engine.close()


def _viewer(args: argparse.Namespace) -> Any:
    """Who the answers are for: everyone's papers (an officer's tool), one
    account's (`--as`), or an anonymous visitor's (`--audience public`)."""
    from qa_app.access import Viewer
    from qa_app.users_cli import open_accounts

    if args.as_user is not None:
        return open_accounts(args.store, args.accounts).viewer_of(args.as_user)
    return Viewer.anonymous() if args.audience == "public" else Viewer.everyone()


def _eval(args: argparse.Namespace, out: TextIO) -> int:
    from ingest.errors import ConfigError
    from qa_app.eval.runner import EvalOptions, run_eval

    path = args.questions or args.file
    if path is None:
        raise ConfigError("give the question file: eval --questions FILE (or eval --format squad2 FILE)")
    if not path.is_file():
        raise ConfigError(f"question file not found: {path}")
    options = EvalOptions(
        path=path, fmt=args.format, store=args.store, k=args.k, limit=args.limit, seed=args.seed,
        baseline=args.baseline, work_dir=args.work_dir, details=args.details, threshold=args.threshold,
        calibrate=args.calibrate, split=args.split, half=args.half,
    )
    report = run_eval(options)
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2), file=out)
    else:
        print(report.render(), file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
