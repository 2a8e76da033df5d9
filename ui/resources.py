"""Expensive objects, built once per process with `st.cache_resource` and shared
by every browser tab and both pages: the embedding model, the store, and one
QA engine per answer mode.

Keys are plain strings (the settings as JSON), so two pages with the same
settings share one engine and a new browser tab never reloads the model.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

from ingest.config import Settings
from ingest.index import PaperStore
from ingest.library import make_embedder, open_store

if TYPE_CHECKING:
    from ingest.embed import MiniLMEmbedder
    from ingest.onnx_embedder import OnnxEmbedder
    from qa_app.access import Viewer
    from qa_app.engine import QAEngine

logger = logging.getLogger(__name__)

PAGE_ICON = str(Path(__file__).with_name("icon.png"))
"""Served by the app itself: an icon from a font or emoji CDN fails offline and tells a third party who is reading."""

EXTRACTIVE = "extractive"
LLM = "llm"


@st.cache_resource(show_spinner=False)
def load_embedder(backend: str, cache_dir: str | None, batch_size: int) -> MiniLMEmbedder | OnnxEmbedder:
    """The model object, loading in the background: the first page draws at once,
    and a question asked before loading ends simply waits for it."""
    settings = Settings(_env_file=None, embed_backend=backend, model_cache=cache_dir, embed_batch_size=batch_size)
    embedder = make_embedder(settings, lean=True)
    threading.Thread(target=embedder.warm_up, name="load-embedding-model", daemon=True).start()
    return embedder


class Library:
    """The store and its engines for one set of settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.embedder = load_embedder(
            settings.embed_backend, str(settings.model_cache) if settings.model_cache else None,
            settings.embed_batch_size,
        )
        self.store: PaperStore = open_store(settings, self.embedder)
        self._engines: dict[str, QAEngine] = {}
        self._lock = threading.Lock()

    @property
    def modes(self) -> tuple[str, ...]:
        return (EXTRACTIVE, LLM) if self.settings.llm else (EXTRACTIVE,)

    def engine(self, mode: str = EXTRACTIVE) -> QAEngine:
        """The engine for `mode`, built and warmed on first use."""
        if mode not in self.modes:
            raise ValueError(f"answer mode must be one of {', '.join(self.modes)}; got {mode!r}")
        with self._lock:
            if mode not in self._engines:
                from qa_app.engine import QAEngine

                settings = self.settings if mode == LLM else self.settings.model_copy(update={"llm": None})
                engine = QAEngine(settings, embedder=self.embedder, store=self.store)
                # Warm in the background so the page is usable while the model loads;
                # the embedder and retriever lock, so an early question just waits.
                threading.Thread(target=engine.warm_up, name=f"warm-{mode}", daemon=True).start()
                self._engines[mode] = engine
            return self._engines[mode]

    def refresh(self) -> None:
        """After ingestion or deletion: engines reload what changed."""
        with self._lock:
            engines = list(self._engines.values())
        for engine in engines:
            engine.refresh()


@st.cache_resource(show_spinner="Opening the library…")
def _library(settings_json: str) -> Library:
    return Library(Settings.model_validate_json(settings_json))


def library(settings: Settings) -> Library:
    return _library(settings.model_dump_json())


def open_page(page: str, *, officers_only: bool = False) -> tuple[Settings, Library, Viewer]:
    """The start of every page: read settings, draw the navigation and the
    account box, stop a page for officers unless one is signed in, and open the
    shared library — each failure a clear message instead of a traceback."""
    from pydantic import ValidationError

    from qa_app.llm_models import prefer_passive_openmp

    prefer_passive_openmp()

    from ingest.errors import CouncilPapersError
    from ui.nav import page_links
    from ui.signin import current_viewer, render_signin, require_officer

    try:
        settings = Settings()
    except ValidationError as exc:
        st.error(f"A setting is invalid; fix the COUNCIL_* environment or .env file:\n\n{exc}")
        st.stop()
    if settings.officer_password or settings.chat_password:
        logger.warning("COUNCIL_OFFICER_PASSWORD and COUNCIL_CHAT_PASSWORD are no longer used: "
                       "the Officer page needs a user in group officers (see the README)")
    page_links()
    try:
        viewer = current_viewer(settings)
    except CouncilPapersError as exc:
        st.error(f"Sign-in is not available: {exc}")
        st.stop()
    render_signin(viewer, settings)
    if officers_only:
        require_officer(viewer)
    try:
        lib = library(settings)
        lib.store.check_compatible()
    except CouncilPapersError as exc:
        st.error(f"The library cannot be opened: {exc}")
        st.stop()
    return settings, lib, viewer
