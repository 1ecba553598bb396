"""Retrieval and abstention metrics, each small enough to check by hand.

Example:
    >>> auroc([0.9, 0.8, 0.1], [1, 1, 0])
    1.0
    >>> mrr([None, 1, 0])
    0.5
"""

from __future__ import annotations

import math
import statistics


def hit_at(ranks: list[int | None], k: int) -> float:
    """Share of questions whose first correct result has 0-based rank < k."""
    return sum(1 for r in ranks if r is not None and r < k) / len(ranks) if ranks else 0.0


def mrr(ranks: list[int | None], cutoff: int = 10) -> float:
    return sum(1.0 / (r + 1) for r in ranks if r is not None and r < cutoff) / len(ranks) if ranks else 0.0


def ndcg(relevances: list[list[int]], cutoff: int = 10) -> float:
    """Mean nDCG@cutoff for binary relevance lists (best first)."""
    if not relevances:
        return 0.0
    total = 0.0
    for rel in relevances:
        dcg = sum(r / math.log2(i + 2) for i, r in enumerate(rel[:cutoff]))
        ideal = sorted(rel, reverse=True)[:cutoff]
        idcg = sum(r / math.log2(i + 2) for i, r in enumerate(ideal))
        total += dcg / idcg if idcg else 0.0
    return total / len(relevances)


def auroc(scores: list[float], labels: list[int]) -> float:
    """Probability a random positive outscores a random negative (ties count half)."""
    pos = [s for s, y in zip(scores, labels) if y]
    neg = [s for s, y in zip(scores, labels) if not y]
    if not pos or not neg:
        return float("nan")
    ordered = sorted((s, y) for s, y in zip(scores, labels))
    rank_sum, i = 0.0, 0
    while i < len(ordered):
        j = i
        while j < len(ordered) and ordered[j][0] == ordered[i][0]:
            j += 1
        avg = (i + j + 1) / 2
        rank_sum += avg * sum(1 for _, y in ordered[i:j] if y)
        i = j
    return (rank_sum - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def precision_recall_f1(predicted: list[bool], actual: list[bool]) -> tuple[float, float, float]:
    tp = sum(1 for p, a in zip(predicted, actual) if p and a)
    fp = sum(1 for p, a in zip(predicted, actual) if p and not a)
    fn = sum(1 for p, a in zip(predicted, actual) if a and not p)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def rejection_at_found(found: list[float], rejected: list[float], share: float) -> float:
    """The share of ``rejected`` scores below the highest threshold that keeps at least
    ``share`` of the ``found`` scores at or above it: a point of the curve, whatever
    threshold ships (the issue's "off-article rejected while 90% are found").

    Example: ``rejection_at_found([0.9, 0.8, 0.7, 0.2], [0.1, 0.5, 0.75], 0.75)`` -> 2/3
    (the threshold 0.7 keeps three of four found; 0.1 and 0.5 fall below it).
    """
    if not 0.0 < share <= 1.0:
        raise ValueError(f"share must be in (0, 1], not {share}")
    if not found or not rejected:
        return float("nan")
    threshold = sorted(found, reverse=True)[math.ceil(share * len(found) - 1e-9) - 1]
    return sum(r < threshold for r in rejected) / len(rejected)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in [0, 100])."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered)) - 1))]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
