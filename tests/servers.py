"""Starting and stopping real servers (Streamlit, Chroma) on loopback for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_healthy(url: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    """Poll `url` until it answers 200; fail early if the server process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} not healthy after {timeout} s")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextmanager
def streamlit_server(root: Path, store_dir: Path, corpus: Path, log_path: Path) -> Iterator[str]:
    """`streamlit run streamlit_app.py` on a free loopback port over one library; yields its URL."""
    port = free_port()
    env = {**os.environ, "COUNCIL_STORE_DIR": str(store_dir), "COUNCIL_CORPUS_DIR": str(corpus),
           "HF_HUB_OFFLINE": "1"}
    env.pop("COUNCIL_LLM", None)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.port", str(port),
             "--server.fileWatcherType", "none"],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
        try:
            wait_healthy(f"http://127.0.0.1:{port}/_stcore/health", proc, timeout=60)
            yield f"http://127.0.0.1:{port}"
        finally:
            stop(proc)
