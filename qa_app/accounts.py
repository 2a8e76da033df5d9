"""Local user accounts: names, argon2 password hashes and groups in one JSON file.

The file sits in the store folder by default (`accounts.json`), is written
atomically (temp file + rename, mode 0600) and is re-read on every call, so a
user removed from the command line loses access in the running app at once.
Passwords are never stored or logged; an unknown user costs the same as a
wrong password, and repeated failures are slowed per user and per client.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ingest.audit import AuditLog, utc_now
from qa_app.access import AccessError, Viewer, validate_group
from qa_app.identity import IdentityMapping, groups_for_identity
from qa_app.throttle import Throttle

try:  # POSIX: serialise read-modify-write across processes
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

logger = logging.getLogger(__name__)

__all__ = ["Accounts", "AccountsError", "IdentityMapping", "User", "groups_for_identity", "default_path"]

FILENAME = "accounts.json"
VERSION = 1
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
_USER_NAME = re.compile(r"[a-z0-9][a-z0-9._@+-]{0,127}")


class AccountsError(AccessError):
    """The accounts file or a change to it is not usable; the message names the value."""


def default_path(store_dir: Path) -> Path:
    return Path(store_dir) / FILENAME


def validate_user_name(name: str) -> str:
    """A user name as stored (lowercase), or an error naming the value."""
    cleaned = name.strip().lower() if isinstance(name, str) else name
    if not isinstance(cleaned, str) or not _USER_NAME.fullmatch(cleaned):
        raise AccountsError("user name must be 1-128 characters: lowercase letters, digits, '.', '_', '@', '+' "
                            f"or '-', starting with a letter or digit; got {name!r}")
    return cleaned


def validate_password(password: str) -> str:
    """Refuse unusable passwords without ever echoing them."""
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        length = len(password) if isinstance(password, str) else 0
        raise AccountsError(f"password must be {MIN_PASSWORD} to {MAX_PASSWORD} characters; "
                            f"the one given has {length}")
    return password


@dataclass(frozen=True)
class User:
    """One account; the hash never appears in `repr` or listings."""

    name: str
    groups: frozenset[str] = frozenset()
    password_hash: str = field(default="", repr=False)
    created: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"groups": sorted(self.groups), "hash": self.password_hash, "created": self.created}


class Accounts:
    """The accounts file and sign-in against it."""

    def __init__(self, path: Path, *, hasher: PasswordHasher | None = None, throttle: Throttle | None = None,
                 audit: AuditLog | None = None) -> None:
        self.path = Path(path)
        self.hasher = hasher or PasswordHasher()
        self.throttle = throttle or Throttle()
        self.audit = audit
        self._dummy_hash: str | None = None

    # reading ---------------------------------------------------------------
    def users(self) -> list[User]:
        """Every account, sorted by name."""
        return sorted(self._load().values(), key=lambda u: u.name)

    def get(self, name: str) -> User | None:
        """The user, or None for a name that does not exist or could not (a damaged file still raises)."""
        try:
            key = validate_user_name(name)
        except AccountsError:
            return None
        return self._load().get(key)

    def require(self, name: str) -> User:
        """The user, or an error naming who is missing and where."""
        return self._existing(self._load(), validate_user_name(name))

    def viewer(self, name: str | None) -> Viewer:
        """The viewer for a session signed in as `name`, re-checked against the
        file on every call: a removed user is anonymous again, and group changes
        apply at once."""
        user = self.get(name) if name else None
        return Viewer(user.name, user.groups) if user else Viewer.anonymous()

    def viewer_of(self, name: str) -> Viewer:
        """The viewer for an account that must exist (`ask --as`): an error names a missing one."""
        user = self.require(name)
        return Viewer(user.name, user.groups)

    def identity_mapping(self) -> IdentityMapping:
        """The provider-identity to group mapping kept in the file's `identity` section."""
        return IdentityMapping.from_json(self._read().get("identity"), source=self.path)

    # changing --------------------------------------------------------------
    def add(self, name: str, password: str, groups: Iterable[str] = (), *, actor: str | None = None) -> User:
        name, password = validate_user_name(name), validate_password(password)
        clean_groups = frozenset(validate_group(g) for g in groups)
        with self._editing() as users:
            if name in users:
                raise AccountsError(f"user {name!r} already exists; change the password with: users passwd {name}")
            user = User(name, clean_groups, self.hasher.hash(password), utc_now())
            users[name] = user
        self._record("user_added", actor, user=name, groups=sorted(clean_groups))
        return user

    def remove(self, name: str, *, actor: str | None = None) -> User:
        """Delete the account; sessions signed in as it lose access on their next check."""
        name = validate_user_name(name)
        with self._editing() as users:
            user = self._existing(users, name)
            del users[name]
        self._record("user_removed", actor, user=name)
        return user

    def set_password(self, name: str, password: str, *, actor: str | None = None) -> User:
        name, password = validate_user_name(name), validate_password(password)
        with self._editing() as users:
            user = self._existing(users, name)
            users[name] = User(name, user.groups, self.hasher.hash(password), user.created)
        self._record("password_changed", actor, user=name)
        return users[name]

    def set_groups(self, name: str, groups: Iterable[str], *, actor: str | None = None) -> User:
        name = validate_user_name(name)
        clean_groups = frozenset(validate_group(g) for g in groups)
        with self._editing() as users:
            user = self._existing(users, name)
            users[name] = User(name, clean_groups, user.password_hash, user.created)
        self._record("access_change", actor, user=name, groups=sorted(clean_groups),
                     previous=sorted(user.groups))
        return users[name]

    # signing in ------------------------------------------------------------
    def verify(self, name: str, password: str, *, client: str | None = None) -> Viewer | None:
        """The signed-in viewer, or None for a wrong name or password. Slowed
        after repeated failures for this name or this client (its address, say;
        without one only the name counts, so strangers never slow each other)."""
        cleaned = name.strip().lower() if isinstance(name, str) else ""
        keys = [f"user:{cleaned}", *([f"client:{client}"] if client else [])]
        self.throttle.wait(keys)
        user = self.get(cleaned)
        ok = self._check(user.password_hash if user else self._dummy(), password)
        if user is None or not ok:
            self.throttle.failed(keys)
            # An unknown name is not written down: it is often a password typed in the wrong box.
            self._record("sign_in_failed", user.name if user else None, client=client, known_user=user is not None)
            return None
        self.throttle.succeeded(keys[:1])
        self._rehash_if_needed(user, password)
        self._record("sign_in", user.name, client=client)
        return Viewer(user.name, user.groups)

    def _check(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(password_hash, password if isinstance(password, str) else ""))
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        """A hash of a random secret with the same parameters as real ones, so
        checking an unknown name costs as much as checking a wrong password."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_urlsafe(24))
        return self._dummy_hash

    def _rehash_if_needed(self, user: User, password: str) -> None:
        """Re-hash with the current parameters after a successful sign-in,
        unless the hash changed meanwhile (a new password wins)."""
        if not self.hasher.check_needs_rehash(user.password_hash):
            return
        try:
            with self._editing() as users:
                current = users.get(user.name)
                if current is not None and current.password_hash == user.password_hash:
                    users[user.name] = replace(current, password_hash=self.hasher.hash(password))
        except AccountsError as exc:  # signing in still succeeds
            logger.warning("could not upgrade the password hash of %s: %s", user.name, exc)

    # the file --------------------------------------------------------------
    def _read(self) -> dict[str, Any]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise AccountsError(f"cannot read the accounts file {self.path}: {exc.strerror}") from exc
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise AccountsError(f"{self.path}: not a usable accounts file (not JSON: {exc})") from exc
        if not isinstance(data, dict) or not isinstance(data.get("users", {}), dict):
            raise AccountsError(f"{self.path}: not a usable accounts file (expected an object with a `users` object)")
        return data

    def _load(self, data: dict[str, Any] | None = None) -> dict[str, User]:
        data = self._read() if data is None else data
        try:
            return {validate_user_name(n): _user_from_json(n, record) for n, record in data["users"].items()}
        except KeyError:
            return {}
        except AccessError as exc:
            raise AccountsError(f"{self.path}: not a usable accounts file ({exc})") from exc

    @contextlib.contextmanager
    def _editing(self) -> Iterator[dict[str, User]]:
        """Read, let the caller change, write back; one writer at a time."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = open(self.path.with_name(self.path.name + ".lock"), "a")
        except OSError as exc:
            raise AccountsError(f"cannot write the accounts file {self.path}: {exc.strerror}") from exc
        with lock:
            if fcntl is not None:
                fcntl.flock(lock, fcntl.LOCK_EX)
            data = self._read()
            users = self._load(data)
            yield users
            # Other sections (the identity mapping) are kept as they were.
            payload = {**data, "version": VERSION, "users": {n: users[n].to_json() for n in sorted(users)}}
            try:
                self._write(payload)
            except OSError as exc:
                raise AccountsError(f"cannot write the accounts file {self.path}: {exc.strerror}") from exc

    def _write(self, payload: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(payload, out, indent=2, ensure_ascii=False)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    def _existing(self, users: dict[str, User], name: str) -> User:
        if name not in users:
            raise AccountsError(f"no user named {name!r} in {self.path}")
        return users[name]

    def _record(self, event: str, actor: str | None, **detail: Any) -> None:
        if self.audit is not None:
            self.audit.record(event, actor=actor, **detail)


def _user_from_json(name: str, record: object) -> User:
    if not isinstance(record, dict) or not isinstance(record.get("hash"), str):
        raise AccountsError(f"user {name!r} needs a `hash` string")
    groups = record.get("groups", [])
    if not isinstance(groups, list):
        raise AccountsError(f"user {name!r} has `groups` that is not a list: {groups!r}")
    return User(validate_user_name(name), frozenset(validate_group(g) for g in groups),
                record["hash"], str(record.get("created", "")))
