"""Windows read in a learned order: the model file, its features, and how the
retriever, the reading order and the evaluation's budget use it."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.errors import ConfigError
from ingest.index import PaperStore
from ingest.index.lexical import LexicalIndex
from ingest.types import Paragraph
from qa_app.answerers.llm import reading_context
from qa_app.engine import QAEngine
from qa_app.eval import breakdown as b
from qa_app.eval import metrics as m
from qa_app.fusion import FusionConfig
from qa_app.reading import READING_FEATURES, ReadingModel, load_reading, reading_features, shipped_reading
from qa_app.retrieval import HybridRetriever
from qa_app.types import RetrievedParagraph
from qa_app.windows import Window, read_first, reading_order

QUESTION = "How much money did the council allocate to enable immediate changes?"


def _paper(doc: str, count: int, chars: int = 100) -> list[Paragraph]:
    return [Paragraph(id=f"{doc}#{n}", doc_id=doc, number=n, text="x" * chars, start=0, end=chars)
            for n in range(1, count + 1)]


def _result(paper: list[Paragraph], at: int, lo: int, hi: int, reading: float | None = None) -> RetrievedParagraph:
    return RetrievedParagraph(paragraph=paper[at - 1], title="t", doc_type="minutes", date=None, path="p",
                              score=1.0, window=tuple(paper[lo - 1:hi]), reading=reading)


def _model(**weights: float) -> ReadingModel:
    width = len(READING_FEATURES)
    coef = np.array([weights.get(name, 0.0) for name in READING_FEATURES])
    return ReadingModel(mean=np.zeros(width), scale=np.ones(width), coef=coef, intercept=0.0, meta={})


def test_the_shipped_model_loads_and_names_its_features() -> None:
    model = shipped_reading()
    assert model is not None
    assert model.coef.shape == (len(READING_FEATURES),)
    questions = model.meta["questions"]
    assert isinstance(questions, int) and questions > 100  # fitted on QMSum train, not a placeholder


def test_a_bad_model_file_is_named(tmp_path: Path) -> None:
    good = json.loads(Path("qa_app/models/reading.json").read_text())
    cases = {
        "garbled.json": "{not json",
        "short.json": json.dumps({**good, "coef": good["coef"][:-1]}),
        "renamed.json": json.dumps({**good, "features": ["a"] * len(READING_FEATURES)}),
        "flat.json": json.dumps({**good, "scale": [0.0] * len(READING_FEATURES)}),
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(ConfigError, match=name):
            load_reading(tmp_path / name)


def test_features_see_the_candidates_and_the_wording_inside_a_window() -> None:
    """Two candidates share a window; a third stands alone in another paper."""
    run, lone = _paper("run", 5), _paper("lone", 1, chars=20)
    windows = {
        "run#2": Window(run[1], tuple(run[0:4])),
        "run#3": Window(run[2], tuple(run[1:5])),
        "lone#1": Window(lone[0], tuple(lone)),
    }
    pool = [("run#2", 0.04), ("lone#1", 0.03), ("run#3", 0.02)]
    rows = reading_features(pool, windows, {"run#2": 4.0, "run#1": 2.0, "lone#1": 1.0, "best": 8.0})
    col = {name: rows[:, i] for i, name in enumerate(READING_FEATURES)}
    assert col["inverse_rank"].tolist() == [1.0, 0.5, 1 / 3]
    assert col["score_share"].tolist() == [1.0, 0.75, 0.5]
    assert col["lexical_share"].tolist() == [0.5, 0.125, 0.0]
    assert col["window_lexical_sum"].tolist() == [0.75, 0.125, 0.5]
    assert col["window_lexical_max"].tolist() == [0.5, 0.125, 0.5]
    assert col["window_lexical_spread"].tolist() == [0.5, 1.0, 0.25]
    assert col["others_score_share"].tolist() == [0.5, 0.0, 1.0]
    assert col["candidates_inside"].tolist() == [2, 1, 2]
    assert col["paragraphs"].tolist() == [4, 1, 4]
    assert reading_features([], windows, {}).shape == (0, len(READING_FEATURES))


def test_results_are_read_by_their_reading_score_then_by_rank() -> None:
    a = _paper("a", 9)
    results = [_result(a, 2, 1, 3, reading=0.1), _result(a, 8, 7, 9, reading=0.5), _result(a, 5, 4, 6, reading=0.1)]
    assert read_first(results) == [1, 0, 2]
    assert [p.id for _, p in reading_order(results)][:3] == ["a#8", "a#7", "a#9"]
    assert read_first([replace(r, reading=None) for r in results]) == [0, 1, 2]


def test_the_budget_is_spent_in_reading_order() -> None:
    a = _paper("a", 9)
    results = [_result(a, 2, 1, 3, reading=0.1), _result(a, 8, 7, 9, reading=0.5)]
    hits = b.shown_hits(results)
    assert [h.read for h in hits] == [1, 0]
    r = m.QuestionResult(id="q", question="?", answerable=True, gold_ids={"a#7", "a#8", "a#9"}, retrieved=hits)
    assert b.gold_recall_equal_chars([r], [300], 10) == 1.0
    ranked = b.shown_hits([replace(x, reading=None) for x in results])
    r = replace(r, retrieved=ranked)
    assert b.gold_recall_equal_chars([r], [300], 10) == 0.0


def test_lexical_scores_of_given_paragraphs_match_the_search() -> None:
    index = LexicalIndex.build(["a", "b", "c"], ["budget precept council", "parking permits", "budget"], 1)
    found = dict(index.search("budget precept", 3))
    assert index.scores_of("budget precept", ["a", "b", "c", "unknown"]) == found
    assert index.scores_of("nothing matches", ["a"]) == {}


def test_the_answerers_results_stay_in_fused_order(seed_store: PaperStore, embedder: MiniLMEmbedder) -> None:
    """The reading model fills the results after the first five from deeper
    candidates; the first five, which the extractive answerer reads, never move."""
    fused = HybridRetriever(seed_store, embedder, fusion=FusionConfig(reading_pool=0)).retrieve(QUESTION, k=20)
    assert all(r.reading is None for r in fused)
    deep_first = _model(inverse_rank=-1.0)  # prefers the deepest candidates
    read = HybridRetriever(seed_store, embedder, reading=deep_first).retrieve(QUESTION, k=8)
    assert [r.paragraph.id for r in read[:5]] == [r.paragraph.id for r in fused[:5]]
    pool = FusionConfig().reading_pool
    assert [r.paragraph.id for r in read[5:]] == [r.paragraph.id for r in fused[pool - 3:pool]]
    deeper = HybridRetriever(seed_store, embedder, fusion=FusionConfig(reading_pool=20), reading=deep_first)
    assert [r.paragraph.id for r in deeper.retrieve(QUESTION, k=8)[5:]] == [r.paragraph.id for r in fused[17:20]]
    assert all(r.reading is not None and r.paragraph in r.window for r in read)
    assert read_first(read)[0] == 7  # the deepest candidate kept is read first
    ten = HybridRetriever(seed_store, embedder, reading=deep_first).retrieve(QUESTION, k=pool)
    assert [r.paragraph.id for r in ten] == [r.paragraph.id for r in fused[:pool]]  # the list itself is unchanged
    assert read_first(ten)[:2] == [pool - 1, pool - 2]
    shipped = HybridRetriever(seed_store, embedder).retrieve(QUESTION, k=8)
    assert [r.paragraph.id for r in shipped[:5]] == [r.paragraph.id for r in fused[:5]]


def test_reading_settings_are_validated() -> None:
    with pytest.raises(ConfigError, match="reading_pool and reading_keeps must not be negative"):
        FusionConfig(reading_pool=-1)
    assert FusionConfig().reads_windows
    assert not FusionConfig(reading_pool=0).reads_windows
    assert not FusionConfig(window_chars=0).reads_windows


def test_the_setting_reads_results_in_rank_order(seed_store: PaperStore, embedder: MiniLMEmbedder) -> None:
    on = QAEngine(Settings(_env_file=None), embedder=embedder, store=seed_store)
    off = QAEngine(Settings(_env_file=None, reading_model=False), embedder=embedder, store=seed_store)
    assert all(r.reading is not None for r in on.retriever.retrieve(QUESTION, k=8))
    plain = off.retriever.retrieve(QUESTION, k=8)
    assert all(r.reading is None for r in plain)
    assert read_first(plain) == list(range(len(plain)))


def test_the_llm_reads_the_best_scored_window_first() -> None:
    a, b_ = _paper("a", 3), _paper("b", 3)
    results = [_result(a, 2, 1, 3, reading=0.1), _result(b_, 2, 1, 3, reading=0.9)]
    assert [s.paragraph.id for s in reading_context(results, budget=300)] == ["b#1", "b#2", "b#3"]
