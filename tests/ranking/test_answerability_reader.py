"""Answerability over the reader's features: the model names its features, a
retrieval-only model reads the first five of a longer row (the answer part the first
eight of the gate's ten), fitting picks the feature set from the columns it is given,
and the gate's name features find the question's names in the article."""

from __future__ import annotations

import json

import numpy as np
import pytest

from assistant.ranking.answerability import (ALL_FEATURES, FEATURES, GATE_FEATURES, AnswerabilityModel, features,
                                             name_features)
from assistant.training.calibration import fit_model


def test_features_row_grows_by_the_reader_features():
    base = features(0.5, 0.4, 0.3, 0.2, 3.0)
    assert len(base) == len(FEATURES) and base[4] == pytest.approx(np.log1p(3.0))
    assert features(0.5, 0.4, 0.3, 0.2, 3.0, (4.0, 1.5, 1.0)) == base + [4.0, 1.5, 1.0, 1.0, 0.0]
    row = features(0.5, 0.4, 0.3, 0.2, 3.0, (4.0, 1.5, 1.0), (0.5, 1.0))
    assert len(row) == len(GATE_FEATURES) and row[-2:] == [0.5, 1.0]


def test_name_features_find_the_questions_names_in_the_article_text():
    article = "Facebook CEO Mark Zuckerberg called Trump’s team, BuzzFeed News reported. Paris-based Ségolène agreed."
    assert name_features("Did Zuckerberg praise Trump's team?", article) == (1.0, 1.0)  # either apostrophe
    assert name_features("What did BuzzFeed say about Clinton?", article) == (0.5, 1.0)
    assert name_features("Who is Ségolène?", article) == (1.0, 1.0)
    assert name_features("Which Paris-based firm?", article) == (1.0, 1.0)
    assert name_features("Why did Guy call?", "a guy called") == (0.0, 1.0)  # case matters
    # The first word is capitalised by grammar, not a name; "I" is no name either.
    assert name_features("Zuckerberg called whom?", "nothing here") == (1.0, 0.0)
    assert name_features("What do I know about the call?", article) == (1.0, 0.0)


def test_a_gate_reads_the_name_features_and_the_answer_part_does_not():
    row = np.array([features(0.5, 0.4, 0.3, 0.2, 3.0, (2.0, 1.0, 1.0), (0.0, 1.0))])
    answer = AnswerabilityModel([0.0] * 5 + [1.0, 0.0, 0.0], 0.0, 0.5, features=ALL_FEATURES)
    gate = AnswerabilityModel([0.0] * 8 + [4.0, -1.0], 1.0, 0.5, features=GATE_FEATURES)
    model = AnswerabilityModel(answer.weights, 0.0, 0.5, features=ALL_FEATURES, gate=gate)
    named = row.copy()
    named[0, 8] = 1.0  # every name found: the gate opens, the answer part is unchanged
    assert answer.probabilities(row)[0] == answer.probabilities(named)[0]
    assert model.probabilities(named)[0] > model.probabilities(row)[0]
    assert model.probabilities(row)[0] == pytest.approx(answer.probabilities(row)[0] * gate.probabilities(row)[0])
    assert AnswerabilityModel.from_json(model.to_json()) == model


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
