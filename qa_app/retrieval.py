"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused at paragraph level,
re-scored by pluggable `Rescorer`s, with each paragraph's paper metadata attached.

Filters are passed down to both stores (Chroma's `where`, the BM25 weight mask),
so they restrict the candidates before ranking rather than pruning a top-k.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence

from ingest.dates import date_bounds
from ingest.embed import Embedder
from ingest.index import Filters, PaperStore, StoredDocument
from qa_app.fusion import AnswerTypeBoost, FusionConfig, RecencyBoost, Rescorer, rrf
from qa_app.types import RetrievedParagraph, validate_k

logger = logging.getLogger(__name__)


class HybridRetriever:
    """`Retriever` over a `PaperStore`: dense + BM25, fused, re-scored,
    deduplicated by paragraph, heading-only paragraphs left out."""

    def __init__(
        self,
        store: PaperStore,
        embedder: Embedder,
        *,
        fusion: FusionConfig | None = None,
        rescorers: Sequence[Rescorer] | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.fusion = fusion or FusionConfig()
        self.rescorers: list[Rescorer] = (
            list(rescorers) if rescorers is not None
            else [AnswerTypeBoost(self.fusion.type_boost), RecencyBoost(self.fusion.recency_boost, self._date_of)]
        )
        self._docs: dict[str, StoredDocument] = {}
        self._docs_generation = -1
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Reload the lexical index and paper metadata when the catalogue has changed."""
        self.store.lexical()
        generation = self.store.generation()
        with self._lock:
            if self._docs_generation != generation:
                self._docs = {d.doc_id: d for d in self.store.documents()}
                self._docs_generation = generation

    def retrieve(self, question: str, k: int = 10, filters: Filters | None = None) -> list[RetrievedParagraph]:
        validate_k(k)
        self.refresh()
        n = max(self.fusion.candidates, k * 3)
        dense = self.store.query_dense(self.embedder.embed_query(question), n, filters) if question.strip() else []
        lexical = self.store.query_lexical(question, n, filters)
        fused = rrf(
            [([p for p, _ in dense], self.fusion.dense_weight), ([p for p, _ in lexical], self.fusion.lexical_weight)],
            self.fusion.rrf_k,
        )
        paragraphs = self.store.paragraphs_by_id(fused)
        for rescorer in self.rescorers:
            fused = rescorer.rescore(question, fused, paragraphs)
        dense_scores, lexical_scores = dict(dense), dict(lexical)
        ranked = sorted(fused, key=lambda pid: (-fused[pid], -dense_scores.get(pid, -1.0), pid))
        out: list[RetrievedParagraph] = []
        for pid in ranked:
            para = paragraphs.get(pid)
            doc = self._docs.get(para.doc_id) if para is not None else None
            if para is None or para.kind == "heading" or doc is None:
                continue  # a heading, or deleted since the index was read
            out.append(
                RetrievedParagraph(
                    paragraph=para, title=doc.meta.title, doc_type=doc.meta.doc_type, date=doc.meta.date,
                    path=doc.path, score=fused[pid], body=doc.meta.body, council=doc.meta.council,
                    dense_score=dense_scores.get(pid), lexical_score=lexical_scores.get(pid),
                )
            )
            if len(out) == k:
                break
        return out

    def _date_of(self, doc_id: str) -> int:
        """The paper's date as yyyymmdd (mid-range for a year- or month-only date)."""
        doc = self._docs.get(doc_id)
        start, end = date_bounds(doc.meta.date if doc else None)
        return (start + end) // 2
