"""`python -m qa_app chat`: follow-ups carry the conversation, /new, /filters and /quit do
what they say, sources print as `ask` prints them, and a pipe drives it."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.index import Filters, PaperStore
from qa_app.chat import _terminal_lines, chat_loop, parse_filters
from qa_app.cli_render import render_text
from qa_app.engine import QAEngine
from qa_app.types import Answer

QUESTION = "How much money did the council allocate to enable immediate changes in children's services?"


class RecordingEngine(QAEngine):
    """The real engine, remembering what each `ask` was given."""

    calls: list[dict[str, Any]]

    def ask(self, question: str, **kwargs: Any) -> Answer:
        self.calls.append({"question": question, **kwargs})
        return super().ask(question, **kwargs)


@pytest.fixture()
def engine(
    seed_store: PaperStore, seed_store_dir: Path, embedder: MiniLMEmbedder, settings: Settings
) -> RecordingEngine:
    local = settings.model_copy(update={"store_dir": seed_store_dir})
    recording = RecordingEngine(local, embedder=embedder, store=seed_store)
    recording.calls = []
    return recording


def test_conversation_filters_and_quit(engine: RecordingEngine) -> None:
    lines = [QUESTION, "And the year after?", "/filters type=minutes from=2016", "/filters", QUESTION,
             "/filters type=bogus", "/filters clear", "/new", QUESTION, "", "/quit", "never asked"]
    out = io.StringIO()
    assert chat_loop(engine, lines, out) == 0
    text = out.getvalue()
    asked = [c["question"] for c in engine.calls]
    assert asked == [QUESTION, "And the year after?", QUESTION, QUESTION], "/quit stopped the loop"
    histories = [c["history"] for c in engine.calls]
    assert histories[0] == [] and [t.question for t in histories[1]] == [QUESTION]
    assert [t.question for t in histories[2]] == [QUESTION, "And the year after?"]
    assert histories[3] == [], "/new forgot the conversation"
    filters = [c["filters"] for c in engine.calls]
    assert filters[0] is None and filters[3] is None
    assert isinstance(filters[2], Filters) and filters[2].doc_types == ("minutes",) and filters[2].date_from
    assert text.count("(filters: type=minutes from=2016)") == 2
    assert "error: unknown document type 'bogus'" in text and "(filters: no filters)" in text
    assert "(new conversation)" in text
    first = engine.ask(QUESTION)
    assert render_text(first) in text, "sources print exactly as `ask` prints them"
    assert "Sources:" in text


def test_bad_filter_words_are_named() -> None:
    with pytest.raises(Exception, match="key one of type, body, paper, from, to; got 'colour=red'"):
        parse_filters(["colour=red"])
    with pytest.raises(Exception, match="give from= once"):
        parse_filters(["from=2016", "from=2017"])
    choice = parse_filters(["type=minutes", "type=motion", "body=Cabinet", "to=2017-03"])
    assert choice.filters is not None and choice.filters.doc_types == ("minutes", "motion")
    assert choice.describe() == "type=minutes type=motion body=Cabinet to=2017-03"


def test_terminal_lines_stop_at_end_of_input_and_keep_history(tmp_path: Path) -> None:
    typed = iter(["first question", "second question"])

    def read(prompt: str) -> str:
        try:
            return next(typed)
        except StopIteration:
            raise EOFError from None

    history = tmp_path / "chat_history"
    assert list(_terminal_lines(history, read)) == ["first question", "second question"]
    assert history.is_file()


def test_chat_reads_a_pipe(seed_store_dir: Path) -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "qa_app", "chat", "--store", str(seed_store_dir)],
        input=f"{QUESTION}\n/new\n/quit\n", cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "Sources:" in done.stdout and "(new conversation)" in done.stdout
