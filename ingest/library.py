"""Build the embedder and the store from settings: the one place that decides
which implementations a run uses, shared by the CLI, the QA engine and the app."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ingest.chunk import chunking_signature
from ingest.config import Settings
from ingest.store import PaperStore

if TYPE_CHECKING:
    from ingest.embed import MiniLMEmbedder
    from ingest.onnx_embedder import OnnxEmbedder

MAX_TOKENS = 256
"""all-MiniLM-L6-v2's max_seq_length; a test checks the loaded model agrees."""


def make_embedder(settings: Settings, *, lean: bool = False) -> MiniLMEmbedder | OnnxEmbedder:
    """The embedder for `settings.embed_backend`.

    `lean=True` asks for the query path's embedder: for the ONNX backends it runs on
    onnxruntime alone, so answering never imports torch, and it starts loading at once
    in the background (a question always needs it); the torch backend has no lean
    form and stays sentence-transformers.
    """
    if lean and settings.embed_backend != "torch":
        from ingest.onnx_embedder import OnnxEmbedder

        return OnnxEmbedder(
            settings.embed_backend, cache_dir=settings.model_cache, batch_size=settings.embed_batch_size, preload=True
        )
    from ingest.embed import MiniLMEmbedder

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
