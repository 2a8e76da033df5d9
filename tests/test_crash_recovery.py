"""Per-paper atomicity: a run killed at any point, then re-run, converges to the
same library as a clean run: no duplicate chunks, no orphans, no half papers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, ingest, make_store
from test_ingest import assert_consistent

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.index import PaperStore


def write_corpus(folder: Path, papers: int, variant: str = "") -> None:
    folder.mkdir(exist_ok=True)
    for i in range(papers):
        (folder / f"motion-{i:03d}.txt").write_text(
            f"MOTION {i}\n\n1. Council notes the {variant}report on parks number {i}.\n\n"
            f"2. Council resolves to fund {i} new benches{variant}.\n\nProposed: Councillor {i}"
        )


def snapshot(store: PaperStore) -> tuple[set[str], set[str], int]:
    paragraphs = store.catalogue.paragraph_ids()
    chunks = set(store.collection.get(include=[])["ids"])
    return paragraphs, chunks, store.document_count()


def clean_reference(tmp_path: Path, corpus: Path, embedder: MiniLMEmbedder, settings: Settings) -> tuple:  # type: ignore[type-arg]
    store = make_store(tmp_path / "reference", embedder, settings)
    ingest([corpus], store, embedder)
    return snapshot(store)


class Crash(BaseException):
    """Stands in for kill -9: not an Exception, so nothing in the run catches it."""


def test_crash_between_vectors_and_catalogue(tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 6)
    store = make_store(tmp_path / "index", embedder, settings)
    real_upsert = store.collection.upsert
    calls = {"n": 0}

    def upsert_then_die(**kwargs: Any) -> None:
        real_upsert(**kwargs)
        calls["n"] += 1
        if calls["n"] == 1:
            raise Crash

    monkeypatch.setattr(store.collection, "upsert", upsert_then_die)
    with pytest.raises(Crash):
        ingest([corpus], store, embedder, batch_chunks=1)
    assert store.document_count() == 0, "vectors without a catalogue entry are invisible"
    monkeypatch.undo()
    ingest([corpus], store, embedder)
    assert_consistent(store)
    assert snapshot(store) == clean_reference(tmp_path, corpus, embedder, settings)


def test_crash_before_stale_vectors_are_deleted(tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 4)
    store = make_store(tmp_path / "index", embedder, settings)
    ingest([corpus], store, embedder)
    write_corpus(corpus, 4, variant="revised ")

    def die(**_kwargs: Any) -> None:
        raise Crash

    monkeypatch.setattr(store.collection, "delete", die)
    with pytest.raises(Crash):
        ingest([corpus], store, embedder)
    monkeypatch.undo()
    report = ingest([corpus], store, embedder)
    assert report.ok
    assert_consistent(store)
    assert snapshot(store) == clean_reference(tmp_path, corpus, embedder, settings)


def test_kill_9_then_rerun_converges(tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings) -> None:
    """A real `kill -9` of `python -m ingest` part-way through."""
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 80)
    index = tmp_path / "index"
    env = {**os.environ, "COUNCIL_EMBED_BACKEND": settings.embed_backend, "COUNCIL_EMBED_BATCH_SIZE": "4",
           "COUNCIL_INGEST_BATCH_CHUNKS": "16"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ingest", str(corpus), "--store", str(index), "--json"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 180
    landed = 0
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(index / "catalogue.sqlite", timeout=1) as db:
                landed = db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        except sqlite3.Error:
            landed = 0
        if landed >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, f"ingestion finished before it could be killed: {proc.stderr.read()!r}"  # type: ignore[union-attr]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    store = make_store(index, embedder, settings)
    assert 0 < store.document_count() < 80
    report = ingest([corpus], store, embedder)
    assert report.ok and report.documents == 80
    assert_consistent(store)
    assert snapshot(store) == clean_reference(tmp_path, corpus, embedder, settings)
