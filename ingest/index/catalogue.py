"""The SQLite catalogue: papers, paragraphs and chunk ids. It is the source of
truth of the index: a vector or a lexical row counts only when the catalogue
lists its paragraph, so a paper is never half-present to readers.

Every committed write bumps the `generation` setting, which is how readers in
this and other processes know that what they hold is stale.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.dates import date_bounds
from ingest.errors import IndexUnreadableError, ReadOnlyIndexError
from ingest.index.filters import Filters
from ingest.index.schema import FILE_NAME, SCHEMA, migrate
from ingest.types import Chunk, Paper, PaperMeta, Paragraph

SQL_BATCH = 500
"""Ids per `IN (…)` query, well under SQLite's variable limit."""


_PARA_COLUMNS = 'p.id, p.doc_id, p.number, p.text, p.start, p."end", p.kind, p.heading, p.page, p.item'


@dataclass(frozen=True)
class StoredDocument:
    """A catalogue row, without the full text."""

    doc_id: str
    path: str
    content_hash: str
    meta: PaperMeta
    ingested_at: float
    paragraphs: int


class Catalogue:
    """Papers, paragraphs and chunk ids in one SQLite file (WAL mode, so readers
    in other processes never block on a writer)."""

    def __init__(self, folder: Path, *, read_only: bool = False) -> None:
        self.path = Path(folder) / FILE_NAME
        self.read_only = read_only
        self._lock = threading.RLock()
        try:
            self._db = self._connect()
        except sqlite3.DatabaseError as exc:
            raise IndexUnreadableError(
                f"the catalogue {self.path} cannot be read ({exc}); rebuild the index from the papers with: "
                "python -m ingest --rebuild"
            ) from exc

    def _connect(self) -> sqlite3.Connection:
        if self.read_only:
            # A read-only folder cannot hold SQLite's shared-memory file, so the
            # catalogue is read as an immutable snapshot.
            uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
            db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            db.execute("SELECT COUNT(*) FROM documents").fetchone()
            return db
        db = sqlite3.connect(self.path, check_same_thread=False, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        db.executescript(SCHEMA)
        migrate(db)
        db.execute("SELECT COUNT(*) FROM documents").fetchone()
        return db

    # ------------------------------------------------------------- settings
    def setting(self, key: str) -> str | None:
        row = self._query("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def generation(self) -> int:
        return int(self.setting("generation") or 0)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed change, visible to readers all at once, with the
        generation bumped inside it."""
        if self.read_only:
            raise ReadOnlyIndexError(f"the index {self.path.parent} is open read-only; nothing was written")
        with self._lock, self._db:
            yield self._db
            self._db.execute(
                "INSERT OR REPLACE INTO settings(key, value) VALUES ('generation', ?)", (str(self.generation() + 1),)
            )

    @staticmethod
    def set_setting(db: sqlite3.Connection, key: str, value: str) -> None:
        db.execute("INSERT OR REPLACE INTO settings(key, value) VALUES (?, ?)", (key, value))

    # ---------------------------------------------------------------- reads
    def _query(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, args)

    def count(self, table: str) -> int:
        return int(self._query(f"SELECT COUNT(*) FROM {_table(table)}").fetchone()[0])

    def any_rows(self, table: str) -> bool:
        """Whether `table` has a row: what a query needs to know, at a constant
        cost where COUNT(*) reads every row of a large library."""
        return bool(self._query(f"SELECT EXISTS(SELECT 1 FROM {_table(table)})").fetchone()[0])

    def last_ingested(self) -> float | None:
        row = self._query("SELECT MAX(ingested_at) FROM documents").fetchone()
        return float(row[0]) if row and row[0] is not None else None

    def documents(self) -> list[StoredDocument]:
        rows = self._query(
            "SELECT d.doc_id, d.path, d.content_hash, d.title, d.doc_type, d.council, d.body, d.date,"
            " d.origin, d.ingested_at, (SELECT COUNT(*) FROM paragraphs p WHERE p.doc_id = d.doc_id), d.access"
            " FROM documents d ORDER BY d.doc_id"
        ).fetchall()
        return [
            StoredDocument(
                doc_id=r[0], path=r[1], content_hash=r[2],
                meta=PaperMeta(title=r[3], doc_type=r[4], council=r[5], body=r[6], date=r[7], origin=json.loads(r[8]),
                              access=r[11]),
                ingested_at=r[9], paragraphs=r[10],
            )
            for r in rows
        ]

    def hashes(self) -> dict[str, str]:
        """doc_id → content hash of every stored paper."""
        return dict(self._query("SELECT doc_id, content_hash FROM documents").fetchall())

    def paper_text(self, doc_id: str) -> str | None:
        row = self._query("SELECT text FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return row[0] if row else None

    def stored_paper(self, doc_id: str) -> Paper | None:
        """A stored paper as ingestion built it, for re-embedding it without the file."""
        row = self._query(
            "SELECT doc_id, path, content_hash, title, doc_type, council, body, date, origin, text"
            " FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        if row is None:
            return None
        meta = PaperMeta(title=row[3], doc_type=row[4], council=row[5], body=row[6], date=row[7],
                         origin=json.loads(row[8]))
        return Paper(doc_id=row[0], path=row[1], content_hash=row[2], meta=meta, text=row[9],
                     paragraphs=self.paragraphs_of(doc_id))

    def doc_of_chunks(self, chunk_ids: Iterable[str]) -> set[str]:
        """The papers the given chunks belong to."""
        out: set[str] = set()
        for batch in _batches(list(chunk_ids)):
            rows = self._query(f"SELECT DISTINCT doc_id FROM chunks WHERE id IN ({','.join('?' * len(batch))})", batch)
            out.update(r[0] for r in rows)
        return out

    def paragraphs_of(self, doc_id: str) -> list[Paragraph]:
        rows = self._query(
            f"SELECT {_PARA_COLUMNS} FROM paragraphs p WHERE p.doc_id = ? ORDER BY p.number", (doc_id,)
        ).fetchall()
        return [_paragraph(r) for r in rows]

    def paragraphs_by_id(self, ids: Iterable[str]) -> dict[str, Paragraph]:
        out: dict[str, Paragraph] = {}
        for batch in _batches(list(dict.fromkeys(ids))):
            rows = self._query(
                f"SELECT {_PARA_COLUMNS} FROM paragraphs p WHERE p.id IN ({','.join('?' * len(batch))})", batch
            ).fetchall()
            out.update((r[0], _paragraph(r)) for r in rows)
        return out

    def chunk_ids(self, doc_id: str | None = None) -> set[str]:
        if doc_id is None:
            return {r[0] for r in self._query("SELECT id FROM chunks")}
        return {r[0] for r in self._query("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))}

    def chunk_references(self) -> dict[str, list[str]]:
        """chunk id → the paragraph ids it covers."""
        return {r[0]: r[1].split(",") for r in self._query("SELECT id, paragraph_ids FROM chunks")}

    def chunks_of_papers(self, doc_ids: Iterable[str]) -> list[tuple[str, str, str]]:
        """(paper id, chunk id, comma-joined paragraph ids) of every chunk of the given papers."""
        out: list[tuple[str, str, str]] = []
        for batch in _batches(list(dict.fromkeys(doc_ids))):
            rows = self._query(
                f"SELECT doc_id, id, paragraph_ids FROM chunks WHERE doc_id IN ({','.join('?' * len(batch))})"
                " ORDER BY doc_id, id", batch
            )
            out.extend((r[0], r[1], r[2]) for r in rows)
        return out

    def paragraph_ids(self) -> set[str]:
        return {r[0] for r in self._query("SELECT id FROM paragraphs")}

    def chunk_paragraphs(self, ids: Sequence[str]) -> dict[str, str]:
        """Chunk id -> comma-joined ids of the paragraphs it covers, for the chunks
        among `ids` that the catalogue lists."""
        covers: dict[str, str] = {}
        for batch in _batches(list(ids)):
            rows = self._query(f"SELECT id, paragraph_ids FROM chunks WHERE id IN ({','.join('?' * len(batch))})",
                               batch)
            covers.update((r[0], r[1]) for r in rows)
        return covers

    def lexical_rows(self) -> tuple[list[str], list[str]]:
        """(paragraph ids, texts) for the lexical index, in a stable order: every
        non-heading paragraph, with its heading for context. The paper's title,
        council and body are fields, matched as fields (`qa_app.fields`): repeated
        into every paragraph, they would make every paragraph of the paper match
        a question that names it, and the shortest win."""
        rows = self._query(
            "SELECT p.id, p.heading, p.text FROM paragraphs p WHERE p.kind != 'heading' ORDER BY p.doc_id, p.number"
        ).fetchall()
        return [r[0] for r in rows], [" ".join(x for x in (r[1], r[2]) if x) for r in rows]

    def admitted_chunks(self, filters: Filters, limit: int) -> list[tuple[str, str]]:
        """(chunk id, comma-joined paragraph ids) of the chunks `filters` admit,
        at most `limit` of them (the caller asks for one more than it will use)."""
        clause, args = filters.sql()
        rows = self._query(
            f"SELECT c.id, c.paragraph_ids FROM chunks c JOIN documents d USING (doc_id) WHERE {clause} LIMIT ?",
            [*args, limit],
        )
        return [(r[0], r[1]) for r in rows]

    def filtered_paragraph_ids(self, filters: Filters) -> set[str]:
        clause, args = filters.sql()
        rows = self._query(f"SELECT p.id FROM paragraphs p JOIN documents d USING (doc_id) WHERE {clause}", args)
        return {r[0] for r in rows}

    # --------------------------------------------------------------- writes
    def put_paper(self, db: sqlite3.Connection, paper: Paper, chunks: Sequence[Chunk]) -> None:
        """Replace one paper's rows (inside `transaction()`)."""
        meta = paper.meta
        start, end = date_bounds(meta.date)
        db.execute("DELETE FROM documents WHERE doc_id = ?", (paper.doc_id,))
        db.execute(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                paper.doc_id, paper.path, paper.content_hash, meta.title, meta.doc_type, meta.council,
                meta.body, meta.date, start, end, json.dumps(meta.origin), paper.text, time.time(), meta.access,
            ),
        )
        db.executemany(
            'INSERT INTO paragraphs (id, doc_id, number, text, start, "end", kind, heading, page, item)'
            " VALUES (?,?,?,?,?,?,?,?,?,?)",
            [
                (p.id, p.doc_id, p.number, p.text, p.start, p.end, p.kind, p.heading, p.page, p.item)
                for p in paper.paragraphs
            ],
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?,?,?)", [(c.id, paper.doc_id, ",".join(c.paragraph_ids)) for c in chunks]
        )

    # ---------------------------------------------------------------- access
    def access_levels(self) -> dict[str, str]:
        """doc_id → access level of every stored paper."""
        return dict(self._query("SELECT doc_id, access FROM documents").fetchall())

    def has_short_papers(self, max_chunks: int) -> bool:
        """Is any paper of at most `max_chunks` chunks listed?"""
        return bool(self._query(
            "SELECT 1 FROM chunks GROUP BY doc_id HAVING COUNT(*) <= ? LIMIT 1", (max_chunks,)).fetchall())

    def short_papers(self, max_chunks: int) -> set[str]:
        """The papers of at most `max_chunks` chunks."""
        rows = self._query("SELECT doc_id FROM chunks GROUP BY doc_id HAVING COUNT(*) <= ?", (max_chunks,))
        return {r[0] for r in rows}

    def known_papers(self, doc_ids: Sequence[str], levels: Sequence[str] | None = None) -> set[str]:
        """The papers among `doc_ids` that the catalogue lists (with one of `levels`, if given)."""
        known: set[str] = set()
        for batch in _batches(list(doc_ids)):
            clause, args = f"doc_id IN ({','.join('?' * len(batch))})", list(batch)
            if levels is not None:
                marks = ",".join("?" * len(levels)) or "''"
                clause += f" AND access IN ({marks})"
                args += list(levels)
            known.update(r[0] for r in self._query(f"SELECT doc_id FROM documents WHERE {clause}", args))
        return known

    def readable_chunks(self, ids: Sequence[str], levels: Sequence[str]) -> set[str]:
        """The chunks among `ids` whose paper has one of `levels`."""
        readable: set[str] = set()
        marks = ",".join("?" * len(levels)) or "''"
        for batch in _batches(list(ids)):
            rows = self._query(
                "SELECT c.id FROM chunks c JOIN documents d USING (doc_id)"
                f" WHERE c.id IN ({','.join('?' * len(batch))}) AND d.access IN ({marks})", [*batch, *levels],
            )
            readable.update(r[0] for r in rows)
        return readable

    @staticmethod
    def set_access(db: sqlite3.Connection, doc_id: str, level: str) -> bool:
        """Change one paper's level (inside `transaction()`); False when no such paper."""
        return db.execute("UPDATE documents SET access = ? WHERE doc_id = ?", (level, doc_id)).rowcount > 0

    @staticmethod
    def drop_paper(db: sqlite3.Connection, doc_id: str) -> None:
        db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    @staticmethod
    def clear(db: sqlite3.Connection) -> None:
        for table in ("chunks", "paragraphs", "documents"):
            db.execute(f"DELETE FROM {table}")
        db.execute("DELETE FROM settings WHERE key != 'generation'")

    def close(self) -> None:
        self._db.close()


def _batches(ids: list[str]) -> Iterator[list[str]]:
    for start in range(0, len(ids), SQL_BATCH):
        yield ids[start : start + SQL_BATCH]


def _paragraph(row: Sequence[Any]) -> Paragraph:
    return Paragraph(
        id=row[0], doc_id=row[1], number=row[2], text=row[3], start=row[4], end=row[5],
        kind=row[6], heading=row[7], page=row[8], item=row[9],
    )


def _table(name: str) -> str:
    """`name` if it is one of the catalogue's counted tables (it is put into SQL)."""
    if name not in ("documents", "paragraphs", "chunks"):
        raise ValueError(f"no such table: {name}")
    return name
