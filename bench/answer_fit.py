"""Fitting and scoring for `train_answerer.py`: scikit-learn logistic
regressions exported as `LinearModel`s, the threshold from a false-abstention
target, and the held-out figures (including the precision-coverage curve)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, StratifiedGroupKFold

from qa_app.answerers.decline import ABSTAIN_FEATURES, question_features
from qa_app.answerers.extractive import ExtractiveAnswerer, ExtractiveConfig
from qa_app.answerers.features import FEATURES, usable
from qa_app.answerers.scorer import AnswererModels, LinearModel
from qa_app.eval.metrics import (
    QuestionResult,
    abstention_rate,
    answer_accuracy,
    answer_correct,
    citation_paper,
    false_abstention,
)
from qa_app.eval.training import Example, as_result

FOLDS = 5
REPEATS = 20
"""Cross-validations whose thresholds the shipped one is the median of: one split
of the training questions into folds moves the threshold by about 0.015 (its
spread over seeds), as much as a change to the data would."""
CURVE = [round(0.05 * i, 2) for i in range(1, 20)]


def _domain(e: Example) -> str:
    return "squad" if e.domain.startswith("squad") else "council"


def _question_weights(examples: list[Example], squad_share: float = 1.0) -> np.ndarray:
    """Each domain weighs the same in total, whatever its size, SQuAD times
    `squad_share`: council papers are what the product answers from."""
    counts: dict[str, int] = {}
    for e in examples:
        counts[_domain(e)] = counts.get(_domain(e), 0) + 1
    w = np.asarray([(squad_share if _domain(e) == "squad" else 1.0) / counts[_domain(e)] for e in examples])
    return w * len(examples) / w.sum()


def _groups(examples: list[Example]) -> np.ndarray:
    """One group per original question: its variants (`r07~year`,
    `r07~hidden`) share it, so out-of-fold scores never come from a fit that saw
    the same question in another form."""
    ids = {base: i for i, base in enumerate(dict.fromkeys(e.question.base_id for e in examples))}
    return np.asarray([ids[e.question.base_id] for e in examples])


def _standardiser(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and spreads; a constant column keeps spread 1."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def fit_linear(x: np.ndarray, y: np.ndarray, w: np.ndarray, names: tuple[str, ...], c: float = 1.0) -> LinearModel:
    mean, scale = _standardiser(x)
    lr = LogisticRegression(C=c, max_iter=5000).fit((x - mean) / scale, y, sample_weight=w)
    return LinearModel(names, mean, scale, lr.coef_[0].astype(np.float64), float(lr.intercept_[0]))


def _sentence_questions(
    examples: list[Example], weights: np.ndarray,
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """What the sentence scorer learns from: for each question with a right
    sentence among those the answerer chooses from, their feature rows, which
    are right, and the question's weight."""
    out = []
    for e, w in zip(examples, weights, strict=True):
        keep = _mask(e)
        if e.reachable and keep.any() and e.positive[keep].any():
            out.append((e.matrix[keep], e.positive[keep], float(w)))
    return out


def _rows(questions: list[tuple[np.ndarray, np.ndarray, float]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The questions' candidates stacked, each question's weight shared among its candidates."""
    xs = [m for m, _, _ in questions]
    ys = [pos for _, pos, _ in questions]
    ws = [np.full(len(m), w / len(m)) for m, _, w in questions]
    return np.vstack(xs), np.concatenate(ys), np.concatenate(ws) * 100


def fit_ranking(examples: list[Example], weights: np.ndarray, names: tuple[str, ...], c: float = 1.0) -> LinearModel:
    """A sentence scorer fitted to rank, not to classify: each question's right
    sentences against its wrong ones, pair by pair (a linear RankNet), so a
    question with many candidates weighs no more than one with few. The pair
    model has no intercept; the direction it finds is then scaled and shifted
    by a one-feature logistic fit on the candidates (Platt), so the scores stay
    probabilities the answer composer and the abstention model can read."""
    questions = _sentence_questions(examples, weights)
    x, y, w = _rows(questions)
    mean, scale = _standardiser(x)
    diffs, labels, pair_w = [], [], []
    for matrix, right, qw in questions:
        rows = (matrix - mean) / scale
        pos, neg = rows[right], rows[~right]
        if not len(neg):
            continue
        d = (pos[:, None, :] - neg[None, :, :]).reshape(-1, rows.shape[1])
        diffs += [d, -d]
        labels += [np.ones(len(d)), np.zeros(len(d))]
        pair_w += [np.full(2 * len(d), qw / (2 * len(d)))]
    xd, yd, wd = np.vstack(diffs), np.concatenate(labels), np.concatenate(pair_w) * 100
    direction = LogisticRegression(C=c, fit_intercept=False, max_iter=5000).fit(xd, yd, sample_weight=wd).coef_[0]
    raw = ((x - mean) / scale) @ direction
    platt = LogisticRegression(max_iter=5000).fit(raw[:, None], y, sample_weight=w)
    coef = direction * float(platt.coef_[0][0])
    return LinearModel(names, mean, scale, coef.astype(np.float64), float(platt.intercept_[0]))


OBJECTIVES = ("pairwise", "pointwise")


def _sentence_fit(examples: list[Example], weights: np.ndarray, objective: str, c: float) -> LinearModel:
    if objective == "pairwise":
        return fit_ranking(examples, weights, FEATURES, c=c)
    if objective == "pointwise":
        return fit_linear(*_rows(_sentence_questions(examples, weights)), FEATURES, c=c)
    raise ValueError(f"unknown sentence objective {objective!r}; expected one of {OBJECTIVES}")


def _mask(e: Example) -> np.ndarray:
    """The candidates the answerer chooses among (`usable`), as a mask."""
    keep = np.zeros(len(e.candidates), dtype=bool)
    keep[usable(e.candidates)] = True
    return keep


def _question_row(model: LinearModel, e: Example) -> np.ndarray:
    keep = _mask(e)
    rows = e.matrix[keep] if keep.any() else np.zeros((0, len(FEATURES)))
    return question_features(model.logits(rows), rows)


def fit_models(train: list[Example], target: float, *, seed: int, squad_share: float = 1.0,
               objective: str = "pairwise", sentence_c: float = 0.001) -> AnswererModels:
    """Sentence scorer on every reachable training question (`objective`:
    ranked pair by pair, or each sentence classified alone; `sentence_c` its
    inverse regularisation); abstention model on out-of-fold sentence scores;
    threshold from out-of-fold probabilities, the median over `REPEATS`
    shuffled cross-validations (seeds `seed`, `seed + 1`, …)."""
    weights = _question_weights(train, squad_share)
    sentence = _sentence_fit(train, weights, objective, sentence_c)
    # Out-of-fold sentence scores, so the abstention model sees scores as
    # confident as they will be on unseen questions.
    q_rows = np.zeros((len(train), len(ABSTAIN_FEATURES)))
    groups = _groups(train)
    for fit_idx, out_idx in GroupKFold(FOLDS).split(np.zeros(len(train)), groups=groups):
        part = [train[i] for i in fit_idx]
        model = _sentence_fit(part, weights[fit_idx], objective, sentence_c)
        for i in out_idx:
            q_rows[i] = _question_row(model, train[i])
    y = np.asarray([e.question.answerable for e in train])
    abstain = fit_linear(q_rows, y, weights, ABSTAIN_FEATURES)
    runs = [_abstain_oof(q_rows, y, weights, groups, seed + repeat) for repeat in range(REPEATS)]
    thresholds = [choose_threshold(oof, y, weights, target) for oof in runs]
    threshold = float(np.median(thresholds))
    info: dict[str, Any] = {
        "target_false_abstention": target, "squad_share": squad_share,
        "sentence_objective": objective, "sentence_c": sentence_c,
        "threshold_from": f"the median over {REPEATS} shuffled {FOLDS}-fold cross-validations of the highest "
        "threshold whose out-of-fold false abstention on the training questions is within the target, weighted "
        "by domain as the fits are (squad_share)",
        "threshold_spread": [min(thresholds), max(thresholds)],
        "validation_false_abstention": float(np.mean([_weighted_fa(o, y, weights, threshold) for o in runs])),
        "validation_abstention": float(np.mean([((o < threshold) & ~y).sum() / max(1, (~y).sum()) for o in runs])),
    }
    return AnswererModels(sentence, abstain, threshold, info)


def _abstain_oof(q_rows: np.ndarray, y: np.ndarray, weights: np.ndarray, groups: np.ndarray, seed: int) -> np.ndarray:
    """Out-of-fold P(answerable) for every training question, from one shuffled
    split into folds that keeps each question's variants together."""
    oof = np.zeros(len(y))
    folds = StratifiedGroupKFold(FOLDS, shuffle=True, random_state=seed)
    for fit_idx, out_idx in folds.split(q_rows, y, groups=groups):
        oof[out_idx] = fit_linear(q_rows[fit_idx], y[fit_idx], weights[fit_idx], ABSTAIN_FEATURES).proba(
            q_rows[out_idx])
    return oof


def _weighted_fa(p: np.ndarray, y: np.ndarray, w: np.ndarray, t: float) -> float:
    return float((w * ((p < t) & y)).sum() / (w * y).sum())


def choose_threshold(p: np.ndarray, y: np.ndarray, w: np.ndarray, target: float) -> float:
    """The highest threshold whose (weighted) false abstention is within `target`."""
    best = 0.0
    for t in np.unique(p):
        if _weighted_fa(p, y, w, float(t)) <= target:
            best = float(t)
    return best


def decide_all(models: AnswererModels, examples: list[Example], threshold: float) -> list[QuestionResult]:
    answerer = ExtractiveAnswerer(models=models, config=ExtractiveConfig(threshold=threshold))
    out = []
    for e in examples:
        scored = answerer.rank(e.candidates, e.matrix)
        answer = answerer.decide(e.question.question, e.retrieved, scored)
        result = as_result(e, answer.answer, answer.abstained, [c.source for c in answer.citations])
        result.confidence = scored.answerable
        out.append(result)
    return out


def held_figures(models: AnswererModels, examples: list[Example]) -> dict[str, Any]:
    results = decide_all(models, examples, models.threshold)
    never = decide_all(models, examples, -1.0)
    curve = []
    for t in CURVE:
        answered = [r for r in never if (r.confidence or 0.0) >= t]
        right = sum(1 for r in answered if r.answerable and answer_correct(r))
        curve.append({"threshold": t, "coverage": len(answered) / len(never),
                      "precision": right / len(answered) if answered else None})
    return {
        "questions": len(results), "answerable": sum(r.answerable for r in results),
        "reachable": sum(e.reachable for e in examples if e.question.answerable),
        "accuracy": answer_accuracy(results), "abstention": abstention_rate(results),
        "false_abstention": false_abstention(results), "citation_paper": citation_paper(results),
        "accuracy_if_never_abstaining": answer_accuracy(never), "precision_coverage": curve,
    }


def print_figures(models: AnswererModels, figures: dict[str, dict[str, Any]]) -> None:
    print(f"threshold {models.threshold:.3f} ({models.info})")
    keys = ("questions", "answerable", "reachable", "accuracy", "abstention", "false_abstention", "citation_paper",
            "accuracy_if_never_abstaining")
    print("| set | " + " | ".join(keys) + " |")
    print("|---" * (len(keys) + 1) + "|")
    for name, f in figures.items():
        print(f"| {name} | " + " | ".join(_fmt(f.get(k)) for k in keys) + " |")
    for name, f in figures.items():
        print(f"\nprecision-coverage, {name}: threshold coverage precision")
        for point in f["precision_coverage"]:
            print(f"  {point['threshold']:.2f} {_fmt(point['coverage'])} {_fmt(point['precision'])}")
    for label, model in (("sentence", models.sentence), ("abstain", models.abstain)):
        ranked = sorted(zip(model.features, model.coef, strict=True), key=lambda x: -abs(x[1]))
        print(f"{label} weights: " + ", ".join(f"{n} {c:+.2f}" for n, c in ranked))


def _fmt(v: Any) -> str:
    return "n/a" if v is None else f"{v:.3f}" if isinstance(v, float) else str(v)
