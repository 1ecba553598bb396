"""Candidate sentences for a question, and the baseline fusions. Pure functions, no I/O.

Dense (FAISS inner product over normalised embeddings) and BM25 each propose
candidates, joined by their same-paragraph neighbours. The shipped method,
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

import faiss
import numpy as np

from assistant.errors import MethodError
from assistant.ranking.features import best_neighbour, minmax, neighbour_rows

METHODS = ("hybrid", "weighted", "dense", "bm25", "rrf")


@dataclass(frozen=True)
class Params:
    """Fusion settings; the defaults are the cross-validated choice (see README)."""

    method: str = "hybrid"
    dense_weight: float = 0.5
    neighbour_weight: float = 0.15
    candidates: int = 100
    rrf_k: int = 60


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


def candidate_rows(dense_index: faiss.Index, paragraph_of_row: np.ndarray, query: np.ndarray,
                   bm25_all: np.ndarray, params: Params, allowed: np.ndarray | None,
                   vectors: np.ndarray | None = None) -> np.ndarray:
    """Dense and BM25 top candidates (per ``params.method``), plus their
    same-paragraph neighbours for the methods that look at neighbours."""
    d_rows = (dense_candidates(dense_index, query, params.candidates, allowed, vectors)
              if params.method != "bm25" else [])
    b_rows = top_rows(bm25_all, params.candidates, allowed) if params.method != "dense" else []
    rows = np.union1d(np.asarray(d_rows, dtype=np.int64), np.asarray(b_rows, dtype=np.int64))
    if params.method in ("hybrid", "weighted") and len(rows):
        near = {n for group in neighbour_rows(paragraph_of_row, rows) for n in group}
        if allowed is not None:
            near &= set(allowed.tolist())
        rows = np.union1d(rows, np.fromiter(near, dtype=np.int64, count=len(near)))
    return rows


