"""The optional LLM answer mode: a LangChain chat model writes a short cited
answer from the retrieved paragraphs, and only what the cited paragraphs verify
reaches the reader.

The model reads each retrieved paragraph with its window of neighbours
(small-to-big: a speaker's turn with the turns around it, a motion with its
proposer line), within a budget of characters; every paragraph it reads is a
numbered source it can cite, and is verified as such.

The model is never trusted: every sentence goes through `CitationVerifier`.
When nothing survives (or the model declines, or fails), the extractive
`fallback` answers instead, and the `notice` says why.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from langchain_core.prompts import ChatPromptTemplate

from ingest.config import Settings
from qa_app.abstention import ABSTAIN_MESSAGE
from qa_app.answerers.verify import CitationVerifier, VerifiedAnswer, is_abstention
from qa_app.llm_models import make_chat_model
from qa_app.types import Answer, Answerer, RetrievedParagraph, Turn
from qa_app.windows import as_source, read_within

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from ingest.types import Paragraph

logger = logging.getLogger(__name__)

__all__ = [
    "ANSWER_PROMPT", "CONDENSE_PROMPT", "CONTEXT_CHARS", "LLMAnswerer", "UNVERIFIED_NOTICE", "format_context",
    "reading_context",
]

UNVERIFIED_NOTICE = (
    "The language model's answer could not be verified against the papers, so the best matching passages are "
    "shown instead."
)
DECLINED_NOTICE = "The language model found no answer in these papers; the best matching passages are shown instead."
FAILED_NOTICE = "The language model is unavailable ({error}); the best matching passages are shown instead."

ANSWER_PROMPT = ChatPromptTemplate.from_messages([
    ("system",
     "You answer councillors' questions using only the numbered council paper paragraphs you are given. "
     "Write a short answer of one to three sentences, reusing the papers' own words. "
     "End every sentence with the number of the paragraph that supports it in square brackets, like [2]. "
     "Do not add anything the paragraphs do not say. "
     f"If the paragraphs do not answer the question, reply exactly: {ABSTAIN_MESSAGE}"),
    ("human", "Paragraphs:\n{context}\n\nQuestion: {question}"),
])
"""Paragraphs are numbered [1]..[n] as `reading_context` orders them; markers refer to those numbers."""

CONDENSE_PROMPT = ChatPromptTemplate.from_messages([
    ("system",
     "Rewrite the follow-up question as one standalone question that can be understood without the "
     "conversation, naming what it refers to. Reply with the question only."),
    ("human", "Conversation:\n{history}\n\nFollow-up question: {question}\n\nStandalone question:"),
])

MAX_PARAGRAPH_CHARS = 1500
"""No one paragraph crowds out the others."""
CONTEXT_CHARS: int = Settings.model_fields["llm_context_chars"].default
"""What the model reads of the papers by default (`COUNCIL_LLM_CONTEXT_CHARS`)."""

HISTORY_TURNS = 4
HISTORY_ANSWER_CHARS = 400


def reading_context(retrieved: Sequence[RetrievedParagraph], budget: int = CONTEXT_CHARS) -> list[RetrievedParagraph]:
    """The paragraphs the model reads, each its own source: the results with
    their windows (`qa_app.windows.read_within`), grouped by the result that
    brought them, in paper order within each group. A neighbour carries its
    result's paper, so a citation of it names the right paper and paragraph."""
    groups: dict[int, list[Paragraph]] = {}
    for n, paragraph in read_within(retrieved, budget):
        groups.setdefault(n, []).append(paragraph)
    sources: list[RetrievedParagraph] = []
    for n, paragraphs in groups.items():
        result = retrieved[n]
        for p in sorted(paragraphs, key=lambda p: p.number):
            sources.append(as_source(result, p))
    return sources


def format_context(retrieved: Sequence[RetrievedParagraph], max_chars: int = MAX_PARAGRAPH_CHARS) -> str:
    """The numbered paragraphs as the model sees them: a `(title, date)` line
    for each run of paragraphs from one paper, then `[n] text` for each (a
    title repeated on every paragraph of a window would cost more than the
    paragraphs)."""
    blocks: list[list[str]] = []
    paper: str | None = None
    for n, item in enumerate(retrieved, start=1):
        if item.path != paper or not blocks:
            paper = item.path
            blocks.append([f"({', '.join(part for part in (item.title, item.date) if part)})"])
        text = item.paragraph.text
        if len(text) > max_chars:
            text = text[:max_chars].rsplit(" ", 1)[0] + " …"
        blocks[-1].append(f"[{n}] {text}")
    return "\n\n".join("\n".join(block) for block in blocks)


class LLMAnswerer:
    """An `Answerer` backed by any LangChain chat model, with verified citations.

    `chat_model_or_spec` is a chat model or a spec such as `llamacpp:model.gguf`
    (see `qa_app.llm_models`); a spec's model is built on first use."""

    def __init__(
        self,
        chat_model_or_spec: BaseChatModel | str,
        *,
        fallback: Answerer,
        base_url: str | None = None,
        verifier: CitationVerifier | None = None,
        model_options: dict[str, Any] | None = None,
        context_chars: int = CONTEXT_CHARS,
    ) -> None:
        if isinstance(chat_model_or_spec, str):
            from qa_app.llm_models import parse_spec

            self.spec = str(parse_spec(chat_model_or_spec))  # fail fast on a bad spec, load lazily
            self._model: BaseChatModel | None = None
        else:
            self.spec = str(getattr(chat_model_or_spec, "_llm_type", type(chat_model_or_spec).__name__))
            self._model = chat_model_or_spec
        self.fallback = fallback
        self.base_url = base_url
        self.verifier = verifier or CitationVerifier()
        self.model_options = dict(model_options or {})
        self.context_chars = context_chars

    @property
    def mode(self) -> str:
        return f"llm:{self.spec}"

    @property
    def chat_model(self) -> BaseChatModel:
        """The chat model, built (and for llama.cpp, loaded) on first use."""
        if self._model is None:
            self._model = make_chat_model(self.spec, base_url=self.base_url, **self.model_options)
        return self._model

    def warm_up(self) -> None:
        """Load the model now rather than on the first question."""
        _ = self.chat_model

    def answer(self, question: str, retrieved: list[RetrievedParagraph]) -> Answer:
        """Generate, verify and return the answer (see `stream` for the same, incrementally)."""
        final: Answer | None = None
        for item in self.stream(question, retrieved):
            if isinstance(item, Answer):
                final = item
        assert final is not None  # stream always ends with an Answer
        return final

    def stream(self, question: str, retrieved: list[RetrievedParagraph]) -> Iterator[str | Answer]:
        """Yield the model's text pieces as they arrive, then the verified `Answer` last.

        The pieces are the raw, unverified draft; only the final `Answer` is checked."""
        if not retrieved:
            answer = self.fallback.answer(question, retrieved)
            yield answer.answer
            yield answer
            return
        sources = reading_context(retrieved, self.context_chars)
        started = time.perf_counter()
        first_token: float | None = None
        pieces: list[str] = []
        chain = ANSWER_PROMPT | self.chat_model
        try:
            for chunk in chain.stream({"context": format_context(sources), "question": question}):
                piece = str(chunk.text)
                if not piece:
                    continue
                if first_token is None:
                    first_token = time.perf_counter()
                pieces.append(piece)
                yield piece
        except Exception as error:  # noqa: BLE001 - any provider failure degrades to the extractive answer
            logger.exception("chat model %s failed", self.spec)
            yield self._fallback(question, retrieved, FAILED_NOTICE.format(error=type(error).__name__), {})
            return
        generated = time.perf_counter()
        draft = "".join(pieces)
        verified = self.verifier.verify(draft, sources)
        timings = {
            "generate": (generated - started) * 1000,
            "first_token": ((first_token or generated) - started) * 1000,
            "verify": (time.perf_counter() - generated) * 1000,
        }
        yield self._finish(question, retrieved, draft, verified, timings)

    def _finish(
        self, question: str, retrieved: list[RetrievedParagraph], draft: str, verified: VerifiedAnswer,
        timings: dict[str, float],
    ) -> Answer:
        dropped = verified.dropped
        for verdict in dropped:
            logger.info("dropped unsupported sentence %r: %s", verdict.sentence.text, verdict.reason)
        if not verified.citations:
            reason = DECLINED_NOTICE if is_abstention(draft) else UNVERIFIED_NOTICE
            return self._fallback(question, retrieved, reason, timings)
        notice: str | None = None
        if dropped:
            count = len(dropped)
            notice = (f"{count} sentence{'s' if count > 1 else ''} of the language model's answer "
                      f"{'were' if count > 1 else 'was'} removed because the cited papers do not support "
                      f"{'them' if count > 1 else 'it'}.")
        return Answer(
            question=question, answer=verified.text, abstained=False, citations=verified.citations,
            retrieved=list(retrieved), timings_ms=timings, notice=notice, mode=self.mode,
        )

    def _fallback(
        self, question: str, retrieved: list[RetrievedParagraph], notice: str, timings: dict[str, float]
    ) -> Answer:
        """The extractive answer, with our reason in front of its own notice.

        A declined model and an abstaining fallback agree, so no notice is added then."""
        answer = self.fallback.answer(question, retrieved)
        if not (answer.abstained and notice == DECLINED_NOTICE):
            answer = replace(answer, notice=f"{notice} {answer.notice}" if answer.notice else notice)
        return replace(answer, timings_ms={**timings, **answer.timings_ms})

    def condense(self, question: str, history: Sequence[Turn]) -> str:
        """Rewrite a follow-up ("and who seconded it?") as a standalone question.

        Without history, or when the model returns nothing usable, the question
        is returned unchanged."""
        if not history:
            return question
        lines = []
        for turn in history[-HISTORY_TURNS:]:
            lines.append(f"Question: {turn.question}")
            if turn.answer:
                lines.append(f"Answer: {turn.answer[:HISTORY_ANSWER_CHARS]}")
        try:
            reply = (CONDENSE_PROMPT | self.chat_model).invoke({"history": "\n".join(lines), "question": question})
        except Exception:  # noqa: BLE001 - a failed rewrite must not block the question itself
            logger.exception("chat model %s failed to condense a follow-up", self.spec)
            return question
        rewritten = _first_line(str(reply.text))
        if not rewritten or len(rewritten) > 3 * len(question) + 200:
            return question
        return rewritten


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().strip("\"'“”").strip()
        for label in ("standalone question:", "question:"):
            if line.lower().startswith(label):
                line = line[len(label):].strip().strip("\"'“”").strip()
        if line:
            return line
    return ""
