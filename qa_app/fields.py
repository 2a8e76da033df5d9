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
from ingest.index import StoredDocument
from ingest.terms import content_terms

_MONTH_YEAR = re.compile(rf"\b({MONTH_PATTERN})\.?,?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_GENERIC = frozenset(content_terms(
    "council councils meeting meetings minutes agenda committee parish town city community district county "
    "borough report reports motion motions press release resolution notice"
))
"""Words every paper's fields share; they identify no paper."""


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


def field_terms(doc: StoredDocument) -> set[str]:
    """The words that name a paper's council and body. Title words are left
    out: a title also says what the paper is about, and topic words are the
    paragraphs' business, not the fields'."""
    meta = doc.meta
    text = " ".join(x for x in (meta.council, meta.body) if x)
    return set(content_terms(text)) - _GENERIC


class FieldIndex:
    """Field words and dates of every paper, for scoring a question against all
    papers quickly (an inverted index over field words)."""

    def __init__(self, documents: Iterable[StoredDocument]) -> None:
        self._by_term: dict[str, set[str]] = {}
        self._dates: dict[str, tuple[int, int]] = {}
        self._papers = 0
        for doc in documents:
            self._papers += 1
            for term in field_terms(doc):
                self._by_term.setdefault(term, set()).add(doc.doc_id)
            if doc.meta.date:
                self._dates[doc.doc_id] = date_bounds(doc.meta.date)
        # The dated papers as arrays, so the papers a date overlaps are found in one
        # vectorised pass instead of a Python loop over every paper per question.
        self._dated = list(self._dates)
        bounds = np.array([self._dates[d] for d in self._dated], dtype=np.int64).reshape(-1, 2)
        self._starts, self._ends = bounds[:, 0], bounds[:, 1]

    def scores(self, question: str) -> dict[str, float]:
        """doc_id → how strongly the question names the paper, in [0, 1].

        Each field word the question shares with a paper counts by its rarity
        among the papers' fields (a word of one paper's name counts half, two
        count in full; the name every paper shares counts little), and a date
        the question names is averaged in when it names one."""
        total = max(1, self._papers)
        full = 2 * math.log(1 + total)
        named: dict[str, float] = {}
        for term in set(content_terms(question)) - _GENERIC:
            docs = self._by_term.get(term, ())
            weight = math.log(1 + total / len(docs)) if docs else 0.0
            for doc_id in docs:
                named[doc_id] = named.get(doc_id, 0.0) + weight
        spans = question_dates(question)
        if not spans:
            return {doc: min(1.0, w / full) for doc, w in named.items()}
        dated = self._date_scores(spans)
        scores: dict[str, float] = {}
        for doc_id in set(named) | set(dated):
            score = (min(1.0, named.get(doc_id, 0.0) / full) + dated.get(doc_id, 0.0)) / 2
            if score > 0:
                scores[doc_id] = score
        return scores

    def _date_scores(self, spans: list[DateSpan]) -> dict[str, float]:
        """doc_id → date score of each dated paper a span overlaps: 1 for a day or
        month the question names, 0.25 for a year. One array pass per span, not a
        Python loop over every paper per question."""
        best = np.zeros(len(self._dated))
        for span in spans:
            overlap = (self._starts <= span.end) & (self._ends >= span.start)
            best = np.where(overlap, np.maximum(best, 1.0 if span.precision in ("day", "month") else 0.25), best)
        return {self._dated[i]: float(best[i]) for i in np.flatnonzero(best)}
