"""Shared fixtures. The embedding model loads once per test session; stores are
real Chroma directories under `tmp_path`."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from servers import free_port, stop, wait_healthy

from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.index import PaperStore
from ingest.library import open_store
from ingest.pipeline import run
from ingest.report import IngestReport
from qa_app.engine import QAEngine

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads the developer's .env or writes the real index."""
    monkeypatch.setenv("COUNCIL_STORE_DIR", str(tmp_path / "default-index"))
    monkeypatch.delenv("COUNCIL_CHROMA_HOST", raising=False)
    monkeypatch.delenv("COUNCIL_LLM", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def embedder(settings: Settings) -> MiniLMEmbedder:
    """The real packaged model, loaded once for the whole test run."""
    model = MiniLMEmbedder(backend=settings.embed_backend, cache_dir=settings.model_cache)
    model.warm_up()
    return model


def make_store(path: Path, embedder: MiniLMEmbedder, settings: Settings) -> PaperStore:
    local = settings.model_copy(update={"store_dir": path, "chroma_host": None})
    return open_store(local, embedder)


def ingest(paths: list[Path], store: PaperStore, embedder: MiniLMEmbedder, **kwargs: object) -> IngestReport:
    return run(paths, store, embedder, max_bytes=kwargs.pop("max_bytes", 25 * 1048576),  # type: ignore[arg-type]
               **kwargs)  # type: ignore[arg-type]


def engine_over(files: Sequence[Path], work: Path, embedder: MiniLMEmbedder, settings: Settings) -> Iterator[QAEngine]:
    """The real engine over `files` alone, ingested into a store under `work`; for a module fixture to yield from."""
    papers = work / "papers"
    papers.mkdir()
    for path in files:
        shutil.copy(path, papers / path.name)
    store = make_store(work / "index", embedder, settings)
    assert ingest([papers], store, embedder).ok
    local = settings.model_copy(update={"store_dir": work / "index"})
    yield QAEngine(local, embedder=embedder, store=store)
    store.close()


@pytest.fixture(scope="session")
def seed_store_dir(tmp_path_factory: pytest.TempPathFactory, embedder: MiniLMEmbedder, settings: Settings) -> Path:
    """The bundled corpus ingested once per test run (read-only for tests)."""
    work = tmp_path_factory.mktemp("seed")
    corpus = work / "corpus"
    shutil.copytree(CORPUS, corpus)
    store = make_store(work / "index", embedder, settings)
    report = ingest([corpus], store, embedder)
    assert report.ok, report.failed
    store.close()
    return work / "index"


@pytest.fixture()
def seed_store(seed_store_dir: Path, embedder: MiniLMEmbedder, settings: Settings) -> Iterator[PaperStore]:
    store = make_store(seed_store_dir, embedder, settings)
    yield store
    store.close()


@pytest.fixture()
def chroma_server(tmp_path: Path) -> Iterator[int]:
    executable = Path(sys.executable).with_name("chroma")
    command = [str(executable)] if executable.exists() else [shutil.which("chroma") or "chroma"]
    port = free_port()
    proc = subprocess.Popen(
        [*command, "run", "--path", str(tmp_path / "server-data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{port}/api/v2/heartbeat", proc, timeout=60)
        yield port
    finally:
        stop(proc)


@pytest.fixture()
def use_session_model(monkeypatch: pytest.MonkeyPatch, embedder: MiniLMEmbedder) -> None:
    """Streamlit pages (AppTest) use the session's loaded model instead of loading their own."""
    import ui.resources as resources

    monkeypatch.setattr(resources, "load_embedder", lambda *args: embedder)


@pytest.fixture(scope="session")
def council_questions() -> list[dict[str, object]]:
    return [json.loads(line) for line in (FIXTURES / "council_dev.jsonl").read_text().splitlines() if line.strip()]


class FakeEmbedder:
    """A deterministic stand-in for the model (after simonw/llm's `EmbedDemo`):
    each word hashes to one of `dimension` buckets, and the counts are
    normalised. Texts sharing words get similar vectors, so store, pipeline and
    retrieval logic can be tested in milliseconds. Never for quality tests."""

    name = "fake-embedder"

    def __init__(self, dimension: int = 64, max_tokens: int = 256) -> None:
        self.dimension = dimension
        self._max_tokens = max_tokens
        self.embedded = 0

    @property
    def max_tokens(self) -> int:
        return self._max_tokens

    def count_tokens(self, text: str) -> int:
        return len(text.split()) + 2

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                digest = hashlib.blake2b(word.strip(".,;:!?\"'()").encode(), digest_size=4).digest()
                out[row, int.from_bytes(digest, "big") % self.dimension] += 1.0
            norm = float(np.linalg.norm(out[row]))
            out[row] = out[row] / norm if norm else out[row]
        self.embedded += len(texts)
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def embed_each(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_documents(texts)


@pytest.fixture()
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()
