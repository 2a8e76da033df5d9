"""Exact search over vectors held in memory (`ingest/index/exact.py`): the
ranking, ties, the reader's access levels and the edges of a small library."""

from __future__ import annotations

import numpy as np

from ingest.index.exact import ExactVectors


def _vectors(rows: list[list[float]], access: list[str]) -> ExactVectors:
    ids = [f"c{i}" for i in range(len(rows))]
    metas = [{"paragraph_ids": f"p{i}", "access": level} for i, level in enumerate(access)]
    return ExactVectors.from_pages([{"ids": ids[:2], "embeddings": rows[:2], "metadatas": metas[:2]},
                                    {"ids": ids[2:], "embeddings": rows[2:], "metadatas": metas[2:]}])


def test_chunks_come_best_first_by_cosine_with_ties_in_stored_order() -> None:
    exact = _vectors([[1, 0], [0, 1], [2, 0.0], [3, 3], [1, 1]], ["public"] * 5)
    hits = exact.search(np.asarray([1.0, 0.0]), 4)
    assert [h[0] for h in hits] == ["c0", "c2", "c3", "c4"]  # c0 and c2 point the same way: stored order
    assert [h[1] for h in hits] == ["p0", "p2", "p3", "p4"]
    assert hits[0][2] == hits[1][2] == 1.0 and abs(hits[2][2] - 2**-0.5) < 1e-6


def test_a_reader_gets_only_the_chunks_of_their_levels_and_never_more_than_there_are() -> None:
    exact = _vectors([[1, 0], [0.9, 0.1], [0, 1]], ["members", "public", "public"])
    assert [h[0] for h in exact.search(np.asarray([1.0, 0.0]), 10, ["public"])] == ["c1", "c2"]
    assert [h[0] for h in exact.search(np.asarray([1.0, 0.0]), 10, ["members"])] == ["c0"]
    assert exact.search(np.asarray([1.0, 0.0]), 10, ["confidential"]) == []
    assert len(exact.search(np.asarray([1.0, 0.0]), 10)) == 3


def test_an_empty_library_or_a_zero_vector_finds_nothing_or_ranks_without_error() -> None:
    assert ExactVectors.from_pages([{"ids": [], "embeddings": [], "metadatas": []}]).search(np.ones(2), 5) == []
    exact = _vectors([[0, 0], [1, 0]], ["public", "public"])
    assert [h[0] for h in exact.search(np.asarray([1.0, 0.0]), 2)] == ["c1", "c0"]
    assert [h[2] for h in exact.search(np.zeros(2), 2)] == [0.0, 0.0]
