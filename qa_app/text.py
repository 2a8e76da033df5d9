"""Text helpers shared by the answerers: sentences with offsets, verbatim quote
finding, normalisation and stemmed content terms.

Everything here works on character offsets into the original string, so a quote
taken from a sentence span is, by construction, a verbatim substring of its
paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ingest.terms import STOPWORDS, content_terms, stem, tokens

__all__ = [
    "STOPWORDS", "Span", "content_terms", "normalise", "split_sentences", "stem", "tokens",
]

_ABBREVIATIONS = frozenset(
    "cllr mr mrs ms dr prof st no nos vs etc e.g i.e cf approx dept govt co ltd inc rev sr jr fig para paras".split()
)
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s+)")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "–": "-", "—": "-", "\u00a0": " "})


@dataclass(frozen=True)
class Span:
    """A sentence as `text[start:end]` of the string it came from."""

    start: int
    end: int
    text: str


def split_sentences(text: str) -> list[Span]:
    """Sentences of `text` with their offsets, trimmed of surrounding whitespace.

    A stop ends a sentence when whitespace and a capital, digit, quote or bracket
    follow, unless it closes a known abbreviation, an initial ("J."), or a leading
    list number ("1. Council accepts …")."""
    spans: list[Span] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        end = match.end()
        nxt = text[end:].lstrip()
        if not nxt or not (nxt[0].isupper() or nxt[0].isdigit() or nxt[0] in "\"'“‘([£•·"):
            continue
        before = text[start : match.start()].rstrip()
        last_word = before.split()[-1].lower() if before.split() else ""
        if match.group().startswith(".") and len(match.group().rstrip("\"'”’)]")) == 1:
            if last_word.rstrip(".") in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
                continue
            if before.strip().isdigit() or re.fullmatch(r"\(?[0-9a-z]{1,3}\)?", before.strip()):
                continue  # a list number such as "1." or "(a)." at the start
        _append(spans, text, start, end)
        start = end
    _append(spans, text, start, len(text))
    return spans


def _append(spans: list[Span], text: str, start: int, end: int) -> None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip())
    trail = len(piece.rstrip())
    if trail > lead:
        spans.append(Span(start + lead, start + trail, text[start + lead : start + trail]))


def normalise(text: str) -> str:
    """Casefolded, NFKC, curly quotes and dashes made plain, whitespace collapsed:
    the form in which evidence and answers are compared."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return re.sub(r"\s+", " ", text).strip().casefold()
