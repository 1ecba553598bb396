"""Answerability over the reader's features: the model names its features, a
retrieval-only model reads the first five of a longer row, and fitting picks the
feature set from the columns it is given."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.ranking.answerability import ALL_FEATURES, FEATURES, AnswerabilityModel, features
from assistant.training.calibration import fit_model


def test_features_row_grows_by_the_reader_features():
    base = features(0.5, 0.4, 0.3, 0.2, 3.0)
    assert len(base) == len(FEATURES) and base[4] == pytest.approx(np.log1p(3.0))
    assert features(0.5, 0.4, 0.3, 0.2, 3.0, (4.0, 1.5, 1.0)) == base + [4.0, 1.5, 1.0]


def test_models_round_trip_with_their_feature_names_and_refuse_others():
    reader = AnswerabilityModel([0.1] * len(ALL_FEATURES), -0.2, 0.4, features=ALL_FEATURES)
    assert AnswerabilityModel.from_json(reader.to_json()) == reader
    bad = json.loads(reader.to_json())
    bad["features"] = ["top_cosine"]
    with pytest.raises(ValueError, match="expected"):
        AnswerabilityModel.from_json(json.dumps(bad))


def test_a_retrieval_model_reads_the_first_five_columns_of_a_reader_row():
    model = AnswerabilityModel([1.0, 0.0, 0.0, 0.0, 0.0], 0.0, 0.5)
    row = [0.0, 9, 9, 9, 9, 100.0, 100.0, 1.0]
    assert model.probability(row) == pytest.approx(0.5)
    assert model.probability(row[:5]) == model.probability(row)


def test_fitting_on_reader_columns_gives_a_reader_model_that_uses_the_reader():
    rng = np.random.default_rng(0)
    n = 400
    reader_top = rng.normal(size=n)
    y = (reader_top + 0.3 * rng.normal(size=n) > 0).astype(int)  # only the reader's logit predicts the label
    X = np.column_stack([rng.normal(size=(n, 5)), reader_top, rng.normal(size=n), rng.integers(0, 2, n)])
    model = fit_model(X, y, np.zeros(n, dtype=bool), np.ones(n, dtype=bool))
    assert model.features == ALL_FEATURES
    weights = np.abs(model.weights)
    assert weights[ALL_FEATURES.index("reader_top")] == weights.max() and model.weights[3] == 0.0  # margin unused
    assert fit_model(X[:, :5], y, np.zeros(n, dtype=bool), np.ones(n, dtype=bool)).features == FEATURES
