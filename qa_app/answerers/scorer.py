"""Fitted linear models, scored with numpy so queries never import scikit-learn.

`bench/train_answerer.py` fits standardised linear models with scikit-learn
(a pairwise ranking fit for sentences, a logistic regression for abstaining)
and writes their means, scales, coefficients and intercepts as JSON; this module reads them
back. The artefact names its features, and loading checks them against the
code's, so a stale artefact fails loudly instead of scoring the wrong columns.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ingest.errors import ConfigError


@dataclass(frozen=True)
class LinearModel:
    """P(y=1 | x) = sigmoid(((x - mean) / scale) · coef + intercept)."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, matrix: np.ndarray) -> np.ndarray:
        if matrix.size == 0:
            return np.zeros(matrix.shape[0])
        return np.asarray(((matrix - self.mean) / self.scale) @ self.coef + self.intercept, dtype=np.float64)

    def proba(self, matrix: np.ndarray) -> np.ndarray:
        return np.asarray(1.0 / (1.0 + np.exp(-self.logits(matrix))), dtype=np.float64)

    def to_json(self) -> dict[str, Any]:
        return {"features": list(self.features), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept}

    @classmethod
    def from_json(cls, data: dict[str, Any], expected: tuple[str, ...]) -> LinearModel:
        features = tuple(data["features"])
        if features != expected:
            raise ConfigError(f"model features {features} do not match the code's {expected}; "
                              "refit with bench/train_answerer.py")
        return cls(features, np.asarray(data["mean"], dtype=np.float64), np.asarray(data["scale"], dtype=np.float64),
                   np.asarray(data["coef"], dtype=np.float64), float(data["intercept"]))


@dataclass(frozen=True)
class AnswererModels:
    """The sentence scorer, the abstention model and its fitted threshold."""

    sentence: LinearModel
    abstain: LinearModel
    threshold: float
    info: dict[str, Any] = field(default_factory=dict)

    def save(self, path: Path) -> None:
        data = {"sentence": self.sentence.to_json(), "abstain": self.abstain.to_json(),
                "threshold": self.threshold, "info": self.info}
        path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def read_models(path: Path, sentence_features: tuple[str, ...], abstain_features: tuple[str, ...]) -> AnswererModels:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read the answer model {path}: {exc}") from exc
    return AnswererModels(
        sentence=LinearModel.from_json(data["sentence"], sentence_features),
        abstain=LinearModel.from_json(data["abstain"], abstain_features),
        threshold=float(data["threshold"]), info=data.get("info", {}),
    )


@lru_cache(maxsize=4)
def cached_models(path: Path, sentence_features: tuple[str, ...], abstain_features: tuple[str, ...]) -> AnswererModels:
    return read_models(path, sentence_features, abstain_features)
