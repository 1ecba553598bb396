"""Every public function of ``assistant.evaluation.metrics`` against values worked out
by hand: small lists, the arithmetic in a comment, never the code under test."""

import math
import random

import pytest

from assistant.evaluation import metrics as m


# ----- hit_at: share of questions whose first correct result has 0-based rank < k ----------
def test_hit_at_counts_ranks_strictly_below_k():
    ranks = [0, 2, None, 5, 1]  # five questions; the third has no correct result at all
    assert m.hit_at(ranks, 1) == pytest.approx(1 / 5)  # only rank 0
    assert m.hit_at(ranks, 3) == pytest.approx(3 / 5)  # ranks 0, 2, 1
    assert m.hit_at(ranks, 5) == pytest.approx(3 / 5)  # rank 5 is the 6th result: not in the top 5
    assert m.hit_at(ranks, 6) == pytest.approx(4 / 5)  # ranks 0, 2, 5, 1
    assert m.hit_at(ranks, 100) == pytest.approx(4 / 5)  # None never counts


def test_hit_at_of_nothing_is_zero():
    assert m.hit_at([], 3) == 0.0
    assert m.hit_at([None, None], 10) == 0.0


# ----- mrr: mean of 1/(rank + 1) over questions, ranks at or past the cutoff count 0 ---------
def test_mrr_counts_a_rank_past_five_under_the_default_cutoff_of_ten():
    # 0-based ranks 0, 7, none, 1 -> reciprocal ranks 1/1, 1/8, 0, 1/2
    # (1 + 1/8 + 0 + 1/2) / 4 = (8/8 + 1/8 + 4/8) / 4 = (13/8) / 4 = 13/32 = 0.40625
    # (a cutoff of 5 would drop the 1/8: (1 + 1/2) / 4 = 0.375)
    assert m.mrr([0, 7, None, 1]) == pytest.approx(13 / 32)
    assert m.mrr([0, 7, None, 1]) == pytest.approx(0.40625)


def test_mrr_default_cutoff_is_exactly_ten():
    # rank 9 is the 10th result: 1/10 counts; rank 10 (the 11th) does not.
    # (1/10 + 0) / 2 = 0.05
    assert m.mrr([9, 10]) == pytest.approx(0.05)
    # rank 4 (5th result) and rank 5 (6th result) both count: (1/5 + 1/6) / 2 = (6/30 + 5/30) / 2 = 11/60
    assert m.mrr([4, 5]) == pytest.approx(11 / 60)


def test_mrr_with_an_explicit_cutoff():
    # cutoff 3: ranks 0 and 2 count, rank 3 does not: (1 + 1/3 + 0) / 3 = (4/3) / 3 = 4/9
    assert m.mrr([0, 2, 3], cutoff=3) == pytest.approx(4 / 9)
    # cutoff 1: only rank 0 counts: (1 + 0 + 0) / 3 = 1/3
    assert m.mrr([0, 2, 3], cutoff=1) == pytest.approx(1 / 3)


def test_mrr_of_nothing_is_zero():
    assert m.mrr([]) == 0.0
    assert m.mrr([None, None, None]) == 0.0


# ----- ndcg: mean over lists of DCG@cutoff / ideal DCG@cutoff, binary relevance --------------
# DCG = sum over positions i (0-based) of rel_i / log2(i + 2).
# log2(2) = 1, log2(3) = 1.5849625007, log2(4) = 2, log2(11) = 3.4594316186, log2(12) = 3.5849625007
def test_ndcg_of_one_list():
    # [0, 1]: DCG = 0/1 + 1/log2(3) = 0.6309297536; ideal [1, 0]: 1/1 = 1 -> 0.6309297536
    assert m.ndcg([[0, 1]]) == pytest.approx(0.6309297536, rel=1e-9)
    # [1, 0, 1]: DCG = 1/1 + 0 + 1/log2(4) = 1.5; ideal [1, 1, 0]: 1 + 1/log2(3) = 1.6309297536
    # 1.5 / 1.6309297536 = 0.9197207891
    assert m.ndcg([[1, 0, 1]]) == pytest.approx(0.9197207891, rel=1e-9)
    assert m.ndcg([[1, 1, 0]]) == pytest.approx(1.0)  # already ideal


def test_ndcg_averages_lists_and_a_list_with_nothing_relevant_counts_zero():
    # (0.9197207891 + 0) / 2 = 0.4598603946; the second list's ideal DCG is 0, so it scores 0
    assert m.ndcg([[1, 0, 1], [0, 0, 0]]) == pytest.approx(0.4598603946, rel=1e-9)


def test_ndcg_cutoff_ignores_results_past_it_but_the_ideal_still_holds_them():
    # [0, 0, 1] at cutoff 2: DCG over [0, 0] = 0; ideal [1, 0, 0][:2] -> 1 -> 0 / 1 = 0
    assert m.ndcg([[0, 0, 1]], cutoff=2) == 0.0
    # at cutoff 3: DCG = 1/log2(4) = 0.5; ideal = 1 -> 0.5
    assert m.ndcg([[0, 0, 1]], cutoff=3) == pytest.approx(0.5)


def test_ndcg_default_cutoff_is_ten():
    tenth = [0] * 9 + [1]  # the relevant result at position 10 (0-based 9): 1/log2(11) = 0.2890648263
    eleventh = [0] * 10 + [1]  # at position 11 (0-based 10): past the cutoff, so DCG 0, ideal still 1
    assert m.ndcg([tenth]) == pytest.approx(0.2890648263, rel=1e-9)
    assert m.ndcg([eleventh]) == 0.0
    assert m.ndcg([eleventh], cutoff=11) == pytest.approx(1 / 3.5849625007, rel=1e-9)  # 0.2789429456


def test_ndcg_of_nothing_is_zero():
    assert m.ndcg([]) == 0.0


# ----- auroc: P(random positive outscores random negative), ties count one half --------------
def test_auroc_with_ties_counts_them_half():
    # positives 0.9, 0.5; negatives 0.5, 0.1
    # pairs: 0.9>0.5: 1, 0.9>0.1: 1, 0.5=0.5: 0.5, 0.5>0.1: 1 -> 3.5 / (2 * 2) = 0.875
    assert m.auroc([0.9, 0.5, 0.5, 0.1], [1, 1, 0, 0]) == pytest.approx(0.875)
    # positives 0.8, 0.6, 0.3; negatives 0.6, 0.3 (two tied groups)
    # 0.8: 1 + 1 = 2; 0.6: 0.5 + 1 = 1.5; 0.3: 0 + 0.5 = 0.5 -> 4 / (3 * 2) = 2/3
    assert m.auroc([0.8, 0.6, 0.6, 0.3, 0.3], [1, 1, 0, 1, 0]) == pytest.approx(2 / 3)
    # the same scores in another order, labels as booleans: the same value
    assert m.auroc([0.3, 0.6, 0.8, 0.3, 0.6], [False, True, True, True, False]) == pytest.approx(2 / 3)


def test_auroc_extremes():
    assert m.auroc([0.2, 0.9, 0.1], [1, 1, 0]) == pytest.approx(1.0)  # pairs 0.2>0.1, 0.9>0.1: 2/2
    assert m.auroc([0.1, 0.9], [1, 0]) == pytest.approx(0.0)  # the one pair is inverted: 0/1
    assert m.auroc([0.3, 0.3, 0.3], [1, 0, 1]) == pytest.approx(0.5)  # two tied pairs: (0.5 + 0.5) / 2


def test_auroc_of_one_class_is_nan():
    assert math.isnan(m.auroc([0.1, 0.2], [1, 1]))
    assert math.isnan(m.auroc([0.1, 0.2], [0, 0]))
    assert math.isnan(m.auroc([], []))


def test_auroc_matches_pairwise_brute_force():
    rng = random.Random(1)
    scores = [round(rng.random(), 1) for _ in range(60)]  # one decimal: many ties
    labels = [rng.random() < 0.4 for _ in range(60)]
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    brute = sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))
    assert m.auroc(scores, labels) == pytest.approx(brute)


# ----- precision_recall_f1 --------------------------------------------------------------------
def test_precision_recall_f1_by_hand():
    predicted = [True, True, True, True, False, False]
    actual = [True, True, False, False, True, False]
    # tp = 2 (0, 1), fp = 2 (2, 3), fn = 1 (4): P = 2/4 = 0.5, R = 2/3
    # F1 = 2 * 0.5 * 2/3 / (0.5 + 2/3) = (2/3) / (7/6) = 4/7
    p, r, f1 = m.precision_recall_f1(predicted, actual)
    assert (p, r, f1) == (pytest.approx(0.5), pytest.approx(2 / 3), pytest.approx(4 / 7))
    # tp = 1, fp = 1, fn = 1: P = R = F1 = 1/2
    assert m.precision_recall_f1([True, True, False], [True, False, True]) == pytest.approx((0.5, 0.5, 0.5))
    # tp = 1, fp = 0, fn = 2: P = 1, R = 1/3, F1 = 2 * 1/3 / (4/3) = 1/2
    assert m.precision_recall_f1([True, False, False], [True, True, True]) == pytest.approx((1.0, 1 / 3, 0.5))


def test_precision_recall_f1_with_empty_denominators_is_zero():
    assert m.precision_recall_f1([False, False], [True, False]) == (0.0, 0.0, 0.0)  # nothing predicted
    assert m.precision_recall_f1([False, False], [False, False]) == (0.0, 0.0, 0.0)  # nothing to find
    assert m.precision_recall_f1([True, True], [False, False]) == (0.0, 0.0, 0.0)  # tp = 0, fp = 2


# ----- percentile (nearest rank) and median --------------------------------------------------
def test_percentile_is_the_nearest_rank():
    values = [50, 15, 40, 20, 35]  # sorted: 15, 20, 35, 40, 50 (n = 5); rank = ceil(q/100 * n)
    assert m.percentile(values, 5) == 15  # ceil(0.25) = 1 -> 15
    assert m.percentile(values, 30) == 20  # ceil(1.5) = 2 -> 20
    assert m.percentile(values, 40) == 20  # ceil(2.0) = 2 -> 20
    assert m.percentile(values, 50) == 35  # ceil(2.5) = 3 -> 35
    assert m.percentile(values, 95) == 50  # ceil(4.75) = 5 -> 50
    assert m.percentile(values, 100) == 50  # ceil(5) = 5 -> 50
    assert m.percentile(values, 0) == 15  # ceil(0) = 0: clamped to the first
    assert m.percentile(list(range(1, 101)), 95) == 95  # ceil(95) = 95 -> the 95th value, 95


def test_percentile_of_nothing_is_nan():
    assert math.isnan(m.percentile([], 50))


def test_median():
    assert m.median([3, 1, 2]) == 2  # sorted 1, 2, 3: the middle one
    assert m.median([4, 1, 3, 2]) == 2.5  # sorted 1, 2, 3, 4: (2 + 3) / 2
    assert m.median([7.0]) == 7.0
    assert math.isnan(m.median([]))


# ----- rejection_at_found: rejected share below the highest threshold keeping `share` found --
def test_rejection_at_found_by_hand():
    found, rejected = [0.9, 0.8, 0.7, 0.2], [0.1, 0.5, 0.75]
    # 75% of 4 = 3 found: the threshold is the third highest, 0.7; 0.1 and 0.5 are below it
    assert m.rejection_at_found(found, rejected, 0.75) == pytest.approx(2 / 3)
    # 90% of 4 = 3.6, so 4 must be found: threshold 0.2; only 0.1 is below it
    assert m.rejection_at_found(found, rejected, 0.90) == pytest.approx(1 / 3)
    # ties: a rejected score equal to the threshold is found, not rejected
    assert m.rejection_at_found([0.5, 0.5], [0.5, 0.4], 1.0) == pytest.approx(1 / 2)
    assert math.isnan(m.rejection_at_found([], [0.1], 0.9))
    for share in (0.0, 1.5):
        with pytest.raises(ValueError, match="share"):
            m.rejection_at_found([0.5], [0.1], share)


def test_rejection_at_found_against_a_loop_over_thresholds():
    """The highest threshold keeping the share found, found by trying every score."""
    rng = random.Random(4)
    for _ in range(50):
        found = [rng.random() for _ in range(rng.randint(1, 40))]
        rejected = [rng.random() for _ in range(rng.randint(1, 40))]
        best = max(t for t in found if sum(f >= t for f in found) >= 0.9 * len(found) - 1e-9)
        expected = sum(r < best for r in rejected) / len(rejected)
        assert m.rejection_at_found(found, rejected, 0.9) == pytest.approx(expected)
