"""Labelled examples for fitting the answer models: for each question, the
retrieved paragraphs, every candidate sentence's feature row, and which
candidates are right.

A candidate is right when it contains an accepted answer (normalised, on word
boundaries, as `answer_correct` judges) and lies in a paragraph that holds the
evidence (or is a gold paragraph). Answer judging is shared with the
evaluation metrics so training and evaluation agree on what "right" means.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from ingest.embed import Embedder
from ingest.onnx_export import detect_quant_config
from qa_app.answerers.extractive import ExtractiveAnswerer
from qa_app.answerers.features import Candidate
from qa_app.eval.datasets import EvalQuestion
from qa_app.eval.metrics import CitedQuote, Hit, QuestionResult, contains_evidence, normalise_answer
from qa_app.types import RetrievedParagraph, Retriever

logger = logging.getLogger(__name__)


@dataclass
class Example:
    """One question's candidates and labels. `positive` marks right candidates;
    `reachable` says whether any candidate is right (False: a retrieval miss or
    an unanswerable question)."""

    question: EvalQuestion
    domain: str
    retrieved: list[RetrievedParagraph]
    candidates: list[Candidate]
    matrix: np.ndarray
    positive: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    gold_ids: set[str] = field(default_factory=set)

    @property
    def reachable(self) -> bool:
        return bool(self.positive.any())


def holds_answer(sentence: str, answers: Iterable[str]) -> bool:
    text = f" {normalise_answer(sentence)} "
    return any((norm := normalise_answer(a)) and f" {norm} " in text for a in answers)


def in_evidence(q: EvalQuestion, r: RetrievedParagraph, gold_ids: set[str]) -> bool:
    """Whether the paragraph is where the gold answer lives."""
    if gold_ids:
        return r.paragraph.id in gold_ids
    return any(contains_evidence(r.paragraph.text, ev) for ev in q.evidence)


def label(q: EvalQuestion, candidates: list[Candidate], gold_ids: set[str]) -> np.ndarray:
    if not q.answerable:
        return np.zeros(len(candidates), dtype=bool)
    return np.asarray(
        [c.eligible and holds_answer(c.span.text, q.answers) and in_evidence(q, c.source, gold_ids)
         for c in candidates],
        dtype=bool,
    )


def _gold_ids(q: EvalQuestion, gold_map: dict[tuple[str, int], str] | None) -> set[str]:
    """The store's ids of `q`'s gold paragraphs."""
    return {gold_map[g] for g in q.gold if gold_map and g in gold_map}


def collect(
    questions: list[EvalQuestion], domain: str, retriever: Retriever, answerer: ExtractiveAnswerer, k: int,
    gold_map: dict[tuple[str, int], str] | None = None,
) -> list[Example]:
    """Retrieve, featurise and label every question with the product's own code."""
    out: list[Example] = []
    for i, q in enumerate(questions, start=1):
        retrieved = retriever.retrieve(q.question, k=k)
        cands, matrix = answerer.features(q.question, retrieved)
        gold_ids = _gold_ids(q, gold_map)
        out.append(Example(q, domain, retrieved, cands, matrix, label(q, cands, gold_ids), gold_ids))
        if i % 50 == 0:
            logger.info("%s: %d/%d questions featurised", domain, i, len(questions))
    return out


def collect_hidden(
    questions: list[EvalQuestion], domain: str, retriever: Retriever, answerer: ExtractiveAnswerer, k: int,
    gold_map: dict[tuple[str, int], str] | None = None,
) -> list[Example]:
    """Each answerable question asked of the library without its answer: the
    paragraphs holding the evidence, the gold paragraph or an accepted answer
    are taken out of what retrieval returns, and the question, asked of what
    is left, is labelled unanswerable. Real unanswerable questions look like
    this: the library holds the paper and its neighbouring paragraphs, on
    topic and with sentences of the right kind, but not the answer."""
    out: list[Example] = []
    for q in questions:
        if not q.answerable:
            continue
        gold_ids = _gold_ids(q, gold_map)
        wide = _wide(retriever, q, k)
        kept = [r for r in wide if not in_evidence(q, r, gold_ids) and not holds_answer(r.paragraph.text, q.answers)]
        hidden = q.unanswerable("hidden")
        cands, matrix = answerer.features(hidden.question, kept[:k])
        out.append(Example(hidden, domain, kept[:k], cands, matrix, label(hidden, cands, set())))
    return out


def _wide(retriever: Retriever, q: EvalQuestion, k: int) -> list[RetrievedParagraph]:
    """What a hidden-evidence example is drawn from: twice the results asked for,
    so that `k` are left once the evidence is taken out."""
    return retriever.retrieve(q.question, k=2 * k)


def vectors_made_by(embedder: Embedder) -> str:
    """What made the vectors a fingerprint was taken with: the embedder, and for
    int8 the kernel set this CPU quantises with. AVX-512 VNNI and AVX2 kernels give
    vectors that differ in the last digits, which is enough to reorder the deeper
    results of a small library (14 of the 19 council dev questions' top 20)."""
    if embedder.name.endswith(":onnx-int8"):
        return f"{embedder.name}/{detect_quant_config()}"
    return embedder.name


def wide_fingerprint(questions: list[EvalQuestion], retriever: Retriever, k: int) -> dict[str, str]:
    """Each question's deeper results (`_wide`), as a short digest of their
    paragraph ids. The hidden-evidence examples are drawn from them, and a
    retrieval change that moves only results past the first `k` still changes
    what the fit learns from (it happened: fusing shallower lists for k above 16
    left every answer alone and the shipped models stale)."""
    out = {}
    for q in questions:
        ids = "\n".join(sorted(r.paragraph.id for r in _wide(retriever, q, k)))
        out[q.id] = hashlib.blake2b(ids.encode(), digest_size=6).hexdigest()
    return out


def as_result(example: Example, answer_text: str, abstained: bool, cited: list[RetrievedParagraph]) -> QuestionResult:
    """The example and a decision, in the form the evaluation metrics judge."""
    q = example.question
    return QuestionResult(
        id=q.id, question=q.question, answerable=q.answerable, answers=q.answers, evidence=q.evidence,
        kind=q.kind, source=q.source, answer=answer_text, abstained=abstained,
        retrieved=[Hit(r.paragraph.id, r.paragraph.text, paper=r.path) for r in example.retrieved],
        citations=[CitedQuote(r.paragraph.id, r.paragraph.text, "", 0, 0, r.path) for r in cited],
    )


def fingerprint(examples: list[Example], answerer: ExtractiveAnswerer) -> dict[str, float]:
    """Each question's probability of being answerable under `answerer`'s
    models, rounded. The artefact records it for the council dev questions when
    it is fitted, and a test recomputes it with today's code: a change to the
    features, the reading or the retrieval that the fit never saw moves these
    numbers, where checking the feature names alone stays silent."""
    return {e.question.id: round(answerer.rank(e.candidates, e.matrix).answerable, 4) for e in examples}
