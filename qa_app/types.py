"""The QA engine's data and its seams.

`Retriever` and `Answerer` are the two protocols; everything LangChain- or
Chroma-shaped stays inside their implementations.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ingest.errors import ConfigError
from ingest.index import Filters
from ingest.types import DOC_TYPES, Paragraph

__all__ = [
    "DOC_TYPES", "Answer", "Answerer", "Citation", "Condenser", "Filters", "Paragraph", "QuestionError",
    "Refreshable", "RetrievedParagraph", "Retriever", "StreamingAnswerer", "Turn", "WarmsUp", "validate_k",
]


class QuestionError(ConfigError):
    """The question itself cannot be asked (empty, too long, bad k)."""


def validate_k(k: int) -> None:
    """The one check of how many paragraphs a caller asks for."""
    if k <= 0:
        raise QuestionError(f"k must be greater than 0; got {k}")


@dataclass(frozen=True)
class RetrievedParagraph:
    """A paragraph with its paper's metadata and retrieval score."""

    paragraph: Paragraph
    title: str
    doc_type: str
    date: str | None
    path: str
    score: float
    body: str | None = None
    council: str | None = None
    dense_score: float | None = None
    lexical_score: float | None = None
    window: tuple[Paragraph, ...] = ()
    """The paragraph with its neighbours in paper order (small-to-big context);
    empty when retrieval does not use windows. Citations still quote `paragraph`."""
    opening: str = ""
    """The paper's title block (`ingest.header.read_header`): where a paper names
    its meeting or period ("March 2017", "our 2022-23 budget") in words its
    metadata may not hold, as an undated paper does."""

    def to_json(self) -> dict[str, object]:
        """The `retrieved` entry of the `ask --json` contract."""
        return {
            "paper": self.path, "title": self.title, "doc_type": self.doc_type, "date": self.date,
            "paragraph": self.paragraph.number, "paragraph_id": self.paragraph.id,
            "text": self.paragraph.text, "score": round(self.score, 6),
            "body": self.body, "page": self.paragraph.page,
            "item": self.paragraph.item, "heading": self.paragraph.heading,
        }


@dataclass(frozen=True)
class Citation:
    """One `[n]` marker's evidence: a verbatim quote inside one paragraph.

    `quote == source.paragraph.text[quote_start:quote_end]` always holds.
    """

    n: int
    source: RetrievedParagraph
    quote: str
    quote_start: int
    quote_end: int
    score: float

    def to_json(self) -> dict[str, object]:
        """The `citations` entry of the `ask --json` contract."""
        data = self.source.to_json()
        data.update(
            n=self.n, quote=self.quote, quote_start=self.quote_start, quote_end=self.quote_end,
            score=round(self.score, 6),
        )
        return data


@dataclass(frozen=True)
class Turn:
    """One exchange of a conversation, for follow-up questions."""

    question: str
    answer: str = ""


@dataclass(frozen=True)
class Answer:
    """What `ask` returns: a short answer whose sentences carry `[n]` markers."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[RetrievedParagraph] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    notice: str | None = None
    mode: str = "extractive"
    resolved_question: str | None = None
    confidence: float | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_json() for c in self.citations],
            "retrieved": [r.to_json() for r in self.retrieved],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "notice": self.notice,
            "mode": self.mode,
            "resolved_question": self.resolved_question,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
        }


@runtime_checkable
class Retriever(Protocol):
    """Finds the paragraphs most likely to answer a question.

    Returns at most `k` distinct paragraphs, best first, restricted to `filters`
    inside the stores (not after top-k)."""

    def retrieve(self, question: str, k: int = 10, filters: Filters | None = None) -> list[RetrievedParagraph]: ...


@runtime_checkable
class Answerer(Protocol):
    """Turns a question and retrieved paragraphs into an `Answer` whose every
    sentence cites a paragraph, or abstains when the evidence is too weak."""

    def answer(self, question: str, retrieved: list[RetrievedParagraph]) -> Answer: ...




@runtime_checkable
class StreamingAnswerer(Answerer, Protocol):
    """An answerer that can also yield the answer's text as it is written, then
    the final `Answer` (the LLM answerer)."""

    def stream(self, question: str, retrieved: list[RetrievedParagraph]) -> Iterator[str | Answer]: ...


@runtime_checkable
class Condenser(Protocol):
    """Rewrites a follow-up question as a standalone one, using the conversation."""

    def condense(self, question: str, history: Sequence[Turn]) -> str: ...


@runtime_checkable
class Refreshable(Protocol):
    """Holds state derived from the store and can reload it when the store changed."""

    def refresh(self) -> None: ...


@runtime_checkable
class WarmsUp(Protocol):
    """Loads heavy resources (a model) on request rather than on first use."""

    def warm_up(self) -> None: ...
