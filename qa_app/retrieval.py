"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused with reciprocal rank
fusion, at paragraph level, with each paragraph's paper metadata attached.

Filters are passed down to both stores (Chroma's `where`, the BM25 weight mask),
so they restrict the candidates before ranking rather than pruning a top-k.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from dataclasses import dataclass

from ingest.embed import Embedder
from ingest.errors import ConfigError
from ingest.lexical import LexicalIndex
from ingest.store import Filters, PaperStore, StoredDocument
from qa_app.answer_types import has_type, question_type
from qa_app.types import RetrievedParagraph

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FusionConfig:
    """Reciprocal rank fusion constants.

    Defaults come from the sweep over the council dev set in docs/BENCHMARKS.md
    ("Question answering" → "Fusion tuning"): the middle of the plateau where
    recall@5 is 1.0, checked on SQuAD 2.0 dev. `type_boost` multiplies the
    fused score of a paragraph that holds the kind of answer the question asks
    for (a date for "when", money for "how much", …)."""

    rrf_k: float = 60.0
    dense_weight: float = 1.0
    lexical_weight: float = 0.75
    type_boost: float = 0.3
    recency_boost: float = 0.3
    candidates: int = 50

    def __post_init__(self) -> None:
        if self.rrf_k <= 0:
            raise ConfigError(f"rrf_k must be greater than 0; got {self.rrf_k}")
        if self.dense_weight < 0 or self.lexical_weight < 0 or self.dense_weight + self.lexical_weight == 0:
            raise ConfigError(
                f"fusion weights must be non-negative and not both 0; got {self.dense_weight}, {self.lexical_weight}"
            )
        if self.type_boost < 0:
            raise ConfigError(f"type_boost must not be negative; got {self.type_boost}")
        if self.recency_boost < 0:
            raise ConfigError(f"recency_boost must not be negative; got {self.recency_boost}")
        if self.candidates <= 0:
            raise ConfigError(f"candidates must be greater than 0; got {self.candidates}")


_RECENCY_CUE = re.compile(r"\b(latest|most recent|newest|recent(ly)?|current(ly)?|now|at present|last)\b", re.I)


def asks_for_latest(question: str) -> bool:
    """Does the question ask about the latest state of affairs ("the latest
    inspection", "currently")? Then newer papers should win near-ties."""
    return bool(_RECENCY_CUE.search(question))


def recency_weights(dates: dict[str, int]) -> dict[str, float]:
    """Each dated paper's place between the oldest (0.0) and newest (1.0) of the
    candidates; undated papers get 0.0."""
    dated = {doc: d for doc, d in dates.items() if d > 0}
    if len(set(dated.values())) < 2:
        return {doc: 0.0 for doc in dates}
    low, high = min(dated.values()), max(dated.values())
    return {doc: (dated[doc] - low) / (high - low) if doc in dated else 0.0 for doc in dates}


def rrf(rankings: list[tuple[list[str], float]], rrf_k: float) -> dict[str, float]:
    """Weighted reciprocal rank fusion: sum of weight / (rrf_k + rank), rank from 1."""
    fused: dict[str, float] = {}
    for ranking, weight in rankings:
        if weight == 0:
            continue
        for rank, pid in enumerate(ranking, start=1):
            fused[pid] = fused.get(pid, 0.0) + weight / (rrf_k + rank)
    return fused


class HybridRetriever:
    """`Retriever` over a `PaperStore`: dense + BM25, fused, deduplicated by
    paragraph, heading-only paragraphs left out."""

    def __init__(
        self,
        store: PaperStore,
        embedder: Embedder,
        *,
        fusion: FusionConfig | None = None,
        lexical: LexicalIndex | None = None,
    ) -> None:
        self.store = store
        self.embedder = embedder
        self.fusion = fusion or FusionConfig()
        self._lexical = lexical
        self._docs: dict[str, StoredDocument] = {}
        self._docs_generation = -1
        self._lock = threading.Lock()

    # ------------------------------------------------------------ freshness
    def warm_up(self) -> None:
        """Load BM25 and the paper metadata now rather than on the first question."""
        self.refresh()

    def refresh(self) -> None:
        """Reload the BM25 index and metadata when the catalogue has changed."""
        generation = self.store.generation()
        with self._lock:
            if self._lexical is None or self._lexical.generation != generation:
                self._lexical = LexicalIndex.load_or_build(self.store)
            if self._docs_generation != generation:
                self._docs = {d.doc_id: d for d in self.store.documents()}
                self._docs_generation = generation

    # ------------------------------------------------------------ retrieval
    def retrieve(self, question: str, k: int = 10, filters: Filters | None = None) -> list[RetrievedParagraph]:
        if k <= 0:
            raise ConfigError(f"k must be greater than 0; got {k}")
        self.refresh()
        assert self._lexical is not None
        n = max(self.fusion.candidates, k * 3)
        dense = self.store.query_dense(self.embedder.embed_query(question), n, filters) if question.strip() else []
        lexical = self._lexical.search(question, n, self.store, filters)
        fused = rrf(
            [([p for p, _ in dense], self.fusion.dense_weight), ([p for p, _ in lexical], self.fusion.lexical_weight)],
            self.fusion.rrf_k,
        )
        dense_scores = dict(dense)
        lexical_scores = dict(lexical)
        paragraphs = self.store.paragraphs_by_id(fused)
        kind = question_type(question)
        if kind is not None and self.fusion.type_boost:
            for pid, candidate in paragraphs.items():
                if has_type(candidate.text, kind, question):
                    fused[pid] *= 1.0 + self.fusion.type_boost
        if self.fusion.recency_boost and asks_for_latest(question):
            dates = {p.doc_id: self._date_of(p.doc_id) for p in paragraphs.values()}
            weights = recency_weights(dates)
            for pid, candidate in paragraphs.items():
                fused[pid] *= 1.0 + self.fusion.recency_boost * weights.get(candidate.doc_id, 0.0)
        ranked = sorted(fused, key=lambda pid: (-fused[pid], -dense_scores.get(pid, -1.0), pid))
        out: list[RetrievedParagraph] = []
        for pid in ranked:
            para = paragraphs.get(pid)
            if para is None or para.kind == "heading":
                continue
            doc = self._docs.get(para.doc_id)
            if doc is None:
                continue  # deleted since the index was read
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
        from ingest.dates import date_bounds

        doc = self._docs.get(doc_id)
        start, end = date_bounds(doc.meta.date if doc else None)
        return (start + end) // 2


class TermStats:
    """Document frequencies of stemmed content terms over the paragraphs the BM25
    index covers, for IDF weights in sentence scoring. Rebuilt when the catalogue
    generation changes."""

    def __init__(self, store: PaperStore) -> None:
        self.store = store
        self._generation = -1
        self._df: dict[str, int] = {}
        self._n = 0
        self._lock = threading.Lock()

    def refresh(self) -> None:
        generation = self.store.generation()
        if generation == self._generation:
            return
        from qa_app.text import content_terms

        with self._lock:
            _, texts = self.store.lexical_corpus()
            df: dict[str, int] = {}
            for text in texts:
                for term in set(content_terms(text)):
                    df[term] = df.get(term, 0) + 1
            self._df, self._n, self._generation = df, len(texts), generation

    def idf(self, term: str) -> float:
        """BM25 IDF; a term no paragraph contains gets the maximum weight."""
        df = self._df.get(term, 0)
        return math.log(1 + (self._n - df + 0.5) / (df + 0.5))
