"""Who may read which papers: the one home for access rules.

Each paper has an access level: `public` (anyone), `members` (anyone signed in)
or `group:<name>` (only members of that group). A reader is a `Viewer`;
`visible_levels` is the single code path that turns a viewer into the list of
levels they may read, which the store turns into its vector and lexical
filters. Officers (group `officers`) see every paper, because they manage the
library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.errors import CouncilPapersError

PUBLIC = "public"
MEMBERS = "members"
GROUP_PREFIX = "group:"
OFFICERS = "officers"
DEFAULT_LEVEL = PUBLIC

_GROUP_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
_GROUP_RULE = "1-64 characters: lowercase letters, digits, '-' or '_', starting with a letter or digit"


class AccessError(CouncilPapersError):
    """An access level, group name or account is not usable; the message names the value."""


class AccessSettings(BaseSettings):
    """Where accounts live and whether questions are audited (env prefix `COUNCIL_`)."""

    model_config = SettingsConfigDict(env_prefix="COUNCIL_", env_file=".env", extra="ignore")

    accounts_file: Path | None = Field(None, description="Accounts file (default: accounts.json in the store folder).")
    log_questions: bool = Field(False, description="Write each question asked to the audit log.")


def load_access_settings() -> AccessSettings:
    """The access settings, with a bad value reported as the product's error."""
    from pydantic import ValidationError

    try:
        return AccessSettings()
    except ValidationError as exc:
        raise AccessError(f"bad access setting: {exc.errors()[0]['msg']} "
                          f"({', '.join(str(part) for part in exc.errors()[0]['loc'])})") from exc


def validate_group(name: str, *, source: str | Path | None = None) -> str:
    """A group name as stored (lowercase), or an error naming the value."""
    cleaned = name.strip().lower() if isinstance(name, str) else name
    if not isinstance(cleaned, str) or not _GROUP_NAME.fullmatch(cleaned):
        raise AccessError(f"{_where(source)}group name must be {_GROUP_RULE}; got {name!r}")
    return cleaned


@dataclass(frozen=True)
class AccessLevel:
    """A paper's access level; `str(level)` is the stored form."""

    kind: str
    group: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in (PUBLIC, MEMBERS, "group"):
            raise AccessError(f"access kind must be public, members or group; got {self.kind!r}")
        if (self.kind == "group") != (self.group is not None):
            raise AccessError(f"a group level needs exactly one group name; got kind {self.kind!r}, "
                              f"group {self.group!r}")
        if self.group is not None:
            validate_group(self.group)

    @classmethod
    def parse(cls, value: str | None, *, source: str | Path | None = None) -> AccessLevel:
        """Parse `public`, `members` or `group:<name>` (case and surrounding
        spaces ignored); missing or blank means public."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return cls(DEFAULT_LEVEL)
        if not isinstance(value, str):
            raise AccessError(f"{_where(source)}access must be text (public, members or group:<name>); "
                              f"got {value!r}")
        cleaned = value.strip().lower()
        if cleaned in (PUBLIC, MEMBERS):
            return cls(cleaned)
        if cleaned.startswith(GROUP_PREFIX):
            return cls("group", validate_group(cleaned[len(GROUP_PREFIX):], source=source))
        raise AccessError(f"{_where(source)}access must be public, members or group:<name>; got {value!r}")

    def __str__(self) -> str:
        return f"{GROUP_PREFIX}{self.group}" if self.group is not None else self.kind


def parse_level(value: str | None, *, source: str | Path | None = None) -> str:
    """The stored form of an access level, validated (see `AccessLevel.parse`)."""
    return str(AccessLevel.parse(value, source=source))


@dataclass(frozen=True)
class Viewer:
    """Who is reading: a signed-in user with their groups, anonymous, or the
    officer command line that sees everything."""

    name: str | None = None
    groups: frozenset[str] = frozenset()
    sees_all: bool = False

    def __post_init__(self) -> None:
        if self.name is not None and not self.name.strip():
            raise AccessError(f"a signed-in viewer needs a name; got {self.name!r}")
        if self.name is None and self.groups:
            raise AccessError(f"an anonymous viewer cannot be in groups; got {sorted(self.groups)}")
        object.__setattr__(self, "groups", frozenset(validate_group(g) for g in self.groups))

    @classmethod
    def anonymous(cls) -> Viewer:
        return cls()

    @classmethod
    def everyone(cls) -> Viewer:
        """The officer command line: no restriction at all."""
        return cls(sees_all=True)

    @property
    def signed_in(self) -> bool:
        return self.name is not None

    @property
    def is_officer(self) -> bool:
        return self.sees_all or OFFICERS in self.groups


def visible_levels(viewer: Viewer) -> tuple[str, ...] | None:
    """The access levels `viewer` may read, or None for no restriction. Every
    filter on papers (vector `where`, catalogue and lexical masks) is built
    from this, so the rule lives here only."""
    if viewer.is_officer:
        return None
    if not viewer.signed_in:
        return (PUBLIC,)
    return (PUBLIC, MEMBERS, *(f"{GROUP_PREFIX}{g}" for g in sorted(viewer.groups)))


def can_read(viewer: Viewer, level: str | None) -> bool:
    """Whether `viewer` may read a paper stored with `level` (missing means public)."""
    levels = visible_levels(viewer)
    return levels is None or parse_level(level) in levels


def describe(viewer: Viewer) -> str:
    """One sentence for the sidebar saying which papers answers come from."""
    if viewer.sees_all:
        return "Showing all papers"
    if not viewer.signed_in:
        return "Showing public papers; sign in for members' papers"
    if viewer.is_officer:
        return f"Signed in as {viewer.name} (officer): all papers"
    groups = sorted(viewer.groups)
    text = f"Signed in as {viewer.name}: public and members' papers"
    if not groups:
        return text
    noun = "group" if len(groups) == 1 else "groups"
    listed = groups[0] if len(groups) == 1 else ", ".join(groups[:-1]) + " and " + groups[-1]
    return f"{text}, and {noun} {listed}"


def _where(source: str | Path | None) -> str:
    return f"{source}: " if source is not None else ""
