"""The squad2 report's abstention figures: the reader's answerability model is fitted on
news questions, so SQuAD scores it as it ships (no fold sees these articles); the
retrieval model is fitted on SQuAD, so it is scored leave-one-article-out."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evaluation import metrics as m
from assistant.evaluation.squad import abstention, cross_validate
from assistant.ranking.answerability import ALL_FEATURES, FEATURES, shipped_model


def _result(width: int, seed: int = 0) -> dict:
    """Three articles' feature rows: own answerable and unanswerable, and off-article ones."""
    rng = np.random.default_rng(seed)
    features = []
    for article in range(3):
        for i in range(60):
            answerable, off = i % 3 != 0 and i < 45, i >= 45
            row = rng.normal(size=width) + (1.5 if answerable else 0.0)
            features.append((article, row.tolist(), answerable and rng.random() < 0.8, off, answerable))
    return {"features": features, "articles": ["a", "b", "c"], "unseen_off": []}


def test_the_readers_model_is_scored_as_it_ships_beside_the_squad_fitted_one():
    result = _result(len(ALL_FEATURES))
    abst, own, correct = abstention(result)
    model, feats = shipped_model(with_reader=True), result["features"]
    probs = model.probabilities(np.array([f[1] for f in feats]))
    own_rows = [(p, f) for p, f in zip(probs, feats) if not f[3]]
    assert own == pytest.approx([p for p, _ in own_rows]) and correct == [f[2] for _, f in own_rows]
    answerable = [p for p, f in own_rows if f[4]]
    assert abst["found_rate_own_answerable"] == pytest.approx(np.mean(np.array(answerable) >= model.threshold))
    off = [p for p, f in zip(probs, feats) if f[3]]
    assert abst["off_article_rejection"] == pytest.approx(np.mean(np.array(off) < model.threshold))
    assert abst["off_article_rejection_at_90_found"] == pytest.approx(m.rejection_at_found(answerable, off, 0.9))
    cv_probs, _, _ = cross_validate(feats, 3)
    labels = [int(f[4]) for f in feats if not f[3]]
    assert abst["squad_fitted"]["auroc_answerable_vs_unanswerable"] == pytest.approx(
        m.auroc([p for p, f in zip(cv_probs, feats) if not f[3]], labels))


def test_the_retrieval_model_is_scored_leave_one_article_out():
    result = _result(len(FEATURES), seed=1)
    abst, own, _ = abstention(result)
    cv_probs, _, _ = cross_validate(result["features"], 3)
    assert own == pytest.approx([p for p, f in zip(cv_probs, result["features"]) if not f[3]])
    assert "squad_fitted" not in abst
