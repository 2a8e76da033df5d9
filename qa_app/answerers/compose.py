"""The answer text: each chosen sentence presented as what its paper says,
with its paragraph number and a `[n]` marker, e.g.
`Budget report (¶4) says: “The net budget is £48.2 million.” [1]`."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.dates import spoken_date
from qa_app.answerers.features import date_key
from qa_app.text import Span
from qa_app.types import Citation, RetrievedParagraph

TITLE_CHARS = 90
"""Longer titles are shortened in the attribution; the source list shows them whole."""


@dataclass(frozen=True)
class ScoredSentence:
    """A chosen answer sentence and its fitted score (a probability)."""

    source: RetrievedParagraph
    rank: int
    span: Span
    score: float


def compose_answer(chosen: list[ScoredSentence]) -> tuple[list[Citation], str]:
    """Citations numbered 1..n and the answer text quoting each sentence. When
    the cited papers carry different dates the newest comes first and each
    quotation says its date, so the reader sees which is latest."""
    dated = len(chosen) > 1 and len({c.source.date for c in chosen}) > 1
    if dated:
        chosen = sorted(chosen, key=lambda c: -date_key(c.source.date))
    citations: list[Citation] = []
    parts: list[str] = []
    for n, cand in enumerate(chosen, start=1):
        citations.append(
            Citation(n=n, source=cand.source, quote=cand.span.text, quote_start=cand.span.start,
                     quote_end=cand.span.end, score=cand.score)
        )
        said = f"{attribution(cand.source)} says: “{cand.span.text}” [{n}]"
        if dated:
            when = format_date(cand.source.date)
            prep = "on" if cand.source.date and len(cand.source.date) == 10 else "in"
            prefix = f"{prep} {when}" if when else "undated"
            prefix = prefix[0].upper() + prefix[1:] if n == 1 else prefix
            if n == 1:
                prefix += " (the latest)"
            parts.append(f"{prefix}, {said}")
        else:
            parts.append(said)
    return citations, ("; ".join(parts) + ".") if dated else " ".join(parts)


def attribution(source: RetrievedParagraph) -> str:
    """"<title> (¶<paragraph number>)", the title shortened when long."""
    title = " ".join(source.title.split()) or source.path
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1].rstrip() + "…"
    return f"{title} (¶{source.paragraph.number})"


def format_date(date: str | None) -> str | None:
    """ISO `YYYY-MM-DD` / `YYYY-MM` / `YYYY` as "17 October 2016" / "October 2016" / "2016"."""
    if not date:
        return None
    try:
        return spoken_date(date)
    except (ValueError, IndexError):
        return date
