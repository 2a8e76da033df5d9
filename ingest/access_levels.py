"""Access levels of papers: `public`, `members` or `group:<name>`.

The grammar lives in `ingest` because ingestion reads a level from sidecars and
the `--access` flag, and the index stores it; who may read which level is
decided in `qa_app.access`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

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
            try:
                return cls("group", validate_group(cleaned[len(GROUP_PREFIX):]))
            except AccessError as exc:
                raise AccessError(f"{_where(source)}access {value!r} names a bad group: {exc}") from exc
        raise AccessError(f"{_where(source)}access must be public, members or group:<name>; got {value!r}")

    def __str__(self) -> str:
        return f"{GROUP_PREFIX}{self.group}" if self.group is not None else self.kind


def parse_level(value: str | None, *, source: str | Path | None = None) -> str:
    """The stored form of an access level, validated (see `AccessLevel.parse`)."""
    return str(AccessLevel.parse(value, source=source))



def without_access(sidecar: bytes) -> bytes:
    """A sidecar's bytes as they count for a paper's content hash: with any
    `access` key left out, so changing only the level never re-embeds the paper
    (the run applies it to the catalogue and Chroma metadata instead)."""
    try:
        data = json.loads(sidecar)
    except ValueError:
        return sidecar
    if not isinstance(data, dict) or "access" not in data:
        return sidecar
    del data["access"]
    return json.dumps(data, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _where(source: str | Path | None) -> str:
    return f"{source}: " if source is not None else ""
