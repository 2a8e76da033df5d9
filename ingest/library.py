"""Build the embedder and the store from settings: the one place that decides
which implementations a run uses, shared by the CLI, the QA engine and the app."""

from __future__ import annotations

from ingest.chunk import chunking_signature
from ingest.config import Settings
from ingest.embed import MiniLMEmbedder
from ingest.store import PaperStore

MAX_TOKENS = 256
"""all-MiniLM-L6-v2's max_seq_length; a test checks the loaded model agrees."""


def make_embedder(settings: Settings) -> MiniLMEmbedder:
    return MiniLMEmbedder(
        backend=settings.embed_backend, cache_dir=settings.model_cache, batch_size=settings.embed_batch_size
    )


def open_store(settings: Settings, embedder_name: str) -> PaperStore:
    return PaperStore(
        settings.store_dir,
        chroma_host=settings.chroma_host,
        chroma_port=settings.chroma_port,
        embedder_name=embedder_name,
        chunking=chunking_signature(MAX_TOKENS),
    )
