"""Ingestion writes papers in batches: one Chroma upsert and one catalogue commit
per batch, passages embedded longest first, and still no paper claimed by the
catalogue without its vectors, whatever fails or is killed part-way. Store logic,
so the fake embedder; the kill test with the real model is in test_crash_recovery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import FakeEmbedder, ingest, make_store
from test_crash_recovery import Crash, write_corpus
from test_ingest import assert_consistent

from ingest.batcher import EmbedBatcher
from ingest.config import Settings
from ingest.index import PaperStore
from ingest.report import IngestReport


@pytest.fixture()
def store(tmp_path: Path, fake_embedder: FakeEmbedder, settings: Settings) -> PaperStore:
    return make_store(tmp_path / "index", fake_embedder, settings)


def count_calls(monkeypatch: pytest.MonkeyPatch, target: Any, name: str) -> list[int]:
    calls: list[int] = []
    real = getattr(target, name)

    def counting(**kwargs: Any) -> Any:
        calls.append(len(kwargs["ids"]))
        return real(**kwargs)

    monkeypatch.setattr(target, name, counting)
    return calls


def test_a_batch_of_papers_is_one_upsert_and_one_commit(
    tmp_path: Path, store: PaperStore, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(tmp_path / "corpus", 12)
    upserts = count_calls(monkeypatch, store.collection, "upsert")
    before = store.generation()
    report = ingest([tmp_path / "corpus"], store, fake_embedder)
    assert report.ok and store.document_count() == 12
    assert upserts == [store.chunk_count()], "all 12 papers' vectors in one Chroma call"
    assert store.generation() - before <= 3, "one commit for the batch (plus the run's own bookkeeping)"
    assert_consistent(store)


def test_vectors_come_back_in_input_order_though_embedded_longest_first(
    store: PaperStore, fake_embedder: FakeEmbedder
) -> None:
    texts = [" ".join(f"word{i}" for i in range(n)) for n in (3, 40, 1, 17, 80, 5)] * 30
    seen: list[int] = []
    real = fake_embedder.embed_documents

    def recording(batch: list[str]) -> np.ndarray:
        seen.extend(len(t) for t in batch)
        return real(batch)

    fake_embedder.embed_documents = recording  # type: ignore[method-assign]
    batcher = EmbedBatcher(store, fake_embedder, IngestReport(), lambda _e, _n: None)
    vectors = batcher._embed(texts)
    assert seen == sorted(seen, reverse=True), "longest first, so each call pads to its own length"
    assert np.array_equal(vectors, real(texts)), "each text keeps its own vector"


def test_killed_between_batch_vectors_and_commit_claims_no_paper(
    tmp_path: Path, store: PaperStore, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(tmp_path / "corpus", 10)

    def die(*_args: Any, **_kwargs: Any) -> None:
        raise Crash

    monkeypatch.setattr(store.catalogue, "put_paper", die)
    with pytest.raises(Crash):
        ingest([tmp_path / "corpus"], store, fake_embedder)
    assert store.document_count() == 0 and store.chunk_count() == 0
    assert store.vectors.count() > 0, "the batch's vectors were written, unlisted"
    monkeypatch.undo()
    assert ingest([tmp_path / "corpus"], store, fake_embedder).ok
    assert store.document_count() == 10
    assert_consistent(store)


def test_one_unwritable_paper_fails_alone_and_the_rest_of_its_batch_lands(
    tmp_path: Path, store: PaperStore, fake_embedder: FakeEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_corpus(tmp_path / "corpus", 8)
    real = store.catalogue.put_paper

    def refuse_one(db: Any, paper: Any, chunks: Any) -> None:
        if paper.doc_id.endswith("motion-003.txt"):
            raise OSError("disk full")
        real(db, paper, chunks)

    monkeypatch.setattr(store.catalogue, "put_paper", refuse_one)
    report = ingest([tmp_path / "corpus"], store, fake_embedder)
    assert [Path(f.path).name for f in report.failed] == ["motion-003.txt"]
    assert "could not store (OSError: disk full)" in report.failed[0].error
    assert store.document_count() == 7
    assert_consistent(store)  # the refused paper's vectors were swept at the end of the run
