"""The squad2 report's abstention figures: the reader's answerability model is fitted on
news questions, so SQuAD scores it as it ships (no fold sees these articles); the
retrieval model is fitted on SQuAD, so it is scored leave-one-article-out."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.evaluation.squad import abstention, cross_validate
from assistant.ranking.answerability import ALL_FEATURES, FEATURES, AnswerabilityModel


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


def test_the_readers_model_is_scored_as_it_ships_beside_the_squad_fitted_one(monkeypatch):
    """A hand-made shipped model whose probability is sigmoid(reader_top) and threshold 0.5,
    on rows worked out by hand: per article, answerable logits +2, +2, +2, -2 (3 of 4 found),
    unanswerable +2, -2 (1 of 2 not found), off-article -2, -2, -2, +2 (3 of 4 rejected).
    To find 90% of 4 answerable questions the threshold must fall to sigmoid(-2), below which
    no off-article question lies. AUROC: of the 8 (answerable, unanswerable) pairs, a high
    one beats a low one (3 pairs: 3), ties count half (high-high 3, low-low 1: 2), 5 / 8."""
    model = AnswerabilityModel([0.0] * 5 + [1.0, 0.0, 0.0], 0.0, 0.5, features=ALL_FEATURES)
    monkeypatch.setattr("assistant.evaluation.squad.shipped_model", lambda with_reader: model)

    def row(article: int, logit: float, right: bool, off: bool, answerable: bool):
        return (article, [0.3, 0.2, 0.1, 1.0, 3.0, logit, 1.0, float(article % 2)], right, off, answerable)

    features = []
    for a in range(3):
        features += [row(a, x, x > 0, False, True) for x in (2.0, 2.0, 2.0, -2.0)]
        features += [row(a, x, False, False, False) for x in (2.0, -2.0)]
        features += [row(a, x, False, True, False) for x in (-2.0, -2.0, -2.0, 2.0)]
    abst, own, correct = abstention({"features": features, "articles": ["a", "b", "c"], "unseen_off": []})
    assert abst["found_rate_own_answerable"] == pytest.approx(3 / 4)
    assert abst["not_found_rate_own_unanswerable"] == pytest.approx(1 / 2)
    assert abst["off_article_rejection"] == pytest.approx(3 / 4)
    assert abst["off_article_rejection_at_90_found"] == 0.0
    assert abst["auroc_answerable_vs_unanswerable"] == pytest.approx(5 / 8)
    assert len(own) == 18 and correct == [True, True, True, False, False, False] * 3
    assert set(abst["squad_fitted"]) >= {"auroc_answerable_vs_unanswerable", "found_rate_own_answerable",
                                         "off_article_rejection", "off_article_rejection_at_90_found"}


def test_the_retrieval_model_is_scored_leave_one_article_out():
    result = _result(len(FEATURES), seed=1)
    abst, own, _ = abstention(result)
    cv_probs, _, _ = cross_validate(result["features"], 3)
    assert own == pytest.approx([p for p, f in zip(cv_probs, result["features"]) if not f[3]])
    assert "squad_fitted" not in abst
