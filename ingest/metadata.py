"""Paper metadata: the sidecar wins, otherwise it is read from the paper's
title block (`header`), its file name and, for the kind of paper, its wording.

A sidecar is `<paper file name>.meta.json` beside the paper, e.g.
`minutes-2016-10-17.txt.meta.json`, holding any of `title`, `doc_type`,
`council`, `body`, `date` (ISO `YYYY-MM-DD`, `YYYY-MM` or `YYYY`) and `access`
(`public`, `members` or `group:<name>`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ingest import header as hdr
from ingest.access_levels import AccessError, parse_level
from ingest.dates import date_from_filename, find_date, find_dates, is_partial_date, spoken_date
from ingest.errors import LoadError
from ingest.load import SIDECAR_SUFFIX
from ingest.types import DOC_TYPES, PaperMeta, Paragraph

_FIELDS = ("title", "doc_type", "council", "body", "date")
_ISO_PARTIAL = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def sidecar_path(paper: Path) -> Path:
    """Where a paper's sidecar lives."""
    return paper.with_name(paper.name + SIDECAR_SUFFIX)


def read_sidecar(paper: Path) -> dict[str, str | None]:
    """Validated sidecar values; `{}` when there is none. A malformed sidecar is
    an error naming the file and the field, never silently ignored."""
    path = sidecar_path(paper)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))  # a byte-order mark is not an error
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LoadError(str(path), f"sidecar is not valid JSON ({exc})") from exc
    if not isinstance(data, dict):
        raise LoadError(str(path), "sidecar must be a JSON object")
    values: dict[str, str | None] = {}
    for key in _FIELDS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise LoadError(str(path), f"field '{key}' must be a string, got {value!r}")
        values[key] = value.strip() or None
    doc_type = values.get("doc_type")
    if doc_type is not None and doc_type not in DOC_TYPES:
        raise LoadError(str(path), f"field 'doc_type' must be one of {', '.join(DOC_TYPES)}; got {doc_type!r}")
    date = values.get("date")
    if date is not None and not (_ISO_PARTIAL.match(date) and is_partial_date(date)):
        raise LoadError(str(path), f"field 'date' must be YYYY-MM-DD, YYYY-MM or YYYY; got {date!r}")
    if data.get("access") is not None:
        try:
            values["access"] = parse_level(data["access"])
        except AccessError as exc:
            raise LoadError(str(path), f"field 'access' in {path.name}: {exc}") from exc
    return values


def build_meta(path: Path, paragraphs: list[Paragraph], sidecar: dict[str, str | None]) -> PaperMeta:
    """Merge sidecar values over values inferred from the paper."""
    header = hdr.read_header(paragraphs)
    doc_type = sidecar.get("doc_type") or infer_doc_type(path, paragraphs, header)
    council = hdr.council(header)
    inferred: dict[str, str | None] = {
        "doc_type": doc_type,
        "council": council,
        "body": hdr.body(header, sidecar.get("council") or council, doc_type),
        "date": infer_date(path, paragraphs, header, doc_type),
    }
    values: dict[str, str | None] = {}
    origin: dict[str, str] = {}
    for key in _FIELDS:
        if sidecar.get(key):
            values[key], origin[key] = sidecar[key], "sidecar"
        elif inferred.get(key):
            values[key], origin[key] = inferred[key], "inferred"
        else:
            values[key] = None
    if not values["title"]:
        values["title"] = compose_title(path, header, values)
        origin["title"] = "inferred"
    return PaperMeta(
        title=values["title"] or path.stem,
        doc_type=values["doc_type"] or "report",
        council=values["council"],
        body=values["body"],
        date=values["date"],
        origin={**origin, **({"access": "sidecar"} if sidecar.get("access") else {})},
        access=sidecar.get("access") or "public",
    )


_KIND_LABEL = {"minutes": "minutes", "agenda": "agenda", "motion": "motion", "report": "report",
               "press_release": "press release"}


def compose_title(path: Path, header: hdr.Header, values: dict[str, str | None]) -> str:
    """"Council — Body minutes, 5 November 2024": who, which body, what kind of
    paper and when. Reports and press releases keep their own headline, since
    that is what tells one from another."""
    doc_type = values["doc_type"] or "report"
    label = _KIND_LABEL.get(doc_type, doc_type)
    own = _shorten(header.title or "")
    when = spoken_date(values["date"]) if values["date"] else None
    council, body = values["council"], values["body"]
    if doc_type in ("minutes", "agenda"):
        if body and body.lower() != "council":
            what = f"{body} {label}"
        else:
            what = f"council meeting {label}" if body else label
        if own and not _GENERIC_TITLE.search(own):
            what = f"{what}: {own}"
    else:
        what = own or re.sub(r"[_\-]+", " ", path.stem).strip()
        if label.split()[0] not in what.lower():
            what = f"{what} ({label})"
    title = f"{council} — {what}" if council else what[:1].upper() + what[1:]
    if when and when not in title:
        title = f"{title}, {when}"
    return title


_GENERIC_TITLE = re.compile(r"\b(minutes|agenda|meeting|council|summary|present)\b|^\W*$", re.I)


def _shorten(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


_FILENAME_KINDS = (
    ("minutes", "minutes"), ("agenda", "agenda"), ("motion", "motion"), ("resolution", "motion"),
    ("res", "motion"), ("press", "press_release"), ("news", "press_release"), ("media", "press_release"),
    ("report", "report"),
)


def infer_doc_type(path: Path, paragraphs: list[Paragraph], header: hdr.Header | None = None) -> str:
    """The file name's own word for it, else the title block's, else the wording
    of the paper; a "notice" is a press release unless it carries an agenda."""
    tokens = re.split(r"[^a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", path.stem).lower())
    for word, doc_type in _FILENAME_KINDS:
        if word in tokens:
            return doc_type
    header = header or hdr.read_header(paragraphs)
    announced = hdr.kind(header)
    if announced:
        return announced
    if "notice" in tokens:
        return "press_release"
    text = "\n".join(p.text for p in paragraphs)
    if re.search(r"^(Proposed|Seconded)( by)?\s*[:–-]", text, re.M | re.I) or re.search(
        r"^That this (House|Council)\b", text, re.M
    ):
        return "motion"
    if re.search(r"^(Minutes:?|RESOLVED\b|Resolved\s*[–:-])", text, re.M) or re.search(
        r"\b(Members (were|of the [\w -]+ were) (advised|informed)|The Cabinet considered)\b", text
    ):
        return "minutes"
    if (
        re.search(r"\b(Cllr|Councillor|Mayor) [A-Z][a-z]+ [A-Z][a-z]+,? (said|added)\b", text)
        or re.search(r"\bsaid: [“\"]", text)
        or (len(re.findall(r"\bsaid\b", text)) >= 2 and len(re.findall(r"[“\"]", text)) >= 4)
    ):
        return "press_release"
    if re.search(r"\bapologies for absence\b", text, re.I) and re.search(
        r"\bdeclarations? of interest\b", text, re.I
    ):
        return "agenda"
    return "report"


_ADOPTED = re.compile(r"\b(?:adopted|passed|approved|signed)\b[^.\n]{0,60}$", re.I)


def infer_date(path: Path, paragraphs: list[Paragraph], header: hdr.Header, doc_type: str) -> str | None:
    """The meeting or issue date: for a resolution the date it was adopted; else
    the first date in the title block; else a date in the file name. Dates deep
    in the body are events, not the paper's date."""
    if doc_type == "motion":
        text = "\n".join(p.text for p in paragraphs)
        for pos, iso in find_dates(text):
            if _ADOPTED.search(text[max(0, pos - 80) : pos]):
                return iso
    return find_date(header.text) or date_from_filename(path.name)
