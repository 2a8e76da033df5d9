"""The query adapter: the shipped fit moves a question towards the prose that
answers it, dense search uses it, and what the answerer reads stays the
question's own similarity."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.errors import ConfigError
from ingest.index import PaperStore
from ingest.model import MODEL_DIMENSION, MODEL_NAME
from qa_app.engine import QAEngine
from qa_app.fusion import FusionConfig
from qa_app.query_adapter import ADAPTER_PATH, QueryAdapter, load_adapter, shipped_adapter
from qa_app.retrieval import HybridRetriever

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_saved_adapter_reads_back_and_moves_a_vector_to_unit_length(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    matrix = rng.normal(scale=0.05, size=(8, 8)).astype(np.float32)
    path = tmp_path / "adapter.npz"
    QueryAdapter(matrix=matrix, model="m", meta={"pairs": {"a": 3}}).save(path)
    loaded = load_adapter(path)
    assert loaded.model == "m" and loaded.meta == {"pairs": {"a": 3}}
    np.testing.assert_allclose(loaded.matrix, matrix, atol=1e-3)  # stored as float16
    vector = np.ones(8, dtype=np.float32) / np.sqrt(8)
    moved = loaded.apply(vector)
    assert np.linalg.norm(moved) == pytest.approx(1.0, abs=1e-5)
    assert not np.allclose(moved, vector)
    zero = QueryAdapter(matrix=np.zeros((8, 8), dtype=np.float32), model="m", meta={})
    np.testing.assert_allclose(zero.apply(vector), vector, atol=1e-6)


def test_unreadable_adapter_names_the_file_and_search_goes_on_without_it(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not an archive")
    with pytest.raises(ConfigError, match="broken.npz"):
        load_adapter(broken)
    with caplog.at_level(logging.WARNING, logger="qa_app.query_adapter"):
        assert shipped_adapter(MODEL_NAME, MODEL_DIMENSION, broken) is None
    assert "broken.npz" in caplog.text


def test_an_adapter_fitted_to_another_model_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "other.npz"
    QueryAdapter(matrix=np.zeros((4, 4), dtype=np.float32), model="other-model", meta={}).save(path)
    assert shipped_adapter(MODEL_NAME, 4, path) is None
    assert shipped_adapter("other-model", MODEL_DIMENSION, path) is None  # wrong size
    assert shipped_adapter("other-model", 4, path) is not None


def test_shipped_adapter_says_what_it_was_fitted_to() -> None:
    adapter = load_adapter(ADAPTER_PATH)
    assert adapter.model == MODEL_NAME and adapter.matrix.shape == (MODEL_DIMENSION, MODEL_DIMENSION)
    pairs = adapter.meta["pairs"]
    assert isinstance(pairs, dict) and {"written", "squad", "qmsum", "papers1"} <= set(pairs)
    assert min(pairs.values()) > 0
    assert float(np.abs(adapter.matrix).max()) > 0


def test_shipped_adapter_separates_answers_it_never_saw(embedder: MiniLMEmbedder) -> None:
    """Twelve written questions whose answers were outside the fit: with the
    adapter each question sits clearly closer to its own answer than to the
    nearest other one (mean margin 0.10 plain, 0.20 adapted when measured)."""
    rows = [json.loads(line) for line in (FIXTURES / "written_answers_tiny.jsonl").read_text().splitlines()]
    questions = embedder.embed_documents([r["question"] for r in rows])
    answers = embedder.embed_documents([r["answer"] for r in rows])
    adapter = load_adapter(ADAPTER_PATH)

    def margins(vectors: np.ndarray) -> np.ndarray:
        scores = vectors @ answers.T
        others = np.where(np.eye(len(rows), dtype=bool), -np.inf, scores)
        return scores.diagonal() - others.max(axis=1)

    plain = margins(questions)
    adapted = margins(np.stack([adapter.apply(q) for q in questions]))
    assert adapted.mean() >= plain.mean() + 0.05
    assert (adapted > 0).sum() >= 11


def test_dense_search_ranks_by_the_adapter_and_reports_the_questions_own_similarity(
    seed_store: PaperStore, embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    question = "What did the committee decide about the library opening hours?"
    retriever = HybridRetriever(seed_store, embedder, fusion=FusionConfig(dense_weight=0.0, adapted_weight=1.0))
    searched: list[np.ndarray] = []
    query_dense = seed_store.query_dense

    def spy(vector: np.ndarray, k: int, filters: object = None) -> list[tuple[str, float]]:
        searched.append(vector)
        return query_dense(vector, k, filters)  # type: ignore[arg-type]

    monkeypatch.setattr(seed_store, "query_dense", spy)
    results = retriever.retrieve(question, k=8)
    own = embedder.embed_query(question)
    assert len(searched) == 1  # the plain ranking has no weight here: not searched
    np.testing.assert_allclose(searched[0], retriever.search_vector(own), atol=1e-6)
    assert not np.allclose(searched[0], own, atol=1e-3)
    scored = [r for r in results if r.dense_score is not None]
    assert scored
    for r in scored:
        exact = seed_store.dense_scores(own, [r.paragraph])[r.paragraph.id]
        assert r.dense_score == pytest.approx(exact, abs=1e-5)


def test_the_setting_turns_the_adapter_off(seed_store: PaperStore, embedder: MiniLMEmbedder) -> None:
    on = QAEngine(Settings(_env_file=None), embedder=embedder, store=seed_store)  # type: ignore[call-arg]
    off = QAEngine(Settings(_env_file=None, query_adapter=False), embedder=embedder, store=seed_store)  # type: ignore[call-arg]
    assert isinstance(on.retriever, HybridRetriever) and isinstance(off.retriever, HybridRetriever)
    own = embedder.embed_query("library opening hours")
    assert not np.allclose(on.retriever.search_vector(own), own, atol=1e-3)
    np.testing.assert_array_equal(off.retriever.search_vector(own), own)
    shipped = FusionConfig()
    assert off.retriever.fusion.adapted_weight == 0
    assert off.retriever.fusion.dense_weight == shipped.dense_weight + shipped.adapted_weight


def test_without_a_usable_adapter_the_plain_vector_takes_its_weight(
    seed_store: PaperStore, embedder: MiniLMEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("qa_app.retrieval.shipped_adapter", lambda model, dimension: None)
    retriever = HybridRetriever(seed_store, embedder, fusion=FusionConfig(dense_weight=0.0, adapted_weight=1.0))
    own = embedder.embed_query("library opening hours")
    np.testing.assert_array_equal(retriever.search_vector(own), own)
    assert retriever.fusion.dense_weight == 1.0
    assert retriever.retrieve("library opening hours", k=3)
