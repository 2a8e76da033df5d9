"""One store, many users: freshness across processes, safe concurrent start,
a damaged or half-missing index named in a sentence and repaired, read-only
serving. Real model and real Chroma: these are integration tests of the store."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, ingest, make_store

from ingest import __main__ as ingest_cli
from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.errors import IndexUnreadableError, ReadOnlyIndexError
from ingest.index import PaperStore
from ingest.index.lexical import LexicalIndex
from ingest.library import open_store
from qa_app import __main__ as qa_cli
from qa_app.engine import QAEngine

NEW_PAPER = (
    "Planning Committee minutes\n\n"
    "The committee agreed that the Osprey Wetland Fund will pay grants of up to £7,250 to parish groups.\n"
)
QUESTION = "How much will the Osprey Wetland Fund pay in grants?"


def ingest_in_another_process(corpus: Path, store_dir: Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ingest", str(corpus), "--store", str(store_dir), "--json"],
        cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture()
def clis_use_session_model(monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder) -> None:
    """`python -m ingest` and `python -m qa_app`, run in-process, use the loaded model."""
    monkeypatch.setattr("ingest.__main__.make_embedder", lambda _settings, **_kwargs: embedder)
    monkeypatch.setattr("qa_app.engine.make_embedder", lambda _settings, **_kwargs: embedder)


@pytest.fixture()
def seed_copy(tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    store = make_store(tmp_path / "index", embedder, settings)
    assert ingest([corpus], store, embedder).ok
    store.close()
    return corpus, tmp_path / "index"


@pytest.mark.integration
@pytest.mark.parametrize("mode", ["embedded", "server"])
def test_a_running_engine_sees_another_processs_ingestion(
    mode: str, tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings, request: pytest.FixtureRequest
) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    local = settings.model_copy(update={"store_dir": tmp_path / "index"})
    env: dict[str, str] = {}
    if mode == "server":
        port = request.getfixturevalue("chroma_server")
        local = local.model_copy(update={"chroma_host": "127.0.0.1", "chroma_port": port})
        env = {"COUNCIL_CHROMA_HOST": "127.0.0.1", "COUNCIL_CHROMA_PORT": str(port)}
    store = open_store(local, embedder)
    assert ingest([corpus], store, embedder).ok
    engine = QAEngine(local, embedder=embedder, store=store)  # process A: holds the store, like the app
    engine.warm_up()
    before = engine.ask(QUESTION)
    assert "7,250" not in before.answer

    (corpus / "osprey-fund.txt").write_text(NEW_PAPER)
    ingest_in_another_process(corpus, local.store_dir, env)  # process B

    after = engine.ask(QUESTION)  # no restart, no explicit refresh
    assert not after.abstained and "7,250" in after.answer
    dense = store.query_dense(embedder.embed_query(QUESTION), 5)
    assert any("Osprey" in p.text for p in store.paragraphs_by_id(pid for pid, _ in dense).values()), \
        "the dense index, not only BM25, sees the new paper"
    store.close()


@pytest.mark.integration
def test_ten_simultaneous_first_sessions_all_load(seed_copy: tuple[Path, Path], embedder: MiniLMEmbedder,
                                                   settings: Settings) -> None:
    _, store_dir = seed_copy
    local = settings.model_copy(update={"store_dir": store_dir})
    errors: list[BaseException] = []
    answers: list[bool] = []
    start = threading.Barrier(10)

    def first_session() -> None:
        try:
            start.wait()
            store = make_store(store_dir, embedder, local)
            engine = QAEngine(local, embedder=embedder, store=store)
            answers.append(not engine.ask("How much was allocated for immediate changes?").abstained)
        except BaseException as exc:  # noqa: BLE001 - collected and reported below
            errors.append(exc)

    threads = [threading.Thread(target=first_session) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == [] and answers == [True] * 10


def test_a_deleted_vector_folder_is_named_checked_and_repaired(
    seed_copy: tuple[Path, Path], clis_use_session_model: None, capsys: pytest.CaptureFixture[str],
) -> None:
    corpus, store_dir = seed_copy
    shutil.rmtree(store_dir / "chroma")

    assert qa_cli.main(["ask", "How much was allocated?", "--store", str(store_dir)]) == 1
    assert "have no vector" in capsys.readouterr().err, "ask refuses to answer from keywords alone"

    assert ingest_cli.main(["--check", "--store", str(store_dir), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"] and any("no vector" in line for line in report["problems"])

    assert ingest_cli.main(["--repair", "--store", str(store_dir), "--json"]) == 0
    repaired = json.loads(capsys.readouterr().out)
    assert repaired["ok"] and len(repaired["reembedded_papers"]) == 5
    assert qa_cli.main(["ask", "How much was allocated for immediate changes?", "--store", str(store_dir)]) == 0


def test_ingest_repairs_missing_vectors_of_unchanged_papers(
    seed_copy: tuple[Path, Path], embedder: MiniLMEmbedder, settings: Settings
) -> None:
    corpus, store_dir = seed_copy
    shutil.rmtree(store_dir / "chroma")
    store = make_store(store_dir, embedder, settings)
    report = ingest([corpus], store, embedder)
    assert len(report.unchanged) == 5 and store.check().ok, "an emptied vector folder is repaired, not trusted"
    store.close()


def test_an_unreadable_catalogue_is_named_and_rebuilt(
    seed_copy: tuple[Path, Path], clis_use_session_model: None, capsys: pytest.CaptureFixture[str],
) -> None:
    corpus, store_dir = seed_copy
    catalogue = store_dir / "catalogue.sqlite"
    for extra in ("catalogue.sqlite-wal", "catalogue.sqlite-shm"):
        (store_dir / extra).unlink(missing_ok=True)
    catalogue.write_bytes(catalogue.read_bytes()[:3000])

    assert qa_cli.main(["ask", "Anything?", "--store", str(store_dir)]) == 1
    assert "cannot be read" in capsys.readouterr().err
    assert ingest_cli.main([str(corpus), "--store", str(store_dir)]) == 1
    err = capsys.readouterr().err
    assert "cannot be read" in err and "--rebuild" in err and "Traceback" not in err
    assert ingest_cli.main([str(corpus), "--store", str(store_dir), "--rebuild", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["documents"] == 5
    assert list(store_dir.glob("catalogue.sqlite.unreadable-*")), "the damaged file is kept for inspection"


def test_a_read_only_store_answers_and_refuses_writes(
    seed_copy: tuple[Path, Path], embedder: MiniLMEmbedder, settings: Settings
) -> None:
    corpus, store_dir = seed_copy
    local = settings.model_copy(update={"store_dir": store_dir, "read_only": True})
    store = make_store(store_dir, embedder, local)
    assert store.read_only
    answer = QAEngine(local, embedder=embedder, store=store).ask("How much was allocated for immediate changes?")
    assert not answer.abstained
    generation = store.generation()
    (corpus / "new.txt").write_text("A new paper about allotments.\n")
    with pytest.raises(ReadOnlyIndexError, match="read-only; nothing was written"):
        ingest([corpus], store, embedder)
    assert store.generation() == generation and store.document_count() == 5
    with pytest.raises(IndexUnreadableError, match="no index"):
        PaperStore(store_dir.parent / "absent", embedder_name="x", chunking="y", read_only=True)


def test_a_full_disk_is_reported_in_a_sentence(
    seed_copy: tuple[Path, Path], clis_use_session_model: None, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    corpus, store_dir = seed_copy

    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(LexicalIndex, "save", full)
    (corpus / "new.txt").write_text("A new paper about allotments and their waiting list.\n")
    assert ingest_cli.main([str(corpus), "--store", str(store_dir)]) == 1
    err = capsys.readouterr().err
    assert "No space left on device" in err and "Traceback" not in err
