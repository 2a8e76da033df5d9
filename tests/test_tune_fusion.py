"""The known-item measure of the fusion sweep (bench/tune_fusion.py): it tunes on
questions the scale benchmark does not report, and counts a question's own paper
among the top results as the scale benchmark does."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from scale import _questions  # noqa: E402
from tune_fusion import REPORTED_KNOWN_ITEMS, REPORTED_SEED, _known_tune, known_recall  # noqa: E402


def test_known_items_are_tuned_on_questions_the_scale_benchmark_does_not_report(tmp_path: Path) -> None:
    path = tmp_path / "questions.jsonl"
    rows = [{"question": f"To ask about matter {i}?", "gold": f"answer-{i}.txt"} for i in range(600)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    reported = {r["question"] for r in _questions(path, REPORTED_KNOWN_ITEMS, REPORTED_SEED)}
    tune = _known_tune(path, 300)
    assert len(tune) == 300 and len({r["question"] for r in tune}) == 300
    assert not reported & {r["question"] for r in tune}
    assert tune == _known_tune(path, 300), "the same sample every run"
    assert len(_known_tune(path, 1000)) == 400, "at most the questions not reported"


def test_known_recall_counts_the_questions_own_paper_among_the_top_results() -> None:
    ranked = {"q1": ["papers/a.txt", "papers/b.txt", "papers/c.txt"], "q2": ["papers/c.txt", "papers/a.txt"]}

    class Retriever:
        def retrieve(self, question: str, k: int) -> list[SimpleNamespace]:
            return [SimpleNamespace(path=p) for p in ranked[question][:k]]

    rows = [{"question": "q1", "gold": "b.txt"}, {"question": "q2", "gold": "b.txt"}]
    assert known_recall(Retriever(), rows, 2) == 0.5  # type: ignore[arg-type]
    assert known_recall(Retriever(), rows, 1) == 0.0  # type: ignore[arg-type]
