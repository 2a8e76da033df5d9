"""`python -m qa_app chat`: one warm process, question after question.

Follow-ups use the conversation so far (the engine resolves them against the
history of `Turn`s), sources print as `ask` prints them, and a few slash commands
steer the session:

    /new                         forget the conversation
    /filters                     show the filters in force
    /filters type=minutes from=2024 to=2025-03 body=Cabinet paper=PATH
    /filters clear
    /help, /quit

At a terminal, lines are edited and recalled with the standard library's
`readline` (history kept in the store folder); when stdin is not a terminal,
lines are simply read, so the loop can be driven by a pipe or a test.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from ingest.errors import ConfigError, CouncilPapersError
from qa_app.cli_render import render_text

if TYPE_CHECKING:
    from ingest.index import Filters
    from qa_app.types import Turn

logger = logging.getLogger(__name__)

HISTORY_FILE = "chat_history"
PROMPT = "question> "
HELP = (
    "Ask a question; follow-ups use the conversation.\n"
    "  /new                                 start a new conversation\n"
    "  /filters                             show the filters\n"
    "  /filters type=minutes from=2024 ...  set filters (type, body, paper, from, to; repeat a key for more)\n"
    "  /filters clear                       remove all filters\n"
    "  /quit                                leave"
)
_FILTER_KEYS = {"type": "doc_types", "body": "bodies", "paper": "papers", "from": "date_from", "to": "date_to"}


def add_chat_parser(sub: Any) -> None:
    """Register the `chat` subcommand on the CLI's subparsers."""
    chat = sub.add_parser("chat", help="ask question after question in one warm process (follow-ups, /filters)")
    chat.add_argument("--store", type=Path, help="index folder (default: COUNCIL_STORE_DIR or .index)")
    chat.add_argument("--k", type=int, default=8, help="paragraphs to retrieve (default 8)")


@dataclass
class FilterChoice:
    """The filters as the user typed them (for display) and as the stores take them."""

    values: dict[str, list[str]] = field(default_factory=dict)
    filters: Filters | None = None

    def describe(self) -> str:
        if not self.values:
            return "no filters"
        return " ".join(f"{key}={value}" for key, values in self.values.items() for value in values)


def parse_filters(words: Iterable[str]) -> FilterChoice:
    """`type=minutes from=2024 ...` → validated filters (raises `ConfigError` naming the bad word)."""
    from ingest.index import make_filters

    values: dict[str, list[str]] = {}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or key not in _FILTER_KEYS or not value.strip():
            raise ConfigError(f"filters are key=value with key one of {', '.join(_FILTER_KEYS)}; got {word!r}")
        if key in ("from", "to") and key in values:
            raise ConfigError(f"give {key}= once; got {values[key][0]!r} and {value!r}")
        values.setdefault(key, []).append(value.strip())
    options: dict[str, Any] = {_FILTER_KEYS[key]: vals for key, vals in values.items()}
    for key in ("date_from", "date_to"):
        if key in options:
            options[key] = options[key][0]
    return FilterChoice(values, make_filters(**options))


class ChatSession:
    """The conversation and filters of one chat, and what each line does to them."""

    def __init__(self, engine: Any, out: TextIO, *, k: int = 8) -> None:
        if k <= 0:
            raise ConfigError(f"--k must be greater than 0; got {k}")
        self.engine = engine
        self.out = out
        self.k = k
        self.history: list[Turn] = []
        self.choice = FilterChoice()

    def handle(self, line: str) -> bool:
        """Act on one input line; False when the user asked to leave."""
        line = line.strip()
        if not line:
            return True
        if line.startswith("/"):
            return self._command(line)
        self._ask(line)
        return True

    def _ask(self, question: str) -> None:
        from qa_app.types import Turn

        try:
            answer = self.engine.ask(question, history=list(self.history), filters=self.choice.filters, k=self.k)
        except CouncilPapersError as exc:
            self._say(f"error: {exc}")
            return
        self._say(render_text(answer) + "\n")
        self.history.append(Turn(answer.question, answer.answer))

    def _command(self, line: str) -> bool:
        name, *words = line.split()
        if name in ("/quit", "/exit", "/q"):
            return False
        if name == "/new":
            self.history.clear()
            self._say("(new conversation)")
        elif name == "/filters":
            self._filters(words)
        elif name in ("/help", "/?"):
            self._say(HELP)
        else:
            self._say(f"unknown command {name!r}; /help lists them")
        return True

    def _filters(self, words: list[str]) -> None:
        if words == ["clear"]:
            self.choice = FilterChoice()
        elif words:
            try:
                self.choice = parse_filters(words)
            except CouncilPapersError as exc:
                self._say(f"error: {exc}")
                return
        self._say(f"(filters: {self.choice.describe()})")

    def _say(self, text: str) -> None:
        print(text, file=self.out, flush=True)


def chat_loop(engine: Any, lines: Iterable[str], out: TextIO, *, k: int = 8) -> int:
    """Answer each line until `/quit` or the end of input."""
    session = ChatSession(engine, out, k=k)
    for line in lines:
        if not session.handle(line):
            break
    return 0


def run_chat(engine: Any, *, k: int = 8, out: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """The `chat` command: warm the engine, then read from the terminal or a pipe."""
    out = out or sys.stdout
    stdin = stdin or sys.stdin
    try:
        engine.warm_up()
        interactive = stdin.isatty() and out.isatty()
        if interactive:
            papers = engine.store.document_count()
            print(f"Council Papers Assistant ({papers} papers). /help for commands, /quit to leave.", file=out)
            lines: Iterable[str] = _terminal_lines(Path(engine.settings.store_dir) / HISTORY_FILE)
        else:
            lines = stdin
        return chat_loop(engine, lines, out, k=k)
    finally:
        engine.close()


def _terminal_lines(history_path: Path, read: Callable[[str], str] = input) -> Iterator[str]:
    """Lines typed at the prompt, with readline editing and a persistent history."""
    readline = _readline()
    if readline is not None:
        try:
            readline.read_history_file(history_path)
        except OSError:
            pass  # no history yet
    try:
        while True:
            try:
                yield read(PROMPT)
            except KeyboardInterrupt:
                print()  # Ctrl-C drops the line being typed
            except EOFError:
                print()
                return
    finally:
        if readline is not None:
            try:
                readline.set_history_length(1000)
                readline.write_history_file(history_path)
            except OSError as exc:
                logger.warning("could not save the chat history to %s: %s", history_path, exc)


def _readline() -> Any:
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return None
    return readline
