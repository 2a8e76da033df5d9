"""Paragraph windows: each paragraph seen with its neighbours (small-to-big).

A speaker turn, or one paragraph of a written answer, rarely carries the whole
of what a question asks about; the run of paragraphs around it does. Each
candidate paragraph gets a window of neighbours in its paper (about
`chars` characters, grown evenly on both sides), and two more rankings: the
window's dense score (the length-weighted mean of its paragraphs' similarities)
and its BM25 score (the sum over its paragraphs). Fused with the paragraph
rankings, they favour a paragraph whose neighbourhood is on the question too.
The result is still the paragraph (citations stay paragraph-exact); the window
is the context read with it: `reading_order` is what a reader of the results
(the language model's prompt, the evaluation's equal-character budget) reads,
and in what order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from ingest.types import Paragraph
from qa_app.types import RetrievedParagraph


@dataclass(frozen=True)
class Window:
    """A paragraph's neighbourhood: `paragraphs` in paper order, `paragraph` among them."""

    paragraph: Paragraph
    paragraphs: tuple[Paragraph, ...]

    @property
    def chars(self) -> int:
        return sum(len(p.text) for p in self.paragraphs)


def window_bounds(lengths: Sequence[int], index: int, chars: int) -> tuple[int, int]:
    """Inclusive bounds of the window around `index`: neighbours are added one at
    a time, alternating after and before (whichever side is shorter in
    paragraphs), until the window holds at least `chars` characters or the
    paper ends."""
    lo = hi = index
    size = lengths[index]
    last = len(lengths) - 1
    while size < chars and (lo > 0 or hi < last):
        if hi < last and (hi - index <= index - lo or lo == 0):
            hi += 1
            size += lengths[hi]
        else:
            lo -= 1
            size += lengths[lo]
    return lo, hi


def windows_of(
    candidates: Sequence[str], paper_of: Callable[[str], Sequence[Paragraph]], chars: int
) -> dict[str, Window]:
    """The window of each candidate paragraph id; `paper_of` gives the paragraphs of
    the candidate's paper in order (candidates it cannot place are left out)."""
    out: dict[str, Window] = {}
    for pid in candidates:
        paragraphs = paper_of(pid)
        index = next((i for i, p in enumerate(paragraphs) if p.id == pid), None)
        if index is None:
            continue
        lo, hi = window_bounds([len(p.text) for p in paragraphs], index, chars)
        out[pid] = Window(paragraphs[index], tuple(paragraphs[lo : hi + 1]))
    return out


def window_rankings(
    windows: Mapping[str, Window], dense: Mapping[str, float], lexical: Mapping[str, float]
) -> tuple[list[str], list[str]]:
    """Candidates ranked by their window's dense score and by its BM25 score. A
    window paragraph outside the dense candidates counts at the lowest dense
    score seen; outside the BM25 candidates, at 0."""
    floor = min(dense.values(), default=0.0)
    dense_score: dict[str, float] = {}
    lexical_score: dict[str, float] = {}
    for pid, window in windows.items():
        weights = [max(len(p.text), 1) for p in window.paragraphs]
        sims = [dense.get(p.id, floor) for p in window.paragraphs]
        dense_score[pid] = sum(w * s for w, s in zip(weights, sims, strict=True)) / sum(weights)
        lexical_score[pid] = sum(lexical.get(p.id, 0.0) for p in window.paragraphs)
    by_dense = sorted(dense_score, key=lambda pid: (-dense_score[pid], pid))
    by_lexical = sorted(lexical_score, key=lambda pid: (-lexical_score[pid], pid))
    return by_dense, by_lexical


def as_source(result: RetrievedParagraph, paragraph: Paragraph) -> RetrievedParagraph:
    """A paragraph of `result`'s window as a source of its own: the result's paper
    and metadata, the neighbour's paragraph, no scores of its own."""
    if paragraph.id == result.paragraph.id:
        return result
    return replace(result, paragraph=paragraph, window=(), dense_score=None, lexical_score=None)


def reading_order(retrieved: Sequence[RetrievedParagraph]) -> list[tuple[int, Paragraph]]:
    """The paragraphs a reader of `retrieved` reads, in order, each with the
    index of the result that brought it: a result's own paragraph, then its
    window's paragraphs nearest first; a paragraph an earlier result already
    brought is not read again. A result without a window brings itself alone."""
    seen: set[str] = set()
    order: list[tuple[int, Paragraph]] = []
    for n, r in enumerate(retrieved):
        window = r.window or (r.paragraph,)
        at = next((i for i, p in enumerate(window) if p.id == r.paragraph.id), 0)
        for i in sorted(range(len(window)), key=lambda i: abs(i - at)):
            if window[i].id not in seen:
                seen.add(window[i].id)
                order.append((n, window[i]))
    return order


def read_within(retrieved: Sequence[RetrievedParagraph], budget: int) -> list[tuple[int, Paragraph]]:
    """The leading part of `reading_order` within `budget` characters; the
    paragraph that crosses the budget is still read (as a chunk overlapping a
    paragraph shows it), none after it."""
    kept: list[tuple[int, Paragraph]] = []
    used = 0
    for n, paragraph in reading_order(retrieved):
        if used >= budget:
            break
        kept.append((n, paragraph))
        used += len(paragraph.text)
    return kept
