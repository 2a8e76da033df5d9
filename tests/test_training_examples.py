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
from qa_app.eval.datasets import EvalQuestion
from qa_app.eval.training import Example, collect_hidden
from qa_app.types import Filters, RetrievedParagraph

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from answer_fit import _groups  # noqa: E402


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
