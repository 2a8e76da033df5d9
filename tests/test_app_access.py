"""Access levels in the chat page (AppTest): each reader sees their papers,
signing out forgets a conversation, an access change applies to the next
question without a restart, and only an officer may ingest from the chat page."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, make_store
from leakcheck import MEMBERS_FILE, build_library, doc_id_of
from streamlit.testing.v1 import AppTest

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from qa_app.accounts import Accounts, default_path

APP = str(ROOT / "streamlit_app.py")
PASSWORD = "correct horse battery"
DEPOT = "What offer did Quayline Estates make for the Harbourside depot?"
MEMBERS_TITLE = "Confidential briefing: Harbourside depot disposal (report)"
CABINET_TITLE = "Cabinet note: Wavecrest Leisure Trust finances (report)"


def _accounts(index: Path) -> None:
    accounts = Accounts(default_path(index))
    accounts.add("mo", PASSWORD)
    accounts.add("cab", PASSWORD, ["cabinet"])
    accounts.add("olive", PASSWORD, ["officers"])


@pytest.fixture()
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder, settings: Settings,
            use_session_model: None) -> Path:
    index = tmp_path / "index"
    store = make_store(index, embedder, settings)
    build_library(tmp_path, store, embedder)
    store.close()
    _accounts(index)
    monkeypatch.setenv("COUNCIL_STORE_DIR", str(index))
    monkeypatch.setenv("COUNCIL_CORPUS_DIR", str(tmp_path / "corpus"))
    return index


def chat(user: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user:
        at.session_state["signed_in_as"] = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ask(at: AppTest, question: str) -> str:
    at.chat_input[0].set_value(question).run()
    assert not at.exception, [e.value for e in at.exception]
    return " ".join(h.value for h in at.html)


def papers(at: AppTest) -> set[str]:
    return set(at.multiselect(key="f-papers").options)


def test_each_reader_sees_their_papers(library: Path) -> None:
    anonymous, member, cabinet = chat(), chat("mo"), chat("cab")
    assert any("Showing public papers; sign in for members' papers" in c.value for c in anonymous.caption)
    assert MEMBERS_TITLE not in papers(anonymous) and CABINET_TITLE not in papers(anonymous)
    assert MEMBERS_TITLE in papers(member) and CABINET_TITLE not in papers(member)
    assert {MEMBERS_TITLE, CABINET_TITLE} <= papers(cabinet)
    counts = [int(next(m.value for m in at.metric if m.label == "Papers")) for at in (anonymous, member, cabinet)]
    assert counts[1] == counts[0] + 1 and counts[2] == counts[0] + 2
    assert "Quayline" not in ask(anonymous, DEPOT)
    assert "Quayline" in ask(member, DEPOT)


def test_signing_out_forgets_the_conversation_and_answers_from_public_papers(library: Path) -> None:
    at = chat()
    at.text_input(key="signin-name").input("mo")
    at.text_input(key="signin-password").input(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert any("Signed in as mo" in c.value for c in at.caption)
    assert "Quayline" in ask(at, DEPOT)
    at.button(key="sign-out").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("Quayline" in h.value for h in at.html), "the members' answer is gone"
    assert "Quayline" not in ask(at, DEPOT)


def test_an_access_change_applies_to_the_next_question(library: Path, embedder: MiniLMEmbedder,
                                                       settings: Settings) -> None:
    at = chat()
    assert "Quayline" not in ask(at, DEPOT)
    store = make_store(library, embedder, settings)  # as the Officer page or the CLI would
    store.set_access(doc_id_of(store.access_levels(), MEMBERS_FILE), "public")
    store.close()
    assert "Quayline" in ask(at, DEPOT)
    assert MEMBERS_TITLE in papers(at)


def test_only_an_officer_may_ingest_an_empty_library_from_the_chat_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, use_session_model: None
) -> None:
    index = tmp_path / "empty-index"
    index.mkdir()
    _accounts(index)
    monkeypatch.setenv("COUNCIL_STORE_DIR", str(index))
    monkeypatch.setenv("COUNCIL_CORPUS_DIR", str(tmp_path / "no-corpus"))
    for user in (None, "mo"):
        at = chat(user)
        assert not [b for b in at.button if b.label.startswith("Ingest the corpus folder")]
        assert any("ask an officer" in i.value for i in at.info)
    at = chat("olive")
    assert [b for b in at.button if b.label.startswith("Ingest the corpus folder")]


def test_questions_are_logged_only_when_configured_and_the_sidebar_says_so(
    library: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ingest.audit import AuditLog

    at = chat("mo")
    ask(at, DEPOT)
    assert not any("recorded in the audit log" in c.value for c in at.caption)
    assert "question" not in {e.event for e in AuditLog.for_store(library).read()}
    monkeypatch.setenv("COUNCIL_LOG_QUESTIONS", "true")
    at = chat("mo")
    assert any("Questions you ask are recorded in the audit log" in c.value for c in at.caption)
    ask(at, DEPOT)
    logged = [e for e in AuditLog.for_store(library).read() if e.event == "question"]
    assert [(e.actor, e.detail["question"]) for e in logged] == [("mo", DEPOT)]
    assert logged[0].papers and logged[0].papers[0].endswith(MEMBERS_FILE)
