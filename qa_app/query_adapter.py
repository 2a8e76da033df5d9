"""A linear map fitted on labelled question–passage pairs, applied to a question's
vector before dense search.

The embedding model was trained on general sentence pairs: it places a formal
question ("To ask the Secretary of State …, what steps …") far from the plain
prose that answers it. A matrix fitted on questions and the paragraphs that
answer them (`bench/fit_query_adapter.py`) moves the question towards its
answers. Only the question moves, so the store's vectors stay as they are: no
re-ingest, and turning the map off restores the plain model exactly. The
answerer still sees the question's own vector (its features were fitted on it).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.errors import ConfigError

logger = logging.getLogger(__name__)

ADAPTER_PATH = Path(__file__).resolve().parent / "models" / "query_adapter.npz"


@dataclass(frozen=True)
class QueryAdapter:
    """`q -> normalise(q + q @ matrix)` for vectors of the model named `model`."""

    matrix: np.ndarray
    model: str
    meta: dict[str, object]

    def apply(self, vector: np.ndarray) -> np.ndarray:
        moved = vector + vector @ self.matrix
        norm = float(np.linalg.norm(moved))
        return (moved / norm).astype(np.float32) if norm > 0 else vector

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        meta = json.dumps({"model": self.model, **self.meta}, sort_keys=True)
        with path.open("wb") as out:
            np.savez_compressed(out, matrix=self.matrix.astype(np.float16), meta=np.array(meta))


def load_adapter(path: Path = ADAPTER_PATH) -> QueryAdapter:
    """The adapter at `path`; `ConfigError` naming the file when it cannot be read."""
    try:
        with np.load(path, allow_pickle=False) as data:
            matrix = data["matrix"].astype(np.float32)
            meta = json.loads(str(data["meta"]))
    except (OSError, KeyError, ValueError) as exc:
        raise ConfigError(f"{path}: not a query adapter ({exc})") from exc
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1] or not isinstance(meta.get("model"), str):
        raise ConfigError(f"{path}: a query adapter needs a square matrix and the model's name")
    return QueryAdapter(matrix=matrix, model=meta.pop("model"), meta=meta)


@lru_cache(maxsize=4)
def shipped_adapter(model: str, dimension: int, path: Path = ADAPTER_PATH) -> QueryAdapter | None:
    """The shipped adapter if it was fitted to this model's vectors, else None
    (logged once): dense search then uses the question's own vector."""
    try:
        adapter = load_adapter(path)
    except ConfigError as exc:
        logger.warning("dense search without the query adapter: %s", exc)
        return None
    if adapter.model != model or adapter.matrix.shape[0] != dimension:
        logger.info("the query adapter was fitted to %s, not %s: not used", adapter.model, model)
        return None
    return adapter
