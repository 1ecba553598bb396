"""Candidate generation, fusion and sentence scoring. Pure functions, no I/O.

Dense (FAISS inner product over normalised embeddings) and BM25 each propose
candidates, joined by their same-paragraph neighbours. The shipped method,
``hybrid``, scores them with the fitted linear ``Ranker`` over per-candidate
features (see ``ranker``). The baselines the evaluation suite compares
against: ``weighted`` (min-max cosine and BM25-over-best mixed with
``dense_weight``, plus a share of the best neighbour's score), ``dense``,
``bm25`` and ``rrf`` (k=60).

Example:
    >>> fuse(np.array([0.9, 0.1]), np.array([0.0, 2.0]), "dense").tolist()
    [0.9, 0.1]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import faiss
import numpy as np

from assistant.ranking.ranker import Ranker, best_neighbour, feature_matrix, minmax

# rows -> (type match, coverage, length in characters, coverage with neighbours), one value per row
Describe = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]
METHODS = ("hybrid", "weighted", "dense", "bm25", "rrf")


@dataclass(frozen=True)
class Params:
    """Fusion settings; the defaults are the cross-validated choice (see README)."""

    method: str = "hybrid"
    dense_weight: float = 0.5
    neighbour_weight: float = 0.15
    candidates: int = 100
    rrf_k: int = 60


@dataclass(frozen=True)
class Scored:
    """Per-row scores for one query: the raw signals and the final ranking score."""

    rows: np.ndarray
    dense: np.ndarray
    bm25: np.ndarray
    score: np.ndarray
    features: np.ndarray | None = None


EXACT_RESTRICTED = 50_000  # rows: a restriction (article_ids) this small is scored exactly with numpy


def dense_candidates(index: faiss.Index, query: np.ndarray, k: int, allowed: np.ndarray | None,
                     vectors: np.ndarray | None = None, exact_below: int = EXACT_RESTRICTED) -> np.ndarray:
    """Top-``k`` rows by inner product, optionally restricted to ``allowed`` rows.

    A restriction of up to ``exact_below`` rows is scored exactly over ``vectors``
    (when given): an approximate index probes only the clusters nearest the query,
    which may hold none of one article's sentences. Larger restrictions go through
    FAISS with an ID selector (IVF search parameters keep the index's ``nprobe``).
    """
    k = min(k, index.ntotal if allowed is None else len(allowed))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if allowed is not None and vectors is not None and len(allowed) <= exact_below:
        scores = np.empty(len(allowed), dtype=np.float32)
        for start in range(0, len(allowed), 4096):  # slices: no 75 MB copy of memory-mapped rows per question
            scores[start : start + 4096] = np.asarray(vectors[allowed[start : start + 4096]], dtype=np.float32) @ query
        return allowed[np.argsort(-scores, kind="stable")[:k]].astype(np.int64)
    params = None
    if allowed is not None:
        selector = faiss.IDSelectorBatch(allowed.astype(np.int64))
        if isinstance(index, faiss.IndexIVF):
            params = faiss.SearchParametersIVF(sel=selector, nprobe=index.nprobe)
        else:
            params = faiss.SearchParameters(sel=selector)
    _, ids = index.search(query.reshape(1, -1).astype(np.float32), k, params=params)
    return ids[0][ids[0] >= 0]


def top_rows(values: np.ndarray, k: int, allowed: np.ndarray | None) -> np.ndarray:
    """Indices of the ``k`` largest positive ``values`` (within ``allowed``)."""
    pool = np.arange(len(values)) if allowed is None else allowed
    scores = values[pool]
    keep = pool[scores > 0]
    scores = scores[scores > 0]
    if len(keep) > k:
        part = np.argpartition(-scores, k)[:k]
        keep = keep[part]
    return keep


def fuse(dense: np.ndarray, bm25: np.ndarray, method: str, dense_weight: float = 0.5, rrf_k: int = 60) -> np.ndarray:
    """One fused score per candidate from aligned dense and BM25 scores."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if method == "dense":
        return dense.astype(np.float64)
    if method == "bm25":
        return bm25.astype(np.float64) + 1e-6 * dense
    if method == "hybrid":
        raise ValueError("the hybrid method scores with a Ranker; call search() with one")
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


def adjacent(paragraph_of_row: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(row before, whether it is in the same paragraph, row after, whether it is)
    for each of ``rows``; ``paragraph_of_row`` holds a global paragraph id per row,
    so rows of another article are never in the same paragraph."""
    last = len(paragraph_of_row) - 1
    before, after = np.maximum(rows - 1, 0), np.minimum(rows + 1, last)
    same_before = (rows > 0) & (paragraph_of_row[before] == paragraph_of_row[rows])
    same_after = (rows < last) & (paragraph_of_row[after] == paragraph_of_row[rows])
    return before, same_before, after, same_after


def neighbour_rows(paragraph_of_row: np.ndarray, rows: np.ndarray) -> list[list[int]]:
    """For each row, the adjacent rows in the same paragraph (see ``adjacent``)."""
    before, same_before, after, same_after = adjacent(paragraph_of_row, rows)
    return [[b] * sb + [a] * sa for b, sb, a, sa in
            zip(before.tolist(), same_before.tolist(), after.tolist(), same_after.tolist())]


def candidate_rows(dense_index: faiss.Index, paragraph_of_row: np.ndarray, query: np.ndarray,
                   bm25_all: np.ndarray, params: Params, allowed: np.ndarray | None,
                   vectors: np.ndarray | None = None) -> np.ndarray:
    """Dense and BM25 top candidates (per ``params.method``), plus their
    same-paragraph neighbours for the methods that look at neighbours."""
    d_rows = dense_candidates(dense_index, query, params.candidates, allowed, vectors) if params.method != "bm25" else []
    b_rows = top_rows(bm25_all, params.candidates, allowed) if params.method != "dense" else []
    rows = np.union1d(np.asarray(d_rows, dtype=np.int64), np.asarray(b_rows, dtype=np.int64))
    if params.method in ("hybrid", "weighted") and len(rows):
        near = {n for group in neighbour_rows(paragraph_of_row, rows) for n in group}
        if allowed is not None:
            near &= set(allowed.tolist())
        rows = np.union1d(rows, np.fromiter(near, dtype=np.int64, count=len(near)))
    return rows


def search(dense_index: faiss.Index, vectors: np.ndarray, paragraph_of_row: np.ndarray, query: np.ndarray,
           bm25_all: np.ndarray, params: Params, allowed: np.ndarray | None = None,
           ranker: Ranker | None = None, describe: Describe | None = None) -> Scored:
    """Score the candidate rows for one query. The ``hybrid`` method needs the
    ``ranker`` and ``describe(rows) -> (type matches, coverage, lengths, window coverage)``."""
    rows = candidate_rows(dense_index, paragraph_of_row, query, bm25_all, params, allowed, vectors)
    if not len(rows):
        empty = np.zeros(0)
        return Scored(rows, empty, empty, empty)
    dense = np.asarray(vectors[rows], dtype=np.float32) @ query.astype(np.float32)
    bm25 = bm25_all[rows]
    if params.method not in ("hybrid", "weighted"):
        return Scored(rows, dense, bm25, fuse(dense, bm25, params.method, params.dense_weight, params.rrf_k))
    position = {r: i for i, r in enumerate(rows.tolist())}
    near_pos = [[position[n] for n in group if n in position] for group in neighbour_rows(paragraph_of_row, rows)]
    if params.method == "weighted":
        fused = fuse(dense, bm25, "weighted", params.dense_weight)
        return Scored(rows, dense, bm25, with_neighbours(fused, near_pos, params.neighbour_weight))
    if ranker is None or describe is None:
        raise ValueError("the hybrid method needs a ranker and a describe function")
    features = feature_matrix(dense, bm25, near_pos, *describe(rows))
    return Scored(rows, dense, bm25, ranker.scores(features), features)
