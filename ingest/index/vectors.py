"""Chunk vectors in Chroma, and one vector per paper (the mean of its chunks'):
an embedded folder by default, a `chroma run` server when configured. Only this
module talks to Chroma.

The collection never gets an embedding function: vectors always come from the
product's own embedder, so Chroma can never fall back to downloading a model.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ingest.dates import date_bounds
from ingest.index.filters import Filters
from ingest.types import Chunk, Paper, PaperMeta

logger = logging.getLogger(__name__)

COLLECTION = "council_papers"
PAPER_COLLECTION = "council_paper_means"
"""One vector per short paper, the normalised mean of its chunks' vectors: a
whole short paper is found by it as the LangChain-tutorial baseline finds it by
one 1,000-character chunk (docs/BENCHMARKS.md, "Short papers ranked by their
mean vector")."""
PAPER_MAX_CHUNKS = 8
"""Only a paper of at most this many chunks has a paper vector: the mean of a
long paper's vectors stands for no one thing in it (ranking every paper cost
SQuAD's articles 0.02 of their top 5). The known items and written answers gain
the same at 8 as at 16; at 16, three of the five seed papers have a mean, council
dev's retrieval moves and the refit it needs lost a council and a held decline."""
CHROMA_BATCH = 1000
"""Ids per Chroma delete call."""
OVERSAMPLE = 2
"""How much deeper an unfiltered search goes when only the reader's access level filters it."""
UPSERT_BATCH = 2000
"""Vectors per Chroma upsert call, under the client's maximum batch size."""
EF_SEARCH = 500
"""HNSW search depth. Chroma's default (100) is shallower than the deepest
search the retriever makes (up to 150 results), and so shallow a search
returned a different tail for the same query in another process (20k
paragraphs, 300 queries of 150 results: 155-160 of the 300 lists differed),
which made evaluations and refits of the answer models vary from run to run.
At 500 every list was the same in every process, at no measurable query cost
(docs/BENCHMARKS.md, "Vector search that gives the same results every run")."""

_CLIENT_LOCK = threading.RLock()
"""Chroma's embedded client is not safe to create from several threads at once:
simultaneous first sessions of the app once failed with "Could not connect to
tenant". Every client and collection is created, used and closed under this lock."""


class VectorIndex:
    """Two Chroma collections: chunk vectors with each chunk's paper metadata, and
    one mean vector per paper with the same paper metadata (so the same filters
    apply to both)."""

    def __init__(self, folder: Path, *, host: str | None = None, port: int = 8000, metadata: dict[str, str]) -> None:
        self.folder = Path(folder)
        self.host = host
        self.port = port
        self.metadata = metadata
        self._client_obj: Any = None
        self._collection: Any = None
        self._papers: Any = None
        self._papers_count = 0
        """Paper vectors when the collection was opened, kept by this process's
        writes; another process's writes reopen it (`reopen`). Counting costs a
        query of its own."""

    @property
    def collection(self) -> Any:
        """The chunk vectors."""
        with _CLIENT_LOCK:
            if self._collection is None:
                self._collection = self._open(COLLECTION)
            return self._collection

    @property
    def papers(self) -> Any:
        """The paper vectors, made when first written to."""
        with _CLIENT_LOCK:
            if self._papers is None:
                self._papers = self._open(PAPER_COLLECTION)
                self._papers_count = int(self._papers.count())
            return self._papers

    def _existing_papers(self) -> Any | None:
        """The paper vectors if the collection exists: a reader never makes it (a
        store built before paper vectors were kept has none until `python -m
        ingest` fills it from the chunk vectors)."""
        with _CLIENT_LOCK:
            if self._papers is None:
                try:
                    self._papers = self._connected().get_collection(PAPER_COLLECTION, embedding_function=None)
                except Exception:  # noqa: BLE001 - an absent collection raises a version-specific type
                    return None
                self._papers_count = int(self._papers.count())
            return self._papers

    def _connected(self) -> Any:
        """The open client, opened on first use (callers hold `_CLIENT_LOCK`)."""
        if self._client_obj is None:
            self._client_obj = self._client()
        return self._client_obj

    def _open(self, name: str) -> Any:
        # No embedding function: see the module docstring. The configuration
        # applies when the collection is made; `deepen_search` updates older ones.
        return self._connected().get_or_create_collection(
            name, metadata=dict(self.metadata), embedding_function=None,
            configuration={"hnsw": {"space": "cosine", "ef_search": EF_SEARCH}},
        )

    def reopen(self) -> None:
        """Forget the open client so the next call reads the folder afresh.

        An embedded client keeps the vector index it loaded in memory and never
        sees what another process wrote; closing it (the last client of the
        folder in this process) and opening a new one does. A server needs none of
        this, but the count of paper vectors kept here is read again."""
        if self.host:
            with _CLIENT_LOCK:
                self._papers = None
            return
        with _CLIENT_LOCK:
            if self._client_obj is not None:
                try:
                    self._client_obj.close()
                except Exception:  # noqa: BLE001 - closing a client that failed to open
                    logger.debug("closing the Chroma client failed", exc_info=True)
            self._client_obj = None
            self._collection = None
            self._papers = None
            self._papers_count = 0

    def _client(self) -> Any:
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        if self.host:
            logger.info("using Chroma server at %s:%s", self.host, self.port)
            return chromadb.HttpClient(host=self.host, port=self.port, settings=settings)
        return chromadb.PersistentClient(path=str(self.folder), settings=settings)

    def search_depth(self) -> int | None:
        """The collection's HNSW search depth (None for an index that is not HNSW)."""
        with _CLIENT_LOCK:
            hnsw = (self.collection.configuration_json or {}).get("hnsw") or {}
        depth = hnsw.get("ef_search")
        return int(depth) if depth is not None else None

    def deepen_search(self) -> None:
        """Raise the search depth of a collection made before `EF_SEARCH` was set
        (a writer's job: it changes the collection's configuration)."""
        depth = self.search_depth()
        if depth is not None and depth < EF_SEARCH:
            with _CLIENT_LOCK:
                self.collection.modify(configuration={"hnsw": {"ef_search": EF_SEARCH}})
            logger.info("vector search depth raised from %d to %d", depth, EF_SEARCH)

    def built_with(self) -> dict[str, Any]:
        """The settings the collection was created with."""
        return dict(self.collection.metadata or {})

    def upsert(
        self, ids: Sequence[str], vectors: np.ndarray, texts: Sequence[str], metas: list[dict[str, Any]]
    ) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        with _CLIENT_LOCK:
            for start in range(0, len(ids), UPSERT_BATCH):
                end = start + UPSERT_BATCH
                self.collection.upsert(
                    ids=list(ids[start:end]), embeddings=vectors[start:end], documents=list(texts[start:end]),
                    metadatas=metas[start:end],
                )

    def upsert_papers(self, doc_ids: Sequence[str], vectors: np.ndarray, metas: list[dict[str, Any]]) -> None:
        """Each paper's mean vector, keyed by its id."""
        vectors = np.asarray(vectors, dtype=np.float32)
        with _CLIENT_LOCK:
            for start in range(0, len(doc_ids), UPSERT_BATCH):
                end = start + UPSERT_BATCH
                self.papers.upsert(ids=list(doc_ids[start:end]), embeddings=vectors[start:end],
                                   metadatas=metas[start:end])
            self._papers_count = int(self.papers.count())

    def delete(self, ids: Sequence[str]) -> None:
        with _CLIENT_LOCK:
            for batch in _batches(sorted(ids)):
                self.collection.delete(ids=batch)

    def delete_papers(self, doc_ids: Sequence[str]) -> None:
        with _CLIENT_LOCK:
            papers = self._existing_papers()
            if papers is None:
                return
            for batch in _batches(sorted(doc_ids)):
                papers.delete(ids=batch)
            self._papers_count = int(papers.count())

    def set_metadata(self, ids: Sequence[str], values: dict[str, Any], *, papers: Sequence[str] = ()) -> None:
        """Change some metadata keys of existing chunks (and of these papers'
        vectors), leaving vectors and other keys as they are."""
        with _CLIENT_LOCK:
            for batch in _batches(sorted(ids)):
                self.collection.update(ids=batch, metadatas=[dict(values) for _ in batch])
            kept = self._existing_papers() if papers else None
            if kept is None:
                return
            present = set(kept.get(ids=sorted(papers), include=[])["ids"])
            for batch in _batches(sorted(present)):
                kept.update(ids=batch, metadatas=[dict(values) for _ in batch])

    def ids(self) -> set[str]:
        with _CLIENT_LOCK:
            return set(self.collection.get(include=[])["ids"])

    def paper_count(self) -> int:
        with _CLIENT_LOCK:
            return self._papers_count if self._existing_papers() is not None else 0

    def paper_ids(self) -> set[str]:
        with _CLIENT_LOCK:
            papers = self._existing_papers()
            return set(papers.get(include=[])["ids"]) if papers is not None else set()

    def vectors_of(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunks, read by id in pages."""
        out: dict[str, np.ndarray] = {}
        with _CLIENT_LOCK:
            for batch in _batches(list(chunk_ids)):
                got = self.collection.get(ids=batch, include=["embeddings"])
                out.update(zip(got["ids"], np.asarray(got["embeddings"], dtype=np.float32), strict=True))
        return out

    def count(self) -> int:
        with _CLIENT_LOCK:
            return int(self.collection.count())

    def query_papers(self, vector: np.ndarray, k: int, filters: Filters | None) -> list[tuple[str, float]]:
        """(paper id, cosine similarity of its mean vector), best first. Chroma
        applies every filter but the reader's access level, which the caller checks
        in the catalogue, so the search reads ids and distances alone (reading
        metadata tripled its time); with an access level it goes twice as deep."""
        with _CLIENT_LOCK:
            papers = self._existing_papers()
            if papers is None or not self._papers_count:
                return []
        open_filters = replace(filters, access=None) if filters is not None else None
        where = open_filters.chroma_where() if open_filters is not None else None
        n = min(max(1, k) * (OVERSAMPLE if filters is not None and filters.access is not None else 1),
                self._papers_count)
        with _CLIENT_LOCK:
            result = papers.query(query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=n,
                                  where=where, include=["distances"])
        return [(doc_id, 1.0 - float(d)) for doc_id, d in zip(result["ids"][0], result["distances"][0], strict=True)]

    def query(
        self, vector: np.ndarray, k: int, filters: Filters | None,
        readable: Callable[[list[str]], AbstractSet[str]] | None = None,
    ) -> Iterator[tuple[str, float]]:
        """(chunk id, cosine similarity), best first. The caller reads which
        paragraphs a chunk covers from the catalogue: asking Chroma for the chunks'
        metadata as well more than doubled a search at ~75k chunks (5.4-6.1 against 2.2-2.8 ms).

        A reader's access level alone is checked by `readable` (which of these
        chunks the reader may see) on an unfiltered search of twice the depth:
        Chroma's `where` first lists every chunk the clause admits, which cost 12
        times an unfiltered search at 14k chunks and grows with the library. When
        enough readable chunks come back they are exactly the best readable ones;
        when not (a library mostly closed to the reader), or with no `readable`,
        the filtered search runs."""
        n = max(1, k)
        access_only = filters is not None and filters.access is not None and replace(filters, access=None).is_empty()
        if access_only and readable is not None:
            rows = self._search(vector, n * OVERSAMPLE, None)
            admitted = readable([chunk_id for chunk_id, _ in rows])
            kept = [row for row in rows if row[0] in admitted]
            if len(kept) >= n:
                yield from kept[:n]
                return
        yield from self._search(vector, n, filters.chroma_where() if filters else None)

    def similarities(self, vector: np.ndarray, chunk_ids: Sequence[str]) -> dict[str, float]:
        """Exact cosine similarity of `vector` to each named chunk that has a
        vector: what a search over a few known papers needs, read by id instead
        of through a `where` clause."""
        stored = self.vectors_of(chunk_ids)
        if not stored:
            return {}
        matrix = np.stack(list(stored.values()))
        query = np.asarray(vector, dtype=np.float32)
        norms = np.linalg.norm(matrix, axis=1) * (float(np.linalg.norm(query)) or 1.0)
        scores = matrix @ query / np.where(norms > 0, norms, 1.0)
        return {chunk_id: float(score) for chunk_id, score in zip(stored, scores, strict=True)}

    def _search(self, vector: np.ndarray, n: int, where: dict[str, Any] | None) -> list[tuple[str, float]]:
        with _CLIENT_LOCK:
            result = self.collection.query(
                query_embeddings=[np.asarray(vector, dtype=np.float32)], n_results=n, where=where,
                include=["distances"],
            )
        return [(chunk_id, 1.0 - float(distance))
                for chunk_id, distance in zip(result["ids"][0], result["distances"][0], strict=True)]

    def reset(self) -> None:
        """Drop both collections (for `--rebuild`)."""
        with _CLIENT_LOCK:
            client = self._connected()
            for name in (COLLECTION, PAPER_COLLECTION):
                try:
                    client.delete_collection(name)
                except Exception:  # noqa: BLE001 - an absent collection raises a version-specific type
                    logger.debug("no collection %s to delete", name)
            self._collection = None
            self._papers = None
            self._papers_count = 0


def paper_metadata(doc_id: str, meta: PaperMeta) -> dict[str, str | int]:
    """What Chroma keeps beside a paper's vectors, for filtering inside the query."""
    start, end = date_bounds(meta.date)
    return {
        "doc_id": doc_id, "doc_type": meta.doc_type, "body": meta.body or "", "council": meta.council or "",
        "date_start": start, "date_end": end, "access": meta.access,
    }


def chunk_metadata(paper: Paper, chunk: Chunk) -> dict[str, str | int]:
    """A chunk's paper metadata, and the paragraphs it covers."""
    return {**paper_metadata(paper.doc_id, paper.meta), "paragraph_ids": ",".join(chunk.paragraph_ids)}


def mean_vector(vectors: np.ndarray) -> np.ndarray:
    """A paper's vector: the normalised mean of its chunks' vectors."""
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return mean / norm if norm > 0 else mean


def _batches(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), CHROMA_BATCH):
        yield ids[start : start + CHROMA_BATCH]
