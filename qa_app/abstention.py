"""Declining to answer: the fixed wording, the learned threshold, and the
abstained `Answer` that still lists the closest paragraphs.

The decision is a calibrated probability that the question is answerable from
what was retrieved: a logistic regression over features of the best candidate
sentences (`qa_app.answerers.decline`), fitted by `bench/train_answerer.py` on
labelled answerable and unanswerable questions. The threshold is not hand-set:
it is the highest one that keeps false abstention at or below a stated target
on a validation split (the artefact's `info`; docs/BENCHMARKS.md).
`COUNCIL_ABSTAIN_THRESHOLD` still overrides it.
"""

from __future__ import annotations

from qa_app.models import fitted_threshold
from qa_app.types import Answer, RetrievedParagraph

ABSTAIN_MESSAGE = "The papers in the library do not answer this."
ABSTAIN_NOTICE = "No paragraph supports an answer; the closest matches are listed."

ABSTAIN_THRESHOLD = fitted_threshold()
"""Minimum probability that the question is answerable, to answer: the fitted
threshold of the shipped artefact."""

CLOSEST_MATCHES = 3
"""How many of the nearest paragraphs an abstention still shows."""


def abstained_answer(
    question: str, retrieved: list[RetrievedParagraph], *, mode: str = "extractive", confidence: float | None = None
) -> Answer:
    """The honest "no": fixed wording, no citations, the closest matches kept."""
    return Answer(
        question=question, answer=ABSTAIN_MESSAGE, abstained=True, citations=[],
        retrieved=list(retrieved[:CLOSEST_MATCHES]), notice=ABSTAIN_NOTICE if retrieved else None,
        mode=mode, confidence=confidence,
    )
