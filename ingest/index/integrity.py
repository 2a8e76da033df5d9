"""How the three parts of the index agree, in sentences an officer can act on."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.index.catalogue import Catalogue


@dataclass(frozen=True)
class Integrity:
    """How the three parts of the index agree. Each field lists what is wrong."""

    missing_vectors: frozenset[str] = frozenset()
    """Chunks the catalogue lists that have no vector."""
    orphan_vectors: frozenset[str] = frozenset()
    """Vectors the catalogue does not list."""
    dangling_chunks: frozenset[str] = frozenset()
    """Chunks that point at paragraphs the catalogue does not hold."""
    lexical_stale: bool = False
    """The saved lexical index does not cover exactly the catalogue's paragraphs."""

    @classmethod
    def of(cls, catalogue: Catalogue, vector_ids: set[str], lexical_ids: list[str] | None) -> Integrity:
        """Compare the catalogue with the vector ids present and the ids the saved
        lexical index covers (None when there is no saved index for this generation)."""
        references = catalogue.chunk_references()
        paragraphs = catalogue.paragraph_ids()
        return cls(
            missing_vectors=frozenset(set(references) - vector_ids),
            orphan_vectors=frozenset(vector_ids - set(references)),
            dangling_chunks=frozenset(c for c, pids in references.items() if not set(pids) <= paragraphs),
            lexical_stale=lexical_ids is None or lexical_ids != catalogue.lexical_rows()[0],
        )

    @property
    def ok(self) -> bool:
        return not (self.missing_vectors or self.orphan_vectors or self.dangling_chunks or self.lexical_stale)

    def problems(self) -> list[str]:
        """One sentence per kind of mismatch, for the CLI and the app."""
        repair, rebuild = "run: python -m ingest --repair", "run: python -m ingest --rebuild"
        out: list[str] = []
        if self.missing_vectors:
            out.append(f"{len(self.missing_vectors)} catalogue chunks have no vector; {repair}")
        if self.orphan_vectors:
            out.append(f"{len(self.orphan_vectors)} vectors belong to no catalogued paper; {repair}")
        if self.dangling_chunks:
            out.append(f"{len(self.dangling_chunks)} chunks point at missing paragraphs; {rebuild}")
        if self.lexical_stale:
            out.append(f"the keyword index does not match the catalogue; {repair}")
        return out
