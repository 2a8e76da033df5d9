"""`python -m qa_app users …` end to end, with the real argon2 cost."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from ingest.audit import AuditLog
from qa_app.__main__ import main
from qa_app.accounts import Accounts

PASSWORD = "a long enough secret"


def run(argv: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> tuple[int, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue()


def test_add_list_passwd_groups_remove(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    store = ["--store", str(tmp_path / "index")]
    code, out = run(["users", "add", "Alice", "--group", "cabinet", "--group", "officers", "--password-stdin",
                     *store], monkeypatch, stdin=PASSWORD + "\n")
    assert (code, out) == (0, "added alice in cabinet, officers\n")
    accounts = Accounts(tmp_path / "index" / "accounts.json")
    assert accounts.verify("alice", PASSWORD) is not None

    code, out = run(["users", "list", *store], monkeypatch)
    assert code == 0 and out == "alice  cabinet, officers\n" and "argon2" not in out
    code, out = run(["users", "list", "--json", *store], monkeypatch)
    assert json.loads(out) == [{"name": "alice", "groups": ["cabinet", "officers"]}]

    answers = iter(["new password 1", "new password 1"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(["users", "passwd", "alice", *store], monkeypatch) == (0, "password changed for alice\n")
    assert accounts.verify("alice", "new password 1") is not None

    assert run(["users", "groups", "alice", "--group", "planning", *store], monkeypatch) == (
        0, "alice in planning\n")
    assert run(["users", "remove", "alice", *store], monkeypatch) == (0, "removed alice\n")
    assert accounts.verify("alice", "new password 1") is None
    code, out = run(["users", "list", *store], monkeypatch)
    assert out.startswith("no users in ")

    trail = [(e.event, e.detail.get("user")) for e in AuditLog.for_store(tmp_path / "index").read()]
    assert trail == [("user_added", "alice"), ("password_changed", "alice"), ("access_change", "alice"),
                     ("user_removed", "alice")]
    assert PASSWORD not in capsys.readouterr().err


def test_errors_exit_1_and_name_the_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    accounts_file = ["--accounts", str(tmp_path / "people.json")]
    assert run(["users", "remove", "zoe", *accounts_file], monkeypatch)[0] == 1
    assert "no user named 'zoe'" in capsys.readouterr().err
    assert run(["users", "add", "bob", "--group", "No Such!", "--password-stdin", *accounts_file], monkeypatch,
               stdin=PASSWORD)[0] == 1
    assert "'No Such!'" in capsys.readouterr().err
    assert run(["users", "add", "bob", "--password-stdin", *accounts_file], monkeypatch, stdin="short\n")[0] == 1
    err = capsys.readouterr().err
    assert "password must be" in err and "short" not in err.replace("password must be", "")

    answers = iter(["first password", "second password"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run(["users", "add", "bob", *accounts_file], monkeypatch)[0] == 1
    assert "the two passwords differ" in capsys.readouterr().err

    def closed(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("getpass.getpass", closed)
    assert run(["users", "add", "bob", *accounts_file], monkeypatch)[0] == 1
    assert "no password given" in capsys.readouterr().err
    assert not (tmp_path / "people.json").exists()


def test_passwd_for_a_missing_user_fails_before_prompting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    def no_prompt(prompt: str = "") -> str:
        raise AssertionError("prompted for a password of a user that does not exist")

    monkeypatch.setattr("getpass.getpass", no_prompt)
    assert run(["users", "passwd", "zoe", "--store", str(tmp_path)], monkeypatch)[0] == 1
    assert "no user named 'zoe'" in capsys.readouterr().err


def test_usage_errors_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as caught:
        run(["users", "add"], monkeypatch)
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        run(["users"], monkeypatch)
    assert caught.value.code == 2
