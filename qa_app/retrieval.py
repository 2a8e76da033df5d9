"""Hybrid retrieval: dense (Chroma) and BM25 rankings fused at paragraph level,
re-scored by pluggable `Rescorer`s, with each paragraph's paper metadata attached.

Filters are passed down to both stores (Chroma's `where`, the BM25 weight mask),
so they restrict the candidates before ranking rather than pruning a top-k.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from ingest.dates import date_bounds
from ingest.embed import Embedder
from ingest.header import read_header
from ingest.index import Filters, PaperStore, StoredDocument
from ingest.model import model_of
from qa_app.fields import FieldIndex
from qa_app.fusion import (
    AnswerTypeBoost,
    FieldBoost,
    FusionConfig,
    RecencyBoost,
    Rescorer,
    StructuralPenalty,
    rrf,
)
from qa_app.query_adapter import shipped_adapter
from qa_app.types import Paragraph, RetrievedParagraph, validate_k
from qa_app.windows import Window, window_rankings, windows_of

logger = logging.getLogger(__name__)

NAMED_MIN = 0.5
"""Field score from which a paper counts as named by the question."""
NAMED_PAPERS = 3
"""At most this many named papers are searched on their own."""
PAPERS_CACHED = 2000
"""Papers whose paragraphs are kept for windows; beyond this the cache starts again."""


@dataclass(frozen=True)
class _Fused:
    """One fusion of the candidate lists at one depth: paragraph ids best first,
    with the scores reported for them."""

    order: list[str]
    scores: dict[str, float]
    paragraphs: dict[str, Paragraph]
    dense: dict[str, float]
    lexical: dict[str, float]
    windows: dict[str, Window]
    adapted_only: bool
    """Dense candidates came from the adapted vector alone (no plain ranking)."""

    def then(self, deeper: _Fused) -> _Fused:
        """This order, followed by what only `deeper` found; the first ones keep
        their places and their scores."""
        seen = set(self.order)
        return _Fused(
            self.order + [pid for pid in deeper.order if pid not in seen],
            {**deeper.scores, **self.scores}, {**deeper.paragraphs, **self.paragraphs},
            {**deeper.dense, **self.dense}, {**deeper.lexical, **self.lexical}, {**deeper.windows, **self.windows},
            self.adapted_only,
        )


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
        fusion = fusion or FusionConfig()
        self._adapter = (
            shipped_adapter(model_of(embedder.name), embedder.dimension) if fusion.adapted_weight else None
        )
        self.fusion = fusion if self._adapter is not None or not fusion.adapted_weight else fusion.without_adapter()
        self.rescorers: list[Rescorer] = (
            list(rescorers) if rescorers is not None
            else [
                AnswerTypeBoost(self.fusion.type_boost), RecencyBoost(self.fusion.recency_boost, self._date_of),
                FieldBoost(self.fusion.field_boost, self._field_scores),
                StructuralPenalty(self.fusion.structural_penalty),
            ]
        )
        self._fields = FieldIndex(())
        self._named: tuple[str, dict[str, float]] = ("", {})
        self._docs: dict[str, StoredDocument] = {}
        self._docs_generation = -1
        self._papers: dict[str, list[Paragraph]] = {}
        self._short_papers = False
        """Does the library hold a paper short enough to be ranked by its mean vector?"""
        self._openings: dict[str, str] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        """Reload the lexical index and paper metadata when the catalogue has changed."""
        self.store.lexical()
        generation = self.store.generation()
        with self._lock:
            if self._docs_generation != generation:
                self._docs = {d.doc_id: d for d in self.store.documents()}
                self._fields = FieldIndex(self._docs.values())
                self._papers, self._openings = {}, {}
                self._short_papers = self.store.has_short_papers()
                self._docs_generation = generation

    def retrieve(self, question: str, k: int = 10, filters: Filters | None = None) -> list[RetrievedParagraph]:
        """The `k` best paragraphs. Asking for more never reorders the first ones: the
        candidate lists are always fused at the configured depth, and only when that
        yields fewer than `k` results is a deeper fusion asked for the rest, which
        follow. (Fusing deeper lists for a bigger `k` gave 3 of 155 real-paper
        questions a different answer at k=20 than at the app's k=8.)"""
        validate_k(k)
        self.refresh()
        vector = self.embedder.embed_query(question)
        depth = self.fusion.candidates
        fused = self._fused(question, vector, depth, filters)
        out = self._results(fused, k)
        if len(out) < k and depth < k * 3:
            fused = fused.then(self._fused(question, vector, k * 3, filters))
            out = self._results(fused, k)
        if fused.adapted_only:
            # Found by the adapted vector; reported by the question's own, the one the answerer was fitted on.
            own = self.store.dense_scores(vector, [r.paragraph for r in out])
            out = [r if r.dense_score is None else replace(r, dense_score=own.get(r.paragraph.id)) for r in out]
        out = [replace(r, opening=self._opening(r.paragraph.doc_id)) for r in out]
        if not self.fusion.windowed:
            return out
        windows = dict(fused.windows)
        windows.update(self._windows([r.paragraph.id for r in out if r.paragraph.id not in windows]))
        return [replace(r, window=windows[r.paragraph.id].paragraphs) if r.paragraph.id in windows else r for r in out]

    def search_vector(self, vector: np.ndarray) -> np.ndarray:
        """The vector the adapted dense ranking searches with: the question's own,
        moved by the fitted query adapter when one is in use."""
        return self._adapter.apply(vector) if self._adapter is not None else vector

    def _fused(self, question: str, vector: np.ndarray, n: int, filters: Filters | None) -> _Fused:
        """The candidate lists, each `n` deep, fused and re-scored."""
        wide = 2 * n if self.fusion.scores_windows else n  # window paragraphs beyond the candidates still count
        plain_wide = self.store.query_dense(vector, wide, filters) if self.fusion.dense_weight else []
        adapted_wide = self.store.query_dense(self.search_vector(vector), wide, filters) if self._adapter else []
        dense_wide = plain_wide or adapted_wide
        lexical_wide = self.store.query_lexical(question, wide, filters)
        dense, lexical = dense_wide[:n], lexical_wide[:n]
        rankings = [
            ([p for p, _ in plain_wide[:n]], self.fusion.dense_weight),
            ([p for p, _ in adapted_wide[:n]], self.fusion.adapted_weight),
            ([p for p, _ in lexical], self.fusion.lexical_weight),
        ]
        windows: dict[str, Window] = {}
        if self.fusion.scores_windows:
            candidates = list(dict.fromkeys([p for p, _ in dense] + [p for p, _ in lexical]))
            windows = self._windows(candidates)
            by_dense, by_lexical = window_rankings(windows, dict(dense_wide), dict(lexical_wide))
            rankings += [(by_dense, self.fusion.window_dense_weight), (by_lexical, self.fusion.window_lexical_weight)]
        inside = self._inside_named_papers(question, filters) if self.fusion.field_weight else None
        if inside is not None:
            half = self.fusion.field_weight / 2
            rankings.append(([p for p, _ in self.store.query_dense(vector, n, inside)], half))
            topic = self._fields.topic(question)  # the paper is found: look for the rest inside it
            rankings.append(([p for p, _ in self.store.query_lexical(topic, n, inside)], half))
        scores = rrf(rankings, self.fusion.rrf_k)
        paragraphs = self.store.paragraphs_by_id(scores)
        if self.fusion.paper_weight and self._short_papers:
            speakers = self._paper_speakers(self.search_vector(vector), n, filters, scores, paragraphs)
            rankings.append((speakers, self.fusion.paper_weight))
            scores = rrf(rankings, self.fusion.rrf_k)
            paragraphs.update(self.store.paragraphs_by_id([p for p in speakers if p not in paragraphs]))
        for rescorer in self.rescorers:
            scores = rescorer.rescore(question, scores, paragraphs)
        dense_scores, lexical_scores = dict(dense), dict(lexical)
        order = sorted(scores, key=lambda pid: (-scores[pid], -dense_scores.get(pid, -1.0), pid))
        return _Fused(order, scores, paragraphs, dense_scores, lexical_scores, windows,
                      adapted_only=not plain_wide and bool(adapted_wide))

    def _paper_speakers(self, vector: np.ndarray, n: int, filters: Filters | None, scores: dict[str, float],
                        paragraphs: dict[str, Paragraph]) -> list[str]:
        """The `n` short papers nearest `vector` by their mean vector, each as one
        paragraph: its best-fused candidate, else (a paper the other rankings
        missed) its paragraph nearest the question. So a paper is lifted as a
        whole without choosing another of its paragraphs over the one the
        paragraph rankings prefer."""
        papers = [doc_id for doc_id, _ in self.store.query_papers(vector, n, filters)]
        best: dict[str, str] = {}
        for pid in sorted(scores, key=lambda p: (-scores[p], p)):
            para = paragraphs.get(pid)
            if para is not None:
                best.setdefault(para.doc_id, pid)
        nearest = self.store.nearest_paragraphs(vector, [d for d in papers if d not in best])
        speakers = [best.get(d) or nearest.get(d, ("", 0.0))[0] for d in papers]
        return list(dict.fromkeys(p for p in speakers if p))

    def _results(self, fused: _Fused, k: int) -> list[RetrievedParagraph]:
        """The first `k` fused candidates that are content of a paper still in the library."""
        out: list[RetrievedParagraph] = []
        for pid in fused.order:
            para = fused.paragraphs.get(pid)
            doc = self._docs.get(para.doc_id) if para is not None else None
            if para is None or para.kind == "heading" or doc is None:
                continue  # a heading, or deleted since the index was read
            out.append(
                RetrievedParagraph(
                    paragraph=para, title=doc.meta.title, doc_type=doc.meta.doc_type, date=doc.meta.date,
                    path=doc.path, score=fused.scores[pid], body=doc.meta.body, council=doc.meta.council,
                    dense_score=fused.dense.get(pid), lexical_score=fused.lexical.get(pid),
                )
            )
            if len(out) == k:
                break
        return out

    def _papers_of(self, doc_ids: set[str]) -> dict[str, list[Paragraph]]:
        """The paragraphs of these papers, in order (read once per catalogue
        generation, for windows and title blocks alike)."""
        with self._lock:
            if len(self._papers) > PAPERS_CACHED:
                self._papers, self._openings = {}, {}
            papers = self._papers
        for doc_id in doc_ids - set(papers):
            papers[doc_id] = self.store.paragraphs_of(doc_id)
        return papers

    def _opening(self, doc_id: str) -> str:
        """The paper's title block, as the reader takes it (kept with its paragraphs)."""
        opening = self._openings.get(doc_id)
        if opening is None:
            opening = " ".join(read_header(self._papers_of({doc_id})[doc_id]).lines)
            with self._lock:
                self._openings[doc_id] = opening
        return opening

    def _windows(self, candidates: list[str]) -> dict[str, Window]:
        """Each candidate's window of neighbours."""
        found = self.store.paragraphs_by_id(candidates)
        papers = self._papers_of({p.doc_id for p in found.values()})

        def paper_of(pid: str) -> list[Paragraph]:
            para = found.get(pid)
            return papers.get(para.doc_id, []) if para is not None else []

        return windows_of(candidates, paper_of, self.fusion.window_chars)

    def _field_scores(self, question: str) -> dict[str, float]:
        """Field scores of every paper for `question` (kept for the last question,
        which the rescorers ask about again)."""
        if self._named[0] != question:
            self._named = (question, self._fields.scores(question))
        return self._named[1]

    def _inside_named_papers(self, question: str, filters: Filters | None) -> Filters | None:
        """Filters restricted to the papers the question names best, or None when
        it names none clearly. Papers tied at the cut are not singled out: when
        every paper of a council (or of a whole library of one department's
        answers) names it equally, searching three of them is arbitrary, and a
        cost for nothing."""
        named = self._field_scores(question)
        best = sorted((doc for doc, score in named.items() if score >= NAMED_MIN), key=lambda d: -named[d])
        if len(best) > NAMED_PAPERS:
            edge = named[best[NAMED_PAPERS]]
            best = [doc for doc in best[:NAMED_PAPERS] if named[doc] > edge]
        if filters is not None and filters.doc_ids:
            best = [doc for doc in best if doc in filters.doc_ids]
        if not best:
            return None
        return replace(filters or Filters(), doc_ids=tuple(best))

    def _date_of(self, doc_id: str) -> int:
        """The paper's date as yyyymmdd (mid-range for a year- or month-only date)."""
        doc = self._docs.get(doc_id)
        start, end = date_bounds(doc.meta.date if doc else None)
        return (start + end) // 2
