"""`PaperStore`: the index as one unit. It owns the catalogue, the vectors and
the lexical index, and its writes keep the three in step themselves, so no
caller ever has to remember to rebuild anything.

Order of a write: vectors first (invisible until the catalogue lists them),
then the catalogue commits in one transaction, then stale vectors go, then the
lexical index is rebuilt. A killed run therefore leaves at worst orphaned
vectors (swept on the next write) or a lexical index older than the catalogue
(rebuilt by the next reader that notices the generation moved).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ingest.errors import IndexUnreadableError, ReadOnlyIndexError, StoreMismatchError
from ingest.index.access import AccessLevels
from ingest.index.catalogue import Catalogue, StoredDocument
from ingest.index.filters import Filters
from ingest.index.integrity import Integrity
from ingest.index.lexical import FOLDER as LEXICAL_FOLDER
from ingest.index.lexical import LexicalIndex
from ingest.index.vectors import PAPER_MAX_CHUNKS, VectorIndex, chunk_metadata, mean_vector, paper_metadata
from ingest.index.writelock import WRITE_LOCK, WriteLock
from ingest.types import Chunk, Paper, Paragraph

logger = logging.getLogger(__name__)

EXACT_SEARCH_MAX = 2000
"""A dense search restricted to named papers scores their chunks exactly, read by
id, when they number at most this. Chroma's `where` first lists every chunk the
clause admits: 58 ms a search over three papers at 100k paragraphs, against
about 2 ms by id (docs/BENCHMARKS.md, "Searching the named papers by id")."""
PAPERS_PER_FILL = 500
"""Papers whose chunk vectors are read at a time when paper vectors are filled in."""


class PaperStore(AccessLevels):
    """Catalogue + vectors + lexical index, kept in step.

    `store_dir` holds the catalogue (`catalogue.sqlite`), the BM25 index and, unless
    `chroma_host` is set, the persistent Chroma folder.
    """

    def __init__(
        self,
        store_dir: Path,
        *,
        chroma_host: str | None = None,
        chroma_port: int = 8000,
        embedder_name: str,
        chunking: str,
        read_only: bool = False,
    ) -> None:
        self.store_dir = Path(store_dir)
        self.embedder_name = embedder_name
        self.chunking = chunking
        self.read_only = read_only
        if not read_only:
            self.store_dir.mkdir(parents=True, exist_ok=True)
        elif not (self.store_dir / "catalogue.sqlite").is_file():
            raise IndexUnreadableError(f"there is no index at {self.store_dir} to open read-only")
        self.catalogue = Catalogue(self.store_dir, read_only=read_only)
        self.vectors = VectorIndex(
            self.store_dir / "chroma", host=chroma_host, port=chroma_port,
            metadata={"embedder": embedder_name, "chunking": chunking},
        )
        self._lexical: LexicalIndex | None = None
        self._lexical_lock = threading.Lock()
        self._deferred = 0
        self._search_deepened = False
        self._write_lock = WriteLock(self.store_dir / WRITE_LOCK) if not read_only else None
        self._vectors_generation = self.generation()

    @property
    def collection(self) -> object:
        """The Chroma collection (tests and the integrity check look inside it)."""
        return self.vectors.collection

    # ------------------------------------------------------------ settings
    def check_compatible(self) -> None:
        """Raise `StoreMismatchError` when the index was built with other embedding
        or chunking settings than the ones in force now."""
        if self.document_count() == 0:
            return
        wanted = {"embedder": self.embedder_name, "chunking": self.chunking}
        recorded = (
            ("the index in " + str(self.store_dir), {k: self.catalogue.setting(k) for k in wanted}),
            ("the Chroma collection", self.vectors.built_with()),
        )
        for where, built in recorded:
            for key, value in wanted.items():
                if built.get(key) and built[key] != value:
                    raise StoreMismatchError(
                        f"{where} was built with {key} '{built[key]}', but the current settings use "
                        f"'{value}'; rebuild it with: python -m ingest --rebuild"
                    )

    # --------------------------------------------------------------- reads
    def generation(self) -> int:
        return self.catalogue.generation()

    def document_count(self) -> int:
        return self.catalogue.count("documents")

    def paragraph_count(self) -> int:
        return self.catalogue.count("paragraphs")

    def chunk_count(self) -> int:
        return self.catalogue.count("chunks")

    def is_empty(self) -> bool:
        """No paragraph yet (constant time, unlike the counts)."""
        return not self.catalogue.any_rows("paragraphs")

    def last_ingested(self) -> float | None:
        return self.catalogue.last_ingested()

    def documents(self) -> list[StoredDocument]:
        return self.catalogue.documents()

    def hashes(self) -> dict[str, str]:
        return self.catalogue.hashes()

    def paper_text(self, doc_id: str) -> str | None:
        return self.catalogue.paper_text(doc_id)

    def paragraphs_of(self, doc_id: str) -> list[Paragraph]:
        return self.catalogue.paragraphs_of(doc_id)

    def paragraphs_by_id(self, ids: Iterable[str]) -> dict[str, Paragraph]:
        return self.catalogue.paragraphs_by_id(ids)

    def query_dense(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Paragraph ids ranked by cosine similarity of their best chunk, with
        filters applied inside Chroma. Which paragraphs a chunk covers is read from
        the catalogue; chunks it does not list are ignored."""
        if not self.catalogue.any_rows("chunks"):
            return []
        self._refresh_vectors()
        if filters is not None and filters.doc_ids:
            admitted = self.catalogue.admitted_chunks(filters, EXACT_SEARCH_MAX + 1)
            if len(admitted) <= EXACT_SEARCH_MAX:
                return self._exact(vector, k, admitted)
        levels = filters.access if filters is not None else None
        readable = (lambda ids: self.catalogue.readable_chunks(ids, levels)) if levels is not None else None
        hits = list(self.vectors.query(vector, k, filters, readable))
        covers = self.catalogue.chunk_paragraphs([chunk_id for chunk_id, _ in hits])
        if readable is not None:
            visible = readable(sorted(covers))
            covers = {chunk_id: pids for chunk_id, pids in covers.items() if chunk_id in visible}
        scores = _best_chunk_per_paragraph(
            (chunk_id, covers[chunk_id], similarity) for chunk_id, similarity in hits if chunk_id in covers
        )
        return sorted(scores.items(), key=lambda kv: kv[1], reverse=True)

    def _exact(self, vector: np.ndarray, k: int, admitted: list[tuple[str, str]]) -> list[tuple[str, float]]:
        """`query_dense` over chunks already admitted by the catalogue (every filter,
        access included, applied there): each scored exactly, by id."""
        similarity = self.vectors.similarities(vector, [chunk_id for chunk_id, _ in admitted])
        scores = _best_chunk_per_paragraph(
            (chunk_id, paragraph_ids, similarity[chunk_id]) for chunk_id, paragraph_ids in admitted
            if chunk_id in similarity
        )
        return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[:k]

    def dense_scores(self, vector: np.ndarray, paragraphs: Sequence[Paragraph]) -> dict[str, float]:
        """Each given paragraph's similarity to `vector` (its most similar chunk's),
        as `query_dense` scores it, read by id: what a ranking made with another
        vector needs to report the similarity its answerer was fitted on."""
        wanted = {p.id for p in paragraphs}
        covering = [(chunk_id, pids) for _, chunk_id, pids in self.catalogue.chunks_of_papers(
            sorted({p.doc_id for p in paragraphs})) if wanted & set(pids.split(","))]
        similarity = self.vectors.similarities(vector, [chunk_id for chunk_id, _ in covering])
        scores = _best_chunk_per_paragraph(
            (chunk_id, pids, similarity[chunk_id]) for chunk_id, pids in covering if chunk_id in similarity
        )
        return {pid: score for pid, score in scores.items() if pid in wanted}

    def query_papers(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Short papers (`PAPER_MAX_CHUNKS`) ranked by the cosine similarity of their
        mean vector, filters applied and the reader's access level checked in the
        catalogue (none in a store whose paper vectors `python -m ingest` has not
        yet written)."""
        if not self.catalogue.any_rows("chunks"):
            return []
        self._refresh_vectors()
        hits = self.vectors.query_papers(vector, k, filters)
        listed = self.catalogue.known_papers([doc_id for doc_id, _ in hits], filters.access if filters else None)
        return [(doc_id, score) for doc_id, score in hits if doc_id in listed][:k]

    def nearest_paragraphs(self, vector: np.ndarray, doc_ids: Sequence[str]) -> dict[str, tuple[str, float]]:
        """For each paper, its paragraph whose chunk is nearest `vector` (exact,
        read by id), with that similarity."""
        chunks = self.catalogue.chunks_of_papers(doc_ids)
        similarity = self.vectors.similarities(vector, [chunk_id for _, chunk_id, _ in chunks])
        best: dict[str, tuple[str, float]] = {}
        for doc_id, chunk_id, pids in chunks:
            score = similarity.get(chunk_id)
            if score is not None and (doc_id not in best or score > best[doc_id][1]):
                best[doc_id] = (pids.split(",")[0], score)
        return best

    def query_lexical(self, question: str, k: int, filters: Filters | None = None) -> list[tuple[str, float]]:
        """Paragraph ids ranked by BM25, filters applied as a mask before ranking."""
        index, mask = self.lexical(), None
        if filters is not None and not filters.is_empty():
            mask = index.mask_for(filters, lambda: self.catalogue.filtered_paragraph_ids(filters))
        return index.search(question, k, mask=mask)

    def idf(self, term: str) -> float:
        """BM25 IDF of a stemmed content term over the current paragraphs."""
        return self.lexical().idf(term)

    def lexical(self) -> LexicalIndex:
        """The lexical index of the current catalogue generation: the one in
        memory, else the saved one, else a fresh build."""
        generation = self.generation()
        current = self._lexical
        if current is not None and current.generation == generation:
            return current
        with self._lexical_lock:
            if self._lexical is None or self._lexical.generation != generation:
                loaded = LexicalIndex.load(self.store_dir, generation)
                if loaded is None:
                    logger.info("lexical index is missing or stale; building it")
                    loaded = LexicalIndex.build(*self.catalogue.lexical_rows(), generation)
                self._lexical = loaded
            return self._lexical

    def _refresh_vectors(self) -> None:
        """Another process committed since the vectors were opened: reopen them."""
        generation = self.generation()
        if generation != self._vectors_generation:
            self.vectors.reopen()
            self._vectors_generation = generation

    def missing_vectors(self) -> int:
        """Catalogue chunks without a vector, by count: a cheap check made when a
        store is opened for questions. Writers put vectors in before the catalogue
        lists them, so fewer vectors than chunks is never a write in progress."""
        self._refresh_vectors()
        return max(0, self.chunk_count() - self.vectors.count())

    def missing_paper_vectors(self) -> int:
        """Short papers without a paper vector, by count (a store built before they
        were kept): the paper ranking misses them until `python -m ingest` makes
        them from the chunk vectors."""
        short = self.catalogue.short_papers(PAPER_MAX_CHUNKS)
        if not short:
            return 0
        self._refresh_vectors()
        return max(0, len(short) - self.vectors.paper_count())

    def has_short_papers(self) -> bool:
        """Has any paper a paper vector to be ranked by? A library of long papers
        alone (the bundled one) never opens the collection: opening it cost a cold
        question about 0.2 s."""
        return self.catalogue.has_short_papers(PAPER_MAX_CHUNKS)

    # -------------------------------------------------------------- writes
    @contextmanager
    def batch(self) -> Iterator[PaperStore]:
        """Group many writes under one hold of the write lock: the lexical index
        is rebuilt once, on leaving, and only if it is not already current."""
        if self._write_lock is None:
            raise ReadOnlyIndexError(f"the index {self.store_dir} is open read-only; nothing was written")
        with self._write_lock:
            if self._deferred == 0 and not self._search_deepened:
                self.vectors.deepen_search()
                self._search_deepened = True
            self._deferred += 1
            try:
                yield self
            finally:
                self._deferred -= 1
                if self._deferred == 0:
                    self._sync_lexical()

    def write_paper(self, paper: Paper, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Replace one paper; readers see the old version or the new one, never a mix."""
        self.write_papers([(paper, chunks, vectors)])

    def write_papers(self, items: Sequence[tuple[Paper, Sequence[Chunk], np.ndarray]]) -> None:
        """Replace several papers with one vector write and one catalogue commit, so
        ingestion pays Chroma's and SQLite's per-call cost once per batch, not per
        paper. Each paper is still old or new to readers, never a mix: its vectors
        are written before the catalogue lists it, so a killed write leaves only
        orphaned vectors (swept on the next run)."""
        for paper, chunks, vectors in items:
            if len(chunks) != len(vectors):
                raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors for {paper.path}")
        with self.batch():
            self._upsert(items)
            stale: set[str] = set()
            for paper, chunks, _ in items:
                stale |= self.catalogue.chunk_ids(paper.doc_id) - {c.id for c in chunks}
            with self.catalogue.transaction() as db:
                for paper, chunks, _ in items:
                    self.catalogue.put_paper(db, paper, chunks)
                Catalogue.set_setting(db, "embedder", self.embedder_name)
                Catalogue.set_setting(db, "chunking", self.chunking)
            self.vectors.delete(sorted(stale))
            self._vectors_generation = self.generation()

    def put_vectors(self, paper: Paper, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        """Re-add a catalogued paper's vectors (repair), leaving the catalogue as it is."""
        with self.batch():
            self._upsert([(paper, chunks, vectors)])

    def _upsert(self, items: Sequence[tuple[Paper, Sequence[Chunk], np.ndarray]]) -> None:
        """All the items' vectors, with the metadata Chroma filters on, in one write."""
        rows = [(c, chunk_metadata(paper, c)) for paper, chunks, _ in items for c in chunks]
        if rows:
            self.vectors.upsert([c.id for c, _ in rows], np.concatenate([v for _, _, v in items]),
                                [c.text for c, _ in rows], [meta for _, meta in rows])
        short = [(paper, vectors) for paper, chunks, vectors in items if 0 < len(chunks) <= PAPER_MAX_CHUNKS]
        if short:
            self.vectors.upsert_papers([p.doc_id for p, _ in short], np.stack([mean_vector(v) for _, v in short]),
                                       [paper_metadata(p.doc_id, p.meta) for p, _ in short])
        if long := [paper.doc_id for paper, chunks, _ in items if len(chunks) > PAPER_MAX_CHUNKS]:
            self.vectors.delete_papers(long)  # a paper that grew past the limit

    def delete_paper(self, doc_id: str) -> None:
        """Catalogue first (the paper vanishes for readers at once), vectors after."""
        with self.batch():
            chunk_ids = self.catalogue.chunk_ids(doc_id)
            with self.catalogue.transaction() as db:
                Catalogue.drop_paper(db, doc_id)
            self.vectors.delete(sorted(chunk_ids))
            self.vectors.delete_papers([doc_id])
            self._vectors_generation = self.generation()

    def reset(self) -> None:
        """Drop everything (for `--rebuild`)."""
        with self.batch():
            self.vectors.reset()
            with self.catalogue.transaction() as db:
                Catalogue.clear(db)
            self._vectors_generation = self.generation()

    def sweep_orphans(self) -> int:
        """Delete vectors the catalogue does not list (what a killed run leaves)."""
        with self.batch():
            orphans = self.vectors.ids() - self.catalogue.chunk_ids()
            self.vectors.delete(sorted(orphans))
            orphan_papers = self._paper_vectors_out_of_step()[1]
            self.vectors.delete_papers(sorted(orphan_papers))
        if orphans or orphan_papers:
            logger.info("removed %d orphaned vectors", len(orphans) + len(orphan_papers))
        return len(orphans) + len(orphan_papers)

    def _paper_vectors_out_of_step(self) -> tuple[set[str], set[str]]:
        """(short papers without a paper vector, paper vectors of no short paper).
        The ids are read only when the counts differ: reading 20,000 of them from
        Chroma on every unchanged run would cost a re-ingest about a second."""
        short = self.catalogue.short_papers(PAPER_MAX_CHUNKS)
        if self.vectors.paper_count() == len(short):
            return set(), set()
        kept = self.vectors.paper_ids()
        return short - kept, kept - short

    def fill_paper_vectors(self) -> int:
        """Write the mean vector of each short catalogued paper that has none, from its
        stored chunk vectors (a store built before paper vectors were kept, or a
        paper whose chunk vectors were repaired): nothing is embedded again."""
        with self.batch():
            missing = sorted(self._paper_vectors_out_of_step()[0])
            docs = {d.doc_id: d for d in self.documents()} if missing else {}
            for start in range(0, len(missing), PAPERS_PER_FILL):
                batch = missing[start:start + PAPERS_PER_FILL]
                chunks = self.catalogue.chunks_of_papers(batch)
                stored = self.vectors.vectors_of([chunk_id for _, chunk_id, _ in chunks])
                by_paper: dict[str, list[np.ndarray]] = {}
                for doc_id, chunk_id, _ in chunks:
                    if chunk_id in stored:
                        by_paper.setdefault(doc_id, []).append(stored[chunk_id])
                if by_paper:
                    ids = sorted(by_paper)
                    self.vectors.upsert_papers(ids, np.stack([mean_vector(np.stack(by_paper[d])) for d in ids]),
                                               [paper_metadata(d, docs[d].meta) for d in ids])
        if missing:
            logger.info("wrote the vectors of %d papers from their chunks' vectors", len(missing))
        return len(missing)

    def check(self) -> Integrity:
        """Compare catalogue chunks, vector ids and the saved lexical index."""
        saved = LexicalIndex.load(self.store_dir, self.generation())
        return Integrity.of(self.catalogue, self.vectors.ids(), saved.ids if saved else None)

    def ensure_lexical(self) -> None:
        """Save a lexical index for the current generation if none is on disk."""
        with self.batch():
            pass

    def _sync_lexical(self) -> None:
        """Make the saved lexical index match the catalogue: kept when it already
        does (an unchanged run costs a load, not a rebuild), else built and saved."""
        generation = self.generation()
        index = LexicalIndex.load(self.store_dir, generation)
        if index is None:
            index = LexicalIndex.build(*self.catalogue.lexical_rows(), generation)
            index.save(self.store_dir)
        with self._lexical_lock:
            self._lexical = index

    def close(self) -> None:
        """Release the catalogue and the vector client (the last client of a
        folder in a process releases Chroma's cached copy of it)."""
        self.vectors.reopen()
        self.catalogue.close()


def _best_chunk_per_paragraph(hits: Iterable[tuple[str, str, float]]) -> dict[str, float]:
    """Each paragraph's score: the similarity of its most similar chunk, from
    (chunk id, comma-joined paragraph ids, similarity) hits in any order. Keys
    come in the order each paragraph was first seen."""
    scores: dict[str, float] = {}
    for _, paragraph_ids, similarity in hits:
        for pid in paragraph_ids.split(","):
            if pid not in scores or similarity > scores[pid]:
                scores[pid] = similarity
    return scores


__all__ = ["LEXICAL_FOLDER", "Integrity", "PaperStore", "StoredDocument"]
