"""The default, offline answerer: pick the best sentence(s) of the top paragraphs
and quote them.

Every answer sentence is a sentence of a retrieved paragraph, cut out by offset,
so each quote is verbatim by construction. Sentences are scored by how much of
the question's (IDF-weighted, stemmed) vocabulary they contain, by embedding
similarity to the question, by whether they hold the kind of thing asked for
(money, number, date, name), and by their paragraph's retrieval rank.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from ingest.dates import spoken_date
from ingest.embed import Embedder
from ingest.errors import ConfigError
from qa_app.abstention import ABSTAIN_THRESHOLD, abstained_answer
from qa_app.answer_types import focus_words, has_type, question_type
from qa_app.text import Span, content_terms, split_sentences
from qa_app.types import Answer, Citation, RetrievedParagraph

logger = logging.getLogger(__name__)

IdfFn = Callable[[str], float]
_RECENT = re.compile(r"\b(?:latest|most recent|recent|current|currently|now|today|newest|last)\b", re.IGNORECASE)
_LITERAL = re.compile(r"\b\d[\d,.]*\d\b|\b\d\b")
"""Numbers and years the question states: a paragraph that lacks them is about
something else ("recruited during 2017" against papers of 2016)."""


@dataclass(frozen=True)
class ScoredSentence:
    """A candidate answer sentence and the evidence for choosing it."""

    source: RetrievedParagraph
    rank: int
    span: Span
    coverage: float
    context_coverage: float
    dense: float
    typed: bool
    score: float


@dataclass(frozen=True)
class ExtractiveConfig:
    """Weights of the sentence score (they sum to 1 before the type adjustment),
    how many paragraphs and sentences to consider, and the abstention threshold."""

    paragraphs: int = 5
    max_sentences: int = 3
    coverage_weight: float = 0.45
    context_weight: float = 0.15
    dense_weight: float = 0.30
    rank_weight: float = 0.10
    type_bonus: float = 0.05
    type_penalty: float = 0.25
    focus_weight: float = 2.0
    literal_penalty: float = 0.2
    second_ratio: float = 0.9
    threshold: float = ABSTAIN_THRESHOLD

    def __post_init__(self) -> None:
        if self.paragraphs <= 0:
            raise ConfigError(f"paragraphs must be greater than 0; got {self.paragraphs}")
        if not 1 <= self.max_sentences <= 3:
            raise ConfigError(f"max_sentences must be between 1 and 3; got {self.max_sentences}")


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
    ) -> None:
        self.embedder = embedder
        self.idf = idf
        self.config = config or ExtractiveConfig()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    # ------------------------------------------------------------- scoring
    def score_sentences(self, question: str, retrieved: list[RetrievedParagraph]) -> list[ScoredSentence]:
        """Every sentence of the top paragraphs, best first (sentences holding the
        wanted answer type ahead of those that do not)."""
        cfg = self.config
        top = retrieved[: cfg.paragraphs]
        q_terms = list(dict.fromkeys(content_terms(question)))
        focus = set(content_terms(focus_words(question)))
        weights = {t: self._idf(t) * (cfg.focus_weight if t in focus else 1.0) for t in q_terms}
        total = sum(weights.values()) or 1.0
        kind = question_type(question)
        recent = bool(_RECENT.search(question))
        newest = max((_date_key(r.date) for r in top), default=0)
        literals = set(_LITERAL.findall(question))
        sentences = [(rank, r, span) for rank, r in enumerate(top) for span in split_sentences(r.paragraph.text)]
        dense = self._dense(question, [(r.paragraph.id, span) for _, r, span in sentences])
        out: list[ScoredSentence] = []
        for i, (rank, r, span) in enumerate(sentences):
            terms = set(content_terms(span.text))
            context = " ".join(x for x in (r.title, r.paragraph.heading or "", r.paragraph.text))
            ctx = terms | set(content_terms(context))
            coverage = sum(w for t, w in weights.items() if t in terms) / total
            context_coverage = sum(w for t, w in weights.items() if t in ctx) / total
            typed = has_type(span.text, kind, question)
            score = (
                cfg.coverage_weight * coverage
                + cfg.context_weight * context_coverage
                + cfg.dense_weight * max(0.0, float(dense[i]))
                + cfg.rank_weight / (1 + rank)
            )
            if kind is not None:
                score += cfg.type_bonus if typed else -cfg.type_penalty
            if literals:
                found = set(_LITERAL.findall(" ".join((context, r.date or ""))))
                score -= cfg.literal_penalty * len(literals - found) / len(literals)
            if recent and newest and _date_key(r.date) == newest:
                score += cfg.type_bonus
            out.append(ScoredSentence(r, rank, span, coverage, context_coverage, float(dense[i]), typed, score))
        # A sentence without the kind of thing asked for cannot answer, so when
        # any sentence has one, those come first whatever their overlap.
        gate = kind is not None and any(s.typed for s in out)
        out.sort(key=lambda s: (gate and not s.typed, -s.score, s.rank, s.span.start))
        return out

    def _idf(self, term: str) -> float:
        if self.idf is None:
            return 1.0
        return self.idf(term)

    def _dense(self, question: str, items: list[tuple[str, Span]]) -> np.ndarray:
        """Cosine of each sentence with the question; zeros without an embedder.
        Sentence vectors are cached by paragraph id and offsets."""
        if self.embedder is None or not items:
            return np.zeros(len(items), dtype=np.float32)
        keys = [f"{pid}:{span.start}:{span.end}" for pid, span in items]
        with self._lock:
            missing = [i for i, key in enumerate(keys) if key not in self._cache]
        if missing:
            vectors = self.embedder.embed_documents([items[i][1].text for i in missing])
            with self._lock:
                for i, vec in zip(missing, vectors, strict=True):
                    self._cache[keys[i]] = vec
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        with self._lock:
            matrix = np.stack([self._cache[key] for key in keys])
        q = self.embedder.embed_query(question)
        return np.asarray(matrix @ q, dtype=np.float32)

    # ------------------------------------------------------------ answering
    def answer(self, question: str, retrieved: list[RetrievedParagraph]) -> Answer:
        scored = self.score_sentences(question, retrieved)
        if not scored:
            return abstained_answer(question, retrieved, mode=self.mode, confidence=0.0)
        best = scored[0]
        confidence = best.score
        if confidence < self.config.threshold:
            return abstained_answer(question, retrieved, mode=self.mode, confidence=confidence)
        chosen = self._compose(best, scored)
        citations, text = compose_answer(chosen)
        return Answer(
            question=question, answer=text, abstained=False, citations=citations, retrieved=list(retrieved),
            mode=self.mode, confidence=confidence,
        )

    def stream(self, question: str, retrieved: list[RetrievedParagraph]) -> Iterator[str | Answer]:
        """The answer's sentences as text pieces, then the `Answer` itself."""
        answer = self.answer(question, retrieved)
        yield from _pieces(answer.answer)
        yield answer

    def _compose(self, best: ScoredSentence, scored: list[ScoredSentence]) -> list[ScoredSentence]:
        """The best sentence, plus near-ties from other paragraphs that add
        question words it lacks or come from a paper of another date."""
        cfg = self.config
        chosen = [best]
        for cand in scored[1:]:
            if len(chosen) >= cfg.max_sentences or cand.score < cfg.second_ratio * best.score:
                break
            if cand.score < cfg.threshold or any(c.source.paragraph.id == cand.source.paragraph.id for c in chosen):
                continue
            if best.typed and not cand.typed:
                continue
            if any(_same_text(c.span.text, cand.span.text) for c in chosen):
                continue
            other_date = all(c.source.date != cand.source.date for c in chosen) and cand.source.date is not None
            adds = cand.coverage > 0 and cand.typed
            if other_date or adds:
                chosen.append(cand)
        return chosen


def compose_answer(chosen: list[ScoredSentence]) -> tuple[list[Citation], str]:
    """Citations numbered 1..n and the answer text with a `[n]` after each
    sentence. When the cited papers carry different dates the newest comes first
    and each sentence says its date, so the reader sees which is latest."""
    dates = {c.source.date for c in chosen}
    dated = len(chosen) > 1 and len(dates) > 1
    if dated:
        chosen = sorted(chosen, key=lambda c: -_date_key(c.source.date))
    citations: list[Citation] = []
    parts: list[str] = []
    for n, cand in enumerate(chosen, start=1):
        citations.append(
            Citation(n=n, source=cand.source, quote=cand.span.text, quote_start=cand.span.start,
                     quote_end=cand.span.end, score=cand.score)
        )
        sentence = cand.span.text
        if dated:
            when = format_date(cand.source.date)
            prep = "on" if cand.source.date and len(cand.source.date) == 10 else "in"
            prefix = f"{prep} {when}" if when else "undated"
            prefix = prefix[0].upper() + prefix[1:] if n == 1 else prefix
            if n == 1:
                prefix += " (the latest)"
            parts.append(f"{prefix}: “{sentence}” [{n}]")
        else:
            parts.append(f"{sentence} [{n}]")
    return citations, ("; ".join(parts) + ".") if dated else " ".join(parts)


def format_date(date: str | None) -> str | None:
    """ISO `YYYY-MM-DD` / `YYYY-MM` / `YYYY` as "17 October 2016" / "October 2016" / "2016"."""
    if not date:
        return None
    try:
        return spoken_date(date)
    except (ValueError, IndexError):
        return date


def _date_key(date: str | None) -> int:
    if not date:
        return 0
    digits = (date.replace("-", "") + "0000")[:8]
    return int(digits) if digits.isdigit() else 0


def _same_text(a: str, b: str) -> bool:
    return set(content_terms(a)) == set(content_terms(b))


def _pieces(text: str) -> Iterator[str]:
    for match in re.finditer(r"\S+\s*", text):
        yield match.group()

