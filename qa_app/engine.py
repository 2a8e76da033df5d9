"""`QAEngine`: the one facade the CLI, the app and the benchmarks use.

It wires the embedder, the store, the hybrid retriever and an answerer
(extractive by default; the LLM answerer when `settings.llm` is set), makes
follow-up questions standalone, and times each stage.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from typing import Any

from ingest.config import Settings
from ingest.embed import Embedder
from ingest.dates import parse_partial_date
from ingest.errors import ConfigError, CouncilPapersError
from ingest.library import make_embedder, open_store
from ingest.store import Filters, PaperStore
from qa_app.abstention import ABSTAIN_THRESHOLD, abstained_answer
from qa_app.answerers.extractive import ExtractiveAnswerer, ExtractiveConfig
from qa_app.conversation import QuestionResolver, RuleBasedResolver
from qa_app.retrieval import HybridRetriever, TermStats
from qa_app.types import Answer, Answerer, Retriever, Turn

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
EMPTY_LIBRARY_NOTICE = "The library has no papers yet; ingest some first (python -m ingest)."


class QuestionError(CouncilPapersError):
    """The question itself cannot be asked (empty, too long, bad k)."""


class QAEngine:
    """Retrieval + answering over one store, built from settings unless parts
    are injected (tests inject their shared embedder and store)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embedder: Embedder | None = None,
        store: PaperStore | None = None,
        retriever: Retriever | None = None,
        answerer: Answerer | None = None,
        resolver: QuestionResolver | None = None,
    ) -> None:
        self.settings = settings or Settings()
        self.embedder: Any = embedder or make_embedder(self.settings)
        self.store = store or open_store(self.settings, self.embedder.name)
        self.store.check_compatible()
        self.terms = TermStats(self.store)
        self.retriever: Retriever = retriever or HybridRetriever(self.store, self.embedder)
        threshold = self.settings.abstain_threshold
        self.extractive = ExtractiveAnswerer(
            self.embedder, idf=self.terms.idf,
            config=ExtractiveConfig(threshold=ABSTAIN_THRESHOLD if threshold is None else threshold),
        )
        self.answerer: Answerer = answerer or self._default_answerer()
        self.resolver: QuestionResolver = resolver or RuleBasedResolver()

    def _default_answerer(self) -> Answerer:
        if not self.settings.llm:
            return self.extractive
        from qa_app.answerers.llm import LLMAnswerer

        return LLMAnswerer(self.settings.llm, base_url=self.settings.llm_base_url, fallback=self.extractive)

    @property
    def mode(self) -> str:
        """"extractive", or "llm:<spec>" when an LLM writes the answers."""
        if self.answerer is self.extractive:
            return "extractive"
        mode = getattr(self.answerer, "mode", None)
        if isinstance(mode, str) and mode:
            return mode
        return f"llm:{self.settings.llm}" if self.settings.llm else type(self.answerer).__name__

    # ------------------------------------------------------------ lifecycle
    def warm_up(self) -> None:
        """Load the model, the BM25 index and term statistics now."""
        self.embedder.warm_up()
        self.refresh()
        warm = getattr(self.answerer, "warm_up", None)
        if callable(warm):
            warm()

    def refresh(self) -> None:
        """Pick up a re-ingested store: reload BM25 and statistics when the
        catalogue generation has changed (a no-op otherwise)."""
        refresh = getattr(self.retriever, "refresh", None)
        if callable(refresh):
            refresh()
        self.terms.refresh()

    # ------------------------------------------------------------- asking
    def ask(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        k: int = 8,
    ) -> Answer:
        """Answer one question (a follow-up when `history` is given): the final
        item of `stream`, so both paths share every step."""
        for piece in self.stream(question, history=history, filters=filters, k=k):
            if isinstance(piece, Answer):
                return piece
        raise CouncilPapersError("answering ended without an answer")  # pragma: no cover - stream always ends so

    def stream(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        k: int = 8,
    ) -> Iterator[str | Answer]:
        """Text pieces of the answer as they are produced, then the final `Answer`."""
        started = time.perf_counter()
        question, resolved, timings = self._prepare(question, history, k)
        if self.store.paragraph_count() == 0:
            answer = abstained_answer(question, [], mode=self.mode)
            answer.notice = EMPTY_LIBRARY_NOTICE
            yield answer.answer
            yield self._finish(answer, question, resolved, timings, started)
            return
        t0 = time.perf_counter()
        retrieved = self.retriever.retrieve(resolved, k=k, filters=filters)
        timings["retrieve"] = _ms(t0)
        t0 = time.perf_counter()
        stream = getattr(self.answerer, "stream", None)
        if not callable(stream):
            answer = self.answerer.answer(resolved, retrieved)
            yield answer.answer
        else:
            final: Answer | None = None
            for piece in stream(resolved, retrieved):
                if isinstance(piece, Answer):
                    final = piece
                else:
                    yield piece
            if final is None:
                raise CouncilPapersError(f"{type(self.answerer).__name__}.stream ended without an Answer")
            answer = final
        timings["answer"] = _ms(t0)
        yield self._finish(answer, question, resolved, timings, started)

    def _prepare(self, question: str, history: Sequence[Turn], k: int) -> tuple[str, str, dict[str, float]]:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("question must not be empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise QuestionError(f"question must be at most {MAX_QUESTION_CHARS} characters; got {len(question)}")
        if k <= 0:
            raise QuestionError(f"k must be greater than 0; got {k}")
        question = question.strip()
        timings: dict[str, float] = {}
        self.terms.refresh()
        resolved = question
        if history:
            t0 = time.perf_counter()
            resolved = self._condense(question, history)
            timings["resolve"] = _ms(t0)
        return question, resolved, timings

    def _condense(self, question: str, history: Sequence[Turn]) -> str:
        """Standalone form of a follow-up: the LLM's condense when it has one and
        it succeeds, else the rules."""
        condense = getattr(self.answerer, "condense", None)
        if callable(condense):
            try:
                result = condense(question, list(history))
                if isinstance(result, str) and result.strip():
                    return result.strip()
            except (CouncilPapersError, OSError, ValueError) as exc:
                logger.warning("condensing the follow-up failed (%s); using rules", exc)
        return self.resolver.resolve(question, history)

    def _finish(
        self, answer: Answer, question: str, resolved: str, timings: dict[str, float], started: float
    ) -> Answer:
        answer.question = question
        answer.resolved_question = resolved if resolved != question else None
        answer.timings_ms = {**timings, **answer.timings_ms, "total": _ms(started)}
        if not answer.mode:
            answer.mode = self.mode
        return answer

    def close(self) -> None:
        self.store.close()


def make_filters(
    *,
    doc_types: Sequence[str] = (),
    bodies: Sequence[str] = (),
    papers: Sequence[str] = (),
    date_from: str | None = None,
    date_to: str | None = None,
) -> Filters | None:
    """Filters from user-facing values, validated; None when nothing is set."""
    from ingest.types import DOC_TYPES

    unknown = [t for t in doc_types if t not in DOC_TYPES]
    if unknown:
        raise ConfigError(f"unknown document type {unknown[0]!r}; choose from {', '.join(DOC_TYPES)}")
    start = parse_partial_date(date_from, end=False) if date_from else None
    stop = parse_partial_date(date_to, end=True) if date_to else None
    if start and stop and start > stop:
        raise ConfigError(f"the date range starts after it ends: {date_from} > {date_to}")
    filters = Filters(
        doc_types=tuple(doc_types), bodies=tuple(bodies), doc_ids=tuple(papers), date_from=start, date_to=stop
    )
    return None if filters.is_empty() else filters


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0
