"""The officer page through AppTest: upload, dry run, ingest, list, delete,
and the optional password gate; against a temporary store."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, ingest, make_store
from streamlit.testing.v1 import AppTest

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder

APP = str(ROOT / "streamlit_app.py")


def officer_page() -> AppTest:
    """The officer page as the app serves it (the chat page is the entry point)."""
    at = AppTest.from_file(APP, default_timeout=120).run()
    return at.switch_page("pages/1_Officer.py").run()
KEEP = "wirral-council-2016-10-17-motion-ofsted-inspection-report.txt"
CHANGE = "cabinet-minutes-ofsted-inspection-outcome.txt"
GONE = "wirral-press-release-2016-ofsted-improvement-plan.txt"

NEW_TXT = b"Birkenhead Market Report\n\nThe market hall roof repairs will cost \xc2\xa3310,000, done in May 2024.\n"
NEW_MD = b"# Leisure Committee agenda\n\nItem 1. Swimming pool opening hours at West Kirby will be extended.\n"


@pytest.fixture()
def library_dirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder, settings: Settings,
    use_session_model: None,
) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in (KEEP, CHANGE, GONE):
        shutil.copy(CORPUS / name, corpus / name)
        shutil.copy(CORPUS / (name + ".meta.json"), corpus / (name + ".meta.json"))
    store = make_store(tmp_path / "index", embedder, settings)
    assert ingest([corpus], store, embedder).ok
    store.close()
    monkeypatch.setenv("COUNCIL_STORE_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("COUNCIL_CORPUS_DIR", str(corpus))
    return corpus, tmp_path / "index"


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_upload_dry_run_ingest_and_delete(library_dirs: tuple[Path, Path]) -> None:
    corpus, _ = library_dirs
    with (corpus / CHANGE).open("a", encoding="utf-8") as out:
        out.write("\nAn added paragraph about the follow-up visit in March.\n")
    (corpus / GONE).unlink()

    at = officer_page()
    assert not at.exception, [e.value for e in at.exception]
    assert metrics(at)["Papers"] == "3"
    at.file_uploader[0].set_value([
        ("birkenhead-market-report.txt", NEW_TXT, "text/plain"),
        ("leisure-agenda.md", NEW_MD, "text/markdown"),
        ("virus.exe", b"MZ\x90\x00", "application/octet-stream"),
        (KEEP, (CORPUS / KEEP).read_bytes(), "text/plain"),
    ]).run()
    assert not at.exception, [e.value for e in at.exception]

    # the dry run, before anything is written
    counts = metrics(at)
    assert [counts[k] for k in ("Added", "Updated", "Unchanged", "Removed", "Failed")] == ["2", "1", "1", "1", "1"]
    plan = at.dataframe[0].value
    status = dict(zip(plan["Paper"].map(lambda p: Path(p).name), plan["Result"], strict=True))
    assert status["birkenhead-market-report.txt"] == "added" and status["leisure-agenda.md"] == "added"
    assert status[CHANGE] == "updated" and status[GONE] == "removed" and status[KEEP] == "unchanged"
    assert status["virus.exe"] == "failed"
    assert "unsupported file type" in plan[plan["Result"] == "failed"]["Reason"].iloc[0]
    assert not (corpus / "birkenhead-market-report.txt").exists(), "the dry run writes nothing"

    # ingest, with a per-file result
    at.button(key="ingest").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert (corpus / "birkenhead-market-report.txt").read_bytes() == NEW_TXT
    assert not (corpus / "virus.exe").exists()
    assert any("2 added, 1 updated" in e.value and "1 removed, 1 failed" in e.value for e in at.error)
    assert any("virus.exe" in t.value and "unsupported file type" in t.value for t in at.text)
    assert metrics(at)["Papers"] == "4"
    table = at.dataframe[-1].value
    assert set(table["Title"]) >= {"Birkenhead Market Report", "Leisure Committee agenda"}
    assert {"Title", "Type", "Date", "Paragraphs", "Ingested"} <= set(table.columns)
    assert (table["Paragraphs"] > 0).all()

    # delete a paper and its file
    box = at.selectbox(key="delete-choice")
    box.select_index(next(i for i, o in enumerate(box.options) if "birkenhead-market-report.txt" in o))
    next(b for b in at.button if b.label == "Delete from the library").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Deleted Birkenhead Market Report" in s.value for s in at.success)
    assert metrics(at)["Papers"] == "3"
    assert not (corpus / "birkenhead-market-report.txt").exists()
    assert "Birkenhead Market Report" not in set(at.dataframe[-1].value["Title"])


def test_password_gate_is_off_by_default_and_guards_only_its_page(
    library_dirs: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    at = officer_page()
    assert not at.text_input, "no password asked when none is configured"

    monkeypatch.setenv("COUNCIL_OFFICER_PASSWORD", "s3cret-officer")
    at = officer_page()
    assert [t.label for t in at.text_input] == ["Password"] and not at.file_uploader
    at.text_input[0].input("wrong")
    next(b for b in at.button if b.label == "Unlock").click().run()
    assert any("not right" in e.value for e in at.error) and not at.file_uploader
    at.text_input[0].input("s3cret-officer")
    next(b for b in at.button if b.label == "Unlock").click().run()
    assert at.file_uploader, "the page opens with the right password"

    chat = AppTest.from_file(APP, default_timeout=120).run()
    assert chat.chat_input and not chat.text_input, "the chat page is unaffected"
