"""Declining to answer: the fixed wording, the calibrated threshold, and the
abstained `Answer` that still lists the closest paragraphs."""

from __future__ import annotations

from qa_app.types import Answer, RetrievedParagraph

ABSTAIN_MESSAGE = "The papers in the library do not answer this."
ABSTAIN_NOTICE = "No paragraph supports an answer; the closest matches are listed."

ABSTAIN_THRESHOLD = 0.36
"""Minimum extractive confidence to answer. Chosen from the calibration sweep in
docs/BENCHMARKS.md ("Question answering" → "Abstention calibration") over the
council dev unanswerables and SQuAD 2.0 dev: the highest threshold whose false
abstention on council dev answerables stays at or below 0.10. Override with
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
