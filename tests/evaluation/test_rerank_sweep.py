"""The reader's N sweep and the reliability table, on hand-computable lists."""

from __future__ import annotations

import numpy as np

from assistant.evaluation.plots import reliability
from assistant.evaluation.rerank_sweep import hits_at, sweep_top_n


def _question(gold_at: int | None, reader_best: int, n: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """The ranker's top n in order (ranker scores n..1); the reader likes ``reader_best`` most."""
    ranker = np.arange(n, 0, -1, dtype=float)
    reader = np.zeros(n)
    reader[reader_best] = 10.0
    gold = np.zeros(n, dtype=bool)
    if gold_at is not None:
        gold[gold_at] = True
    return np.column_stack([ranker, reader]), gold


def test_hits_at_uses_the_weights_and_keeps_ties_in_ranker_order():
    X, gold = _question(2, 2)
    assert hits_at(X, gold, np.array([1.0, 0.0]), 1) is False  # the ranker alone puts position 0 first
    assert hits_at(X, gold, np.array([0.0, 1.0]), 1) is True  # the reader alone picks position 2
    assert hits_at(X, gold, np.array([1.0, 0.0]), 3) is True


def test_sweep_counts_every_question_and_a_reader_that_is_right_wins_when_n_reaches_its_gold():
    # Two articles; in each, the reader is right and the gold answer sits at ranker position 2 or 3.
    article = [_question(2, 2), _question(3, 3), _question(None, 0)]  # the last: no gold in the top 4
    out = sweep_top_n([article, article], (1, 3, 4))
    assert {n: v["questions"] for n, v in out.items()} == {"1": 6, "3": 6, "4": 6}
    assert out["1"]["hit@1"] == 0.0  # N=1 reads only the ranker's first, never the gold
    assert out["3"]["hit@1"] == 2 / 6  # position 2 is read and the fitted mix follows the reader
    assert out["4"]["hit@1"] == 4 / 6 and out["4"]["hit@3"] == 4 / 6


def test_reliability_bins_mean_prediction_against_observed_share():
    points = reliability([0.05, 0.15, 0.55, 0.95, 1.0], [False, True, True, True, False], bins=2)
    assert points == [(0.1, 0.5, 2), (0.833, 0.667, 3)]
    assert reliability([], [], bins=4) == []
