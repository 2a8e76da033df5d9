"""One builder of retrieved paragraphs for every unit test of answering,
citing and rendering logic."""

from __future__ import annotations

from ingest.index import StoredDocument
from ingest.types import Paragraph
from qa_app.types import RetrievedParagraph


def retrieved(
    text: str,
    *,
    number: int = 1,
    doc: str = "corpus/a.txt",
    title: str = "Paper",
    doc_type: str = "minutes",
    date: str | None = "2016-10-17",
    score: float | None = None,
    paragraph_id: str | None = None,
) -> RetrievedParagraph:
    """A retrieved paragraph `number` of paper `doc`; the score falls with the number unless given."""
    para = Paragraph(
        id=paragraph_id or f"{doc}#{number}", doc_id=doc, number=number, text=text, start=0, end=len(text)
    )
    return RetrievedParagraph(
        paragraph=para, title=title, doc_type=doc_type, date=date, path=doc,
        score=1.0 / number if score is None else score,
    )


def retrieved_paragraphs(*texts: str, title: str, doc_id: str) -> list[RetrievedParagraph]:
    """One retrieved paragraph per text, numbered from 1, from one dated motion,
    scored in falling order."""
    return [
        retrieved(text, number=n, doc="motion.txt", title=title, doc_type="motion", score=1.0 - n / 10,
                  paragraph_id=f"{doc_id}:{n}")
        for n, text in enumerate(texts, start=1)
    ]


def retrieved_from(doc: StoredDocument, paragraphs: list[Paragraph]) -> list[RetrievedParagraph]:
    """A stored paper's text paragraphs as retrieval would return them, best first."""
    return [
        RetrievedParagraph(paragraph=p, title=doc.meta.title, doc_type=doc.meta.doc_type, date=doc.meta.date,
                           path=doc.path, score=1.0 / (1 + i), body=doc.meta.body, council=doc.meta.council)
        for i, p in enumerate(paragraphs) if p.kind != "heading"
    ]
