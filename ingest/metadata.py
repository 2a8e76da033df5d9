"""Paper metadata: the sidecar wins, otherwise rules read it from the text.

A sidecar is `<paper file name>.meta.json` beside the paper, e.g.
`minutes-2016-10-17.txt.meta.json`, holding any of `title`, `doc_type`,
`council`, `body`, `date` (ISO `YYYY-MM-DD`, `YYYY-MM` or `YYYY`) and `access`
(`public`, `members` or `group:<name>`).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ingest.access_levels import AccessError, parse_level
from ingest.dates import find_date, is_partial_date
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
        data = json.loads(path.read_text(encoding="utf-8"))
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
    """Merge sidecar values over values inferred from the text."""
    inferred: dict[str, str | None] = {
        "title": infer_title(path, paragraphs),
        "doc_type": infer_doc_type(path, paragraphs),
        "council": infer_council(paragraphs),
        "body": infer_body(paragraphs),
        "date": infer_date(paragraphs),
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
    return PaperMeta(
        title=values["title"] or path.stem,
        doc_type=values["doc_type"] or "report",
        council=values["council"],
        body=values["body"],
        date=values["date"],
        origin={**origin, **({"access": "sidecar"} if sidecar.get("access") else {})},
        access=sidecar.get("access") or "public",
    )


def infer_title(path: Path, paragraphs: list[Paragraph]) -> str:
    """The first heading near the top, else the first short paragraph, else the
    file name made readable."""
    for p in paragraphs[:3]:
        if p.kind == "heading" and 3 <= len(p.text) <= 150 and not p.text.endswith(":"):
            return p.text
    for p in paragraphs[:2]:
        if len(p.text) <= 150 and not p.text.endswith((":", ".")):
            return p.text
    return re.sub(r"[_\-]+", " ", path.stem).strip().capitalize() or path.name


def infer_doc_type(path: Path, paragraphs: list[Paragraph]) -> str:
    """Rules checked in order of how distinctive the evidence is."""
    name = path.stem.lower()
    for word, doc_type in (
        ("minutes", "minutes"), ("motion", "motion"), ("press", "press_release"),
        ("news", "press_release"), ("agenda", "agenda"), ("report", "report"),
    ):
        if word in name:
            return doc_type
    text = "\n".join(p.text for p in paragraphs)
    if re.search(r"^(Proposed|Seconded)( by)?\s*[:–-]", text, re.M | re.I) or re.search(
        r"^That this (House|Council)\b", text, re.M
    ):
        return "motion"
    if re.search(r"^(Minutes:?|RESOLVED\b|Resolved\s*[–:-])", text, re.M) or re.search(
        r"\b(Members (were|of the [\w -]+ were) (advised|informed)|The Cabinet considered)\b", text
    ):
        return "minutes"
    if re.search(r"\b(Cllr|Councillor) [A-Z][a-z]+ [A-Z][a-z]+,? (said|added)\b", text) or re.search(
        r"\bsaid: [“\"]", text
    ):
        return "press_release"
    if re.search(r"\bapologies for absence\b", text, re.I) and re.search(
        r"\bdeclarations? of interest\b", text, re.I
    ):
        return "agenda"
    return "report"


def infer_date(paragraphs: list[Paragraph]) -> str | None:
    """A date stated in the paper's opening lines (its meeting or publication
    date). Dates deep in the body are events, not the paper's date."""
    head = "\n".join(p.text for p in paragraphs[:3])
    return find_date(head)


_NOT_PLACES = {
    "The", "This", "Our", "Extraordinary", "Full", "Annual", "County", "City", "Borough",
    "District", "Parish", "Town", "Care", "Cross", "Each", "Every", "Whole", "Local", "In",
}


def infer_council(paragraphs: list[Paragraph]) -> str | None:
    """"<Name> [Metropolitan Borough|County|City|Borough|District] Council" when the
    paper names one."""
    text = " ".join(p.text for p in paragraphs)
    pattern = re.compile(
        r"\b((?:[A-Z][a-z]+ ){1,3}?)((?:Metropolitan Borough|County|City|Borough|District) )?Council\b"
    )
    for m in pattern.finditer(text):
        words = m.group(1).split()
        if words and words[0] not in _NOT_PLACES and words[-1] not in _NOT_PLACES:
            return f"{m.group(1)}{m.group(2) or ''}Council"
    return None


def infer_body(paragraphs: list[Paragraph]) -> str | None:
    """The council body or committee the paper records."""
    text = "\n".join(p.text for p in paragraphs)
    if re.search(r"\bcouncil meeting\b", text, re.I):
        return "Council"
    if re.search(r"\bThe Cabinet (considered|agreed|noted|resolved)\b", text):
        return "Cabinet"
    names = re.findall(r"\b((?:[A-Z][a-z]+ ){1,4}(?:Sub-Committee|Committee))\b", text)
    if names:
        return max(names, key=lambda n: (len(n.split()), -text.find(n)))
    if re.search(r"\bSub-Committee\b", text):
        return "Sub-Committee"
    return None
