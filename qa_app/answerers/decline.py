"""The abstention model's input: features of a question's best candidate
sentences, from the sentence scorer's logits. The model itself and its
threshold are fitted by `bench/train_answerer.py` (see `qa_app.abstention`)."""

from __future__ import annotations

import numpy as np

from qa_app.answerers.features import FEATURES
from qa_app.answerers.scorer import AnswererModels, cached_models
from qa_app.models import MODEL_PATH

ABSTAIN_FEATURES: tuple[str, ...] = (
    "best_logit", "margin", "best_coverage", "best_dense", "best_type_mismatch", "best_literal_missing",
    "best_field_date_clash", "max_coverage", "max_dense", "top_para_dense", "top_para_lexical", "kind_known",
    "best_rare_missing", "min_rare_missing", "best_council_clash", "all_council_clash", "best_asked_cue_missing",
    "best_item_coverage", "best_focus_value",
)
_COL = {name: i for i, name in enumerate(FEATURES)}
_KINDS = [_COL[k] for k in ("kind_money", "kind_number", "kind_date", "kind_person")]


TIE_TEMPERATURE = 0.1
"""How close two sentence scores must be for the decline decision to see both.
The `best_*` features are averaged over the candidates, weighted by
softmax(logit / TIE_TEMPERATURE): an even blend of two sentences that tie, the
leader alone once it leads by 0.3 or more (the second then weighs under 5%).
Taken from the top sentence alone, a tie decided the features: two sentences of
one paragraph scored -0.900 and -0.903, one covering the question and one not,
and re-reading an unrelated paper swapped them and the decision
(docs/BENCHMARKS.md, "Declining on a near-tie")."""


def question_features(logits: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """The abstention model's input for one question, from the sentence
    scorer's logits and feature rows of the eligible candidates (best first or
    not: the best is found here). All zeros when there is no candidate."""
    if len(logits) == 0:
        return np.zeros(len(ABSTAIN_FEATURES))
    order = np.argsort(-logits, kind="stable")
    weights = np.exp((logits - logits[order[0]]) / TIE_TEMPERATURE)
    best = (weights / weights.sum()) @ matrix
    margin = float(logits[order[0]] - logits[order[1]]) if len(order) > 1 else 4.0
    top = matrix[matrix[:, _COL["rank_inv"]] == matrix[:, _COL["rank_inv"]].max()][0]
    values = {
        "best_logit": float(logits[order[0]]),
        "margin": min(margin, 4.0),
        "best_coverage": best[_COL["coverage"]],
        "best_dense": best[_COL["dense"]],
        "best_type_mismatch": best[_COL["type_mismatch"]],
        "best_literal_missing": best[_COL["literal_missing"]],
        "best_field_date_clash": best[_COL["field_date_clash"]],
        "max_coverage": float(matrix[:, _COL["coverage"]].max()),
        "max_dense": float(matrix[:, _COL["dense"]].max()),
        "top_para_dense": top[_COL["para_dense"]],
        "top_para_lexical": top[_COL["para_lexical"]],
        "kind_known": float(best[_KINDS].max()),
        "best_rare_missing": best[_COL["rare_missing"]],
        "min_rare_missing": float(matrix[:, _COL["rare_missing"]].min()),
        "best_council_clash": best[_COL["council_clash"]],
        "all_council_clash": float(matrix[:, _COL["council_clash"]].min()),
        "best_asked_cue_missing": best[_COL["asked_cue_missing"]],
        "best_item_coverage": best[_COL["item_coverage"]],
        "best_focus_value": best[_COL["focus_value"]],
    }
    return np.asarray([values[name] for name in ABSTAIN_FEATURES], dtype=np.float64)


def default_models() -> AnswererModels:
    """The shipped artefact (`qa_app/models/answerer.json`)."""
    return cached_models(MODEL_PATH, FEATURES, ABSTAIN_FEATURES)
