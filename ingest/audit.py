"""Who did what, when: an append-only JSON Lines log next to the store (`audit.jsonl`).

Each record is one line written by a single `write` on a file opened with
O_APPEND (and under an exclusive lock where the system has one), so lines from
several processes never interleave and a reader always sees whole records.
Questions are left out unless `COUNCIL_LOG_QUESTIONS` is on: what councillors
ask can be sensitive, and the sidebar says when it is recorded.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ingest.config import load_access_settings
from ingest.errors import CouncilPapersError
from ingest.jsonl import read_jsonl
from ingest.report import IngestReport

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

FILENAME = "audit.jsonl"
EVENTS = (
    "sign_in", "sign_in_failed", "sign_out",
    "upload", "ingest", "delete",
    "access_change", "user_added", "user_removed", "password_changed",
    "question",
)
_FIELDS = ("at", "event", "actor", "papers")


class AuditError(CouncilPapersError):
    """An audit record could not be written or read."""


def utc_now() -> str:
    """The time as audit and account records store it: UTC, ISO 8601, seconds."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def questions_logged() -> bool:
    """Whether questions go to the audit log (`COUNCIL_LOG_QUESTIONS`), so the
    sidebar can tell users."""
    return load_access_settings().log_questions


@dataclass(frozen=True)
class AuditEvent:
    """One line of the log."""

    event: str
    actor: str | None = None
    papers: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
    at: str = field(default_factory=utc_now)

    def __post_init__(self) -> None:
        if self.event not in EVENTS:
            raise AuditError(f"audit event must be one of {', '.join(EVENTS)}; got {self.event!r}")
        clashing = sorted(set(self.detail) & set(_FIELDS))
        if clashing:
            raise AuditError(f"audit detail cannot use the reserved keys {', '.join(clashing)}")

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "event": self.event, "actor": self.actor, "papers": list(self.papers), **self.detail}

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> AuditEvent:
        rest = {k: v for k, v in record.items() if k not in _FIELDS}
        return cls(str(record.get("event")), record.get("actor"), tuple(record.get("papers") or ()), rest,
                   str(record.get("at", "")))


class AuditLog:
    """Appends events to one file; safe to share between threads and processes."""

    def __init__(self, path: Path, *, log_questions: bool | None = None) -> None:
        self.path = Path(path)
        self._log_questions = log_questions

    @classmethod
    def for_store(cls, store_dir: Path, *, log_questions: bool | None = None) -> AuditLog:
        return cls(Path(store_dir) / FILENAME, log_questions=log_questions)

    @property
    def logs_questions(self) -> bool:
        return questions_logged() if self._log_questions is None else self._log_questions

    def record(self, event: str, *, actor: str | None = None, papers: Iterable[str] = (), **detail: Any) -> AuditEvent:
        """Append one event and return it."""
        entry = AuditEvent(event, actor, tuple(papers), detail)
        self.append(entry)
        return entry

    def question(self, question: str, *, actor: str | None = None, papers: Iterable[str] = ()) -> AuditEvent | None:
        """Record a question (and the papers cited) only when configured to."""
        if not self.logs_questions:
            return None
        return self.record("question", actor=actor, papers=papers, question=question)

    def append(self, entry: AuditEvent) -> None:
        try:
            line = (json.dumps(entry.to_json(), ensure_ascii=False, sort_keys=False) + "\n").encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise AuditError(f"audit event {entry.event!r} has a detail that is not JSON: {exc}") from exc
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)
                written = os.write(fd, line)
            finally:
                os.close(fd)  # closing releases the lock
        except OSError as exc:
            raise AuditError(f"cannot write the audit log {self.path}: {exc.strerror}") from exc
        if written != len(line):
            raise AuditError(f"audit log {self.path}: short write ({written} of {len(line)} bytes); disk full?")
        logger.debug("audit %s by %s", entry.event, entry.actor)

    def read(self) -> Iterator[AuditEvent]:
        """Every event in order; a damaged line is an error naming it."""
        if not self.path.exists():
            return
        for number, record in read_jsonl(self.path):
            if isinstance(record, str):
                raise AuditError(f"{self.path}:{number}: {record}")
            try:
                yield AuditEvent.from_json(record)
            except AuditError as exc:
                raise AuditError(f"{self.path}:{number}: {exc}") from exc


def cli_actor() -> str:
    """Who ran a command-line tool, for the audit log."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def record_report(log: AuditLog, report: IngestReport, *, actor: str | None, via: str) -> list[AuditEvent]:
    """The audit events of one ingestion run: uploads, the ingestion itself,
    deletions and access changes, each naming its papers."""
    events: list[AuditEvent] = []
    if report.uploaded:
        events.append(log.record("upload", actor=actor, papers=report.uploaded, via=via))
    landed = [*report.added, *report.updated]
    if landed or report.failed:
        events.append(log.record("ingest", actor=actor, papers=landed, via=via, added=len(report.added),
                                 updated=len(report.updated), failed=[f.path for f in report.failed]))
    if report.removed:
        events.append(log.record("delete", actor=actor, papers=report.removed, via=via))
    for doc_id, level in report.access_changed.items():
        events.append(log.record("access_change", actor=actor, papers=[doc_id], level=level, via=via))
    return events
