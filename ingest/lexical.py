"""BM25 over paragraphs, kept in step with the catalogue.

Ingestion saves the index with the catalogue generation it was built from;
a reader whose catalogue has moved on rebuilds it in memory, so the lexical
side can never disagree with Chroma about which paragraphs exist.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import dataclass
from typing import Any

import numpy as np

from ingest.store import Filters, PaperStore

logger = logging.getLogger(__name__)

_DIR = "bm25"


def _bm25s() -> Any:
    """Import bm25s, undoing the DEBUG level it sets on its own logger at import."""
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def _stemmer() -> object | None:
    try:
        import Stemmer
    except ImportError:  # pragma: no cover - PyStemmer is a dependency
        return None
    return Stemmer.Stemmer("english")


@dataclass
class LexicalIndex:
    """A bm25s index and the paragraph id of each of its rows."""

    ids: list[str]
    generation: int
    _bm25: object | None

    @classmethod
    def build(cls, store: PaperStore) -> LexicalIndex:
        bm25s = _bm25s()

        generation = store.generation()
        ids, texts = store.lexical_corpus()
        if not ids:
            return cls(ids=[], generation=generation, _bm25=None)
        tokens = bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)
        model = bm25s.BM25()
        model.index(tokens, show_progress=False)
        return cls(ids=ids, generation=generation, _bm25=model)

    def save(self, store: PaperStore) -> None:
        """Write atomically: a new folder renamed over the old one."""
        target = store.store_dir / _DIR
        tmp = store.store_dir / f".{_DIR}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        if self._bm25 is not None:
            self._bm25.save(str(tmp / "index"))  # type: ignore[attr-defined]
        (tmp / "ids.json").write_text(json.dumps({"generation": self.generation, "ids": self.ids}))
        old = store.store_dir / f".{_DIR}.old"
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        tmp.rename(target)
        shutil.rmtree(old, ignore_errors=True)

    @classmethod
    def load_or_build(cls, store: PaperStore) -> LexicalIndex:
        """The saved index when it matches the catalogue, else a fresh build."""
        folder = store.store_dir / _DIR
        try:
            saved = json.loads((folder / "ids.json").read_text())
            if saved["generation"] == store.generation():
                if not saved["ids"]:
                    return cls(ids=[], generation=saved["generation"], _bm25=None)
                bm25s = _bm25s()

                model = bm25s.BM25.load(str(folder / "index"))
                return cls(ids=saved["ids"], generation=saved["generation"], _bm25=model)
            logger.info("lexical index is stale; rebuilding")
        except (OSError, ValueError, KeyError):
            logger.info("no usable lexical index; building one")
        return cls.build(store)

    def search(
        self, query: str, k: int, store: PaperStore | None = None, filters: Filters | None = None
    ) -> list[tuple[str, float]]:
        """Top-k paragraph ids by BM25; filters become a weight mask so they act
        before ranking, not after."""
        if self._bm25 is None or not self.ids:
            return []
        bm25s = _bm25s()

        tokens = bm25s.tokenize([query], stopwords="en", stemmer=_stemmer(), show_progress=False)
        if not tokens.vocab:
            return []
        mask = None
        if filters is not None and not filters.is_empty() and store is not None:
            allowed = store.filtered_paragraph_ids(filters)
            mask = np.array([1.0 if pid in allowed else 0.0 for pid in self.ids], dtype=np.float32)
            if not mask.any():
                return []
        k = min(k, len(self.ids))
        docs, scores = self._bm25.retrieve(  # type: ignore[attr-defined]
            tokens, k=k, weight_mask=mask, show_progress=False, n_threads=1
        )
        out = [(self.ids[int(d)], float(s)) for d, s in zip(docs[0], scores[0], strict=True) if s > 0]
        return out
