"""Access levels in the index: the part of `PaperStore` that changes who may
read a paper without re-embedding it. Kept apart so the store's own module
stays about keeping the three parts in step."""

from __future__ import annotations

from contextlib import AbstractContextManager

from ingest.index.catalogue import Catalogue
from ingest.index.vectors import VectorIndex


class AccessLevels:
    """Mixed into `PaperStore`, which provides the catalogue, the vectors and `batch`
    (the write lock, and the lexical index kept in step on leaving)."""

    catalogue: Catalogue
    vectors: VectorIndex

    def batch(self) -> AbstractContextManager[object]:
        raise NotImplementedError

    def access_levels(self) -> dict[str, str]:
        """doc_id → access level of every stored paper."""
        return self.catalogue.access_levels()

    def set_access(self, doc_id: str, level: str) -> bool:
        """Change who may read a paper without re-embedding it; False when the
        store has no such paper. The catalogue changes first, and dense hits are
        checked against it, so a narrowing applies at once even if Chroma lags."""
        with self.batch():
            with self.catalogue.transaction() as db:
                found = Catalogue.set_access(db, doc_id, level)
            if found:
                self.vectors.set_metadata(sorted(self.catalogue.chunk_ids(doc_id)), {"access": level}, papers=[doc_id])
        return found

    def sync_access(self) -> int:
        """Copy every paper's level into its chunks' Chroma metadata (once, for
        an index built before papers had levels); returns the papers updated."""
        if self.catalogue.setting("access_in_vectors") == "1":
            return 0
        levels = self.access_levels()
        with self.batch():
            for doc_id, level in levels.items():
                self.vectors.set_metadata(sorted(self.catalogue.chunk_ids(doc_id)), {"access": level}, papers=[doc_id])
            with self.catalogue.transaction() as db:
                Catalogue.set_setting(db, "access_in_vectors", "1")
        return len(levels)
