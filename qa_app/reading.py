"""Which windows to read first: a linear model fitted on labelled transcripts.

A result is read with its window of neighbours (`qa_app/windows.py`), and a
reader (the language model, a councillor scanning the sources) has a budget of
characters. Ranked by the paragraph alone, the first windows are often single
on-topic turns in a run of talk about something else, while a window a few
ranks lower holds the whole exchange. What marks the better window is measurable
without embedding anything more: how much of the question's wording its
paragraphs carry (BM25), and how many of the other strong candidates fall inside
it. A ridge regression on those features, fitted on QMSum train meetings (target:
the share of a window's turns that are gold), orders the windows
(`bench/fit_reading.py`, shipped as `qa_app/models/reading.json`).

The leading results stay in fused order, because the extractive answerer reads
them; the rest of the result list is filled from deeper candidates by this
score, and `qa_app.windows.reading_order` reads results by it.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ingest.errors import ConfigError
from qa_app.windows import Window

logger = logging.getLogger(__name__)

READING_PATH = Path(__file__).resolve().parent / "models" / "reading.json"

READING_FEATURES: tuple[str, ...] = (
    "inverse_rank",         # 1 / (fused rank + 1)
    "score_share",          # fused score / the first candidate's
    "lexical_share",        # the paragraph's BM25 / the best BM25 of the question
    "window_lexical_sum",   # the window's paragraphs' BM25, summed, / the best
    "window_lexical_max",   # the window's best paragraph BM25 / the best
    "window_lexical_spread",  # share of the window's paragraphs with any BM25
    "others_score_share",   # fused scores of the other candidates inside the window / the first's
    "candidates_inside",    # candidates inside the window, itself included
    "paragraphs",           # paragraphs in the window
    "log_chars",            # log(1 + the paragraph's characters)
)


@dataclass(frozen=True)
class ReadingModel:
    """A standardised linear score over `READING_FEATURES`."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    meta: dict[str, object]

    def score(self, rows: np.ndarray) -> np.ndarray:
        return ((rows - self.mean) / self.scale) @ self.coef + self.intercept

    def to_json(self) -> dict[str, object]:
        return {"features": list(READING_FEATURES), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept, **self.meta}


def load_reading(path: Path = READING_PATH) -> ReadingModel:
    """The model at `path`; `ConfigError` naming the file when it cannot be used."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        arrays = [np.asarray(data[key], dtype=np.float64) for key in ("mean", "scale", "coef")]
        intercept = float(data["intercept"])
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise ConfigError(f"{path}: not a reading model ({exc})") from exc
    if data.get("features") != list(READING_FEATURES) or any(a.shape != (len(READING_FEATURES),) for a in arrays):
        raise ConfigError(f"{path}: fitted on other features than {', '.join(READING_FEATURES)}")
    if not np.all(arrays[1] > 0):
        raise ConfigError(f"{path}: every feature scale must be positive")
    meta = {k: v for k, v in data.items() if k not in {"features", "mean", "scale", "coef", "intercept"}}
    return ReadingModel(mean=arrays[0], scale=arrays[1], coef=arrays[2], intercept=intercept, meta=meta)


@lru_cache(maxsize=2)
def shipped_reading(path: Path = READING_PATH) -> ReadingModel | None:
    """The shipped model, or None (logged once): results are then read in rank order."""
    try:
        return load_reading(path)
    except ConfigError as exc:
        logger.warning("windows read in rank order: %s", exc)
        return None


def reading_features(
    pool: Sequence[tuple[str, float]], windows: Mapping[str, Window], lexical: Mapping[str, float]
) -> np.ndarray:
    """One row per candidate of `pool` (paragraph id, fused score; in fused
    order), in `READING_FEATURES` order. `lexical` holds the BM25 score of every
    window paragraph that has one, and of the question's best paragraph."""
    rows = np.zeros((len(pool), len(READING_FEATURES)), dtype=np.float64)
    if not pool:
        return rows
    top_score = pool[0][1] or 1.0
    top_lexical = max(lexical.values(), default=0.0) or 1.0
    fused = dict(pool)
    for rank, (pid, score) in enumerate(pool):
        window = windows.get(pid)
        ids = [p.id for p in window.paragraphs] if window is not None else [pid]
        chars = len(window.paragraph.text) if window is not None else 0
        shares = np.array([lexical.get(i, 0.0) for i in ids]) / top_lexical
        rows[rank] = (
            1.0 / (rank + 1), score / top_score, lexical.get(pid, 0.0) / top_lexical,
            shares.sum(), shares.max(), float((shares > 0).mean()),
            sum(fused.get(i, 0.0) for i in ids if i != pid) / top_score,
            sum(1 for i in ids if i in fused), len(ids), math.log1p(chars),
        )
    return rows
