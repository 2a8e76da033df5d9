"""A paper's fields (council, body, title, type, date) matched as fields.

Questions name the meeting they are about ("at the Des Moines City Council
meeting of 16 November 1998"). Those words describe the paper, not any one
paragraph, so they are not repeated into paragraph text; instead each paper
gets a field score for the question, which retrieval uses to search inside
the papers the question names and to favour their paragraphs.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ingest.dates import MONTH_NUMBERS, MONTH_PATTERN, date_bounds, find_date
from ingest.header import councils
from ingest.index import StoredDocument
from ingest.terms import content_terms

_MONTH_YEAR = re.compile(rf"\b({MONTH_PATTERN})\.?,?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_GENERIC = frozenset(content_terms(
    "council councils meeting meetings minutes agenda committee parish town city community district county "
    "borough report reports motion motions press release resolution notice"
))
"""Words every paper's fields share; they identify no paper."""
_KIND_OF_BODY = re.compile(
    r"\b(?:committee|sub-committee|subcommittee|cabinet|board|panel|forum|working group|scrutiny)s?\b", re.IGNORECASE
)
"""A question names a body with its kind ("the Amenities … Committee", "the
Children Sub-Committee"). Without such a word, a body's words in a question
are topic words: "children's services" names no sub-committee."""
_DATE_WORD = re.compile(
    rf"^(?:{MONTH_PATTERN}|\d{{1,2}}(?:st|nd|rd|th)?|(?:19|20)\d\d(?:[-/–]\d{{2,4}})?)$", re.IGNORECASE
)
"""A word of a date: a month, a day number, a year or a year range."""


@dataclass(frozen=True)
class DateSpan:
    """A yyyymmdd range the question names, and how precisely."""

    start: int
    end: int
    precision: str  # "day", "month" or "year"


def question_dates(question: str) -> list[DateSpan]:
    """Dates the question names: full dates, then month-and-year, then years."""
    spans: list[DateSpan] = []
    full = find_date(question)
    if full:
        start, end = date_bounds(full)
        spans.append(DateSpan(start, end, "day"))
    for month, year in _MONTH_YEAR.findall(question):
        start, end = date_bounds(f"{year}-{MONTH_NUMBERS[month.lower()]:02d}")
        spans.append(DateSpan(start, end, "month"))
    if not spans:
        for year in _YEAR.findall(question):
            start, end = date_bounds(year)
            spans.append(DateSpan(start, end, "year"))
    return spans


def field_terms(doc: StoredDocument, *, body: bool = True) -> set[str]:
    """The words that name a paper's council and (with `body`) its body. Title
    words are left out: a title also says what the paper is about, and topic
    words are the paragraphs' business, not the fields'."""
    meta = doc.meta
    text = " ".join(x for x in (meta.council, meta.body if body else None) if x)
    return set(content_terms(text)) - _GENERIC


class FieldIndex:
    """Field words and dates of every paper, for scoring a question against all
    papers quickly: an inverted index over field words, and the papers' date
    ranges as arrays, so a question costs array passes rather than a Python loop
    over every paper it names (a library's own body can name thousands)."""

    def __init__(self, documents: Iterable[StoredDocument]) -> None:
        by_term: dict[str, list[int]] = {}
        by_council: dict[str, list[int]] = {}
        self._ids: list[str] = []
        bounds: list[tuple[int, int]] = []
        for row, doc in enumerate(documents):
            self._ids.append(doc.doc_id)
            for term in field_terms(doc):
                by_term.setdefault(term, []).append(row)
            for term in field_terms(doc, body=False):
                by_council.setdefault(term, []).append(row)
            bounds.append(date_bounds(doc.meta.date) if doc.meta.date else (1, 0))  # (1, 0) overlaps nothing
        self._by_term = {term: np.array(rows, dtype=np.int64) for term, rows in by_term.items()}
        self._by_council = {term: np.array(rows, dtype=np.int64) for term, rows in by_council.items()}
        dates = np.array(bounds, dtype=np.int64).reshape(-1, 2)
        self._starts, self._ends = dates[:, 0], dates[:, 1]

    def _index_for(self, question: str) -> dict[str, np.ndarray]:
        """Council and body words when the question names a kind of body, council words alone otherwise."""
        return self._by_term if _KIND_OF_BODY.search(question) else self._by_council

    def topic(self, question: str) -> str:
        """The question without the words that name papers: their councils and
        bodies (as `scores` reads them), the words every paper's fields share,
        and dates. What is left is what to look for inside the papers named:
        "How long was the public session on the Wye Valley Community Council
        agenda for 27 March 2023?" looks for "How long was the public session
        on the for?". The question itself when nothing is left."""
        index = self._index_for(question)
        kept = []
        for word in re.findall(r"[\w'’£$€%.,/–-]+", question):
            bare = word.strip(".,")
            terms = content_terms(bare)
            if _DATE_WORD.match(bare) or (terms and all(t in index or t in _GENERIC for t in terms)):
                continue
            kept.append(bare)
        return " ".join(kept) if content_terms(" ".join(kept)) else question

    def scores(self, question: str) -> dict[str, float]:
        """doc_id → how strongly the question names the paper, in [0, 1].

        Each field word the question shares with a paper counts by its rarity
        among the papers' fields (a word of one paper's name counts half, two
        count in full; the name every paper shares counts little), and a date
        the question names is averaged in when it names one."""
        total = max(1, len(self._ids))
        full = 2 * math.log(1 + total)
        named = np.zeros(len(self._ids))
        index = self._index_for(question)
        for term in set(content_terms(question)) - _GENERIC:
            rows = index.get(term)
            if rows is not None:
                named[rows] += math.log(1 + total / len(rows))
        score = np.minimum(1.0, named / full)
        spans = question_dates(question)
        if spans:
            score = (score + self._date_scores(spans)) / 2
        return {self._ids[i]: float(score[i]) for i in np.flatnonzero(score > 0)}

    def _date_scores(self, spans: list[DateSpan]) -> np.ndarray:
        """Each paper's date score: 1 when its date overlaps a day or month the
        question names, 0.25 for a year, else 0."""
        best = np.zeros(len(self._ids))
        for span in spans:
            overlap = (self._starts <= span.end) & (self._ends >= span.start)
            best = np.where(overlap, np.maximum(best, 1.0 if span.precision in ("day", "month") else 0.25), best)
        return best


def council_places(text: str) -> list[frozenset[str]]:
    """The place words of each council `text` names ("Wye Valley Community
    Council" → {"wye", "valley"}), the council's type words set aside."""
    places = (frozenset(content_terms(name)) - _GENERIC for name in councils(text))
    return [p for p in places if p]


def council_clash(named: list[frozenset[str]], council: str | None) -> bool:
    """Whether a question that names councils asks about another council than
    the paper's: none of the named councils shares a place word with it. False
    when either side is unknown, since that is no evidence either way."""
    if not named or not council:
        return False
    own = set(content_terms(council)) - _GENERIC
    return bool(own) and not any(place & own for place in named)
