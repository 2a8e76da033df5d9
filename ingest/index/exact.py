"""Exact nearest-chunk search over vectors held in memory.

Chroma's HNSW search is approximate. At the depth it is configured with
(`ef_search` 500), it left out 1.8% of the true top 50 chunks at about 75k chunks
(86 of 200 questions missed at least one), and 0.2% at 4k chunks. Because Chroma
rebuilds the graph for its unsaved tail each time a process opens the folder,
a miss could come and go between two runs of the same question. A matrix
product over every vector is exact, the same in every process, and faster at
the sizes one council keeps (2.3 ms against 5.7 ms at 75k chunks;
docs/BENCHMARKS.md, "Exact vector search"). `VectorIndex` uses it up to
`EXACT_SEARCH_CHUNKS` and keeps HNSW for larger libraries.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

EXACT_SEARCH_CHUNKS = 250_000
"""Largest collection searched exactly: about 370 MB of float32 vectors at 384
dimensions. Beyond it the collection's HNSW index answers."""


@dataclass(frozen=True)
class ExactVectors:
    """Every chunk's unit vector, with what a search result reports about it."""

    ids: list[str]
    paragraph_ids: list[str]
    metadatas: list[dict[str, Any]]
    matrix: np.ndarray
    access: np.ndarray
    """Each chunk's access level, for the reader's filter."""

    @classmethod
    def from_pages(cls, pages: Iterable[dict[str, Any]]) -> ExactVectors:
        """Built from `collection.get` results (ids, embeddings and metadatas)."""
        ids: list[str] = []
        metadatas: list[dict[str, Any]] = []
        blocks: list[np.ndarray] = []
        for page in pages:
            if not len(page["ids"]):
                continue
            ids += page["ids"]
            metadatas += [dict(m or {}) for m in page["metadatas"]]
            blocks.append(np.asarray(page["embeddings"], dtype=np.float32).reshape(len(page["ids"]), -1))
        matrix = np.concatenate(blocks) if blocks else np.zeros((0, 0), dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True) if len(matrix) else np.ones((0, 1), dtype=np.float32)
        matrix = matrix / np.where(norms > 0, norms, 1.0)
        access = np.asarray([str(m.get("access", "")) for m in metadatas], dtype=object)
        return cls(ids, [str(m.get("paragraph_ids", "")) for m in metadatas], metadatas, matrix, access)

    def search(
        self, vector: np.ndarray, n: int, access: Iterable[str] | None = None
    ) -> list[tuple[str, str, float, dict[str, Any]]]:
        """The `n` chunks most similar to `vector` (cosine), best first, ties by
        position; with `access`, only chunks of those access levels."""
        if not self.ids or n <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).reshape(-1)
        scores = self.matrix @ (query / (float(np.linalg.norm(query)) or 1.0))
        if access is not None:
            allowed = np.isin(self.access, list(access))
            scores = np.where(allowed, scores, -np.inf)
            n = min(n, int(allowed.sum()))
        n = min(n, len(self.ids))
        if n <= 0:
            return []
        top = np.argpartition(-scores, n - 1)[:n] if n < len(scores) else np.arange(len(scores))
        top = top[np.lexsort((top, -scores[top]))]
        return [(self.ids[i], self.paragraph_ids[i], float(scores[i]), self.metadatas[i]) for i in top]
