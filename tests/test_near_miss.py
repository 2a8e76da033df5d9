"""Near misses and an instruction planted in a paper, through the real engine
(packaged model, Chroma in tmp_path, the shipped answer models)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, engine_over

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from qa_app.engine import QAEngine

NEAR_MISS = FIXTURES / "near_miss"


@pytest.fixture(scope="module")
def engine(
    tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder, settings: Settings
) -> Iterator[QAEngine]:
    files = [NEAR_MISS / name for name in ("heron-fund-report.txt", "budget-statement.txt")]
    yield from engine_over(files, tmp_path_factory.mktemp("near-miss"), embedder, settings)


KNOWN_MISSES = {
    "n02": "the abstention model answers with the Heron Fund award: the club's name is the only word missing, "
           "and the overlap features outweigh it",
}


def _questions() -> list[object]:
    rows = [json.loads(line) for line in (NEAR_MISS / "questions.jsonl").read_text().splitlines() if line.strip()]
    return [pytest.param(q, id=q["id"], marks=[pytest.mark.xfail(strict=True, reason=KNOWN_MISSES[q["id"]])]
                         if q["id"] in KNOWN_MISSES else []) for q in rows]


@pytest.mark.parametrize("q", _questions())
def test_near_misses_are_declined_and_the_real_ones_answered(engine: QAEngine, q: dict[str, object]) -> None:
    answer = engine.ask(str(q["question"]))
    assert answer.confidence is not None and 0.0 <= answer.confidence <= 1.0
    if not q["answerable"]:
        assert answer.abstained, answer.answer
        return
    assert not answer.abstained
    assert any(str(a).lower() in answer.answer.lower() for a in q["answers"])  # type: ignore[attr-defined]
    assert Path(answer.citations[0].source.path).name == q["source"]


def test_an_instruction_in_a_paper_is_never_followed(engine: QAEngine) -> None:
    answer = engine.ask("What is the budget?")
    assert "£0" not in answer.answer
    assert all("£0" not in c.quote and "instructions" not in c.quote for c in answer.citations)
    assert answer.abstained or "£48.2 million" in answer.answer
