"""Fitting the shipped models: logistic regression, the listwise ranker, and the
answerability threshold that balances the found and rejected shares."""

import numpy as np
import pytest

from assistant.training.calibration import balanced_threshold, fit_logistic, fit_ranker


def test_logistic_fit_separates():
    X = np.array([[0.0], [0.2], [0.8], [1.0]])
    w, b = fit_logistic(X, np.array([0, 0, 1, 1]), l2=0.01)
    p = 1 / (1 + np.exp(-(X[:, 0] * w[0] + b)))
    assert p[0] < 0.5 < p[3]


def test_fit_recovers_a_hidden_ranking():
    rng = np.random.default_rng(0)
    hidden = rng.normal(size=4)
    lists = []
    for _ in range(300):
        X = rng.normal(size=(12, 4))
        lists.append((X, X @ hidden == (X @ hidden).max()))
    ranker = fit_ranker(lists[:200])
    held = [int(np.argmax(ranker.scores(X))) == int(np.argmax(g)) for X, g in lists[200:]]
    assert np.mean(held) > 0.9  # brute-force reference: the hidden weights rank every gold first
    cosine = ranker.weights @ hidden / (np.linalg.norm(ranker.weights) * np.linalg.norm(hidden))
    assert cosine > 0.95


def test_fit_refuses_data_without_gold():
    with pytest.raises(ValueError, match="no question"):
        fit_ranker([(np.zeros((3, 2)), np.zeros(3, dtype=bool))])


def test_balanced_threshold_maximises_the_smaller_slack():
    """Against a loop over every possible threshold: none leaves both the found
    share (>= 0.90) and the rejection share (>= 0.95) a larger margin."""
    rng = np.random.default_rng(3)
    for _ in range(20):
        own, off = rng.beta(5, 2, rng.integers(5, 60)), rng.beta(2, 5, rng.integers(5, 60))
        chosen = balanced_threshold(own, off)

        def slack(t: float) -> float:
            return min(np.mean(own >= t) - 0.90, np.mean(off < t) - 0.95)

        grid = np.linspace(0, 1, 2001)
        assert slack(chosen) >= max(slack(t) for t in grid)


def test_balanced_threshold_sits_in_the_middle_of_a_gap():
    """Separated scores: the threshold is midway between the highest off-article
    score and the lowest answerable one, touching neither."""
    assert balanced_threshold(np.array([0.6, 0.7, 0.9]), np.array([0.1, 0.3])) == pytest.approx(0.45)


def test_balanced_threshold_meets_both_targets_where_a_fixed_rejection_share_does_not():
    """Scores where rejecting a fixed 96% of off-article questions finds only 89%
    of the answerable ones, though a threshold meeting both targets exists: the
    balanced threshold finds it."""
    off = np.arange(100) / 100.0  # 0.00 .. 0.99
    own = np.array([0.5] * 7 + [0.955] * 4 + [0.98] * 89)
    fixed = np.sort(off)[96] + 1e-6  # the earlier rule: the 96% quantile of the off-article scores
    assert np.mean(own >= fixed) < 0.90
    t = balanced_threshold(own, off)
    assert np.mean(own >= t) >= 0.90 and np.mean(off < t) >= 0.95


def test_refit_leaves_the_readers_answerability_model_to_its_own_command(tmp_path):
    """`assistant eval --suite squad2 --refit` writes the ranker and, with a reader, the rerank mix,
    but not the reader's answerability model (fitted on news by `assistant train answerability`);
    without a reader it writes the retrieval answerability model."""
    from assistant.ranking.answerability import ALL_FEATURES, FEATURES, AnswerabilityModel
    from assistant.training.calibration import write_shipped_models

    rng = np.random.default_rng(5)
    lists = [[(rng.normal(size=(4, 3)), np.array([True, False, False, False])) for _ in range(5)]]
    mixes = [[(rng.normal(size=(4, 2)), np.array([True, False, False, False])) for _ in range(5)]]  # ranker, reader

    def rows(width: int) -> list:
        return [(i % 2, rng.normal(size=width).tolist(), i % 3 == 0, i % 5 == 0, i % 5 != 0) for i in range(60)]

    (tmp_path / "reader").mkdir()
    reading = write_shipped_models({"ranker_lists": lists, "reader_lists": mixes,
                                    "features": rows(len(ALL_FEATURES))}, tmp_path / "reader")
    assert sorted(p.name for p in reading) == ["ranker.json", "rerank.json"]
    (tmp_path / "plain").mkdir()
    plain = write_shipped_models({"ranker_lists": lists, "features": rows(len(FEATURES))}, tmp_path / "plain")
    assert sorted(p.name for p in plain) == ["answerability.json", "ranker.json"]
    assert AnswerabilityModel.from_json((tmp_path / "plain" / "answerability.json").read_text()).features == FEATURES
