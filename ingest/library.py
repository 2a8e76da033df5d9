"""Build the embedder and the store from settings: the one place that decides
which implementations a run uses, shared by the CLI, the QA engine and the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.chunk import chunking_signature
from ingest.config import Settings
from ingest.embed import Embedder
from ingest.index import PaperStore

if TYPE_CHECKING:
    from ingest.embed import MiniLMEmbedder
    from ingest.onnx_embedder import OnnxEmbedder


def make_embedder(settings: Settings, *, lean: bool = False) -> MiniLMEmbedder | OnnxEmbedder:
    """The embedder for `settings.embed_backend`.

    The ONNX backends run on onnxruntime alone, for questions and ingestion alike:
    answering never imports torch, and ingestion skips loading sentence-transformers
    (seconds) and embeds faster, with the same vectors under the same name.
    `lean=True` (the query path) also starts loading the model at once in the
    background, as a question always needs it. The torch backend stays
    sentence-transformers.
    """
    if settings.embed_backend != "torch":
        from ingest.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(
            settings.embed_backend, cache_dir=settings.model_cache, batch_size=settings.embed_batch_size,
            preload=lean, threads=settings.embed_threads,
        )
    from ingest.embed import MiniLMEmbedder

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
