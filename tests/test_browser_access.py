"""Sign-in in a real browser: a local account gets a members-only answer;
after signing out the same question is an abstention."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, make_store
from leakcheck import build_library
from servers import streamlit_server
from test_browser import CHROMIUM, CHROMIUM_ARGS, OUTPUT, ask, require_chromium

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from qa_app.accounts import Accounts, default_path

pytestmark = [pytest.mark.browser, pytest.mark.slow]

QUESTION = "What offer did Quayline Estates make for the Harbourside depot?"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder, settings: Settings) -> Iterator[str]:
    require_chromium()
    work = tmp_path_factory.mktemp("browser-access")
    store = make_store(work / "index", embedder, settings)
    build_library(work, store, embedder)
    store.close()
    Accounts(default_path(work / "index")).add("mo", PASSWORD)
    with streamlit_server(ROOT, work / "index", work / "corpus", OUTPUT / "streamlit-access.log") as url:
        yield url


def test_sign_in_for_a_members_answer_and_sign_out_for_an_abstention(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(server)
            page.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=60_000)
            sidebar = page.get_by_test_id("stSidebar")
            expect(sidebar).to_contain_text("Showing public papers; sign in for members' papers")
            sidebar.get_by_role("textbox", name="User name").fill("mo")
            sidebar.get_by_role("textbox", name="Password").fill(PASSWORD)
            sidebar.get_by_role("button", name="Sign in").click()
            expect(sidebar).to_contain_text("Signed in as mo", timeout=30_000)

            ask(page, QUESTION, 0)
            expect(page.locator(".cpa-answer").first).to_contain_text("Harbourside depot disposal")
            expect(page.locator(".cpa-source").first).to_contain_text("Harbourside depot")
            page.screenshot(path=str(OUTPUT / "signed-in.png"))

            sidebar.get_by_role("button", name="Sign out").click()
            expect(sidebar).to_contain_text("Showing public papers", timeout=30_000)
            expect(page.locator(".cpa-answer")).to_have_count(0)
            ask(page, QUESTION, 0)
            expect(page.get_by_test_id("stAlertContentWarning").first).to_contain_text("do not")
            assert "Harbourside depot disposal" not in page.get_by_test_id("stMainBlockContainer").inner_text()
            page.screenshot(path=str(OUTPUT / "signed-out.png"))
        finally:
            browser.close()
