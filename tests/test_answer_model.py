"""The fitted answer models: artefact contract, numpy scoring, features."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from ingest.errors import ConfigError
from ingest.types import Paragraph
from qa_app.abstention import ABSTAIN_THRESHOLD
from qa_app.answerers.decline import ABSTAIN_FEATURES, default_models, question_features
from qa_app.answerers.features import FEATURES, candidates
from qa_app.answerers.scorer import AnswererModels, LinearModel, read_models
from qa_app.models import MODEL_PATH, fitted_threshold
from qa_app.types import RetrievedParagraph


def _model(names: tuple[str, ...], coef: list[float]) -> LinearModel:
    n = len(names)
    return LinearModel(names, np.zeros(n), np.ones(n), np.asarray(coef, dtype=float), 0.0)


def test_linear_model_scores_like_a_logistic_regression() -> None:
    model = LinearModel(("a", "b"), np.asarray([1.0, 0.0]), np.asarray([2.0, 1.0]), np.asarray([1.0, -1.0]), 0.5)
    x = np.asarray([[3.0, 1.0]])
    assert model.logits(x)[0] == pytest.approx((3 - 1) / 2 - 1 + 0.5)
    assert model.proba(x)[0] == pytest.approx(1 / (1 + np.exp(-0.5)))


def test_artefact_round_trip_and_stale_features_fail(tmp_path: Path) -> None:
    models = AnswererModels(_model(FEATURES, [0.1] * len(FEATURES)),
                            _model(ABSTAIN_FEATURES, [0.2] * len(ABSTAIN_FEATURES)), 0.42, {"note": "x"})
    path = tmp_path / "m.json"
    models.save(path)
    back = read_models(path, FEATURES, ABSTAIN_FEATURES)
    assert back.threshold == 0.42 and back.sentence.features == FEATURES and back.info == {"note": "x"}
    assert fitted_threshold(path) == 0.42
    data = json.loads(path.read_text())
    data["sentence"]["features"] = ["coverage"]
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="refit with bench/train_answerer.py"):
        read_models(path, FEATURES, ABSTAIN_FEATURES)


def test_shipped_artefact_matches_the_code() -> None:
    models = default_models()
    assert models.sentence.features == FEATURES and models.abstain.features == ABSTAIN_FEATURES
    assert 0.0 < models.threshold < 1.0 and ABSTAIN_THRESHOLD == models.threshold
    assert MODEL_PATH.is_file() and models.info["target_false_abstention"] <= 0.10


def _retrieved(text: str, number: int = 1) -> RetrievedParagraph:
    para = Paragraph(id=f"p{number}", doc_id="d", number=number, text=text, start=0, end=len(text))
    return RetrievedParagraph(paragraph=para, title="Minutes", doc_type="minutes", date="2019-05-20", path="d.txt",
                              score=1.0 / number)


def test_features_mark_headings_cues_and_type() -> None:
    retrieved = [_retrieved("PRESENT: Cllrs Smith and Jones. Proposed by Cllr Smith, seconded by Cllr Jones."),
                 _retrieved("ITEM 5 PLANNING", 2)]
    cands, matrix = candidates("Who proposed the motion in 2019?", retrieved, lambda items: np.zeros(len(items)))
    col = {n: i for i, n in enumerate(FEATURES)}
    assert matrix.shape == (3, len(FEATURES))
    assert [c.eligible for c in cands] == [True, True, False]
    assert matrix[0, col["structural"]] == 1.0 and matrix[1, col["mover_q_cue"]] == 1.0
    assert matrix[1, col["kind_person"]] == 1.0 and matrix[1, col["typed"]] == 1.0
    assert matrix[2, col["heading"]] == 1.0 and matrix[0, col["field_date"]] == 1.0
    feats = question_features(np.asarray([2.0, -1.0]), matrix[:2])
    assert feats[ABSTAIN_FEATURES.index("best_logit")] == 2.0 and feats[ABSTAIN_FEATURES.index("margin")] == 3.0
    assert not question_features(np.zeros(0), matrix[:0]).any()


def test_features_see_another_council_a_missing_vote_and_the_item() -> None:
    para = Paragraph(id="p1", doc_id="d", number=4, text="Agreed to buy a bench for £450. The motion was carried 5-2.",
                     start=0, end=60, item="7. Churchyard bench")
    tintern = RetrievedParagraph(paragraph=para, title="Minutes", doc_type="minutes", date="2019-05-20",
                                 path="d.txt", score=1.0, council="Tintern Community Council")
    col = {n: i for i, n in enumerate(FEATURES)}
    no_vectors = lambda items: np.zeros(len(items))  # noqa: E731
    _, elsewhere = candidates("How much did Wye Valley Community Council pay for the churchyard bench?", [tintern],
                              no_vectors)
    assert elsewhere[:, col["council_clash"]].tolist() == [1.0, 1.0]
    assert elsewhere[0, col["item_coverage"]] > 0.2, "churchyard and bench are in the item heading"
    _, own = candidates("How much did Tintern Community Council pay for the bench?", [tintern], no_vectors)
    assert not own[:, col["council_clash"]].any()
    cands, vote = candidates("What was the vote on the bench?", [tintern], no_vectors)
    assert vote[:, col["kind_vote"]].tolist() == [1.0, 1.0]
    assert [c.typed for c in cands] == [False, True], "only the vote line holds a vote"
    assert vote[:, col["asked_cue_missing"]].tolist() == [1.0, 0.0]
    feats = question_features(np.asarray([0.5, 1.0]), elsewhere)
    assert feats[ABSTAIN_FEATURES.index("all_council_clash")] == 1.0
