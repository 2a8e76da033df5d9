"""Rejoin lines that the page wrapped, and only those.

Whether two lines belong to one paragraph is read from the line itself: does
the sentence continue (no closing punctuation, next line starts in lower case),
how far across its column the line ran (a short line that ends a sentence ends
its paragraph; a full one was wrapped), and does the next line open something
new (a bullet, a numbered clause, a vote or proposer line). End-of-line
hyphenation is undone using the paper's own vocabulary.
"""

from __future__ import annotations

import re
import unicodedata

from ingest.structure import URL_ONLY, opens_paragraph

FULL_LINE = 0.8
"""A line running at least this far across its column was wrapped, not ended."""
_TERMINAL = (".", "!", "?", ";", ":")
_CLOSERS = "\"'”’)]» "
OPEN_WORDS = "and|or|of|the|to|in|for|with|by|a|an|at|on|from|that|be|is|are|was"
"""Small words no sentence ends on: a line that stops on one goes on below."""
_CONTINUES = re.compile(rf"(?:[,–&/(-]|\b(?:{OPEN_WORDS}))$", re.I)
_HYPHENATED = re.compile(r"([A-Za-z]{2,})-$")
_PUNCTUATION_ONLY = re.compile(r"^[.,;:!?)\]”’\"']+$")
"""A line that is only the mark closing the line above ("." after a web link in Markdown)."""
_SUFFIXES = ("tion", "sion", "ment", "ing", "ed", "ly", "ity", "ance", "ence", "ise", "ize", "ised", "ized",
             "isation", "ization", "ness", "able", "ible", "al", "ial", "ous", "er", "ers", "ate", "ated")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_PRIVATE_BULLET = re.compile(r"^[\ue000-\uf8ff]\s*")
_LIGATURE_GLYPHS = {"\u019f": "ti", "\u01a9": "tt", "\u01ab": "tti", "\u01af": "ff"}
"""Glyphs some PDF fonts (Calibri's, from Word) emit for the "ti", "tt", "tti" and
"ff" ligatures: glyph numbers 415, 425, 427 and 431 read as characters."""
_LIGATURE = re.compile(r"(?<=[a-z])[\u019f\u01a9\u01ab\u01af]|[\u019f\u01a9\u01ab\u01af](?=[a-z])")
_CID = re.compile(r"\(cid:(\d+)\)")
"""A glyph the PDF's font maps to no character, as pdfminer writes it: "rela(cid:415)onship"."""


def _glyph(match: re.Match[str]) -> str:
    """A ligature glyph's letters; any other unmapped glyph (a signature's
    squiggle, a symbol font's bullet) carries no text."""
    number = int(match.group(1))
    char = chr(number) if number < 0x110000 else ""
    return char if char in _LIGATURE_GLYPHS else ""


_UNDECODED = re.compile(r"\(cid:\d+\)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")


def undecoded(text: str) -> bool:
    """Whether `text` holds glyphs its PDF font maps to no character, beyond the
    ligatures `clean_line` restores: pdfminer's "(cid:N)", or the font's own codes
    passed on as control characters among shifted letters ("7KH\x03&RXQFLO" for
    "The Council"). Such words are read from the page image instead."""
    return bool(_UNDECODED.search(_CID.sub(lambda m: _glyph(m) or m.group(0), text)))


def clean_line(line: str) -> str:
    """Normalise one line: compatibility forms (ligatures), odd spaces, symbol-font
    bullets, and the ligature glyphs some PDF fonts produce."""
    line = _CID.sub(_glyph, line)
    line = _LIGATURE.sub(lambda m: _LIGATURE_GLYPHS[m.group(0)], line)
    line = unicodedata.normalize("NFKC", line)
    line = _PRIVATE_BULLET.sub("• ", line)
    return _SPACES.sub(" ", line).strip()


def ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS).endswith(_TERMINAL)


def closing_mark(line: str) -> bool:
    """Whether `line` is only the mark that closes the line above."""
    return bool(_PUNCTUATION_ONLY.match(line))


def should_join(prev: str, nxt: str, fill: float | None) -> bool:
    """Whether `nxt` continues the paragraph whose last line is `prev`; `fill` is
    how far across the column `prev` ran, when the layout is known."""
    if not prev or not nxt or opens_paragraph(nxt):
        return False
    if URL_ONLY.match(nxt) or closing_mark(nxt):
        return True  # a link, or the full stop after one, belongs to the sentence above
    starts_lower = nxt[0].islower()
    if _HYPHENATED.search(prev) and starts_lower:
        return True
    if ends_sentence(prev):
        return fill is not None and fill >= FULL_LINE and not prev.rstrip().endswith(":")
    if starts_lower:
        return True
    if fill is not None:
        return fill >= 0.6 or bool(_CONTINUES.search(prev))
    return bool(_CONTINUES.search(prev))


def join(prev: str, nxt: str, vocabulary: set[str]) -> str:
    """`prev` and `nxt` as one line, undoing a hyphen the typesetter added."""
    if closing_mark(nxt):
        return prev + nxt
    hyphen = _HYPHENATED.search(prev)
    if hyphen and nxt[:1].islower():
        left = hyphen.group(1)
        right = re.match(r"[A-Za-z]+", nxt)
        word = (left + right.group(0)).lower() if right else ""
        if word in vocabulary or (right and right.group(0).lower().startswith(_SUFFIXES) and
                                  f"{left}-{right.group(0)}".lower() not in vocabulary):
            return prev[:-1] + nxt
        return prev + nxt
    return f"{prev} {nxt}"
