"""Declining to answer: the fixed wording, the calibrated threshold, and the
abstained `Answer` that still lists the closest paragraphs."""

from __future__ import annotations

from qa_app.types import Answer, RetrievedParagraph

ABSTAIN_MESSAGE = "The papers in the library do not answer this."
ABSTAIN_NOTICE = "No paragraph supports an answer; the closest matches are listed."

ABSTAIN_THRESHOLD = 0.38
"""Minimum extractive confidence to answer. From the calibration sweep in
docs/BENCHMARKS.md ("Question answering" → "Abstention calibration"): the
midpoint of the council dev plateau 0.32–0.44 where every unanswerable is
declined and no answerable is; on SQuAD 2.0 dev it declines 8% of the
(adversarial, on-topic) unanswerables at 3% false abstention. Override with
`COUNCIL_ABSTAIN_THRESHOLD`."""

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
