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

_ORDINAL = r"(?:st|nd|rd|th)"
_DATE_CANDIDATE = re.compile(
    rf"""\b(?:
        \d{{1,2}}\s*{_ORDINAL}?\s*(?:day\s+)?(?:of\s+)?(?:{MONTH_PATTERN})\.?,?\s*(?:\d{{4}}|'?\d{{2}}\b)
      | (?:{MONTH_PATTERN})\.?\s+\d{{1,2}}{_ORDINAL}?,?\s+\d{{4}}
      | \d{{4}}-\d{{1,2}}-\d{{1,2}}
      | \d{{1,2}}[/.]\d{{1,2}}[/.](?:\d{{4}}|\d{{2}}\b)
    )""",
    re.IGNORECASE | re.VERBOSE,
)
"""Spans that look like a full date; `dateparser` decides whether each is one."""
_GLUED_ORDINAL = re.compile(rf"(\d){_ORDINAL}(?=[a-z])", re.IGNORECASE)
_DAY_OF = re.compile(r"\bday\s+of\b", re.IGNORECASE)
_FILENAME_TOKEN = re.compile(rf"^(?:\d{{1,4}}|\d{{1,2}}{_ORDINAL}|{MONTH_PATTERN})$", re.IGNORECASE)
_PARTIAL = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")
_COMPACT_ISO = re.compile(r"(?<!\d)((?:19|20)\d{2})(\d{2})(\d{2})(?!\d)")


_WRITTEN_OUT = re.compile(
    rf"(?:(\d{{1,2}})\s*{_ORDINAL}?\s+({MONTH_PATTERN})|({MONTH_PATTERN})\s+(\d{{1,2}})\s*{_ORDINAL}?)\s+(\d{{4}})",
    re.IGNORECASE,
)
"""A date with its month as a word and a four-digit year ("5 November 2024",
"November 5th 2024"): one reading only, so it is read without `dateparser`."""


def parse_date(text: str, order: str = "DMY") -> str | None:
    """One full date written any common way ("Tuesday, 5 November 2024",
    "May 9, 2005", "8th day of April, 2024", "05/11/2018") as ISO `YYYY-MM-DD`;
    None when it is not a real calendar day. Numeric dates read in `order`
    (British day-first by default) unless only one reading is possible.

    The commonest form, the month as a word with a four-digit year, is read
    directly: `dateparser` takes about 10 ms a call, which was a tenth of a
    warm question at 100k paragraphs when the question named a date."""
    import dateparser

    cleaned = " ".join(_DAY_OF.sub(" ", _GLUED_ORDINAL.sub(r"\1 ", text)).replace(",", " ").split())
    plain = _WRITTEN_OUT.fullmatch(cleaned)
    if plain:
        day, month, year = plain.group(1) or plain.group(4), plain.group(2) or plain.group(3), plain.group(5)
        return iso_date(year, MONTH_NUMBERS[month.lower()], day) or None
    parsed = dateparser.parse(
        cleaned,
        languages=["en"],
        settings={"PREFER_DAY_OF_MONTH": "first", "DATE_ORDER": order, "REQUIRE_PARTS": ["day", "month", "year"]},
    )
    return parsed.date().isoformat() if parsed else None


def find_dates(text: str, order: str = "DMY") -> list[tuple[int, str]]:
    """Every full date in `text` with its offset, in reading order."""
    found: list[tuple[int, str]] = []
    for m in _DATE_CANDIDATE.finditer(text):
        iso = parse_date(m.group(0), order)
        if iso:
            found.append((m.start(), iso))
    return found


def find_date(text: str, order: str = "DMY") -> str | None:
    """The first full date in `text`, as ISO `YYYY-MM-DD`."""
    found = find_dates(text, order)
    return found[0][1] if found else None


def date_from_filename(name: str) -> str | None:
    """A full date in a file name: "minutes_20230327", "2005_05_09_agenda",
    "9th-Jan-2025", "21-05-14", "meeting-wednesday-8-april-2015-agenda"."""
    stem = name.rsplit(".", 1)[0]
    compact = _COMPACT_ISO.search(stem)
    if compact:
        compact_iso = iso_date(compact.group(1), int(compact.group(2)), compact.group(3))
        if compact_iso:
            return compact_iso
    tokens = [t for t in re.split(r"[\s_.\-]+", stem) if t]
    for i in range(len(tokens) - 2):
        window = tokens[i : i + 3]
        if all(_FILENAME_TOKEN.match(t) for t in window) and any(t.isdigit() for t in window):
            order = "YMD" if len(window[0]) == 4 and window[0].isdigit() else "DMY"
            iso = parse_date(" ".join(window), order)
            if iso:
                return iso
    return None


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
