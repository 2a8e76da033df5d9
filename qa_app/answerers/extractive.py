"""The default, offline answerer: pick the best sentence(s) of the top paragraphs
and quote them as what the paper says.

Every answer sentence is a sentence of a retrieved paragraph, cut out by offset,
so each quote is verbatim by construction. Which sentence, and whether to answer
at all, are decided by fitted models (`qa_app/models/answerer.json`, written by
`bench/train_answerer.py`) over the features of `qa_app.answerers.features`:
a sentence scorer, and an abstention model whose probability becomes the
answer's `confidence`. Headings and sentences addressed to the reader are never
answers.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial

import numpy as np

from ingest.embed import Embedder
from ingest.errors import ConfigError
from qa_app.abstention import ABSTAIN_THRESHOLD, abstained_answer
from qa_app.answer_types import asks_outcome
from qa_app.answerers.compose import ScoredSentence, compose_answer, format_date
from qa_app.answerers.decline import default_models, question_features
from qa_app.answerers.features import Candidate, IdfFn, RowPicker, candidates, ranked_rows
from qa_app.answerers.outcome import outcome_after
from qa_app.answerers.scorer import AnswererModels
from qa_app.text import Span, content_terms
from qa_app.types import Answer, RetrievedParagraph

__all__ = ["ExtractiveAnswerer", "ExtractiveConfig", "ScoredSentence", "compose_answer", "format_date"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ExtractiveConfig:
    """How many paragraphs and sentences to consider, how close a second
    sentence's score must be to join the answer, and the abstention threshold
    (a probability; the fitted one unless overridden). `second_ratio` lets the
    same statement from a paper of another date join the answer; the ranking
    fit spreads such near-equal sentences further apart than the pointwise fit
    did (0.49 and 0.41 for the two dated Ofsted ratings of the tests), so 0.8."""

    paragraphs: int = 5
    max_sentences: int = 3
    second_ratio: float = 0.8
    threshold: float = ABSTAIN_THRESHOLD

    def __post_init__(self) -> None:
        if self.paragraphs <= 0:
            raise ConfigError(f"paragraphs must be greater than 0; got {self.paragraphs}")
        if not 1 <= self.max_sentences <= 3:
            raise ConfigError(f"max_sentences must be between 1 and 3; got {self.max_sentences}")


@dataclass(frozen=True)
class Scored:
    """One question's eligible candidates, their feature rows, the sentence
    scorer's probabilities (best first) and P(answerable)."""

    candidates: list[Candidate]
    matrix: np.ndarray
    scores: np.ndarray
    answerable: float


class ExtractiveAnswerer:
    """`Answerer` that answers with verbatim sentences, each citing its paragraph."""

    mode = "extractive"

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        idf: IdfFn | None = None,
        config: ExtractiveConfig | None = None,
        cache_size: int = 4096,
        models: AnswererModels | None = None,
    ) -> None:
        self.embedder = embedder
        self.idf = idf
        self.config = config or ExtractiveConfig()
        self._models = models
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    @property
    def models(self) -> AnswererModels:
        if self._models is None:
            self._models = default_models()
        return self._models

    # ------------------------------------------------------------- scoring
    def features(
        self, question: str, retrieved: list[RetrievedParagraph], needed: RowPicker | None = None,
    ) -> tuple[list[Candidate], np.ndarray]:
        """Every sentence of the top paragraphs and its feature row (embedding
        similarity only for the rows `needed` picks, when given)."""
        return candidates(question, retrieved, partial(self._dense, question), idf=self.idf,
                          paragraphs=self.config.paragraphs, needed=needed)

    def score(self, question: str, retrieved: list[RetrievedParagraph]) -> Scored:
        """The eligible sentences ranked by the fitted scorer, and the fitted
        probability that the question is answerable from them. Only the
        sentences the scorer ranks are embedded."""
        return self.rank(*self.features(question, retrieved, needed=ranked_rows))

    def rank(self, cands: list[Candidate], matrix: np.ndarray) -> Scored:
        keep = ranked_rows(cands)
        if not keep:
            return Scored([], np.zeros((0, matrix.shape[1] if matrix.ndim == 2 else 0)), np.zeros(0), 0.0)
        rows = matrix[keep]
        logits = self.models.sentence.logits(rows)
        answerable = float(self.models.abstain.proba(question_features(logits, rows)[None, :])[0])
        order = np.argsort(-logits, kind="stable")
        probs = 1.0 / (1.0 + np.exp(-logits[order]))
        return Scored([cands[keep[i]] for i in order], rows[order], probs, answerable)

    def _dense(self, question: str, items: list[tuple[str, Span]]) -> np.ndarray:
        """Cosine of each sentence with the question; zeros without an embedder.
        Sentence vectors are cached by paragraph id and offsets."""
        if self.embedder is None or not items:
            return np.zeros(len(items), dtype=np.float32)
        keys = [f"{pid}:{span.start}:{span.end}" for pid, span in items]
        found: dict[str, np.ndarray] = {}
        with self._lock:  # least recently used first out: a hit moves to the end
            for key in keys:
                if key in self._cache:
                    self._cache.move_to_end(key)
                    found[key] = self._cache[key]
        missing = [i for i, key in enumerate(keys) if key not in found]
        if missing:
            vectors = self.embedder.embed_each([items[i][1].text for i in missing])
            with self._lock:
                for i, vec in zip(missing, vectors, strict=True):
                    found[keys[i]] = self._cache[keys[i]] = vec
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        matrix = np.stack([found[key] for key in keys])  # this question's vectors, whatever was evicted since
        q = self.embedder.embed_query(question)
        return np.asarray(matrix @ q, dtype=np.float32)

    # ------------------------------------------------------------ answering
    def answer(self, question: str, retrieved: list[RetrievedParagraph]) -> Answer:
        return self.decide(question, retrieved, self.score(question, retrieved))

    def decide(self, question: str, retrieved: list[RetrievedParagraph], scored: Scored) -> Answer:
        """Answer from already-scored candidates, or decline below the threshold."""
        if not scored.candidates or scored.answerable < self.config.threshold:
            return abstained_answer(question, retrieved, mode=self.mode, confidence=scored.answerable)
        citations, text = compose_answer(self._compose(scored, outcome=asks_outcome(question)))
        return Answer(
            question=question, answer=text, abstained=False, citations=citations, retrieved=list(retrieved),
            mode=self.mode, confidence=scored.answerable,
        )

    def stream(self, question: str, retrieved: list[RetrievedParagraph]) -> Iterator[str | Answer]:
        """The answer's words as text pieces, then the `Answer` itself."""
        answer = self.answer(question, retrieved)
        yield from (m.group() for m in re.finditer(r"\S+\s*", answer.answer))
        yield answer

    def _compose(self, scored: Scored, *, outcome: bool = False) -> list[ScoredSentence]:
        """The best sentence, plus near-ties from other paragraphs that hold the
        kind of thing asked for and come from a paper of another date. For a
        question about how a matter ended (`outcome`), the best sentence is
        followed by its item's outcome when it does not say it itself
        (`qa_app.answerers.outcome`)."""
        cfg = self.config
        first = scored.candidates[0]
        best = float(scored.scores[0])
        chosen = [ScoredSentence(first.source, first.rank, first.span, best)]
        if outcome:
            chosen += outcome_after(chosen[0])
        for cand, score in zip(scored.candidates[1:], scored.scores[1:], strict=True):
            if len(chosen) >= cfg.max_sentences or score < cfg.second_ratio * best:
                break
            if any(c.source.paragraph.id == cand.source.paragraph.id for c in chosen):
                continue
            if (first.typed and not cand.typed) or any(_same_text(c.span.text, cand.span.text) for c in chosen):
                continue
            if cand.source.date is not None and all(c.source.date != cand.source.date for c in chosen):
                chosen.append(ScoredSentence(cand.source, cand.rank, cand.span, float(score)))
        return chosen


def _same_text(a: str, b: str) -> bool:
    return set(content_terms(a)) == set(content_terms(b))
