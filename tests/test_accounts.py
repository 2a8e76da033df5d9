"""Accounts: hashing, sign-in, slowed retries, removal, the identity mapping."""

from __future__ import annotations

import json
import logging
import stat
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from ingest.audit import AuditLog
from ingest.errors import ConfigError
from qa_app.access import AccessError, Viewer
from qa_app.accounts import Accounts, AccountsError, IdentityMapping, groups_for_identity
from qa_app.throttle import Throttle

PASSWORD = "correct horse battery"


class FakeClock:
    """A clock whose sleeps only move time on."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class CountingHasher(PasswordHasher):
    """Real argon2 at a test-sized cost, remembering which hashes it checked."""

    def __init__(self, time_cost: int = 1) -> None:
        super().__init__(time_cost=time_cost, memory_cost=8, parallelism=1)
        self.checked: list[str] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002 - argon2's name
        self.checked.append(hash if isinstance(hash, str) else hash.decode())
        return super().verify(hash, password)


@pytest.fixture()
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture()
def accounts(tmp_path: Path, clock: FakeClock) -> Accounts:
    throttle = Throttle(clock=clock, sleep=clock.sleep)
    return Accounts(tmp_path / "store" / "accounts.json", hasher=CountingHasher(), throttle=throttle,
                    audit=AuditLog(tmp_path / "store" / "audit.jsonl"))


def test_the_file_holds_argon2_hashes_never_the_password(accounts: Accounts) -> None:
    accounts.add("Alice", PASSWORD, ["cabinet"])
    text = accounts.path.read_text()
    assert PASSWORD not in text
    record = json.loads(text)["users"]["alice"]
    assert record["hash"].startswith("$argon2id$")
    assert record["groups"] == ["cabinet"]
    assert stat.S_IMODE(accounts.path.stat().st_mode) == 0o600
    assert sorted(p.name for p in accounts.path.parent.iterdir() if not p.name.endswith(".lock")) == [
        "accounts.json", "audit.jsonl"]  # no temp file left behind
    assert PASSWORD not in repr(accounts.users())


def test_sign_in_with_the_right_password_only(accounts: Accounts) -> None:
    accounts.add("alice", PASSWORD, ["cabinet", "officers"])
    assert accounts.verify("alice", PASSWORD) == Viewer("alice", frozenset({"cabinet", "officers"}))
    assert accounts.verify(" ALICE ", PASSWORD) is not None
    assert accounts.verify("alice", PASSWORD + "x") is None
    assert accounts.verify("alice", "") is None


def test_an_unknown_user_is_checked_against_a_dummy_hash_of_the_same_cost(accounts: Accounts) -> None:
    accounts.add("alice", PASSWORD)
    hasher = accounts.hasher
    assert isinstance(hasher, CountingHasher)
    assert accounts.verify("mallory", PASSWORD) is None
    assert accounts.verify("not a valid name!", PASSWORD) is None
    real = accounts.require("alice").password_hash
    dummy = hasher.checked[0]
    assert dummy != real and dummy.rsplit("$", 2)[0] == real.rsplit("$", 2)[0]  # same algorithm and parameters
    assert len(hasher.checked) == 2


def test_failures_are_slowed_per_user_across_clients(accounts: Accounts, clock: FakeClock) -> None:
    accounts.add("alice", PASSWORD)
    for attempt in range(9):
        accounts.verify("alice", "wrong password", client=f"10.0.0.{attempt}")
    assert clock.slept == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0]
    assert accounts.verify("alice", PASSWORD, client="10.0.1.1") is not None  # waits 30 s, then succeeds
    assert clock.slept[-1] == 30.0
    clock.slept.clear()
    accounts.verify("alice", "wrong password", client="10.0.1.2")
    assert clock.slept == []  # success cleared the user's count


def test_failures_are_slowed_per_client_across_users(accounts: Accounts, clock: FakeClock) -> None:
    for name in ("ann", "ben", "cat", "dev", "eve"):
        accounts.verify(name, "guess-1234", client="203.0.113.9")
    assert clock.slept == [1.0, 2.0]
    clock.slept.clear()
    accounts.verify("fay", "guess-1234", client="198.51.100.1")
    assert clock.slept == []  # another client is not slowed


def test_without_a_client_only_the_name_counts(accounts: Accounts, clock: FakeClock) -> None:
    for name in ("ann", "ben", "cat", "dev", "eve"):
        accounts.verify(name, "guess-1234")
    assert clock.slept == []


def test_signing_in_to_ones_own_account_does_not_clear_the_client(accounts: Accounts, clock: FakeClock) -> None:
    accounts.add("mallory", PASSWORD)
    for name in ("ann", "ben", "cat"):
        accounts.verify(name, "guess-1234", client="c1")
    assert accounts.verify("mallory", PASSWORD, client="c1") is not None
    assert clock.slept == [1.0]
    accounts.verify("dev", "guess-1234", client="c1")
    assert clock.slept == [1.0, 1.0]  # the client still waits


def test_throttle_delays_cap_and_are_forgotten_after_a_quiet_spell(clock: FakeClock) -> None:
    throttle = Throttle(free=3, base=1.0, cap=30.0, forget_after=900.0, clock=clock, sleep=clock.sleep)
    assert [throttle.delay(n) for n in range(10)] == [0, 0, 0, 1, 2, 4, 8, 16, 30, 30]
    for _ in range(3):
        throttle.failed(["user:a"])
    assert throttle.failures("user:a") == 3
    clock.now += 901
    assert throttle.failures("user:a") == 0
    assert throttle.wait(["user:a"]) == 0
    with pytest.raises(ConfigError, match="base <= cap"):
        Throttle(base=5, cap=1)


def test_memory_is_bounded_by_dropping_the_stalest_key(clock: FakeClock) -> None:
    throttle = Throttle(max_keys=2, clock=clock, sleep=clock.sleep)
    for key in ("user:a", "user:b", "user:c"):
        throttle.failed([key])
        clock.now += 1
    assert [throttle.failures(k) for k in ("user:a", "user:b", "user:c")] == [0, 1, 1]


def test_parallel_attempts_queue_instead_of_sharing_a_slot(clock: FakeClock) -> None:
    throttle = Throttle(clock=clock, sleep=lambda s: None)  # the clock stands still: both attempts are concurrent
    for _ in range(3):
        throttle.failed(["user:a"])
    assert throttle.wait(["user:a"]) == 1.0
    assert throttle.wait(["user:a"]) == 2.0


def test_removing_a_user_ends_their_access(accounts: Accounts, tmp_path: Path) -> None:
    accounts.add("alice", PASSWORD, ["cabinet"])
    session_name = accounts.verify("alice", PASSWORD)
    assert session_name is not None and session_name.name == "alice"
    other_process = Accounts(accounts.path, hasher=CountingHasher())
    other_process.remove("alice")
    assert accounts.verify("alice", PASSWORD) is None
    assert accounts.viewer("alice") == Viewer.anonymous()  # an open session re-checks and loses access


def test_group_changes_apply_to_open_sessions(accounts: Accounts) -> None:
    accounts.add("alice", PASSWORD, ["cabinet"])
    assert accounts.viewer("alice").groups == {"cabinet"}
    accounts.set_groups("alice", ["planning", "officers"])
    assert accounts.viewer("alice").groups == {"planning", "officers"}
    assert accounts.viewer(None) == Viewer.anonymous()


def test_changing_the_password(accounts: Accounts) -> None:
    accounts.add("alice", PASSWORD)
    accounts.set_password("alice", "a brand new one")
    assert accounts.verify("alice", PASSWORD) is None
    assert accounts.verify("alice", "a brand new one") is not None


def test_hashes_made_with_older_parameters_are_upgraded_on_sign_in(accounts: Accounts) -> None:
    accounts.add("alice", PASSWORD)
    old = accounts.require("alice").password_hash
    stronger = Accounts(accounts.path, hasher=CountingHasher(time_cost=2), audit=accounts.audit)
    assert stronger.verify("alice", PASSWORD) is not None
    new = stronger.require("alice").password_hash
    assert new != old and "t=2" in new
    assert accounts.audit is not None
    assert [e.event for e in accounts.audit.read()] == ["user_added", "sign_in"]  # an upgrade is not a change


@pytest.mark.parametrize(("action", "message"), [
    (lambda a: a.add("alice", PASSWORD), "user 'alice' already exists"),
    (lambda a: a.add("bad name", PASSWORD), "'bad name'"),
    (lambda a: a.add("bob", PASSWORD, ["Bad Group"]), "'Bad Group'"),
    (lambda a: a.remove("zoe"), "no user named 'zoe'"),
    (lambda a: a.set_password("zoe", PASSWORD), "no user named 'zoe'"),
    (lambda a: a.set_groups("zoe", []), "no user named 'zoe'"),
])
def test_changes_that_cannot_be_made_are_refused_by_name(accounts: Accounts, action: object, message: str) -> None:
    accounts.add("alice", PASSWORD)
    with pytest.raises(AccessError, match=message):
        action(accounts)  # type: ignore[operator]


def test_short_passwords_are_refused_without_echoing_them(accounts: Accounts) -> None:
    with pytest.raises(AccountsError) as caught:
        accounts.add("alice", "hunter2")
    assert "hunter2" not in str(caught.value) and "has 7" in str(caught.value)


def test_a_damaged_file_is_reported_with_its_path(accounts: Accounts) -> None:
    accounts.path.parent.mkdir(parents=True)
    accounts.path.write_text("{not json")
    with pytest.raises(AccountsError, match="accounts.json: not a usable accounts file"):
        accounts.users()
    accounts.path.write_text(json.dumps({"users": {"alice": {"hash": "x", "groups": ["Bad Group"]}}}))
    with pytest.raises(AccountsError, match="'Bad Group'"):
        accounts.users()
    with pytest.raises(AccountsError, match="accounts.json"):
        accounts.verify("alice", PASSWORD)  # fails closed, and says why


def test_passwords_never_reach_the_log_or_the_audit_trail(accounts: Accounts,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    accounts.add("alice", PASSWORD)
    accounts.verify("alice", PASSWORD)
    accounts.verify("alice", "wrong password 1")
    accounts.verify(PASSWORD, PASSWORD)  # a password typed into the name box
    audit = accounts.audit
    assert audit is not None
    trail = audit.path.read_text()
    assert PASSWORD not in caplog.text and PASSWORD not in trail and "wrong password" not in trail
    events = [(e.event, e.actor) for e in audit.read()]
    assert events == [("user_added", None), ("sign_in", "alice"), ("sign_in_failed", "alice"),
                      ("sign_in_failed", None)]


def test_the_identity_mapping_survives_account_changes(accounts: Accounts) -> None:
    accounts.path.parent.mkdir(parents=True)
    mapping = {"emails": {"Clerk@Council.example": ["officers"]}, "domains": {"@council.example": ["staff"]},
               "groups": {"Cabinet Members": ["cabinet"]}}
    accounts.path.write_text(json.dumps({"users": {}, "identity": mapping}))
    accounts.add("alice", PASSWORD)
    loaded = accounts.identity_mapping()
    assert loaded.emails == {"clerk@council.example": {"officers"}}
    assert groups_for_identity("clerk@COUNCIL.example", ["Cabinet Members", "Other"], loaded) == {
        "officers", "staff", "cabinet"}
    assert groups_for_identity("someone@elsewhere.example", [], loaded) == set()
    assert groups_for_identity(None, ["cabinet members"], loaded) == set()  # provider groups match exactly


@pytest.mark.parametrize(("data", "message"), [
    ([], "must be an object"),
    ({"people": {}}, "unknown sections"),
    ({"emails": {"a@b.example": "officers"}}, "must be a list of groups"),
    ({"groups": {"X": ["Not Valid"]}}, "'Not Valid'"),
])
def test_bad_identity_mappings_are_refused(data: object, message: str) -> None:
    with pytest.raises(AccessError, match=message):
        IdentityMapping.from_json(data, source="accounts.json")
