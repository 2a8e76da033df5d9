"""Paragraph windows: bounds, window rankings, and windows on retrieved paragraphs."""

from __future__ import annotations

from dataclasses import replace

import pytest

from ingest.embed import MiniLMEmbedder
from ingest.errors import ConfigError
from ingest.index import PaperStore
from ingest.types import Paragraph
from qa_app.fusion import FusionConfig
from qa_app.retrieval import HybridRetriever
from qa_app.types import RetrievedParagraph
from qa_app.windows import read_within, reading_order, window_bounds, window_rankings, windows_of


def _paper(doc: str, *texts: str) -> list[Paragraph]:
    return [Paragraph(id=f"{doc}#{n}", doc_id=doc, number=n, text=t, start=0, end=len(t))
            for n, t in enumerate(texts, start=1)]


def test_window_grows_evenly_to_the_size_and_stops_at_the_paper_ends() -> None:
    assert window_bounds([100] * 9, 4, 100) == (4, 4)
    assert window_bounds([100] * 9, 4, 300) == (3, 5)
    assert window_bounds([100] * 9, 4, 500) == (2, 6)
    assert window_bounds([100] * 9, 0, 300) == (0, 2)
    assert window_bounds([100] * 9, 8, 300) == (6, 8)
    assert window_bounds([100] * 3, 1, 10_000) == (0, 2)


def test_windows_keep_to_the_candidates_paper() -> None:
    a, b = _paper("a", "x" * 50, "y" * 50, "z" * 50), _paper("b", "w" * 50)
    papers = {p.id: a for p in a} | {p.id: b for p in b}
    windows = windows_of(["a#2", "b#1", "gone"], lambda pid: papers.get(pid, []), 120)
    assert [p.id for p in windows["a#2"].paragraphs] == ["a#1", "a#2", "a#3"]
    assert windows["a#2"].paragraph.id == "a#2"
    assert [p.id for p in windows["b#1"].paragraphs] == ["b#1"]
    assert "gone" not in windows


def test_a_paragraph_among_relevant_neighbours_outranks_a_lone_one() -> None:
    """Same own scores; only the neighbourhood differs."""
    run = _paper("run", "a" * 100, "b" * 100, "c" * 100)
    lone = _paper("lone", "d" * 100, "e" * 100, "f" * 100)
    papers = {p.id: run for p in run} | {p.id: lone for p in lone}
    windows = windows_of(["run#2", "lone#2"], lambda pid: papers[pid], 300)
    dense = {"run#1": 0.6, "run#2": 0.7, "run#3": 0.6, "lone#2": 0.7, "lone#1": 0.1, "lone#3": 0.1}
    lexical = {"run#1": 2.0, "run#2": 3.0, "lone#2": 3.0}
    by_dense, by_lexical = window_rankings(windows, dense, lexical)
    assert by_dense == ["run#2", "lone#2"]
    assert by_lexical == ["run#2", "lone#2"]


def _result(paper: list[Paragraph], at: int, lo: int, hi: int) -> RetrievedParagraph:
    """Paragraph `at` (1-based) of `paper`, returned with paragraphs lo..hi as its window."""
    return RetrievedParagraph(paragraph=paper[at - 1], title="t", doc_type="minutes", date=None, path="p",
                              score=1.0, window=tuple(paper[lo - 1:hi]))


def test_reading_order_reads_each_window_nearest_first_and_nothing_twice() -> None:
    a = _paper("a", *(f"a{n} " * 10 for n in range(1, 8)))
    b = _paper("b", "b1", "b2")
    results = [_result(a, 3, 1, 5), _result(a, 5, 4, 7), _result(b, 2, 1, 2)]
    order = [(n, p.id) for n, p in reading_order(results)]
    assert order == [(0, "a#3"), (0, "a#2"), (0, "a#4"), (0, "a#1"), (0, "a#5"),
                     (1, "a#6"), (1, "a#7"), (2, "b#2"), (2, "b#1")]
    plain = [replace(r, window=()) for r in results]
    assert [p.id for _, p in reading_order(plain)] == ["a#3", "a#5", "b#2"]


def test_read_within_stops_after_the_paragraph_that_crosses_the_budget() -> None:
    a = _paper("a", *("x" * 100 for _ in range(9)))
    results = [_result(a, 5, 1, 9)]
    assert [p.id for _, p in read_within(results, 250)] == ["a#5", "a#4", "a#6"]
    assert [p.id for _, p in read_within(results, 300)] == ["a#5", "a#4", "a#6"]
    assert len(read_within(results, 10_000)) == 9
    assert read_within(results, 0) == []


def test_window_settings_are_validated() -> None:
    with pytest.raises(ConfigError, match="window_chars must not be negative; got -1"):
        FusionConfig(window_chars=-1)
    with pytest.raises(ConfigError, match="window_lexical_weight must not be negative; got -2"):
        FusionConfig(window_lexical_weight=-2)
    assert FusionConfig().windowed
    assert not FusionConfig(window_chars=0).windowed
    assert not FusionConfig().scores_windows
    assert FusionConfig(window_dense_weight=0.25).scores_windows
    assert not FusionConfig(window_chars=0, window_dense_weight=0.25).scores_windows


def test_retrieved_paragraphs_carry_their_window(seed_store: PaperStore, embedder: MiniLMEmbedder) -> None:
    question = "How much money did the council allocate to enable immediate changes?"
    results = HybridRetriever(seed_store, embedder).retrieve(question, k=5)
    assert results and "£2m" in results[0].paragraph.text
    for r in results:
        numbers = [p.number for p in r.window]
        assert r.paragraph in r.window
        assert {p.doc_id for p in r.window} == {r.paragraph.doc_id}
        assert numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    plain = HybridRetriever(seed_store, embedder, fusion=FusionConfig(window_chars=0)).retrieve(question, k=5)
    assert all(r.window == () for r in plain)
    assert [r.paragraph.id for r in plain] == [r.paragraph.id for r in results]  # shown, not re-ranked
    scored = HybridRetriever(seed_store, embedder, fusion=FusionConfig(window_dense_weight=0.25,
                                                                       window_lexical_weight=0.25))
    assert all(r.paragraph in r.window for r in scored.retrieve(question, k=5))


def test_retrieved_paragraphs_carry_their_papers_title_block(seed_store: PaperStore, embedder: MiniLMEmbedder) -> None:
    """What the answerer checks a stated year or number against beside the
    paragraph: the paper's opening lines, as the reader's title block has them,
    with or without windows."""
    question = "How much money did the council allocate to enable immediate changes?"
    for fusion in (FusionConfig(), FusionConfig(window_chars=0)):
        for r in HybridRetriever(seed_store, embedder, fusion=fusion).retrieve(question, k=5):
            first = seed_store.paragraphs_of(r.paragraph.doc_id)[0]
            assert r.opening.startswith(first.text), r.path
            assert len(r.opening) < len(" ".join(p.text for p in seed_store.paragraphs_of(r.paragraph.doc_id)))
