"""Training examples for the answer models (`qa_app.eval.training`,
`bench/answer_fit.py`): a question asked without its evidence is an
unanswerable example built from what is left, and a question's variants share
one cross-validation group."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from conftest import FakeEmbedder
from factories import retrieved

from qa_app.answerers.extractive import ExtractiveAnswerer
from qa_app.answerers.features import FEATURES, Candidate
from qa_app.eval.datasets import EvalQuestion
from qa_app.eval.training import Example, collect_hidden
from qa_app.text import Span
from qa_app.types import Filters, RetrievedParagraph

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from answer_fit import _groups, fit_ranking  # noqa: E402


class ListRetriever:
    """Returns its paragraphs, best first, whatever the question."""

    def __init__(self, paragraphs: list[RetrievedParagraph]) -> None:
        self.paragraphs = paragraphs
        self.asked: list[int] = []

    def retrieve(self, question: str, k: int = 10, filters: Filters | None = None) -> list[RetrievedParagraph]:
        self.asked.append(k)
        return self.paragraphs[:k]


PARAGRAPHS = [
    retrieved("The Council set the precept at £7,400 for 2025/26.", number=1),
    retrieved("Members discussed the precept and the cost of the new mower.", number=2),
    retrieved("A later summary repeated that the precept is £7,400.", number=3, doc="corpus/b.txt"),
    retrieved("The Clerk reported a donation of £223.65 towards the mower.", number=4),
]


def test_a_question_asked_without_its_evidence_is_unanswerable_and_never_sees_an_answer() -> None:
    q = EvalQuestion(
        id="r25",
        question="What precept did the Council set for 2025/26?",
        answerable=True,
        answers=["£7,400"],
        evidence=["set the precept at £7,400"],
    )
    retriever = ListRetriever(PARAGRAPHS)
    [example] = collect_hidden([q], "realcorpus_tune_hidden", retriever, ExtractiveAnswerer(FakeEmbedder()), k=3)
    assert retriever.asked == [6]  # read deeper, so k paragraphs remain once the evidence is out
    assert example.question.id == "r25~hidden" and not example.question.answerable
    assert [r.paragraph.id for r in example.retrieved] == ["corpus/a.txt#2", "corpus/a.txt#4"]
    assert example.candidates and not example.positive.any() and not example.reachable
    assert example.matrix.shape[0] == len(example.candidates)


def test_unanswerable_questions_yield_no_hidden_example() -> None:
    q = EvalQuestion(id="r60", question="How much was the roadway?", answerable=False)
    assert collect_hidden([q], "tune", ListRetriever(PARAGRAPHS), ExtractiveAnswerer(FakeEmbedder()), k=3) == []


def test_variants_of_a_question_share_a_cross_validation_group() -> None:
    def example(qid: str) -> Example:
        return Example(EvalQuestion(id=qid, question="?", answerable=True), "council", [], [], np.zeros((0, 1)))

    groups = _groups([example(i) for i in ("r07", "r07~year", "r09", "r07~hidden", "r09~council")])
    assert list(groups) == [0, 0, 1, 0, 1]


def test_the_ranking_fit_learns_what_sets_the_right_sentence_apart_within_its_question() -> None:
    """Column 0 marks the right sentence within each question; column 1 is the
    same for every sentence of a question (how easy the question is) and so
    says nothing about which sentence answers. Pair by pair it cancels, and
    gets no weight; the right sentence ranks first; scores are probabilities."""
    rng = np.random.default_rng(7)
    source = PARAGRAPHS[0]
    examples = []
    for n in range(80):
        matrix = np.zeros((4, len(FEATURES)))
        matrix[:, 0] = rng.normal(size=4)
        matrix[:, 1] = rng.normal() * 3
        positive = matrix[:, 0] == matrix[:, 0].max()
        cands = [Candidate(source, 0, Span(0, 4, "text"), eligible=True, typed=True, coverage=0.0) for _ in range(4)]
        examples.append(Example(EvalQuestion(id=f"q{n}", question="?", answerable=True), "council", [source], cands,
                                matrix, positive))
    model = fit_ranking(examples, np.ones(len(examples)), FEATURES, c=1.0)
    assert model.coef[0] > 0 and abs(model.coef[1]) < 1e-9
    firsts = [bool(e.positive[int(np.argmax(model.logits(e.matrix)))]) for e in examples]
    assert all(firsts)
    probs = np.concatenate([model.proba(e.matrix) for e in examples])
    assert ((probs > 0) & (probs < 1)).all()
