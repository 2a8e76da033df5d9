"""The library's store: a SQLite catalogue of papers and paragraphs, the Chroma
collection of chunk vectors, and the BM25 index over paragraphs.

This module alone talks to Chroma; ingestion writes through it and retrieval
reads through it. The catalogue is the source of truth: a chunk in Chroma counts
only when the catalogue lists it, so a paper is never half-present, and every
run sweeps out vectors the catalogue does not know (left by a killed run).
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ingest.errors import StoreMismatchError
from ingest.dates import date_bounds
from ingest.types import Chunk, Paper, PaperMeta, Paragraph

logger = logging.getLogger(__name__)

COLLECTION = "council_papers"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, content_hash TEXT NOT NULL,
    title TEXT NOT NULL, doc_type TEXT NOT NULL, council TEXT, body TEXT, date TEXT,
    date_start INTEGER NOT NULL, date_end INTEGER NOT NULL, origin TEXT NOT NULL,
    text TEXT NOT NULL, ingested_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS paragraphs (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    number INTEGER NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    kind TEXT NOT NULL, heading TEXT, page INTEGER
);
CREATE INDEX IF NOT EXISTS paragraphs_doc ON paragraphs(doc_id, number);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    paragraph_ids TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
"""


@dataclass(frozen=True)
class StoredDocument:
    """A catalogue row, without the full text."""

    doc_id: str
    path: str
    content_hash: str
    meta: PaperMeta
    ingested_at: float
    paragraphs: int


@dataclass(frozen=True)
class Filters:
    """Restrict retrieval to some papers. Applied inside the stores (Chroma's
    `where`, the BM25 weight mask), never after top-k. Dates are `yyyymmdd` ints;
    a paper matches when its date range overlaps [date_from, date_to]."""

    doc_types: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    date_from: int | None = None
    date_to: int | None = None

    def is_empty(self) -> bool:
        return not (self.doc_types or self.bodies or self.doc_ids or self.date_from or self.date_to)

    def chroma_where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        for field, values in (("doc_type", self.doc_types), ("body", self.bodies), ("doc_id", self.doc_ids)):
            if values:
                clauses.append({field: {"$in": list(values)}})
        if self.date_from:
            clauses.append({"date_end": {"$gte": self.date_from}})
        if self.date_to:
            clauses.append({"date_start": {"$lte": self.date_to}})
            clauses.append({"date_start": {"$gt": 0}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}

    def sql(self) -> tuple[str, list[Any]]:
        """A WHERE clause over `documents d` with its parameters."""
        parts: list[str] = []
        args: list[Any] = []
        for column, values in (("d.doc_type", self.doc_types), ("d.body", self.bodies), ("d.doc_id", self.doc_ids)):
            if values:
                parts.append(f"{column} IN ({','.join('?' * len(values))})")
                args.extend(values)
        if self.date_from:
            parts.append("d.date_end >= ?")
            args.append(self.date_from)
        if self.date_to:
            parts.append("d.date_start <= ? AND d.date_start > 0")
            args.append(self.date_to)
        return (" AND ".join(parts) or "1=1"), args


class PaperStore:
    """Catalogue + vectors + lexical index in one place.

    `store_dir` holds the catalogue (`catalogue.sqlite`), the BM25 index and, unless
    `chroma_host` is set, the persistent Chroma directory.
    """

    def __init__(
        self,
        store_dir: Path,
        *,
        chroma_host: str | None = None,
        chroma_port: int = 8000,
        embedder_name: str,
        chunking: str,
    ) -> None:
        self.store_dir = Path(store_dir)
        self.chroma_host = chroma_host
        self.chroma_port = chroma_port
        self.embedder_name = embedder_name
        self.chunking = chunking
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.store_dir / "catalogue.sqlite", check_same_thread=False, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(_SCHEMA)
        self._db_lock = threading.RLock()
        self._collection: Any = None
        self._lexical: Any = None

    # ----------------------------------------------------------------- Chroma
    @property
    def collection(self) -> Any:
        if self._collection is None:
            self._collection = self._open_collection()
        return self._collection

    def _client(self) -> Any:
        import chromadb
        from chromadb.config import Settings

        settings = Settings(anonymized_telemetry=False)
        if self.chroma_host:
            logger.info("using Chroma server at %s:%s", self.chroma_host, self.chroma_port)
            return chromadb.HttpClient(host=self.chroma_host, port=self.chroma_port, settings=settings)
        return chromadb.PersistentClient(path=str(self.store_dir / "chroma"), settings=settings)

    def _open_collection(self) -> Any:
        client = self._client()
        metadata = {"hnsw:space": "cosine", "embedder": self.embedder_name, "chunking": self.chunking}
        # No embedding function: vectors always come from our Embedder, so Chroma
        # can never fall back to downloading its default model.
        return client.get_or_create_collection(COLLECTION, metadata=metadata, embedding_function=None)

    # ------------------------------------------------------------- settings
    def _setting(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def _set_setting(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, value))

    def check_compatible(self) -> None:
        """Raise `StoreMismatchError` when the index was built with other embedding
        or chunking settings than the ones in force now."""
        built = {"embedder": self._setting("embedder"), "chunking": self._setting("chunking")}
        wanted = {"embedder": self.embedder_name, "chunking": self.chunking}
        for key, value in built.items():
            if value is not None and value != wanted[key] and self.document_count() > 0:
                raise StoreMismatchError(
                    f"the index in {self.store_dir} was built with {key} '{value}', but the current "
                    f"settings use '{wanted[key]}'; rebuild it with: python -m ingest --rebuild"
                )
        meta = self.collection.metadata or {}
        for key in ("embedder", "chunking"):
            if meta.get(key) and meta.get(key) != wanted[key] and self.document_count() > 0:
                raise StoreMismatchError(
                    f"the Chroma collection was built with {key} '{meta.get(key)}', but the current "
                    f"settings use '{wanted[key]}'; rebuild it with: python -m ingest --rebuild"
                )

    def reset(self) -> None:
        """Drop everything (for `--rebuild`)."""
        client = self._client()
        try:
            client.delete_collection(COLLECTION)
        except Exception:  # noqa: BLE001 - absent collection raises a version-specific type
            logger.debug("no collection to delete")
        self._collection = None
        with self._db_lock, self._db:
            self._db.execute("DELETE FROM chunks")
            self._db.execute("DELETE FROM paragraphs")
            self._db.execute("DELETE FROM documents")
            self._db.execute("DELETE FROM settings")
        self._lexical = None
        self._bump_generation()

    # ------------------------------------------------------------ catalogue
    def document_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM documents").fetchone()[0])

    def paragraph_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM paragraphs").fetchone()[0])

    def chunk_count(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def last_ingested(self) -> float | None:
        row = self._db.execute("SELECT MAX(ingested_at) FROM documents").fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def documents(self) -> list[StoredDocument]:
        rows = self._db.execute(
            "SELECT d.doc_id, d.path, d.content_hash, d.title, d.doc_type, d.council, d.body, d.date,"
            " d.origin, d.ingested_at, (SELECT COUNT(*) FROM paragraphs p WHERE p.doc_id = d.doc_id)"
            " FROM documents d ORDER BY d.doc_id"
        ).fetchall()
        return [
            StoredDocument(
                doc_id=r[0], path=r[1], content_hash=r[2],
                meta=PaperMeta(title=r[3], doc_type=r[4], council=r[5], body=r[6], date=r[7], origin=json.loads(r[8])),
                ingested_at=r[9], paragraphs=r[10],
            )
            for r in rows
        ]

    def hashes(self) -> dict[str, str]:
        """doc_id → content hash of every stored paper."""
        return dict(self._db.execute("SELECT doc_id, content_hash FROM documents").fetchall())

    def paper_text(self, doc_id: str) -> str | None:
        row = self._db.execute("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def paragraphs_of(self, doc_id: str) -> list[Paragraph]:
        rows = self._db.execute(
            f"SELECT {_PARA_COLUMNS} FROM paragraphs p WHERE p.doc_id = ? ORDER BY p.number", (doc_id,)
        ).fetchall()
        return [_paragraph(r) for r in rows]

    def paragraphs_by_id(self, ids: Iterable[str]) -> dict[str, Paragraph]:
        wanted = list(dict.fromkeys(ids))
        out: dict[str, Paragraph] = {}
        for start in range(0, len(wanted), 500):
            batch = wanted[start : start + 500]
            rows = self._db.execute(
                f"SELECT {_PARA_COLUMNS} FROM paragraphs p WHERE p.id IN ({','.join('?' * len(batch))})", batch
            ).fetchall()
            out.update((r[0], _paragraph(r)) for r in rows)
        return out

    def document_meta(self, doc_ids: Iterable[str]) -> dict[str, StoredDocument]:
        wanted = set(doc_ids)
        return {d.doc_id: d for d in self.documents() if d.doc_id in wanted}

    # --------------------------------------------------------------- writes
    def write_paper(self, paper: Paper, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Replace one paper atomically as far as readers can tell: new vectors go
        in first (invisible until the catalogue lists them), then the catalogue
        commits in one transaction, then stale vectors are deleted."""
        if len(chunks) != len(vectors):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors for {paper.path}")
        meta = paper.meta
        start, end = date_bounds(meta.date)
        if chunks:
            self.collection.upsert(
                ids=[c.id for c in chunks],
                embeddings=np.asarray(vectors, dtype=np.float32),
                documents=[c.text for c in chunks],
                metadatas=[
                    {
                        "doc_id": paper.doc_id, "paragraph_ids": ",".join(c.paragraph_ids),
                        "doc_type": meta.doc_type, "body": meta.body or "", "council": meta.council or "",
                        "date_start": start, "date_end": end,
                    }
                    for c in chunks
                ],
            )
        old_chunk_ids = {r[0] for r in self._db.execute("SELECT id FROM chunks WHERE doc_id = ?", (paper.doc_id,))}
        with self._db_lock, self._db:
            self._db.execute("DELETE FROM documents WHERE doc_id = ?", (paper.doc_id,))
            self._db.execute(
                "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    paper.doc_id, paper.path, paper.content_hash, meta.title, meta.doc_type, meta.council,
                    meta.body, meta.date, start, end, json.dumps(meta.origin), paper.text, time.time(),
                ),
            )
            self._db.executemany(
                'INSERT INTO paragraphs (id, doc_id, number, text, start, "end", kind, heading, page)'
                " VALUES (?,?,?,?,?,?,?,?,?)",
                [
                    (p.id, p.doc_id, p.number, p.text, p.start, p.end, p.kind, p.heading, p.page)
                    for p in paper.paragraphs
                ],
            )
            self._db.executemany(
                "INSERT INTO chunks VALUES (?,?,?)", [(c.id, paper.doc_id, ",".join(c.paragraph_ids)) for c in chunks]
            )
            self._set_setting("embedder", self.embedder_name)
            self._set_setting("chunking", self.chunking)
            self._bump_generation()
        stale = sorted(old_chunk_ids - {c.id for c in chunks})
        if stale:
            self.collection.delete(ids=stale)

    def delete_paper(self, doc_id: str) -> None:
        """Catalogue first (the paper vanishes for readers at once), vectors after."""
        chunk_ids = [r[0] for r in self._db.execute("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))]
        with self._db_lock, self._db:
            self._db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self._bump_generation()
        for start in range(0, len(chunk_ids), 1000):
            self.collection.delete(ids=chunk_ids[start : start + 1000])

    def sweep_orphans(self) -> int:
        """Delete vectors the catalogue does not list (what a killed run leaves)."""
        known = {r[0] for r in self._db.execute("SELECT id FROM chunks")}
        present = set(self.collection.get(include=[])["ids"])
        orphans = sorted(present - known)
        for start in range(0, len(orphans), 1000):
            self.collection.delete(ids=orphans[start : start + 1000])
        if orphans:
            logger.info("removed %d orphaned vectors", len(orphans))
        return len(orphans)

    def generation(self) -> int:
        return int(self._setting("generation") or 0)

    def _bump_generation(self) -> None:
        self._set_setting("generation", str(self.generation() + 1))

    # ---------------------------------------------------------------- reads
    def query_dense(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Paragraph ids ranked by cosine similarity of their best chunk, with
        filters applied inside Chroma. Chunks the catalogue does not list are
        ignored."""
        if self.chunk_count() == 0:
            return []
        where = filters.chroma_where() if filters else None
        result = self.collection.query(
            query_embeddings=[np.asarray(vector, dtype=np.float32)],
            n_results=max(1, k),
            where=where,
            include=["metadatas", "distances"],
        )
        ids: list[str] = result["ids"][0]
        known = self._known_chunks(ids)
        scores: dict[str, float] = {}
        for chunk_id, meta, distance in zip(ids, result["metadatas"][0], result["distances"][0], strict=True):
            if chunk_id not in known:
                continue
            for pid in str(meta["paragraph_ids"]).split(","):
                scores.setdefault(pid, 1.0 - float(distance))
        return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)

    def _known_chunks(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        rows = self._db.execute(f"SELECT id FROM chunks WHERE id IN ({','.join('?' * len(ids))})", list(ids))
        return {r[0] for r in rows}

    def lexical_corpus(self) -> tuple[list[str], list[str]]:
        """(paragraph ids, texts) that the BM25 index covers, in a stable order:
        every non-heading paragraph, with its heading and title for context."""
        rows = self._db.execute(
            "SELECT p.id, d.title, p.heading, p.text FROM paragraphs p JOIN documents d USING (doc_id)"
            " WHERE p.kind != 'heading' ORDER BY p.doc_id, p.number"
        ).fetchall()
        return [r[0] for r in rows], [" ".join(x for x in (r[1], r[2], r[3]) if x) for r in rows]

    def filtered_paragraph_ids(self, filters: Filters) -> set[str]:
        clause, args = filters.sql()
        rows = self._db.execute(
            f"SELECT p.id FROM paragraphs p JOIN documents d USING (doc_id) WHERE {clause}", args
        )
        return {r[0] for r in rows}

    def close(self) -> None:
        self._db.close()


_PARA_COLUMNS = 'p.id, p.doc_id, p.number, p.text, p.start, p."end", p.kind, p.heading, p.page'


def _paragraph(row: Sequence[Any]) -> Paragraph:
    return Paragraph(
        id=row[0], doc_id=row[1], number=row[2], text=row[3], start=row[4], end=row[5],
        kind=row[6], heading=row[7], page=row[8],
    )
