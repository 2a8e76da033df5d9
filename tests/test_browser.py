"""The chat in a real browser: Debian's chromium driven by Playwright against
`streamlit run` on a free loopback port.

Timings (first page load, Enter → answer and sources visible) are printed and
written to test-output/browser/timings.json; they are not asserted.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import ROOT, ingest, make_store
from servers import streamlit_server

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
OUTPUT = ROOT / "test-output" / "browser"
QUESTION = "How much money did the council allocate to enable immediate changes in children's services?"
EVIDENCE = "allocation of £2m"
WARM_QUESTIONS = (
    "Within how many days of the report's publication must the Improvement Plan be submitted?",
    "Who is the Cabinet member for Children, Families and Education?",
    "What are the council's parking charges in Birkenhead town centre?",
)
HOSTILE_QUESTION = "What is the zebra crossing budget for Hoylake promenade?"
HOSTILE_PAPER = """Hoylake promenade crossings

The zebra crossing budget for Hoylake promenade is £41,000 <script>window.__pwned = 1;</script> with works
starting in spring <img src=x onerror="window.__pwned = 2"> as [agreed](javascript:window.__pwned=3) by **us**.
"""

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail("CI must run the browser test: install Debian's chromium (apt-get install -y chromium)")
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium (apt-get install -y chromium)")


@pytest.fixture(scope="module")
def browser_store(
    seed_store_dir: Path, embedder: MiniLMEmbedder, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """The seed library plus one hostile paper, in a folder of its own."""
    work = tmp_path_factory.mktemp("browser")
    shutil.copytree(seed_store_dir, work / "index")
    corpus = seed_store_dir.parent / "corpus"
    hostile = work / "hostile" / "hoylake-crossings.txt"
    hostile.parent.mkdir()
    hostile.write_text(HOSTILE_PAPER, encoding="utf-8")
    (hostile.parent / "hoylake-crossings.txt.meta.json").write_text(
        json.dumps({"title": "Hoylake <img src=x onerror=window.__pwned=4> crossings", "doc_type": "report"})
    )
    store = make_store(work / "index", embedder, settings)
    report = ingest([hostile], store, embedder)
    assert report.ok, report.failed
    store.close()
    return work / "index", corpus


@pytest.fixture(scope="module")
def server(browser_store: tuple[Path, Path]) -> Iterator[tuple[str, float]]:
    """`streamlit run` on a free loopback port; yields (url, start time)."""
    require_chromium()
    store_dir, corpus = browser_store
    started = time.perf_counter()
    with streamlit_server(ROOT, store_dir, corpus, OUTPUT / "streamlit.log") as url:
        yield url, started


def ask(page, question: str, answers_before: int) -> float:  # type: ignore[no-untyped-def]
    """Type a question, press Enter; seconds until its answer, sources and the
    controls drawn after them (the per-answer download) are visible."""
    box = page.get_by_test_id("stChatInputTextArea")
    box.fill(question)
    t0 = time.perf_counter()
    box.press("Enter")
    page.locator(".cpa-answer, [data-testid='stAlertContentWarning']").nth(answers_before).wait_for(
        state="visible", timeout=30_000
    )
    page.get_by_role("button", name="Download answer (.md)").nth(answers_before).wait_for(
        state="visible", timeout=30_000
    )
    return time.perf_counter() - t0


def test_chat_answers_with_sources_and_viewer(server: tuple[str, float]) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, started = server
    timings: dict[str, float] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            outside: list[str] = []
            page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).hostname != "127.0.0.1" else None)
            page.goto(url)
            page.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=60_000)
            timings["first_page_load_s"] = time.perf_counter() - started

            # 2-3. a question, its answer and its sources
            timings["first_answer_s"] = ask(page, QUESTION, 0)
            page.locator(".cpa-source").first.wait_for(state="visible")
            answer = page.locator(".cpa-answer").first
            expect(answer).to_contain_text("£2m")
            expect(answer.locator(".cpa-marker").first).to_have_text("[1]")
            source = page.locator(".cpa-source").first
            expect(source).to_contain_text("motion on the Ofsted inspection report")
            expect(source.locator("mark.cpa-quote")).to_contain_text("£2m")
            expect(page.get_by_test_id("stMainBlockContainer").get_by_text("Sources", exact=True)).to_be_visible()
            page.screenshot(path=str(OUTPUT / "chat.png"))
            if os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":
                page.screenshot(path=str(ROOT / "docs" / "screenshot-chat.png"))

            # 4. the source viewer, the cited paragraph highlighted and in view
            page.get_by_role("button", name="Open source [1]").first.click()
            dialog = page.get_by_role("dialog")
            expect(dialog).to_be_visible(timeout=15_000)
            cited = dialog.locator("#cpa-cited-paragraph")
            expect(cited).to_be_visible()
            expect(cited.locator("mark.cpa-quote")).to_contain_text("£2m")
            expect(cited).to_contain_text(EVIDENCE)
            expect(cited).to_be_in_viewport()
            assert dialog.locator(".cpa-para").count() > 5, "the viewer shows the whole paper"
            expect(dialog).to_contain_text("wirral-council-2016-10-17-motion-ofsted-inspection-report.txt")
            page.screenshot(path=str(OUTPUT / "source-viewer.png"))
            page.keyboard.press("Escape")
            expect(dialog).to_be_hidden()

            # warm timings: model loaded, later questions in the same tab
            for i, question in enumerate(WARM_QUESTIONS, start=1):
                timings[f"warm_answer_{i}_s"] = ask(page, question, i)

            # paper text is text: no script, no onerror, no javascript: link
            ask(page, HOSTILE_QUESTION, 1 + len(WARM_QUESTIONS))
            hostile = page.locator(".cpa-answer").last
            expect(hostile).to_contain_text("<script>")
            expect(page.locator(".cpa-source").last).to_contain_text("<img src=x onerror")
            assert page.evaluate("window.__pwned") is None
            assert page.locator("img[src='x']").count() == 0
            assert page.locator("a[href^='javascript']").count() == 0
            page.get_by_role("button", name="Open source [1]").last.click()
            dialog = page.get_by_role("dialog")
            expect(dialog).to_contain_text("[agreed](javascript:window.__pwned=3)")
            expect(dialog).to_contain_text("**us**")
            assert dialog.locator(".cpa-viewer a, .cpa-viewer img, .cpa-viewer strong, .cpa-viewer script").count() == 0
            assert page.evaluate("window.__pwned") is None
            page.screenshot(path=str(OUTPUT / "hostile.png"), full_page=True)
            assert outside == [], "offline clean: every asset (icon and fonts included) comes from the app itself"

            # a new browser session: the model is already loaded in the server
            other = browser.new_context().new_page()
            t0 = time.perf_counter()
            other.goto(url)
            other.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=60_000)
            timings["new_tab_page_load_s"] = time.perf_counter() - t0
            timings["new_tab_first_answer_s"] = ask(other, QUESTION, 0)
            expect(other.locator(".cpa-answer").first).to_contain_text("£2m")
        finally:
            browser.close()
    (OUTPUT / "timings.json").write_text(json.dumps({k: round(v, 3) for k, v in timings.items()}, indent=2))
    print("\nbrowser timings:", json.dumps({k: round(v, 3) for k, v in timings.items()}))
