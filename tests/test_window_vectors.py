"""The window-vector probe's windows: runs of consecutive paragraphs within a
character budget, every paragraph in at least one (bench/window_vectors.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from window_vectors import paper_windows  # noqa: E402

from ingest.types import Paragraph  # noqa: E402


def _paragraphs(*lengths: int) -> list[Paragraph]:
    return [Paragraph(id=f"p{i}", doc_id="d", number=i + 1, text="x" * n, start=0, end=n)
            for i, n in enumerate(lengths)]


def test_windows_are_runs_within_the_budget_one_starting_at_each_paragraph() -> None:
    windows = paper_windows("Minutes", _paragraphs(400, 400, 400, 300), 1000)
    assert [ids for _, ids in windows] == [["p0", "p1"], ["p1", "p2"], ["p2", "p3"]]
    assert all(text.startswith("Minutes\n\n") for text, _ in windows)
    assert all(len(text) - len("Minutes\n\n") <= 1000 for text, _ in windows)


def test_a_paragraph_longer_than_the_budget_is_a_window_of_its_own() -> None:
    windows = paper_windows("T", _paragraphs(50, 2000, 50), 1000)
    assert [ids for _, ids in windows] == [["p0"], ["p1"], ["p2"]]
    assert {pid for _, ids in windows for pid in ids} == {"p0", "p1", "p2"}


def test_a_short_paper_is_one_window() -> None:
    assert [ids for _, ids in paper_windows("T", _paragraphs(100, 100, 100), 1000)] == [["p0", "p1", "p2"]]
