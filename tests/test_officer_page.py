"""The officer page through AppTest: upload, dry run, ingest, list, delete,
and that only officers get in; against a temporary store."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, ingest, make_store
from streamlit.testing.v1 import AppTest

from ingest.audit import AuditLog
from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from qa_app.accounts import Accounts, default_path

APP = str(ROOT / "streamlit_app.py")
PASSWORD = "correct horse battery"


def officer_page(user: str | None = "olive") -> AppTest:
    """The officer page as the app serves it (the chat page is the entry point),
    with `user` signed in."""
    at = AppTest.from_file(APP, default_timeout=120)
    if user:
        at.session_state["signed_in_as"] = user
    at.run()
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
    accounts = Accounts(default_path(tmp_path / "index"))
    accounts.add("olive", PASSWORD, ["officers"])
    accounts.add("mo", PASSWORD)
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


def test_only_an_officer_gets_in(library_dirs: tuple[Path, Path]) -> None:
    at = officer_page(user=None)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.file_uploader and any("Sign in as an officer" in i.value for i in at.info)
    at = officer_page(user="mo")
    assert not at.file_uploader and any("not in the officers group" in w.value for w in at.warning)

    # signing in through the sidebar form opens the page; a wrong password does not
    at = officer_page(user=None)
    at.text_input(key="signin-name").input("olive")
    at.text_input(key="signin-password").input("wrong password")
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert any("do not match" in e.value for e in at.error) and not at.file_uploader
    at.text_input(key="signin-password").input(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.file_uploader, "an officer gets the page"
    assert any("Signed in as olive (officer)" in c.value for c in at.caption)


def test_officer_actions_are_audited_and_access_changes_without_reembedding(
    library_dirs: tuple[Path, Path]
) -> None:
    corpus, index = library_dirs
    at = officer_page()
    box = at.selectbox(key="access-choice")
    box.select_index(next(i for i, o in enumerate(box.options) if KEEP in o))
    at.text_input(key="access-level").input("group:cabinet")
    next(b for b in at.button if b.label == "Change access").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("public → group:cabinet" in s.value for s in at.success)
    table = at.dataframe[-1].value
    assert dict(zip(table["File"], table["Access"], strict=True))[KEEP] == "group:cabinet"

    at.text_input(key="access-level").input("secret")
    box = at.selectbox(key="access-choice")
    box.select_index(next(i for i, o in enumerate(box.options) if KEEP in o))
    next(b for b in at.button if b.label == "Change access").click().run()
    assert any("'secret'" in e.value for e in at.error)

    events = [(e.event, e.actor) for e in AuditLog.for_store(index).read()]
    assert ("access_change", "olive") in events


def test_a_file_that_cannot_be_ingested_can_be_removed_from_the_page(library_dirs: tuple[Path, Path]) -> None:
    corpus, _ = library_dirs
    (corpus / "broken.pdf").write_bytes(b"this is not a pdf")
    at = officer_page()
    assert not at.exception, [e.value for e in at.exception]
    choice = at.selectbox(key="failed-choice")
    assert [Path(o).name for o in choice.options] == ["broken.pdf"], "only the failed file is offered"
    choice.select(choice.options[0])
    at.button[[b.label for b in at.button].index("Remove the file from the corpus folder")].click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not (corpus / "broken.pdf").exists()
    assert any("Removed the file" in s.value for s in at.success)


UNESCAPED_LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(|(?<!\\)!(?<!\\)\[")


def test_paper_text_is_escaped_in_every_place_the_pages_show_it(library_dirs: tuple[Path, Path]) -> None:
    corpus, _ = library_dirs
    hostile = "[Read the full report](https://example.org/r) ![p](http://example.org/pixel.png)"
    (corpus / "hostile.txt").write_text(f"{hostile}\n\nThe crossing budget for Hoylake is £41,000.\n")
    at = officer_page()
    at.button(key="ingest").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown: list[str] = []
    for kind in ("markdown", "caption", "success", "error", "info", "warning", "title", "subheader", "header"):
        shown += [str(element.value) for element in getattr(at, kind)]
    choice = at.selectbox(key="delete-choice")
    choice.set_value(str(corpus / "hostile.txt"))
    at.button[[b.label for b in at.button].index("Delete from the library")].click().run()
    shown += [str(element.value) for element in at.success]
    assert any("Read the full report" in text for text in shown), "the hostile title was shown somewhere"
    leaks = [text for text in shown if UNESCAPED_LINK.search(text)]
    assert leaks == [], "paper text rendered as a live link or image"
