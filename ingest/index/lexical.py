"""BM25 over paragraphs, and the document frequencies of its terms.

Both come from one tokenisation with `ingest.terms.content_terms`, done once
when the index is built, and are saved with the catalogue generation they were
built from. A reader whose catalogue has moved on loads or builds a fresh one;
the store decides when (see `ingest.index.store`).
"""

from __future__ import annotations

import json
import logging
import math
import shutil
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from ingest.terms import TERMS_VERSION, content_terms

logger = logging.getLogger(__name__)

FOLDER = "bm25"
MASKS_KEPT = 64
"""Filter masks an index keeps (one per distinct reader and filter choice)."""


def _bm25s() -> Any:
    """Import bm25s, undoing the DEBUG level it sets on its own logger at import."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


@dataclass
class LexicalIndex:
    """A bm25s index, the paragraph id of each of its rows, and term statistics."""

    ids: list[str]
    generation: int
    _bm25: Any | None
    df: dict[str, int] = field(default_factory=dict)
    _masks: dict[Hashable, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def build(cls, ids: Sequence[str], texts: Sequence[str], generation: int) -> LexicalIndex:
        if not ids:
            return cls(ids=[], generation=generation, _bm25=None)
        corpus = [content_terms(text) or [""] for text in texts]
        df: Counter[str] = Counter()
        for terms in corpus:
            df.update(set(terms))
        df.pop("", None)
        model = _bm25s().BM25()
        model.index(corpus, show_progress=False)
        return cls(ids=list(ids), generation=generation, _bm25=model, df=dict(df))

    def save(self, store_dir: Path) -> None:
        """Write atomically: a new folder renamed over the old one."""
        target = store_dir / FOLDER
        tmp = store_dir / f".{FOLDER}.tmp"
        old = store_dir / f".{FOLDER}.old"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp / "index"))
        (tmp / "ids.json").write_text(json.dumps(
            {"generation": self.generation, "terms": TERMS_VERSION, "ids": self.ids, "df": self.df}))
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load(cls, store_dir: Path, generation: int) -> LexicalIndex | None:
        """The saved index when it was built from `generation` with today's
        tokeniser, else None (the caller rebuilds it from the catalogue)."""
        folder = store_dir / FOLDER
        try:
            saved = json.loads((folder / "ids.json").read_text())
            if saved["generation"] != generation or saved.get("terms") != TERMS_VERSION or "df" not in saved:
                return None
            model = _bm25s().BM25.load(str(folder / "index")) if saved["ids"] else None
            return cls(ids=saved["ids"], generation=generation, _bm25=model, df=saved["df"])
        except (OSError, ValueError, KeyError):
            return None

    def mask_for(self, key: Hashable, allowed: Callable[[], set[str]]) -> np.ndarray:
        """The weight mask of the paragraph ids `allowed()` returns, made once per
        `key` (a `Filters`) for this index, so for one catalogue generation: every
        question of the same reader reuses it instead of a catalogue query and a
        pass over every paragraph id (64 ms a question at 20k paragraphs)."""
        mask = self._masks.get(key)
        if mask is None:
            mask = self._mask_of(allowed())
            if len(self._masks) >= MASKS_KEPT:
                self._masks.clear()
            self._masks[key] = mask
        return mask

    @cached_property
    def _rows(self) -> dict[str, int]:
        """Each paragraph id's row, so a mask costs the allowed ids, not a pass
        over every row (5.4 ms for the few papers a question names at 73k rows)."""
        return {pid: row for row, pid in enumerate(self.ids)}

    def _mask_of(self, allowed: Iterable[str]) -> np.ndarray:
        mask = np.zeros(len(self.ids), dtype=np.float32)
        rows = self._rows
        mask[np.fromiter((row for row in map(rows.get, allowed) if row is not None), dtype=np.intp)] = 1.0
        return mask

    def search(
        self, query: str, k: int, allowed: set[str] | None = None, *, mask: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """Top-k paragraph ids by BM25. `allowed` (the filters' paragraph ids), or
        its `mask`, weighs the rows, so filters act before ranking, not after."""
        if self._bm25 is None or not self.ids:
            return []
        terms = [t for t in content_terms(query) if t in self.df]
        if not terms:
            return []
        if allowed is not None:
            mask = self._mask_of(allowed)
        if mask is not None and not mask.any():
            return []
        # Only paragraphs that score are ranked: bm25s's `retrieve` partitions every
        # row, and a partition over the ties of tens of thousands of zeros took 5 ms
        # of the 8 a search cost at 96k paragraphs. Ties are broken by row, so the
        # order is the same every run.
        scores = self._bm25.get_scores(terms, weight_mask=mask)
        rows = np.flatnonzero(scores > 0)
        if len(rows) > k:
            rows = rows[np.argpartition(-scores[rows], k - 1)[:k]]
        rows = rows[np.lexsort((rows, -scores[rows]))]
        return [(self.ids[int(r)], float(scores[r])) for r in rows]

    def idf(self, term: str) -> float:
        """BM25 IDF of a stemmed term; a term no paragraph contains gets the maximum weight."""
        n = len(self.ids)
        df = self.df.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))
