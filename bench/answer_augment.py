"""Near-miss unanswerable questions made from answerable ones, for fitting the
abstention model (`train_answerer.py`).

The real-paper unanswerable questions are lures: they name a council the papers
do not cover, or a year they do not reach, and the library holds a paragraph
that would answer the same question about another council or year. Labelled
examples of that pattern are few, so each answerable training question that
names a council or a year also yields:

- the same question about another council (a place taken from councils named in
  a public data set, given as a path, that no training paper comes from);
- the same question about years shifted by `YEAR_SHIFT`.

Both are labelled unanswerable. Only training questions are varied; the held
half is never touched.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from ingest.header import COUNCIL_TYPES, councils
from qa_app.eval.datasets import EvalQuestion

YEAR_SHIFT = 7
_TYPED = re.compile(r"^(?P<place>.+?)\s+(?:Metropolitan Borough|Borough|City|County|District)\s+Council$")
_YEAR = re.compile(r"\b((?:19|20)\d\d)(?:([-/–])(\d\d))?\b")


def foreign_places(path: Path, exclude: set[str]) -> list[str]:
    """Place names of the councils named in a JSONL data set (every string
    field is read), leaving out any that shares a word with `exclude`."""
    excluded = {w.lower() for name in exclude for w in name.split()}
    places: set[str] = set()
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            text = "\n".join(v for v in json.loads(line).values() if isinstance(v, str))
            for name in councils(text):
                match = _TYPED.match(name)
                if match and not {w.lower() for w in match["place"].split()} & excluded:
                    places.add(match["place"])
    return sorted(places)


def council_swapped(q: EvalQuestion, places: list[str], rng: random.Random) -> EvalQuestion | None:
    """`q` about another council, or None when it names none."""
    named = councils(q.question)
    if not named or not places:
        return None
    name = named[0]
    start = q.question.find(name)
    if start < 0:
        return None
    kind = re.search(rf"(?:{COUNCIL_TYPES}\s+)?Council$", name)
    other = f"{rng.choice(places)} {kind.group() if kind else 'Council'}"
    text = q.question[:start] + other + q.question[start + len(name):]
    return q.unanswerable("council", text)


def year_shifted(q: EvalQuestion, shift: int = YEAR_SHIFT) -> EvalQuestion | None:
    """`q` about years `shift` later ("2020-21" becomes "2027-28"), or None when
    it names no year."""

    def moved(m: re.Match[str]) -> str:
        year = int(m.group(1)) + shift
        if m.group(3) is None:
            return str(year)
        return f"{year}{m.group(2)}{(int(m.group(3)) + shift) % 100:02d}"

    text = _YEAR.sub(moved, q.question)
    if text == q.question:
        return None
    return q.unanswerable("year", text)


def near_misses(questions: list[EvalQuestion], places: list[str], seed: int) -> list[EvalQuestion]:
    """Every variant of every answerable question in `questions`."""
    rng = random.Random(seed)
    out: list[EvalQuestion] = []
    for q in questions:
        if not q.answerable:
            continue
        out += [v for v in (council_swapped(q, places, rng), year_shifted(q)) if v is not None]
    return out
