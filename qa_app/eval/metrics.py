"""Evaluation metrics over per-question results. Pure functions, so each one is
unit-tested on tiny hand-made results, including ones that must fail."""

from __future__ import annotations

import math
import re
import string
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import PurePosixPath

from qa_app.abstention import CLOSEST_MATCHES
from qa_app.text import normalise

RECALL_AT = (1, 3, 5, 10)


@dataclass(frozen=True)
class Hit:
    """One retrieved item as the metrics see it: its id and text. A chunk that
    spans several paragraphs lists them in `ids`. A paragraph returned with a
    window lists in `shown` the (paragraph id, characters) the reader sees with
    it that no earlier hit showed: itself first, then its nearest neighbours."""

    id: str
    text: str
    ids: frozenset[str] = frozenset()
    paper: str = ""
    shown: tuple[tuple[str, int], ...] = ()

    def paragraph_ids(self) -> frozenset[str]:
        return self.ids or frozenset({self.id})

    def shown_chars(self) -> int:
        """Characters the reader is shown for this hit."""
        return sum(chars for _, chars in self.shown) if self.shown else len(self.text)


@dataclass(frozen=True)
class CitedQuote:
    """One citation as the metrics see it: the cited paragraph and the quote with
    its claimed offsets."""

    paragraph_id: str
    paragraph_text: str
    quote: str
    start: int
    end: int
    paper: str = ""


@dataclass
class QuestionResult:
    """What one system did with one question, plus the gold data to judge it.

    `evidence` strings count as found in a paragraph after whitespace and quote
    normalisation (or alphanumeric-only, see `contains_evidence`); `gold_ids`,
    when given, name the gold paragraphs directly. `source` is the file name of
    the paper that answers; `closest` what an abstention still showed."""

    id: str
    question: str
    answerable: bool
    answers: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    gold_ids: set[str] = field(default_factory=set)
    retrieved: list[Hit] = field(default_factory=list)
    answer: str = ""
    abstained: bool = False
    citations: list[CitedQuote] = field(default_factory=list)
    latency_ms: float = 0.0
    retrieval_ms: float | None = None
    confidence: float | None = None
    kind: str | None = None
    source: str | None = None
    closest: list[Hit] = field(default_factory=list)


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_ZERO_DECIMALS = re.compile(r"(?<=\d)\.0+(?!\d)")
_UNITS = re.compile(r"([£$€%])")
_PUNCTUATION = re.compile(f"[{re.escape(''.join(set(string.punctuation) - set('£$€%')))}]")


def normalise_answer(text: str) -> str:
    """SQuAD-style (lower case, no articles, single spaces) with numbers read
    as numbers: thousands commas and zero decimals dropped ("£1,646.00" =
    "1646"), currency and per-cent signs their own words, and other punctuation
    a word break, so "6th April-2nd May" holds "6th April" and "19:30-20:00"
    holds "19:30"."""
    text = _ZERO_DECIMALS.sub("", _THOUSANDS.sub("", normalise(text)))
    text = _PUNCTUATION.sub(" ", _UNITS.sub(r" \1 ", text))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


FUZZY_SHARE = 0.8
"""Share of the evidence's letters and digits that must occur as one run in the
paragraph when the exact test fails: evidence strings keep their extractor's
artefacts ("Council Rul" cut at a margin, hyphenation), which another
extractor does not reproduce."""


def contains_evidence(text: str, evidence: str) -> bool:
    """Whether `evidence` occurs in `text` after whitespace and quote
    normalisation or, failing that, with only letters and digits compared and
    at least `FUZZY_SHARE` of them in one contiguous run."""
    if not evidence.strip():
        return False
    if normalise(evidence) in normalise(text):
        return True
    ev, body = _alnum(evidence), _alnum(text)
    if not ev or ev in body or len(ev) < 20:
        return bool(ev) and ev in body
    match = SequenceMatcher(None, ev, body, autojunk=False).find_longest_match(0, len(ev), 0, len(body))
    return match.size >= FUZZY_SHARE * len(ev)


def _alnum(text: str) -> str:
    return "".join(ch for ch in normalise(text) if ch.isalnum())


def paper_name(path: str) -> str:
    """The base name of a stored paper path (papers are stored by path)."""
    return PurePosixPath(path.replace("\\", "/")).name


def is_hit(result: QuestionResult, hit: Hit) -> bool:
    if result.gold_ids:
        return bool(hit.paragraph_ids() & result.gold_ids)
    return any(contains_evidence(hit.text, ev) for ev in result.evidence)


def first_hit_rank(result: QuestionResult) -> int | None:
    """1-based rank of the first retrieved item holding the evidence, or None."""
    for rank, hit in enumerate(result.retrieved, start=1):
        if is_hit(result, hit):
            return rank
    return None


def has_gold(result: QuestionResult) -> bool:
    return result.answerable and bool(result.gold_ids or any(e.strip() for e in result.evidence))


def recall_at(results: Sequence[QuestionResult], k: int) -> float | None:
    """Share of answerable questions with a hit in the top `k`."""
    judged = [r for r in results if has_gold(r)]
    if not judged:
        return None
    return sum(1 for r in judged if (rank := first_hit_rank(r)) is not None and rank <= k) / len(judged)


def gold_recall_at(results: Sequence[QuestionResult], k: int) -> float | None:
    """Mean share of each question's gold paragraphs found in the top `k`
    (found and gold both capped at `k`, so a hit spanning many paragraphs cannot
    score above 1), for sets with many gold paragraphs per question."""
    judged = [r for r in results if r.answerable and r.gold_ids]
    if not judged:
        return None
    total = 0.0
    for r in judged:
        found = {pid for h in r.retrieved[:k] for pid in h.paragraph_ids()} & r.gold_ids
        total += min(len(found), k) / min(len(r.gold_ids), k)
    return total / len(judged)


def mrr(results: Sequence[QuestionResult]) -> float | None:
    judged = [r for r in results if has_gold(r)]
    if not judged:
        return None
    return sum(1.0 / rank for r in judged if (rank := first_hit_rank(r)) is not None) / len(judged)


def answer_correct(result: QuestionResult) -> bool:
    """An answered question whose text contains any accepted answer (normalised,
    on word boundaries)."""
    if result.abstained or not result.answers:
        return False
    text = f" {normalise_answer(result.answer)} "
    return any(f" {normalise_answer(a)} " in text for a in result.answers if normalise_answer(a))


def answer_accuracy(results: Sequence[QuestionResult]) -> float | None:
    judged = [r for r in results if r.answerable and r.answers]
    if not judged:
        return None
    return sum(answer_correct(r) for r in judged) / len(judged)


def citation_support(results: Sequence[QuestionResult]) -> float | None:
    """Share of answered, answerable questions where a cited paragraph holds the evidence."""
    judged = [r for r in results if has_gold(r) and not r.abstained and r.citations]
    if not judged:
        return None
    ok = 0
    for r in judged:
        if any(is_hit(r, Hit(c.paragraph_id, c.paragraph_text)) for c in r.citations):
            ok += 1
    return ok / len(judged)


def citation_paper(results: Sequence[QuestionResult]) -> float | None:
    """Share of answered, answerable questions with a `source` where a cited
    paragraph comes from that paper (base names compared). A source that no
    retrieved paragraph of the run comes from is not in the library under that
    name, so its question is not judged."""
    known = {paper_name(h.paper) for r in results for h in r.retrieved}
    judged = [r for r in results if r.answerable and r.source in known and not r.abstained and r.citations]
    if not judged:
        return None
    return sum(any(paper_name(c.paper) == r.source for c in r.citations) for r in judged) / len(judged)


def abstained_with_evidence(results: Sequence[QuestionResult]) -> int:
    """False abstentions a closest match would have answered: answerable
    questions declined although a paragraph shown as a closest match holds the
    evidence. Each one is an answering failure, not a retrieval failure."""
    return sum(1 for r in results if r.answerable and r.abstained and any(is_hit(r, h) for h in r.closest))


def quote_faithful(c: CitedQuote) -> bool:
    return bool(c.quote) and c.paragraph_text[c.start : c.end] == c.quote


def quote_fidelity(results: Sequence[QuestionResult]) -> float | None:
    """Share of all citations whose quote is verbatim at its offsets in its paragraph."""
    quotes = [c for r in results for c in r.citations]
    if not quotes:
        return None
    return sum(quote_faithful(c) for c in quotes) / len(quotes)


def abstention_rate(results: Sequence[QuestionResult]) -> float | None:
    judged = [r for r in results if not r.answerable]
    if not judged:
        return None
    return sum(r.abstained for r in judged) / len(judged)


def false_abstention(results: Sequence[QuestionResult]) -> float | None:
    judged = [r for r in results if r.answerable]
    if not judged:
        return None
    return sum(r.abstained for r in judged) / len(judged)


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summarise(results: Sequence[QuestionResult]) -> dict[str, float | int | None]:
    """Every metric for one system over one question set."""
    out: dict[str, float | int | None] = {
        "questions": len(results),
        "answerable": sum(r.answerable for r in results),
        "unanswerable": sum(not r.answerable for r in results),
    }
    for k in RECALL_AT:
        out[f"recall@{k}"] = recall_at(results, k)
    out["mrr"] = mrr(results)
    if any(r.gold_ids for r in results):
        for k in RECALL_AT:
            out[f"gold_recall@{k}"] = gold_recall_at(results, k)
    out["answer_accuracy"] = answer_accuracy(results)
    out["citation_support"] = citation_support(results)
    out["quote_fidelity"] = quote_fidelity(results)
    out["abstention"] = abstention_rate(results)
    out["false_abstention"] = false_abstention(results)
    if any(r.source for r in results):
        out["citation_paper"] = citation_paper(results)
    out["abstained_evidence_shown"] = abstained_with_evidence(results)
    latencies = [r.latency_ms for r in results]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    retrieval = [r.retrieval_ms for r in results if r.retrieval_ms is not None]
    out["retrieval_p50_ms"] = percentile(retrieval, 50)
    return out


@dataclass(frozen=True)
class CurvePoint:
    threshold: float
    abstention: float | None
    false_abstention: float | None
    accuracy: float | None


def abstention_curve(results: Sequence[QuestionResult], thresholds: Sequence[float]) -> list[CurvePoint]:
    """What abstention, false abstention and answer accuracy would be at each
    threshold, from results produced without abstaining (each carries its
    confidence)."""
    points: list[CurvePoint] = []
    for t in thresholds:
        shifted = [_at_threshold(r, t) for r in results]
        points.append(CurvePoint(t, abstention_rate(shifted), false_abstention(shifted), answer_accuracy(shifted)))
    return points


def _at_threshold(r: QuestionResult, threshold: float) -> QuestionResult:
    abstain = r.abstained or (r.confidence is not None and r.confidence < threshold)
    return QuestionResult(
        id=r.id, question=r.question, answerable=r.answerable, answers=r.answers, evidence=r.evidence,
        gold_ids=r.gold_ids, retrieved=r.retrieved, answer="" if abstain else r.answer, abstained=abstain,
        citations=[] if abstain else r.citations, latency_ms=r.latency_ms, confidence=r.confidence,
        kind=r.kind, source=r.source,
        closest=r.retrieved[:CLOSEST_MATCHES] if abstain and not r.abstained else r.closest,
    )
