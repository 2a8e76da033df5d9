"""Content terms: the one tokeniser of the product. The lexical index, its term
statistics and the answerers' sentence scoring all see a text as the same
stemmed words, so a word that matches in one place matches in the others."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import islice

__all__ = ["STOPWORDS", "TERMS_VERSION", "content_terms", "few_content_terms", "stem", "tokens"]

TERMS_VERSION = 2
"""Saved with the lexical index: an index made by another version is rebuilt."""

_SAME_WORD = {
    "chairman": "chair", "chairwoman": "chair", "chairperson": "chair", "chairmen": "chair",
    "cllr": "councillor", "cllrs": "councillor", "councilor": "councillor", "councilors": "councillor",
    "councilman": "councillor", "councilwoman": "councillor", "councilmember": "councillor",
}
"""Words that name the same role in the papers' own spellings and
abbreviations ("Cllrs Hodivala (Chairman)" answers "who chaired?"); the
stemmer alone leaves them apart."""

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not
    now of off on once only or other our ours ourselves out over own same she should so some such than that the
    their theirs them themselves then there these they this those through to too under until up very was we were
    what when where which while who whom whose why will with would you your yours yourself yourselves
    s t don shall may might must upon per via within""".split()
)
"""English function words; question words are included because they never
appear in the answer sentence."""

_WORD = re.compile(r"[A-Za-z0-9£$€%]+(?:['’.][A-Za-z0-9]+)*")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (money, percentages and decimals stay whole)."""
    return [_token(m) for m in _WORD.finditer(text)]


def _token(match: re.Match[str]) -> str:
    return match.group().lower().replace("’", "'").rstrip(".")


@lru_cache(maxsize=1)
def _stemmer() -> object:
    import Stemmer

    return Stemmer.Stemmer("english")


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    word = word.removesuffix("'s")
    return str(_stemmer().stemWord(_SAME_WORD.get(word, word)))  # type: ignore[attr-defined]


def content_terms(text: str) -> list[str]:
    """Stemmed tokens without stopwords, in order (duplicates kept)."""
    return [stem(t) for t in _content_tokens(text)]


def few_content_terms(text: str, limit: int) -> bool:
    """`len(content_terms(text)) <= limit`, reading only as far as it must:
    retrieval asks it of every candidate paragraph, and most are long."""
    return next(islice(_content_tokens(text), limit, None), None) is None


def _content_tokens(text: str) -> Iterator[str]:
    for m in _WORD.finditer(text):
        token = _token(m)
        if token not in STOPWORDS and token.strip("'"):
            yield token
