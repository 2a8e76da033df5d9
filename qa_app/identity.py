"""Product groups for someone signed in through an identity provider (OIDC).

The provider says who someone is (an email) and often which of its groups they
belong to; the council decides what that means here. The mapping lives in the
accounts file under `identity`:

    {"identity": {"emails":  {"clerk@council.example": ["officers"]},
                  "domains": {"council.example": ["staff"]},
                  "groups":  {"Cabinet Members": ["cabinet"]}}}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from qa_app.access import AccessError, validate_group

_SECTIONS = ("emails", "domains", "groups")


@dataclass(frozen=True)
class IdentityMapping:
    """Provider emails, email domains and provider group names, each to product groups.
    Emails and domains match case-insensitively; provider group names exactly."""

    emails: Mapping[str, frozenset[str]] = field(default_factory=dict)
    domains: Mapping[str, frozenset[str]] = field(default_factory=dict)
    groups: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: object, *, source: str | Path | None = None) -> IdentityMapping:
        """Validate a mapping read from a file; errors name the entry (and the file)."""
        where = f"{source}: " if source is not None else ""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise AccessError(f"{where}identity mapping must be an object with {', '.join(_SECTIONS)}; got {data!r}")
        unknown = sorted(set(data) - set(_SECTIONS))
        if unknown:
            raise AccessError(f"{where}identity mapping has unknown sections {unknown}; "
                              f"expected {', '.join(_SECTIONS)}")
        sections: dict[str, dict[str, frozenset[str]]] = {}
        for section in _SECTIONS:
            entries = data.get(section, {})
            if not isinstance(entries, dict):
                raise AccessError(f"{where}identity `{section}` must be an object; got {entries!r}")
            sections[section] = {}
            for key, targets in entries.items():
                if isinstance(targets, str) or not isinstance(targets, list):
                    raise AccessError(f"{where}identity `{section}` entry {key!r} must be a list of groups; "
                                      f"got {targets!r}")
                name = key if section == "groups" else key.strip().lower().lstrip("@")
                sections[section][name] = frozenset(validate_group(t, source=source) for t in targets)
        return cls(**sections)

    def to_json(self) -> dict[str, dict[str, list[str]]]:
        return {s: {k: sorted(v) for k, v in getattr(self, s).items()} for s in _SECTIONS}


def groups_for_identity(email: str | None, provider_groups: Iterable[str],
                        mapping: IdentityMapping) -> frozenset[str]:
    """The product groups for a provider identity: the union of what its email,
    its email's domain and each of its provider groups map to."""
    found: set[str] = set()
    address = (email or "").strip().lower()
    if address:
        found |= mapping.emails.get(address, frozenset())
        if "@" in address:
            found |= mapping.domains.get(address.rsplit("@", 1)[1], frozenset())
    for group in provider_groups:
        found |= mapping.groups.get(group, frozenset())
    return frozenset(found)
