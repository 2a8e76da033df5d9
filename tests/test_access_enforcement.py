"""Access levels enforced inside the store: a reader never receives a paragraph
they may not see, whatever they ask; officers and the right members do."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import make_store
from leakcheck import CABINET_FILE, MEMBERS_FILE, LeakCheck, Probe, build_library, doc_id_of, probes

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.index import Filters
from ingest.index.catalogue import Catalogue
from ingest.pipeline import run
from qa_app.access import Viewer, restrict
from qa_app.engine import QAEngine

VIEWERS = {
    "anonymous": Viewer.anonymous(),
    "member": Viewer("mo"),
    "planning": Viewer("pat", frozenset({"planning"})),
}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder, settings: Settings) -> Path:
    root = tmp_path_factory.mktemp("restricted")
    store = make_store(root / "index", embedder, settings)
    build_library(root, store, embedder)
    store.close()
    return root / "index"


@pytest.fixture()
def engine(library: Path, embedder: MiniLMEmbedder, settings: Settings) -> Iterator[QAEngine]:
    store = make_store(library, embedder, settings)
    yield QAEngine(settings.model_copy(update={"store_dir": library}), embedder=embedder, store=store)
    store.close()


def test_levels_come_from_the_sidecar_and_the_run(engine: QAEngine) -> None:
    levels = engine.store.access_levels()
    members, cabinet = doc_id_of(levels, MEMBERS_FILE), doc_id_of(levels, CABINET_FILE)
    assert levels[members] == "members"
    assert levels[cabinet] == "group:cabinet"
    assert {level for d, level in levels.items() if d not in (members, cabinet)} == {"public"}
    chunks = engine.store.vectors.collection.get(where={"access": "members"}, include=["metadatas"])
    assert chunks["ids"] and {m["doc_id"] for m in chunks["metadatas"]} == {members}


def test_no_restricted_text_reaches_a_reader_without_access(engine: QAEngine) -> None:
    check = LeakCheck(engine, engine.store.access_levels())
    questions = probes(check.levels, engine.store, seed=7, count=40)
    assert {p.kind for p in questions} == {"quote", "title", "question", "follow-up", "filter"}
    leaks = []
    for name, viewer in VIEWERS.items():
        for probe in questions:
            found, _ = check.probe(name, viewer, probe)
            leaks.extend(found)
    assert not leaks, leaks[:5]


def test_the_check_finds_restricted_text_when_it_is_there(engine: QAEngine) -> None:
    """The property can fail: a cabinet member gets the cabinet paper, and the
    same answer judged as an anonymous reader's is reported as a leak."""
    check = LeakCheck(engine, engine.store.access_levels())
    probe = Probe("Will the Wavecrest Leisure Trust ask for an emergency grant?")
    leaks, answer = check.probe("cabinet", Viewer("cab", frozenset({"cabinet"})), probe)
    assert not leaks and not answer.abstained and "1.2 million" in answer.answer
    as_anonymous = LeakCheck(engine, check.levels)
    as_anonymous.forbidden = lambda _viewer: check.forbidden(Viewer.anonymous())  # type: ignore[method-assign]
    found, _ = as_anonymous.probe("cabinet judged as anonymous", Viewer("cab", frozenset({"cabinet"})), probe)
    assert {leak.channel for leak in found} >= {"json", "text", "briefing", "prompt"}


def test_a_filter_naming_only_a_restricted_paper_gives_nothing(engine: QAEngine) -> None:
    members = doc_id_of(engine.store.access_levels(), MEMBERS_FILE)
    filters = restrict(Viewer.anonymous(), Filters(doc_ids=(members,)))
    assert engine.store.query_lexical("Quayline Estates offer depot", 10, filters) == []
    vector = engine.embedder.embed_query("Quayline Estates offer depot")
    assert engine.store.query_dense(vector, 10, filters) == []
    assert engine.store.query_dense(vector, 10, Filters(doc_ids=(members,)))


def test_an_access_change_applies_to_the_next_question(
    tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings
) -> None:
    store = make_store(tmp_path / "index", embedder, settings)
    members = doc_id_of(build_library(tmp_path, store, embedder), MEMBERS_FILE)
    engine = QAEngine(settings.model_copy(update={"store_dir": tmp_path / "index"}), embedder=embedder, store=store)
    question = "What offer did Quayline Estates make for the Harbourside depot?"
    assert engine.ask(question).abstained or "Quayline" not in engine.ask(question).answer
    embedded = embedder.embedded if hasattr(embedder, "embedded") else None
    generation = store.generation()
    assert store.set_access(members, "public")
    assert store.generation() > generation
    assert "Quayline" in engine.ask(question).answer
    assert store.set_access(members, "group:cabinet")
    assert "Quayline" not in engine.ask(question, viewer=Viewer("mo")).answer
    assert "Quayline" in engine.ask(question, viewer=Viewer("cab", frozenset({"cabinet"}))).answer
    assert not store.set_access("corpus/no-such-paper.txt", "public")
    if embedded is not None:
        assert embedder.embedded == embedded
    store.close()


def test_a_narrowing_holds_even_when_chroma_still_has_the_old_level(
    tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings
) -> None:
    """The catalogue is the source of truth: dense hits are checked against it."""
    store = make_store(tmp_path / "index", embedder, settings)
    levels = build_library(tmp_path, store, embedder)
    press = doc_id_of(levels, "wirral-press-release-2019-childrens-services-improved.txt")
    vector = embedder.embed_query("children's services improved Ofsted")

    def papers() -> set[str]:
        hits = store.query_dense(vector, 50, restrict(Viewer.anonymous()))
        return {p.doc_id for p in store.paragraphs_by_id(pid for pid, _ in hits).values()}

    assert press in papers()
    with store.catalogue.transaction() as db:  # the catalogue changes, Chroma does not
        Catalogue.set_access(db, press, "members")
    assert press not in papers()
    store.close()


def test_an_unknown_level_is_refused_naming_the_file_and_value(
    tmp_path: Path, embedder: MiniLMEmbedder, settings: Settings
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "paper.txt").write_text("A paper about bins.\n\nThe council collects bins weekly.\n")
    (corpus / "paper.txt.meta.json").write_text('{"access": "secret"}')
    store = make_store(tmp_path / "index", embedder, settings)
    report = run([corpus], store, embedder, max_bytes=10**6)
    assert [f.path.rsplit("/", 1)[-1] for f in report.failed] == ["paper.txt"]
    assert "paper.txt.meta.json" in report.failed[0].error and "'secret'" in report.failed[0].error
    with pytest.raises(Exception, match="'group:Bad Name'"):
        run([corpus], store, embedder, max_bytes=10**6, access="group:Bad Name")
    store.close()


def test_an_index_from_before_access_levels_is_migrated(tmp_path: Path, embedder: MiniLMEmbedder,
                                                        settings: Settings) -> None:
    import sqlite3

    store = make_store(tmp_path / "index", embedder, settings)
    build_library(tmp_path, store, embedder)
    store.close()
    db = sqlite3.connect(tmp_path / "index" / "catalogue.sqlite")
    db.execute("ALTER TABLE documents DROP COLUMN access")
    db.commit()
    db.close()
    store = make_store(tmp_path / "index", embedder, settings)
    assert set(store.access_levels().values()) == {"public"}
    assert store.documents()[0].meta.access == "public"
    store.close()


@pytest.fixture()
def shared_model(monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder) -> None:
    monkeypatch.setattr("qa_app.engine.make_embedder", lambda _settings, **_kwargs: embedder)


def test_cli_answers_as_a_user_or_the_public_and_sees_everything_by_default(
    library: Path, tmp_path: Path, shared_model: None, capsys: pytest.CaptureFixture[str]
) -> None:
    from qa_app import __main__ as cli
    from qa_app.accounts import Accounts

    accounts = tmp_path / "accounts.json"
    Accounts(accounts).add("cab", "correct horse battery", ["cabinet"])
    Accounts(accounts).add("mo", "correct horse battery")
    question = "Will the Wavecrest Leisure Trust ask for an emergency grant?"
    batch = tmp_path / "questions.jsonl"
    batch.write_text(json.dumps({"question": question}) + "\n")

    def ask(*extra: str) -> list[dict[str, object]]:
        assert cli.main(["ask", "--store", str(library), "--json", *extra]) == 0
        return [json.loads(line) for line in capsys.readouterr().out.splitlines()]

    def cited(record: dict[str, object]) -> str:
        return json.dumps(record.get("citations")) + json.dumps(record.get("retrieved"))

    assert "Wavecrest" in cited(ask(question)[0])  # the officer tool sees everything
    assert "Wavecrest" in cited(ask(question, "--as", "cab", "--accounts", str(accounts))[0])
    for extra in (["--as", "mo", "--accounts", str(accounts)], ["--audience", "public"]):
        assert "Wavecrest" not in cited(ask(question, *extra)[0])
        assert "Wavecrest" not in cited(ask("--batch", str(batch), *extra)[0])
    assert "Wavecrest" in cited(ask("--batch", str(batch), "--as", "cab", "--accounts", str(accounts))[0])
    assert cli.main(["ask", question, "--store", str(library), "--as", "nobody", "--accounts", str(accounts)]) == 1
    assert "nobody" in capsys.readouterr().err


def test_ingest_cli_sets_levels_and_records_the_run_in_the_audit_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder, capsys: pytest.CaptureFixture[str]
) -> None:
    from ingest import __main__ as ingest_cli
    from ingest.audit import AuditLog

    monkeypatch.setattr(ingest_cli, "make_embedder", lambda _settings, **_kwargs: embedder)
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "bins.txt").write_text("Bin collections\n\nThe council collects bins weekly on Tuesdays.\n")
    index = tmp_path / "index"
    assert ingest_cli.main([str(papers), "--store", str(index), "--access", "members", "--json"]) == 0
    capsys.readouterr()
    assert ingest_cli.main([str(papers), "--store", str(index), "--access", "group:planning"]) == 0
    assert "access: " in capsys.readouterr().out
    assert ingest_cli.main([str(papers), "--store", str(index), "--access", "secret"]) != 0
    assert "'secret'" in capsys.readouterr().err
    events = list(AuditLog.for_store(index).read())
    assert [e.event for e in events] == ["ingest", "access_change"]
    assert events[0].actor and events[0].actor.startswith("cli") and events[0].papers[0].endswith("bins.txt")
    assert events[1].detail["level"] == "group:planning"


def test_editing_a_sidecar_level_changes_access_without_reembedding(tmp_path: Path, fake_embedder: object,
                                                                    settings: Settings) -> None:
    from conftest import FakeEmbedder

    embedder = fake_embedder
    assert isinstance(embedder, FakeEmbedder)
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "bins.txt").write_text("Bin collections\n\nThe council collects bins weekly on Tuesdays.\n")
    sidecar = papers / "bins.txt.meta.json"
    sidecar.write_text(json.dumps({"title": "Bins", "access": "members"}))
    store = make_store(tmp_path / "index", embedder, settings)  # type: ignore[arg-type]
    first = run([papers], store, embedder, max_bytes=10**6)  # type: ignore[arg-type]
    assert first.added and set(store.access_levels().values()) == {"members"}
    embedded = embedder.embedded
    sidecar.write_text(json.dumps({"access": "group:planning", "title": "Bins"}))
    second = run([papers], store, embedder, max_bytes=10**6)
    assert second.unchanged and not second.updated and embedder.embedded == embedded
    assert list(second.access_changed.values()) == ["group:planning"]
    assert set(store.access_levels().values()) == {"group:planning"}
    sidecar.write_text(json.dumps({"access": "secret", "title": "Bins"}))
    third = run([papers], store, embedder, max_bytes=10**6)
    assert "'secret'" in third.failed[0].error and set(store.access_levels().values()) == {"group:planning"}
    store.close()
