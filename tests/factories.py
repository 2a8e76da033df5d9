"""Small builders of QA data for unit tests of pure logic."""

from __future__ import annotations

from ingest.types import Paragraph
from qa_app.types import RetrievedParagraph


def retrieved_paragraphs(*texts: str, title: str, doc_id: str) -> list[RetrievedParagraph]:
    """One retrieved paragraph per text, numbered from 1, from one dated motion,
    scored in falling order."""
    return [
        RetrievedParagraph(
            paragraph=Paragraph(id=f"{doc_id}:{n}", doc_id=doc_id, number=n, text=text, start=0, end=len(text)),
            title=title, doc_type="motion", date="2016-10-17", path="motion.txt", score=1.0 - n / 10,
        )
        for n, text in enumerate(texts, start=1)
    ]
