"""Who may read which papers: the one home for access rules.

Each paper has an access level: `public` (anyone), `members` (anyone signed in)
or `group:<name>` (only members of that group). A reader is a `Viewer`;
`visible_levels` is the single code path that turns a viewer into the list of
levels they may read, which the store turns into its vector and lexical
filters. Officers (group `officers`) see every paper, because they manage the
library.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ingest.access_levels import (
    DEFAULT_LEVEL,
    GROUP_PREFIX,
    MEMBERS,
    OFFICERS,
    PUBLIC,
    AccessError,
    AccessLevel,
    parse_level,
    validate_group,
)
from ingest.config import AccessSettings, load_access_settings
from ingest.index import Filters

__all__ = [
    "DEFAULT_LEVEL", "GROUP_PREFIX", "MEMBERS", "OFFICERS", "PUBLIC", "AccessError", "AccessLevel", "AccessSettings",
    "Viewer", "can_read", "describe", "load_access_settings", "parse_level", "restrict", "validate_group",
    "visible_levels",
]


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


def restrict(viewer: Viewer, filters: Filters | None = None) -> Filters | None:
    """`filters` narrowed to the papers `viewer` may read: the one place a
    viewer becomes a store filter, used by the engine for every question."""
    levels = visible_levels(viewer)
    if levels is None:
        return filters
    return replace(filters or Filters(), access=levels)


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
