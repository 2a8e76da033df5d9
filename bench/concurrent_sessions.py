"""Ten councillors at once: concurrent browser sessions against one app, timed
from Enter to the answer and its sources (or the abstention) being visible.

    python bench/concurrent_sessions.py [--sessions 10] [--questions 5] [--store DIR]

Without --store, the bundled corpus is ingested into a temporary folder first.
It also counts requests to any host other than the app's own (an offline app
makes none) and answers drawn in the wrong session (none expected).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
QUESTIONS = (
    "How much money did the council allocate to enable immediate changes in children's services?",
    "Within how many days of the report's publication must the Improvement Plan be submitted?",
    "Who is the Cabinet member for Children, Families and Education?",
    "What are the council's parking charges in Birkenhead town centre?",
    "What overall rating did children's services receive in the latest Ofsted inspection?",
    "How many recommendations did Ofsted make?",
    "Who seconded the motion on the Ofsted report?",
)
logger = logging.getLogger("bench.concurrent_sessions")


@dataclass
class SessionResult:
    times: list[float] = field(default_factory=list)
    errors: int = 0
    wrong_session: int = 0
    outside_requests: list[str] = field(default_factory=list)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


async def _session(browser, url: str, questions: list[str], host: str) -> SessionResult:  # type: ignore[no-untyped-def]
    context = await browser.new_context(viewport={"width": 1300, "height": 900})
    result = SessionResult()
    context.on("request", lambda r: result.outside_requests.append(r.url) if urlparse(r.url).hostname != host else None)
    page = await context.new_page()
    try:
        await page.goto(url)
        await page.get_by_test_id("stChatInputTextArea").wait_for(state="visible", timeout=120_000)
        for n, question in enumerate(questions):
            box = page.get_by_test_id("stChatInputTextArea")
            await box.fill(question)
            t0 = time.perf_counter()
            await box.press("Enter")
            try:
                await page.locator(".cpa-answer, [data-testid='stAlertContentWarning']").nth(n).wait_for(
                    state="visible", timeout=60_000)
                await page.get_by_role("button", name="Download answer (.md)").nth(n).wait_for(
                    state="visible", timeout=60_000)
                result.times.append(time.perf_counter() - t0)
            except Exception:  # noqa: BLE001 - counted and reported
                result.errors += 1
            if await page.get_by_text("This app has encountered an error").count():
                result.errors += 1
            asked = await page.get_by_test_id("stChatMessage").all_inner_texts()
            result.wrong_session += sum(1 for text in asked if any(q in text for q in QUESTIONS if q not in questions))
    finally:
        await context.close()
    return result


async def _run(url: str, sessions: int, per_session: int) -> list[SessionResult]:
    from playwright.async_api import async_playwright

    host = urlparse(url).hostname or "127.0.0.1"
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            jobs = [
                _session(browser, url, [QUESTIONS[(i + j) % len(QUESTIONS)] for j in range(per_session)], host)
                for i in range(sessions)
            ]
            return list(await asyncio.gather(*jobs))
        finally:
            await browser.close()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--store", type=Path, help="an ingested index (default: ingest corpus/ into a temp folder)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "index"
        if args.store is None:
            subprocess.run([sys.executable, "-m", "ingest", "corpus", "--store", str(store)], cwd=REPO, env=env,
                           check=True, capture_output=True)
        port = _free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.port", str(port),
             "--server.fileWatcherType", "none"],
            cwd=REPO, env={**env, "COUNCIL_STORE_DIR": str(store)},
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            _wait(f"{url}/_stcore/health")
            started = time.perf_counter()
            results = asyncio.run(_run(url, args.sessions, args.questions))
            wall = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(timeout=20)
    times = [t for r in results for t in r.times]
    summary = {
        "sessions": args.sessions, "questions_per_session": args.questions, "answered": len(times),
        "errors": sum(r.errors for r in results),
        "answers_in_wrong_session": sum(r.wrong_session for r in results),
        "requests_outside_the_app": sum(len(r.outside_requests) for r in results),
        "enter_to_sources_p50_s": round(statistics.median(times), 2) if times else None,
        "enter_to_sources_p95_s": round(_percentile(times, 0.95), 2) if times else None,
        "wall_s": round(wall, 1),
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
