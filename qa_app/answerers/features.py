"""The evidence for choosing a sentence, as numbers a fitted model weighs.

One row per sentence of the top paragraphs: lexical overlap with the question
(IDF-weighted, stemmed), embedding similarity, whether it holds the kind of
thing asked for, its paragraph's retrieval rank and scores, whether the
question names the paper's council, body, date or title, the sentence's place
in its paragraph, and what the sentence is (heading, structural line, proposer
or vote line, resolution). `bench/train_answerer.py` fits the weights; the
names here are the artefact's contract.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePath

import numpy as np

from qa_app.answer_types import (
    DATE,
    MONEY,
    NUMBER,
    PERSON,
    VOTE,
    asks_decision,
    asks_mover,
    asks_reason,
    asks_vote,
    focus_terms,
    has_type,
    names_the_role,
    person_names,
    question_type,
    topic_words,
    value_names_focus,
)
from qa_app.answerers.sentences import (
    decision_cue,
    injected_spans,
    is_heading,
    is_structural,
    mover_cue,
    procedure_cue,
    reason_cue,
    vote_cue,
)
from qa_app.fields import council_clash, council_places
from qa_app.fusion import asks_for_latest
from qa_app.text import Span, content_terms, split_sentences
from qa_app.types import RetrievedParagraph

IdfFn = Callable[[str], float]
RowPicker = Callable[[list["Candidate"]], list[int]]
FOCUS_WEIGHT = 2.0
"""Question words naming what is asked for count double in the overlap."""

_LITERAL = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")

FEATURES: tuple[str, ...] = (
    "coverage", "context_coverage", "dense", "rank_inv", "para_score_ratio", "para_dense", "para_lexical",
    "typed", "type_mismatch", "kind_money", "kind_number", "kind_date", "kind_person", "literal_missing",
    "recent_newest", "field_title", "field_body", "field_date", "field_date_clash", "heading", "structural",
    "sentence_first", "sentence_position", "log_length", "names_person", "mover_q_cue", "vote_q_cue",
    "decision_q_cue", "decision_q_procedure", "mover_cue", "vote_cue", "decision_cue", "rare_missing",
    "kind_vote", "council_clash", "item_coverage", "asked_cue_missing", "reason_q_cue", "focus_value", "focus_asked",
)
DENSE = FEATURES.index("dense")

TITLE_BLOCK_PARAGRAPHS = 3
"""A paper's title block: its first few paragraphs, where a short unpunctuated line is a title."""


@dataclass(frozen=True)
class Candidate:
    """A sentence of a retrieved paragraph and its feature row. `eligible` is
    False for headings and sentences addressed to the reader, which are never
    answers whatever they score."""

    source: RetrievedParagraph
    rank: int
    span: Span
    eligible: bool
    typed: bool
    coverage: float
    preferred: bool = False


def usable(cands: list[Candidate]) -> list[int]:
    """Indices of the candidates that may answer, best tier only: a sentence
    without the kind of thing asked for cannot answer when one with it exists,
    and a "who proposed/seconded" question answers from a proposer or seconder
    line when there is one. Within the tier the fitted scorer decides."""
    eligible = [i for i, c in enumerate(cands) if c.eligible]
    for tier in ([i for i in eligible if cands[i].preferred], [i for i in eligible if cands[i].typed]):
        if tier:
            return tier
    return eligible


def ranked_rows(cands: list[Candidate]) -> list[int]:
    """The candidates the fitted scorer ranks: the usable tier, or none when no
    candidate holds the kind of thing the question wants (a sum, a date, the
    Director's name), as then nothing here can answer it."""
    keep = usable(cands)
    return keep if any(cands[i].typed for i in keep) else []


@dataclass(frozen=True)
class QuestionView:
    """What the features need from the question, computed once."""

    weights: dict[str, float]
    kind: str | None
    recent: bool
    literals: frozenset[str]
    years: frozenset[str]
    terms: frozenset[str]
    mover: bool
    vote: bool
    decision: bool
    reason: bool
    councils: tuple[frozenset[str], ...]
    focus: frozenset[str]
    counts_focus: bool
    """A "how many / how much" question that names what it counts or prices."""

    @classmethod
    def of(cls, question: str, idf: IdfFn | None) -> QuestionView:
        focus = focus_terms(question)
        terms = list(dict.fromkeys(content_terms(topic_words(question))))
        weights = {t: (idf(t) if idf else 1.0) * (FOCUS_WEIGHT if t in focus else 1.0) for t in terms}
        kind = question_type(question)
        return cls(
            weights=weights, kind=kind, recent=asks_for_latest(question),
            literals=frozenset(_LITERAL.findall(question)), years=frozenset(_YEAR.findall(question)),
            terms=frozenset(terms), mover=asks_mover(question), vote=asks_vote(question),
            decision=asks_decision(question), reason=asks_reason(question), councils=tuple(council_places(question)),
            focus=focus, counts_focus=kind in (MONEY, NUMBER) and bool(focus),
        )

    def overlap(self, terms: set[str]) -> float:
        total = sum(self.weights.values()) or 1.0
        return sum(w for t, w in self.weights.items() if t in terms) / total

    def rare_missing(self, terms: set[str]) -> float:
        """The rarest question word the text lacks, as a share of the rarest
        question word's weight: 1.0 when the question's most specific word
        ("Osprey" in "What is the Osprey fund?") is absent."""
        top = max(self.weights.values(), default=0.0)
        missing = [w for t, w in self.weights.items() if t not in terms]
        return max(missing, default=0.0) / top if top else 0.0


def candidates(
    question: str, retrieved: list[RetrievedParagraph], dense: Callable[[list[tuple[str, Span]]], np.ndarray],
    *, idf: IdfFn | None = None, paragraphs: int = 5, needed: RowPicker | None = None,
) -> tuple[list[Candidate], np.ndarray]:
    """Every sentence of the top `paragraphs` paragraphs and its feature row
    (columns in `FEATURES` order). Embedding the sentences is most of a
    question's cost, so with `needed` only the rows it picks get their
    embedding similarity; the others keep 0 and must not be scored."""
    view = QuestionView.of(question, idf)
    top = retrieved[:paragraphs]
    rows: list[tuple[int, RetrievedParagraph, Span, int, int]] = []
    for rank, r in enumerate(top):
        spans = split_sentences(r.paragraph.text)
        rows += [(rank, r, span, i, len(spans)) for i, span in enumerate(spans)]
    best_score = max((r.score for r in top), default=0.0) or 1.0
    newest = max((date_key(r.date) for r in top), default=0)
    context_terms = {r.paragraph.id: _context_terms(r) for r in top}
    field = {r.paragraph.id: _field_matches(view, r) for r in top}
    injected = {r.paragraph.id: injected_spans(r.paragraph.text) for r in top}
    literals = {r.paragraph.id: _stated_literals(r) for r in top} if view.literals else {}
    clash = {r.paragraph.id: float(council_clash(list(view.councils), r.council)) for r in top}
    item_coverage = {
        r.paragraph.id: view.overlap(set(content_terms(f"{r.paragraph.item or ''} {r.paragraph.heading or ''}")))
        for r in top
    }
    out: list[Candidate] = []
    matrix = np.zeros((len(rows), len(FEATURES)), dtype=np.float64)
    for i, (rank, r, span, index, count) in enumerate(rows):
        text = span.text
        terms = set(content_terms(text))
        typed = has_type(text, view.kind, question) and names_the_role(text, question)
        opens = r.paragraph.number <= TITLE_BLOCK_PARAGRAPHS
        heading = is_heading(text, r.paragraph.kind, r.paragraph.heading, opens_paper=opens)
        literal_missing = len(view.literals - literals[r.paragraph.id]) / len(view.literals) if view.literals else 0.0
        coverage = view.overlap(terms)
        mover, vote, decision = mover_cue(text), vote_cue(text), decision_cue(text)
        context = terms | context_terms[r.paragraph.id]
        values = {
            "coverage": coverage,
            "context_coverage": view.overlap(context),
            "dense": 0.0,
            "rank_inv": 1.0 / (1 + rank),
            "para_score_ratio": r.score / best_score,
            "para_dense": r.dense_score or 0.0,
            "para_lexical": math.log1p(max(0.0, r.lexical_score or 0.0)),
            "typed": float(view.kind is not None and typed),
            "type_mismatch": float(view.kind is not None and not typed),
            "kind_money": float(view.kind == MONEY),
            "kind_number": float(view.kind == NUMBER),
            "kind_date": float(view.kind == DATE),
            "kind_person": float(view.kind == PERSON),
            "literal_missing": literal_missing,
            "recent_newest": float(view.recent and newest > 0 and date_key(r.date) == newest),
            "field_title": field[r.paragraph.id][0],
            "field_body": field[r.paragraph.id][1],
            "field_date": field[r.paragraph.id][2],
            "field_date_clash": field[r.paragraph.id][3],
            "heading": float(heading),
            "structural": float(is_structural(text)),
            "sentence_first": float(index == 0),
            "sentence_position": index / max(1, count - 1),
            "log_length": math.log1p(len(text)),
            "names_person": float(bool(person_names(text, question))),
            "mover_q_cue": float(view.mover and mover),
            "vote_q_cue": float(view.vote and vote),
            "decision_q_cue": float(view.decision and decision),
            "decision_q_procedure": float(view.decision and procedure_cue(text) and not decision),
            "mover_cue": float(mover),
            "vote_cue": float(vote),
            "decision_cue": float(decision),
            "rare_missing": view.rare_missing(context),
            "kind_vote": float(view.kind == VOTE),
            "council_clash": clash[r.paragraph.id],
            "item_coverage": item_coverage[r.paragraph.id],
            "asked_cue_missing": float((view.mover and not mover) or (view.vote and not vote)),
            "reason_q_cue": float(view.reason and reason_cue(text)),
            "focus_value": float(view.counts_focus and value_names_focus(text, question, view.kind, view.focus)),
            "focus_asked": float(view.counts_focus),
        }
        matrix[i] = [values[name] for name in FEATURES]
        trusted = not any(s <= span.start < e for s, e in injected[r.paragraph.id])
        out.append(Candidate(r, rank, span, eligible=trusted and not heading, typed=typed, coverage=coverage,
                             preferred=typed and view.mover and mover))
    wanted = list(range(len(out))) if needed is None else needed(out)
    if wanted:
        matrix[wanted, DENSE] = dense([(out[i].source.paragraph.id, out[i].span) for i in wanted])
    return out, matrix


def _stated_literals(r: RetrievedParagraph) -> set[str]:
    """The numbers a paragraph and its paper state. A number the question states
    must be among them: in the paragraph, or naming its paper, as a year that
    says which paper ("its 2022-23 budget") may stand only in an undated paper's
    title block or file name."""
    where = (r.title, r.date or "", PurePath(r.path).name, r.opening, r.paragraph.heading or "", r.paragraph.text)
    return set(_LITERAL.findall(" ".join(where)))


def _context_terms(r: RetrievedParagraph) -> set[str]:
    return set(content_terms(" ".join(x for x in (r.title, r.paragraph.heading or "", r.paragraph.text))))


def _field_matches(view: QuestionView, r: RetrievedParagraph) -> tuple[float, float, float, float]:
    """Share of the question's words found in the paper's title; whether the
    question names its body or council; whether a year it states is (or is not)
    the paper's year."""
    title = view.overlap(set(content_terms(r.title)))
    named = " ".join(x for x in (r.body, r.council) if x)
    body_terms = set(content_terms(named))
    body = float(bool(body_terms) and len(body_terms & view.terms) / len(body_terms) >= 0.5)
    year = (r.date or "")[:4]
    date = float(bool(year) and year in view.years)
    clash = float(bool(year) and bool(view.years) and year not in view.years)
    return title, body, date, clash


def date_key(date: str | None) -> int:
    """An ISO (partial) date as a sortable integer; 0 when unknown."""
    if not date:
        return 0
    digits = (date.replace("-", "") + "0000")[:8]
    return int(digits) if digits.isdigit() else 0
