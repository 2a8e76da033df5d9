"""The audit trail: whole JSON lines, from any number of processes, and no
questions unless configured."""

from __future__ import annotations

import json
import multiprocessing
import stat
import sys
import types
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from ingest.audit import AuditError, AuditEvent, AuditLog, questions_logged


def test_events_are_appended_as_parseable_lines(tmp_path: Path) -> None:
    log = AuditLog.for_store(tmp_path / "store")
    log.record("upload", actor="olive", papers=["minutes/2026-10-01.pdf"], bytes=1234)
    log.record("ingest", actor="olive", papers=["minutes/2026-10-01.pdf", "motions/m12.docx"], new=2)
    log.record("access_change", actor="olive", papers=["motions/m12.docx"], level="group:cabinet",
               previous="public")
    log.record("delete", actor="olive", papers=["motions/m12.docx"])
    lines = (tmp_path / "store" / "audit.jsonl").read_text().splitlines()
    assert len(lines) == 4
    first = json.loads(lines[0])
    assert first["event"] == "upload" and first["actor"] == "olive" and first["bytes"] == 1234
    assert first["papers"] == ["minutes/2026-10-01.pdf"]
    assert datetime.fromisoformat(first["at"]).utcoffset().total_seconds() == 0  # type: ignore[union-attr]
    events = list(log.read())
    assert [e.event for e in events] == ["upload", "ingest", "access_change", "delete"]
    assert events[2].detail == {"level": "group:cabinet", "previous": "public"}
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600


def test_appending_never_rewrites_earlier_lines(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record("sign_in", actor="alice")
    before = log.path.read_bytes()
    log.record("sign_out", actor="alice")
    assert log.path.read_bytes().startswith(before)


@pytest.mark.parametrize(("call", "message"), [
    (lambda log: log.record("shred", actor="x"), "audit event must be one of"),
    (lambda log: log.record("upload", at="yesterday"), "reserved keys at"),
    (lambda log: log.record("upload", blob=object()), "not JSON"),
])
def test_bad_events_are_refused(tmp_path: Path, call: object, message: str) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    with pytest.raises(AuditError, match=message):
        call(log)  # type: ignore[operator]
    assert not log.path.exists()


def test_a_damaged_line_is_reported_by_number(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record("sign_in", actor="alice")
    with log.path.open("a") as out:
        out.write('{"event": "sign_in", "act\n')
    with pytest.raises(AuditError, match=r"audit.jsonl:2: not JSON"):
        list(log.read())


COUNT = 200


def _append_many(path: str, writer: int, count: int, start: Any) -> None:
    log = AuditLog(Path(path))
    papers = [f"papers/writer-{writer}/paper-{i:04d}.pdf" for i in range(300)]  # lines of ~10 kB
    start.wait()  # all writers begin together, so their appends overlap
    for n in range(count):
        log.record("ingest", actor=f"writer-{writer}", papers=papers, n=n)


def test_lines_from_several_processes_never_interleave(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A spawned child re-runs the parent's __main__; after an AppTest run that is
    # a deleted temporary app script, so the children get a bare one instead.
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    path = tmp_path / "audit.jsonl"
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    workers = [context.Process(target=_append_many, args=(str(path), w, COUNT, start)) for w in range(4)]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    records = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(records) == 4 * COUNT
    for writer in range(4):
        mine = [r["n"] for r in records if r["actor"] == f"writer-{writer}"]
        assert mine == list(range(COUNT))
        assert all(len(r["papers"]) == 300 for r in records)


def test_questions_are_not_logged_unless_configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COUNCIL_LOG_QUESTIONS", raising=False)
    log = AuditLog(tmp_path / "audit.jsonl")
    assert questions_logged() is False and log.logs_questions is False
    assert log.question("What did cabinet decide on parking?", actor="alice") is None
    assert not log.path.exists()

    monkeypatch.setenv("COUNCIL_LOG_QUESTIONS", "1")
    assert questions_logged() is True
    entry = log.question("What did cabinet decide on parking?", actor="alice", papers=["minutes/c1.pdf"])
    assert isinstance(entry, AuditEvent)
    assert [(e.event, e.detail["question"]) for e in log.read()] == [
        ("question", "What did cabinet decide on parking?")]


def test_the_setting_can_be_fixed_by_the_caller(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COUNCIL_LOG_QUESTIONS", "1")
    log = AuditLog(tmp_path / "audit.jsonl", log_questions=False)
    assert log.question("Anything?") is None and not log.path.exists()
