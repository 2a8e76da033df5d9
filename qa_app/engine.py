"""`QAEngine`: the one facade the CLI, the app and the benchmarks use.

It wires the embedder, the store, the hybrid retriever and an answerer
(extractive by default; the LLM answerer when `settings.llm` is set), makes
follow-up questions standalone, and times each stage.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace

from ingest.config import Settings
from ingest.embed import Embedder
from ingest.errors import CouncilPapersError, IndexUnreadableError
from ingest.index import Filters, PaperStore
from ingest.library import make_embedder, open_store
from ingest.types import Paragraph
from qa_app.abstention import ABSTAIN_THRESHOLD, abstained_answer
from qa_app.access import Viewer, restrict
from qa_app.answerers.extractive import ExtractiveAnswerer, ExtractiveConfig
from qa_app.context import surrounding
from qa_app.conversation import QuestionResolver, RuleBasedResolver
from qa_app.fusion import FusionConfig
from qa_app.retrieval import HybridRetriever
from qa_app.types import (
    Answer,
    Answerer,
    Condenser,
    QuestionError,
    Refreshable,
    RetrievedParagraph,
    Retriever,
    StreamingAnswerer,
    Turn,
    WarmsUp,
    validate_k,
)

__all__ = ["EMPTY_LIBRARY_NOTICE", "MAX_QUESTION_CHARS", "QAEngine", "QuestionError"]

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 2000
EMPTY_LIBRARY_NOTICE = "The library has no papers yet; ingest some first (python -m ingest)."


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
        self.embedder: Embedder = embedder or make_embedder(self.settings, lean=True)
        self.store = store or open_store(self.settings, self.embedder)
        self.store.check_compatible()
        if missing := self.store.missing_vectors():
            raise IndexUnreadableError(
                f"{missing} of {self.store.chunk_count()} chunks in {self.store.store_dir} have no vector (was its "
                "chroma folder removed?); repair the index with: python -m ingest --repair"
            )
        if missing := self.store.missing_paper_vectors():
            logger.warning("%d papers in %s have no paper vector, so the ranking of whole papers misses them; "
                           "python -m ingest adds them from the stored vectors", missing, self.store.store_dir)
        self.retriever: Retriever = retriever or HybridRetriever(
            self.store, self.embedder,
            fusion=FusionConfig() if self.settings.query_adapter else FusionConfig().without_adapter(),
        )
        threshold = self.settings.abstain_threshold
        self.extractive = ExtractiveAnswerer(
            self.embedder, idf=self.store.idf,
            config=ExtractiveConfig(threshold=ABSTAIN_THRESHOLD if threshold is None else threshold),
        )
        self.answerer: Answerer = answerer or self._default_answerer()
        self.resolver: QuestionResolver = resolver or RuleBasedResolver()

    def _default_answerer(self) -> Answerer:
        if not self.settings.llm:
            return self.extractive
        from qa_app.answerers.llm import LLMAnswerer

        return LLMAnswerer(self.settings.llm, base_url=self.settings.llm_base_url, fallback=self.extractive,
                           context_chars=self.settings.llm_context_chars)

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
        """Load the model, the lexical index and paper metadata now."""
        for part in (self.embedder, self.answerer):
            if isinstance(part, WarmsUp):
                part.warm_up()
        self.refresh()

    def refresh(self) -> None:
        """Pick up a re-ingested store (a no-op when the catalogue generation is unchanged)."""
        self.store.lexical()
        if isinstance(self.retriever, Refreshable):
            self.retriever.refresh()

    # ------------------------------------------------------------- asking
    def ask(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        k: int = 8,
        viewer: Viewer | None = None,
    ) -> Answer:
        """Answer one question (a follow-up when `history` is given) from the
        papers `viewer` may read (anonymous when not given: public papers only)."""
        started = time.perf_counter()
        question, resolved, timings = self._prepare(question, history, k)
        retrieved = self._retrieve(resolved, restrict(viewer or Viewer.anonymous(), filters), k, timings)
        if retrieved is None:
            return self._finish(self._empty_library(), question, resolved, timings, started)
        t0 = time.perf_counter()
        answer = self.answerer.answer(resolved, retrieved)
        timings["answer"] = _ms(t0)
        return self._finish(answer, question, resolved, timings, started)

    def stream(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        k: int = 8,
        viewer: Viewer | None = None,
    ) -> Iterator[str | Answer]:
        """Text pieces of the answer as they are produced, then the final `Answer`
        (papers as for `ask`)."""
        started = time.perf_counter()
        question, resolved, timings = self._prepare(question, history, k)
        retrieved = self._retrieve(resolved, restrict(viewer or Viewer.anonymous(), filters), k, timings)
        if retrieved is None:
            answer = self._empty_library()
            yield answer.answer
            yield self._finish(answer, question, resolved, timings, started)
            return
        t0 = time.perf_counter()
        if not isinstance(self.answerer, StreamingAnswerer):
            answer = self.answerer.answer(resolved, retrieved)
            yield answer.answer
        else:
            final: Answer | None = None
            for piece in self.answerer.stream(resolved, retrieved):
                if isinstance(piece, Answer):
                    final = piece
                else:
                    yield piece
            if final is None:
                raise CouncilPapersError(f"{type(self.answerer).__name__}.stream ended without an Answer")
            answer = final
        timings["answer"] = _ms(t0)
        yield self._finish(answer, question, resolved, timings, started)

    def context(self, paragraph: Paragraph) -> list[Paragraph]:
        """The item (or neighbours) around a cited paragraph, for reading it in
        context; the caller has been given the citation, so may read its paper."""
        return surrounding(self.store.paragraphs_of(paragraph.doc_id), paragraph)

    def _empty_library(self) -> Answer:
        return replace(abstained_answer("", [], mode=self.mode), notice=EMPTY_LIBRARY_NOTICE)

    def _retrieve(
        self, resolved: str, filters: Filters | None, k: int, timings: dict[str, float]
    ) -> list[RetrievedParagraph] | None:
        """Retrieved paragraphs, or None when the library is empty."""
        if self.store.is_empty():
            return None
        t0 = time.perf_counter()
        retrieved = self.retriever.retrieve(resolved, k=k, filters=filters)
        timings["retrieve"] = _ms(t0)
        return retrieved

    def _prepare(self, question: str, history: Sequence[Turn], k: int) -> tuple[str, str, dict[str, float]]:
        if not isinstance(question, str) or not question.strip():
            raise QuestionError("question must not be empty")
        if len(question) > MAX_QUESTION_CHARS:
            raise QuestionError(f"question must be at most {MAX_QUESTION_CHARS} characters; got {len(question)}")
        validate_k(k)
        question = question.strip()
        timings: dict[str, float] = {}
        resolved = question
        if history:
            t0 = time.perf_counter()
            resolved = self._condense(question, history)
            timings["resolve"] = _ms(t0)
        return question, resolved, timings

    def _condense(self, question: str, history: Sequence[Turn]) -> str:
        """Standalone form of a follow-up: the LLM's condense when it has one and
        it succeeds, else the rules."""
        if isinstance(self.answerer, Condenser):
            try:
                result = self.answerer.condense(question, list(history))
                if isinstance(result, str) and result.strip():
                    return result.strip()
            except (CouncilPapersError, OSError, ValueError) as exc:
                logger.warning("condensing the follow-up failed (%s); using rules", exc)
        return self.resolver.resolve(question, history)

    def _finish(
        self, answer: Answer, question: str, resolved: str, timings: dict[str, float], started: float
    ) -> Answer:
        return replace(
            answer,
            question=question,
            resolved_question=resolved if resolved != question else None,
            timings_ms={**timings, **answer.timings_ms, "total": _ms(started)},
            mode=answer.mode or self.mode,
        )

    def close(self) -> None:
        self.store.close()


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0
