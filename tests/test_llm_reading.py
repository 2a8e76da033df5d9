"""The LLM-reading guard (bench/llm_reading.py): which questions it asks, and
that it reads through the engine's own retriever over a real store."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from llm_reading import evidence_questions, main  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_only_answerable_questions_with_evidence_are_asked(tmp_path: Path) -> None:
    rows = [
        {"question": "Who moved it?", "answerable": True, "evidence": "Moved by Coleman."},
        {"question": "Which fund?", "answerable": True, "evidence": ["The Heron Fund.", "Another passage."]},
        {"question": "What precept?", "answerable": False, "evidence": ""},
        {"question": "No evidence given?", "answerable": True},
    ]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    assert evidence_questions(path) == [("Who moved it?", "Moved by Coleman."), ("Which fund?", "The Heron Fund.")]


@pytest.mark.usefixtures("use_session_model")
def test_the_council_questions_evidence_is_read(seed_store_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    questions = FIXTURES / "council_dev.jsonl"
    assert main(["--store", str(seed_store_dir), "--questions", str(questions)]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["council_dev.jsonl"]["questions"] == len(evidence_questions(questions)) == 15
    assert report["council_dev.jsonl"]["evidence_read"] == 1.0
    assert report["context_chars"] == 8000
