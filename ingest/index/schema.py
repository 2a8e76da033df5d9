"""The catalogue's tables, how an older catalogue file is brought up to date,
and how an unreadable one is set aside for `--rebuild`."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

FILE_NAME = "catalogue.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, path TEXT NOT NULL, content_hash TEXT NOT NULL,
    title TEXT NOT NULL, doc_type TEXT NOT NULL, council TEXT, body TEXT, date TEXT,
    date_start INTEGER NOT NULL, date_end INTEGER NOT NULL, origin TEXT NOT NULL,
    text TEXT NOT NULL, ingested_at REAL NOT NULL, access TEXT NOT NULL DEFAULT 'public'
);
CREATE TABLE IF NOT EXISTS paragraphs (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    number INTEGER NOT NULL, text TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    kind TEXT NOT NULL, heading TEXT, page INTEGER, item TEXT
);
CREATE INDEX IF NOT EXISTS paragraphs_doc ON paragraphs(doc_id, number);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    paragraph_ids TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
"""


def migrate(db: sqlite3.Connection) -> None:
    """Add the columns a catalogue made by an older version lacks."""
    columns = {row[1] for row in db.execute("PRAGMA table_info(paragraphs)")}
    if "item" not in columns:
        db.execute("ALTER TABLE paragraphs ADD COLUMN item TEXT")
    columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
    if "access" not in columns:  # papers stored before access levels were public
        db.execute("ALTER TABLE documents ADD COLUMN access TEXT NOT NULL DEFAULT 'public'")


def set_aside(folder: Path) -> Path:
    """Move an unreadable catalogue (and its WAL files) out of the way, keeping
    it for inspection, so `--rebuild` can start a fresh one. Returns its new name."""
    path = Path(folder) / FILE_NAME
    kept = path.with_name(f"{FILE_NAME}.unreadable-{int(time.time())}")
    path.rename(kept)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return kept
