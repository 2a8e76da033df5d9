"""The query adapter's fit (bench/fit_query_adapter.py) on vectors small enough to
see: it must pull each question to its answer, at the shipped temperature and at
another one given on the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from fit_query_adapter import TEMPERATURE, Source, fit, recall  # noqa: E402


def _source(seed: int = 0) -> Source:
    """Forty answers, each asked thirty times by questions that a fixed linear
    distortion moves towards other answers: the plain ranking gets about half
    wrong, and a linear map is what undoes it."""
    rng = np.random.default_rng(seed)
    count, dim, asked = 40, 8, 30
    answers = rng.normal(size=(count, dim))
    answers /= np.linalg.norm(answers, axis=1, keepdims=True)
    distortion = np.eye(dim) + 0.4 * rng.normal(size=(dim, dim))
    which = np.repeat(np.arange(count), asked)
    questions = answers[which] @ distortion + 0.05 * rng.normal(size=(count * asked, dim))
    source = Source("toy", [f"a{i}" for i in range(count)], [f"q{i}" for i in range(count * asked)],
                    [[int(i)] for i in which], [str(i) for i in which], top=1)
    source.vectors = {"passages": answers.astype(np.float32), "questions": questions.astype(np.float32)}
    return source


@pytest.mark.parametrize("temperature", [TEMPERATURE, 0.02])
def test_the_fit_pulls_questions_to_their_answers(temperature: float) -> None:
    source = _source()
    rows = list(range(len(source.questions)))
    w = fit([source], [rows], penalty=0.0, seed=13, temperature=temperature)
    assert recall(source, rows, None) < 0.6
    assert recall(source, rows, w) > 0.8


def test_the_temperature_changes_the_fit() -> None:
    source = _source()
    rows = list(range(len(source.questions)))
    shipped = fit([source], [rows], penalty=0.01, seed=13)
    sharper = fit([source], [rows], penalty=0.01, seed=13, temperature=0.02)
    assert not np.allclose(shipped, sharper)
