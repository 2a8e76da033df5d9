"""Build the embedder and the store from settings: the one place that decides
which implementations a run uses, shared by the CLI, the QA engine and the app."""

from __future__ import annotations

from ingest.chunk import chunking_signature
from ingest.config import Settings
from ingest.embed import Embedder, MiniLMEmbedder
from ingest.index import PaperStore


def make_embedder(settings: Settings) -> MiniLMEmbedder:
    return MiniLMEmbedder(
        backend=settings.embed_backend, cache_dir=settings.model_cache, batch_size=settings.embed_batch_size
    )


def open_store(settings: Settings, embedder: Embedder) -> PaperStore:
    """The store as settings describe it, recording what `embedder` and the
    chunking settings would build, so a mismatch is caught on open."""
    return PaperStore(
        settings.store_dir,
        chroma_host=settings.chroma_host,
        chroma_port=settings.chroma_port,
        embedder_name=embedder.name,
        chunking=chunking_signature(embedder.max_tokens),
        read_only=settings.read_only,
    )
