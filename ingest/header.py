"""The title block of a paper: its first lines, before the first item.

A clerk reads who wrote a paper, which body met and what kind of paper it is
from the letterhead and title block, never from a passing mention further down
("the Clerk will write to North Yorkshire Council"). Everything here looks only
at those lines; when they are unclear, the answer is None.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.structure import item_title
from ingest.types import Paragraph

HEADER_PARAGRAPHS = 8
HEADER_CHARS = 1200
TITLE_LINE_CHARS = 200

COUNCIL_TYPES = r"(?:Metropolitan Borough|Parish|Town|City|Community|County|District|Borough|Regional|Shire)"
_COUNCIL = re.compile(rf"((?:[A-Z][\w'’.-]*\s+){{1,5}}?)({COUNCIL_TYPES}\s+)?Council\b")
_CITY_OF = re.compile(r"\bCity [Oo]f ((?:[A-Z][a-z]+)(?:\s+(?!Amending|Modifying|Adopting)[A-Z][a-z]+)?)")
_PC = re.compile(r"\b((?:[A-Z][a-z]+\s+){1,2})PC\b")
""""Northwold PC": the usual shorthand for a parish council."""
_NOT_PLACE = {
    "the", "of", "a", "an", "and", "summary", "minutes", "minute", "meeting", "agenda", "draft", "annual", "special",
    "extraordinary", "full", "this", "our", "official", "publication", "proposed", "notice", "public", "dear",
    "between", "local", "each", "every", "whole", "above", "said", "care", "cross", "in", "at", "on", "for", "to",
    "by", "with", "from", "report", "general", "ordinary", "virtual", "new", "eco", "ward", "members", "chair",
    "chairman", "mayor", "cllr", "councillor", "meeting:", "council", "parish", "town", "city", "community",
    "county", "district", "borough", "held", "was", "is", "be", "will", "all", "any", "that", "it", "as",
}
_MEETINGS = [
    (re.compile(r"\bannual general meeting\b|\bAGM\b", re.I), "Annual General Meeting"),
    (re.compile(r"\bannual (?:parish |town |city |community )?council meeting\b", re.I), None),
    (re.compile(r"\bwork session\b", re.I), "work session"),
    (re.compile(r"\bextraordinary\b", re.I), "extraordinary meeting"),
    (re.compile(r"\bspecial (?:council )?meeting\b", re.I), "special meeting"),
]
"""Meetings with a standing of their own, read from the first title lines. An
extraordinary or special meeting is still the council meeting: "Council
(extraordinary meeting)"."""
_COMMITTEE = re.compile(
    r"((?:[A-Z][\w’']*,?\s+(?:(?:and|&)\s+)?){1,6}(?:Sub-Committee|Committee|Board|Panel|Cabinet))\b"
)
_MEETING_OF_COUNCIL = re.compile(
    rf"\b(?:(?:{COUNCIL_TYPES})\s+)?council\s+meeting\b|\bmeeting\s+of\s+(?:the\s+)?[\w\s’'-]{{0,40}}?council\b|"
    r"\bcouncil\s+(?:took|considered|resolved)\b",
    re.I,
)
_ACTING_BODY = re.compile(
    r"^The ((?:[A-Z][\w’']+ ){0,4}(?:Cabinet|Sub-Committee|Committee|Board|Panel))"
    r" (?:considered|agreed|noted|resolved)\b",
    re.M,
)
"""Minutes that open "The Cabinet considered …" name the body that met."""
_KIND_WORDS = [
    (re.compile(r"\b(?:notice of motion|budget amendment|motion)\b", re.I), "motion"),
    (re.compile(r"\bresolution\s+(?:no\.?\s*)?\d", re.I), "motion"),
    (re.compile(r"\bminutes\b(?! of (?:the )?(?:last|previous))", re.I), "minutes"),
    (re.compile(r"\b(?<!item )(?<!agenda item )agenda\b(?!\s+item)|\bsummoned\b", re.I), "agenda"),
    (re.compile(r"\b(?:media|press) release\b", re.I), "press_release"),
    (re.compile(r"^(?:present|those attending|attendance|councillors present)\b", re.I | re.M), "minutes"),
]
_PRESENT = re.compile(r"^(?:present|those attending|attendance|councillors present)\b", re.I)
"""Minutes record who attended; agendas and reports do not."""


@dataclass(frozen=True)
class Header:
    """The title block's lines and what they say."""

    lines: list[str]
    title: str | None

    @property
    def text(self) -> str:
        """The title lines: opening prose paragraphs (a long summary, a first
        clause) are not part of the title block."""
        return "\n".join(ln for ln in self.lines if len(ln) <= TITLE_LINE_CHARS)


def read_header(paragraphs: list[Paragraph]) -> Header:
    """The paragraphs on the first page before the first item, within limits."""
    lines: list[str] = []
    size = 0
    for p in paragraphs[:HEADER_PARAGRAPHS]:
        if (p.page or 1) > 1 or (lines and item_title(p.text)) or size > HEADER_CHARS:
            break
        lines.append(p.text)
        size += len(p.text)
    title = next((ln for ln in lines[:3] if 3 <= len(ln) <= 160 and not ln.endswith(":")), None)
    return Header(lines=lines, title=title)


def _readable(text: str) -> str:
    """Title-case lines set in capitals, so names read and match the same way."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(c.isupper() for c in letters) / len(letters) > 0.8:
        return re.sub(r"(?<=-)(Cum|On|Upon|Le|In|Under|By|The)(?=-)", lambda m: m.group(1).lower(), text.title())
    return text


def councils(text: str) -> list[str]:
    """Every council named in `text`, in order of appearance."""
    found: list[tuple[int, str]] = []
    for line in text.split("\n"):
        readable = _readable(line)
        for m in _COUNCIL.finditer(readable):
            words = m.group(1).split()
            while words and words[0].lower().strip(".,") in _NOT_PLACE:
                words.pop(0)
            if words and all(w.lower().strip(".,") not in _NOT_PLACE for w in words):
                found.append((len(found), f"{' '.join(words)} {m.group(2) or ''}Council".replace("  ", " ")))
        for m in _CITY_OF.finditer(readable):
            found.append((len(found), f"City of {m.group(1)}"))
        for m in _PC.finditer(line):
            if m.group(1).split()[0].lower() not in _NOT_PLACE:
                found.append((len(found), f"{m.group(1).strip()} Parish Council"))
    return [name for _, name in found]


def council(header: Header) -> str | None:
    """The council the title block names; None when it names several and the
    title line does not settle which one wrote the paper."""
    names = councils(header.text) or councils("\n".join(header.lines[:3]))
    if not names:
        return None
    distinct = list(dict.fromkeys(n.lower() for n in names))
    if len(distinct) == 1:
        return names[0]
    in_title = councils(header.title or "")
    return in_title[0] if len(in_title) == 1 else None


def body(header: Header, council_name: str | None, doc_type: str) -> str | None:
    """The body that met: a named committee, a kind of meeting (AGM,
    extraordinary, work session), or the full council for minutes and agendas
    of a council meeting."""
    title_lines = header.text.split("\n")
    text = "\n".join(_readable(line) for line in title_lines)
    full_council = _full_council(council_name)
    for pattern, name in _MEETINGS:
        m = pattern.search("\n".join(title_lines[:3]))
        if m and name == "work session":
            return f"{full_council} work session"
        if m and name and name.endswith(" meeting"):
            return f"{full_council} ({name})"
        if m:
            return name or " ".join(w.capitalize() for w in m.group(0).split())
    acting = _ACTING_BODY.search("\n".join(header.lines))
    if acting:
        return acting.group(1)
    committees = [c.strip(" ,") for c in _COMMITTEE.findall(text) if c.split()[0].lower() not in _NOT_PLACE]
    if committees:
        return max(committees, key=len)
    if doc_type in ("minutes", "agenda", "motion") or _MEETING_OF_COUNCIL.search(text):
        if council_name:
            return full_council
        if _MEETING_OF_COUNCIL.search(text) or re.search(r"\bthe above council\b", text, re.I):
            return "Council"
    return None


def _full_council(council_name: str | None) -> str:
    """The council as a body: "Parish Council", "City Council", or "Council"."""
    kind = re.search(rf"\b({COUNCIL_TYPES})\s+Council$", council_name or "")
    return f"{kind.group(1)} Council" if kind else "Council"


def kind(header: Header) -> str | None:
    """The kind of paper the title block announces, first cue wins."""
    hits = [(m.start(), doc_type) for pattern, doc_type in _KIND_WORDS for m in [pattern.search(header.text)] if m]
    if hits:
        return min(hits)[1]
    if any(_PRESENT.match(line) for line in header.lines):
        return "minutes"
    return None
