"""Retrieval settings and the baseline fusions. Pure functions, no I/O.

The store proposes candidates (dense and BM25 top rows, joined by their
same-paragraph neighbours: ``Snapshot.candidates`` or Milvus's). The shipped method,
``hybrid``, scores them with the fitted linear ``Ranker`` over per-candidate
features (see ``features`` and ``pipeline``). The baselines the evaluation suite compares
against: ``weighted`` (min-max cosine and BM25-over-best mixed with
``dense_weight``, plus a share of the best neighbour's score), ``dense``,
``bm25`` and ``rrf`` (k=60).

Example:
    >>> fuse(np.array([0.9, 0.1]), np.array([0.0, 2.0]), "dense").tolist()
    [0.9, 0.1]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from assistant.errors import MethodError
from assistant.ranking.features import best_neighbour, minmax

METHODS = ("hybrid", "weighted", "dense", "bm25", "rrf")


@dataclass(frozen=True)
class Params:
    """Fusion settings; the defaults are the cross-validated choice (see README)."""

    method: str = "hybrid"
    dense_weight: float = 0.5
    neighbour_weight: float = 0.15
    candidates: int = 100
    rrf_k: int = 60


def fuse(dense: np.ndarray, bm25: np.ndarray, method: str, dense_weight: float = 0.5, rrf_k: int = 60) -> np.ndarray:
    """One fused score per candidate from aligned dense and BM25 scores."""
    if method not in METHODS:
        raise MethodError(method, METHODS)
    if method == "dense":
        return dense.astype(np.float64)
    if method == "bm25":
        return bm25.astype(np.float64) + 1e-6 * dense
    if method == "hybrid":
        raise ValueError("the hybrid method scores with a Ranker (see pipeline.rank)")
    if method == "rrf":
        rank_d = np.argsort(np.argsort(-dense, kind="stable"), kind="stable")
        rank_b = np.argsort(np.argsort(-bm25, kind="stable"), kind="stable")
        return 1.0 / (rrf_k + rank_d + 1) + 1.0 / (rrf_k + rank_b + 1)
    best_b = float(bm25.max()) if len(bm25) else 0.0
    bm25_n = bm25 / best_b if best_b > 0 else np.zeros_like(bm25)
    return dense_weight * minmax(dense) + (1 - dense_weight) * bm25_n


def with_neighbours(fused: np.ndarray, neighbours: list[list[int]], weight: float) -> np.ndarray:
    """Add ``weight`` times the best neighbour's fused score (positions in ``neighbours``)."""
    if weight <= 0:
        return fused
    return fused + weight * best_neighbour(fused, neighbours)
