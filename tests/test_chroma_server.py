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


def test_restricted_papers_never_reach_readers_through_a_chroma_server(
    chroma_server: int, tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings
) -> None:
    """The access property of tests/test_access_enforcement.py, with the vectors on a server."""
    from leakcheck import MEMBERS_FILE, LeakCheck, build_library, doc_id_of, probes

    from qa_app.access import Viewer
    from qa_app.engine import QAEngine

    remote = settings.model_copy(
        update={"store_dir": tmp_path / "catalogue", "chroma_host": "127.0.0.1", "chroma_port": chroma_server}
    )
    store = open_store(remote, embedder)
    levels = build_library(tmp_path, store, embedder)
    assert store.collection.get(where={"access": "members"}, include=[])["ids"], "levels are on the server"
    engine = QAEngine(remote, embedder=embedder, store=store)
    check = LeakCheck(engine, levels)
    leaks = []
    for probe in probes(levels, store, seed=11, count=25):
        for name, viewer in (("anonymous", Viewer.anonymous()), ("planning", Viewer("pat", frozenset({"planning"})))):
            leaks.extend(check.probe(name, viewer, probe)[0])
    assert not leaks, leaks[:5]
    question = "What offer did Quayline Estates make for the Harbourside depot?"
    assert "Quayline" in engine.ask(question, viewer=Viewer("mo")).answer
    members = doc_id_of(levels, MEMBERS_FILE)
    assert store.set_access(members, "group:cabinet")  # a metadata update on the server
    moved = store.collection.get(where={"access": "group:cabinet"}, include=["metadatas"])["metadatas"]
    assert members in {m["doc_id"] for m in moved} and all(m["paragraph_ids"] for m in moved)
    assert "Quayline" not in engine.ask(question, viewer=Viewer("mo")).answer
    store.close()
