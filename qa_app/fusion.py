"""Fusion and re-scoring of retrieval candidates, as small units.

`rrf` joins the dense and lexical rankings (as haystack's `DocumentJoiner` does
with reciprocal rank fusion); each `Rescorer` then adjusts the fused scores
for one reason. The retriever runs whatever rescorers it is given, so a learned
scorer can replace these boosts without editing the retriever.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Protocol

from ingest.errors import ConfigError
from ingest.terms import few_content_terms
from ingest.types import Paragraph
from qa_app.answer_types import has_type, question_type

_RECENCY_CUE = re.compile(
    r"\b(?:latest|most recent|newest|recent(?:ly)?|current(?:ly)?|now|today|at present|last)\b", re.IGNORECASE
)


def asks_for_latest(question: str) -> bool:
    """Does the question ask about the latest state of affairs ("the latest
    inspection", "currently")? Then newer papers should win near-ties."""
    return bool(_RECENCY_CUE.search(question))


@dataclass(frozen=True)
class FusionConfig:
    """Reciprocal rank fusion constants.

    `rrf_k` and `lexical_weight` were chosen on tuning sets only (SQuAD 2.0 dev
    questions outside the evaluation sample, the real-paper tune half, council
    dev, the written-answers tune half; docs/BENCHMARKS.md, "Fusion constants
    chosen on four tuning sets"): a sharper fusion with BM25 weighed as dense.
    `type_boost` multiplies the fused score of a paragraph that holds the kind
    of answer the question asks for (a date for "when", money for "how much",
    …), from the council dev sweep ("Fusion tuning")."""

    rrf_k: float = 20.0
    dense_weight: float = 0.0
    """Weight of the dense ranking by the question's own vector: 0, as the
    adapted ranking below takes its place (searching both weighs dense twice
    against BM25, which measured worse; docs/BENCHMARKS.md, "A query adapter
    fitted on labelled pairs")."""
    adapted_weight: float = 1.0
    """Weight of the dense ranking by the question's vector moved by the fitted
    query adapter (`qa_app/query_adapter.py`); 0: not searched."""
    lexical_weight: float = 1.0
    type_boost: float = 0.3
    recency_boost: float = 0.3
    field_boost: float = 0.0
    field_weight: float = 1.0
    """Weight of the rankings searched inside the papers the question names,
    for the question's topic (`FieldIndex.topic`: the words naming the papers
    left out). 1.0 by measurement on the real-paper tune half and the first
    fresh set, council dev and SQuAD as guards (docs/BENCHMARKS.md, "Looking
    inside the papers a question names"). `field_boost` stays 0: on the tuning
    half no setting beat leaving it off (bench/tune_retrieval.py)."""
    structural_penalty: float = 0.3
    paper_weight: float = 0.5
    """Weight of the ranking of short papers by their mean vector
    (`ingest.index.vectors.PAPER_MAX_CHUNKS`), each paper speaking through its
    best candidate of the other rankings (or, with none, its paragraph nearest
    the question); 0: not searched. By measurement on the tuning halves (known
    items, written answers, real papers), SQuAD as the guard (docs/BENCHMARKS.md,
    "Short papers ranked by their mean vector")."""
    candidates: int = 50
    window_chars: int = 3000
    """Each result is returned with its neighbours, about this many characters
    of them (`qa_app/windows.py`), which the language model reads with it; 0
    returns paragraphs alone. Chosen by what is read within the model's budget
    (bench/tune_reading.py, docs/BENCHMARKS.md "What the language model reads"):
    the most QMSum gold turns on its tuning half, guards kept."""
    window_dense_weight: float = 0.0
    window_lexical_weight: float = 0.0
    """Weights of the window rankings in the fusion (a candidate scored with its
    neighbours). 0 by measurement: on the tuning halves 0.25 each helped QMSum
    and kept every guard (bench/tune_windows.py), but on the seeded SQuAD
    evaluation sample it cost 3 questions (0.949 -> 0.943); docs/BENCHMARKS.md
    ("Paragraph windows")."""

    def __post_init__(self) -> None:
        if self.rrf_k <= 0:
            raise ConfigError(f"rrf_k must be greater than 0; got {self.rrf_k}")
        weights = (self.dense_weight, self.adapted_weight, self.lexical_weight)
        if min(weights) < 0 or sum(weights) == 0:
            raise ConfigError(f"fusion weights must be non-negative and not all 0; got {weights}")
        for name in ("type_boost", "recency_boost", "field_boost", "field_weight", "structural_penalty",
                     "paper_weight", "window_dense_weight", "window_lexical_weight"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must not be negative; got {getattr(self, name)}")
        if self.candidates <= 0:
            raise ConfigError(f"candidates must be greater than 0; got {self.candidates}")
        if self.window_chars < 0:
            raise ConfigError(f"window_chars must not be negative; got {self.window_chars}")

    def without_adapter(self) -> FusionConfig:
        """The same fusion with the plain question vector in the adapted ranking's place."""
        return replace(self, dense_weight=self.dense_weight + self.adapted_weight, adapted_weight=0.0)

    @property
    def windowed(self) -> bool:
        """Are paragraphs returned with their neighbours?"""
        return self.window_chars > 0

    @property
    def scores_windows(self) -> bool:
        """Are candidates also ranked by their windows?"""
        return self.windowed and self.window_dense_weight + self.window_lexical_weight > 0


def rrf(rankings: list[tuple[list[str], float]], rrf_k: float) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum of weight / (rrf_k + rank), rank from 1."""
    fused: dict[str, float] = {}
    for ranking, weight in rankings:
        if weight == 0:
            continue
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + weight / (rrf_k + rank)
    return fused


class Rescorer(Protocol):
    """Adjusts fused scores of candidate paragraphs for one reason. Returns new
    scores for the same ids; never adds or drops a candidate."""

    def rescore(
        self, question: str, scores: Mapping[str, float], paragraphs: Mapping[str, Paragraph]
    ) -> dict[str, float]: ...


def _scaled(
    scores: Mapping[str, float], paragraphs: Mapping[str, Paragraph], factor: Callable[[Paragraph], float]
) -> dict[str, float]:
    """`scores` with each candidate's score multiplied by `factor` of its paragraph."""
    return {pid: score * factor(paragraphs[pid]) if pid in paragraphs else score for pid, score in scores.items()}


@dataclass(frozen=True)
class AnswerTypeBoost:
    """Favour paragraphs holding the kind of answer asked for (money for "how much")."""

    boost: float

    def rescore(
        self, question: str, scores: Mapping[str, float], paragraphs: Mapping[str, Paragraph]
    ) -> dict[str, float]:
        kind = question_type(question)
        if kind is None or not self.boost:
            return dict(scores)
        return _scaled(scores, paragraphs, lambda p: 1.0 + self.boost if has_type(p.text, kind, question) else 1.0)


def recency_weights(dates: Mapping[str, int]) -> dict[str, float]:
    """Each dated paper's place between the oldest (0.0) and newest (1.0) of the
    candidates; undated papers get 0.0."""
    dated = {doc: d for doc, d in dates.items() if d > 0}
    if len(set(dated.values())) < 2:
        return {doc: 0.0 for doc in dates}
    low, high = min(dated.values()), max(dated.values())
    return {doc: (dated[doc] - low) / (high - low) if doc in dated else 0.0 for doc in dates}


@dataclass(frozen=True)
class RecencyBoost:
    """For questions about the latest state of affairs, favour newer papers.
    `date_of` gives a paper's date as yyyymmdd (0 when undated)."""

    boost: float
    date_of: Callable[[str], int]

    def rescore(
        self, question: str, scores: Mapping[str, float], paragraphs: Mapping[str, Paragraph]
    ) -> dict[str, float]:
        if not self.boost or not asks_for_latest(question):
            return dict(scores)
        weights = recency_weights({p.doc_id: self.date_of(p.doc_id) for p in paragraphs.values()})
        return _scaled(scores, paragraphs, lambda p: 1.0 + self.boost * weights.get(p.doc_id, 0.0))


_STRUCTURAL = re.compile(
    r"^\s*(?:present|also present|in attendance|attendees|members present|absent|apologies(?: for absence)?"
    r"|signed|chair(?:man|person)?\s*[:.]*\s*$|date\s*[:.]*\s*$|page \d+|\d+\s*$)\b",
    re.IGNORECASE,
)
_ASKS_ABOUT_ATTENDANCE = re.compile(r"\b(?:present|attend\w*|apologi\w*|absent|signed)\b", re.IGNORECASE)


def is_structural(text: str) -> bool:
    """Attendance lists, apologies, signature lines and page furniture: the
    frame of a paper, never the answer to a question about its content."""
    return bool(_STRUCTURAL.match(text)) or few_content_terms(text, 1)



@dataclass(frozen=True)
class StructuralPenalty:
    """Structural paragraphs never outrank content for a content question."""

    factor: float

    def rescore(
        self, question: str, scores: Mapping[str, float], paragraphs: Mapping[str, Paragraph]
    ) -> dict[str, float]:
        if _ASKS_ABOUT_ATTENDANCE.search(question):
            return dict(scores)
        return _scaled(scores, paragraphs, lambda p: self.factor if is_structural(p.text) else 1.0)


@dataclass(frozen=True)
class FieldBoost:
    """Favour paragraphs of the papers the question names (council, body,
    title, date); `field_scores` gives each paper's score in [0, 1]."""

    boost: float
    field_scores: Callable[[str], Mapping[str, float]]

    def rescore(
        self, question: str, scores: Mapping[str, float], paragraphs: Mapping[str, Paragraph]
    ) -> dict[str, float]:
        if not self.boost:
            return dict(scores)
        named = self.field_scores(question)
        return _scaled(scores, paragraphs, lambda p: 1.0 + self.boost * named.get(p.doc_id, 0.0))
