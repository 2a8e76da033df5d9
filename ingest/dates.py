"""Dates, in one place: month names, finding a paper's date in text, partial
ISO dates (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`) and their `yyyymmdd` bounds.

Ingestion (metadata, the store's date columns) and question answering (filters,
time-aware wording) both import from here, so the rules cannot drift apart.
"""

from __future__ import annotations

import calendar
import re

from ingest.errors import ConfigError

MONTH_NAMES: tuple[str, ...] = tuple(calendar.month_name[1:])
"""January … December, in order."""

MONTH_NUMBERS: dict[str, int] = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTH_NUMBERS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
MONTH_NUMBERS["sept"] = 9
"""Lower-case full and abbreviated month names to their numbers."""

MONTH_PATTERN = "|".join(sorted(MONTH_NUMBERS, key=len, reverse=True))
"""A regex alternation of every month name and abbreviation, longest first."""

_DAY_MONTH_YEAR = re.compile(
    rf"\b(\d{{1,2}})\s*(?:st|nd|rd|th)?\s*(?:of\s+)?({MONTH_PATTERN})\.?,?\s+(\d{{4}})\b", re.IGNORECASE
)
_MONTH_DAY_YEAR = re.compile(rf"\b({MONTH_PATTERN})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SLASHED = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_PARTIAL = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")


def find_date(text: str) -> str | None:
    """The first full date in `text`, as ISO `YYYY-MM-DD`."""
    found: list[tuple[int, str]] = []
    for m in _DAY_MONTH_YEAR.finditer(text):
        found.append((m.start(), iso_date(m.group(3), MONTH_NUMBERS[m.group(2).lower()], m.group(1))))
    for m in _MONTH_DAY_YEAR.finditer(text):
        found.append((m.start(), iso_date(m.group(3), MONTH_NUMBERS[m.group(1).lower()], m.group(2))))
    for m in _ISO.finditer(text):
        found.append((m.start(), iso_date(m.group(1), int(m.group(2)), m.group(3))))
    for m in _SLASHED.finditer(text):
        found.append((m.start(), iso_date(m.group(3), int(m.group(2)), m.group(1))))
    valid = [(pos, iso) for pos, iso in found if iso]
    return min(valid)[1] if valid else None


def iso_date(year: str | int, month: int, day: str | int) -> str:
    """`YYYY-MM-DD`, or "" when the parts are not a real calendar day."""
    y, d = int(year), int(day)
    if not (1 <= month <= 12 and 1 <= d <= calendar.monthrange(y, month)[1]):
        return ""
    return f"{y:04d}-{month:02d}-{d:02d}"


def is_partial_date(value: str) -> bool:
    """Whether `value` is `YYYY`, `YYYY-MM` or `YYYY-MM-DD` and a real date."""
    try:
        parse_partial_date(value, end=False)
    except ConfigError:
        return False
    return True


def parse_partial_date(value: str, *, end: bool) -> int:
    """`YYYY`, `YYYY-MM` or `YYYY-MM-DD` as a yyyymmdd int: the first day of the
    period, or its last day when `end` is set. Raises `ConfigError` naming the value."""
    match = _PARTIAL.fullmatch(value.strip())
    if not match:
        raise ConfigError(f"date must look like YYYY, YYYY-MM or YYYY-MM-DD; got {value!r}")
    year = int(match.group(1))
    month = int(match.group(2)) if match.group(2) else (12 if end else 1)
    if not 1 <= month <= 12:
        raise ConfigError(f"month must be between 1 and 12; got {value!r}")
    last = calendar.monthrange(year, month)[1]
    day = int(match.group(3)) if match.group(3) else (last if end else 1)
    if not 1 <= day <= last:
        raise ConfigError(f"day must be between 1 and {last}; got {value!r}")
    return year * 10000 + month * 100 + day


def date_bounds(date: str | None) -> tuple[int, int]:
    """A paper's date as an inclusive `yyyymmdd` range, so a year-only date still
    matches a date-range filter. Undated papers get (0, 0)."""
    if not date:
        return 0, 0
    return parse_partial_date(date, end=False), parse_partial_date(date, end=True)


def spoken_date(date: str) -> str:
    """An ISO partial date as a reader writes it: "5 March 2024", "March 2024", "2024"."""
    parts = date.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {MONTH_NAMES[int(parts[1]) - 1]} {parts[0]}"
    if len(parts) == 2:
        return f"{MONTH_NAMES[int(parts[1]) - 1]} {parts[0]}"
    return parts[0]
