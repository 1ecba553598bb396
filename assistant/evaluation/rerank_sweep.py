"""How many candidates should the reader read? hit@k of the rerank for each N,
every mix fitted leave-one-article-out, from one set of reader logits.

The reader reads the ranker's top N; the reranked top k (k <= N) comes only from
those N, so one pass over the top ``max(ns)`` answers every smaller N.

Example:
    >>> X = np.array([[1.0, 0.0], [0.0, 2.0]]); gold = np.array([False, True])
    >>> hits_at(X, gold, np.array([0.0, 1.0]), 1)
    True
"""

from __future__ import annotations

import numpy as np

from assistant.training.calibration import fit_ranker


def hits_at(X: np.ndarray, gold: np.ndarray, weights: np.ndarray, k: int) -> bool:
    """Whether a gold row is among the ``k`` best by ``X @ weights`` (ties keep the ranker's order)."""
    order = np.argsort(-(X @ weights), kind="stable")
    return bool(gold[order[:k]].any())


def sweep_top_n(lists: list[list[tuple[np.ndarray, np.ndarray]]], ns: tuple[int, ...]) -> dict[str, dict]:
    """Per N: hit@1 and hit@3 over every answerable question (one (X, gold) per question in
    ``lists[article]``, X = (ranker score, reader logit) of the ranker's top max(ns), best first)."""
    out = {}
    for n in sorted(ns):
        hit1, hit3 = [], []
        for held, part in enumerate(lists):
            train = [(X[:n], g[:n]) for j, other in enumerate(lists) if j != held for X, g in other if g[:n].any()]
            weights = np.asarray(fit_ranker(train).weights) if train else np.array([1.0, 0.0])
            for X, g in part:
                hit1.append(hits_at(X[:n], g[:n], weights, 1))
                hit3.append(hits_at(X[:n], g[:n], weights, 3))
        out[str(n)] = {"hit@1": float(np.mean(hit1)), "hit@3": float(np.mean(hit3)), "questions": len(hit1)}
    return out
