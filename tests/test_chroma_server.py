"""The same ingestion and retrieval against a real `chroma run` server, chosen by
configuration alone (COUNCIL_CHROMA_HOST / COUNCIL_CHROMA_PORT)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, ingest

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.index import Filters
from ingest.library import open_store

pytestmark = pytest.mark.integration


def test_ingest_and_query_through_a_chroma_server(
    chroma_server: int, tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings
) -> None:
    remote = settings.model_copy(
        update={"store_dir": tmp_path / "catalogue", "chroma_host": "127.0.0.1", "chroma_port": chroma_server}
    )
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    store = open_store(remote, embedder)
    report = ingest([corpus], store, embedder)
    assert report.ok and report.documents == 5
    assert not (tmp_path / "catalogue" / "chroma").exists(), "vectors live on the server, not in a folder"
    assert store.collection.count() == report.chunks

    question = embedder.embed_query("How much money was allocated for immediate changes in children's services?")
    hits = store.query_dense(question, k=10)
    texts = [p.text for p in store.paragraphs_by_id([pid for pid, _ in hits]).values()]
    assert any("£2m" in t for t in texts)
    only_press = store.query_dense(question, k=3, filters=Filters(doc_types=("press_release",)))
    types = {d.doc_id: d.meta.doc_type for d in store.documents()}
    paragraphs = store.paragraphs_by_id(pid for pid, _ in only_press)
    assert only_press and {types[p.doc_id] for p in paragraphs.values()} == {"press_release"}

    again = ingest([corpus], store, embedder)
    assert len(again.unchanged) == 5 and again.embedded_chunks == 0
