"""The dense (FAISS) index: exact below a size threshold, approximate above it.

Exact search (``IndexFlatIP``) keeps every vector in memory (1.5 GB per
million 384-dimensional float32 rows) and scans all of them per query. Above
``approximate_above`` rows (``Settings.approximate_above``, env
``ASSISTANT_APPROXIMATE_ABOVE``) the index is IVF with full vectors in its
lists (IVF-Flat): a query scans only ``nprobe`` of ``nlist`` clusters.
8-bit scalar quantisation would take a quarter of the memory, but on the
million-sentence benchmark its rounding reordered near-identical vectors and
held recall@10 at 0.93 whatever ``nprobe``; IVF-Flat reaches 1.00 there.
Retrieval re-scores its candidates with the exact vectors (``vectors.npy``,
memory-mapped). ``assistant bench --scale`` measures recall against exact
search.

Example:
    >>> import numpy as np
    >>> rows = np.eye(4, dtype=np.float32)
    >>> make_dense(rows, approximate_above=10).ntotal
    4
    >>> describe(make_dense(rows, approximate_above=10))
    'exact (IndexFlatIP)'
"""

from __future__ import annotations

import logging
import math

import faiss
import numpy as np

log = logging.getLogger(__name__)
TRAIN_PER_LIST = 40  # k-means wants roughly 40+ points per cluster; more only costs time


def ivf_lists(n: int) -> int:
    """Number of IVF clusters for ``n`` rows: about 4 * sqrt(n) (4,000 for a million)."""
    return max(16, int(4 * math.sqrt(n)))


def make_dense(vectors: np.ndarray, approximate_above: int, nprobe: int = 128, seed: int = 0) -> faiss.Index:
    """A search index over L2-normalised ``vectors`` (rows keep their order)."""
    n, dim = vectors.shape
    if n <= approximate_above:
        index = faiss.IndexFlatIP(dim)
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return index
    nlist = ivf_lists(n)
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    sample = np.random.default_rng(seed).choice(n, size=min(n, nlist * TRAIN_PER_LIST), replace=False)
    log.info("training IVF%d,Flat on %d of %d vectors", nlist, len(sample), n)
    index.train(np.ascontiguousarray(vectors[np.sort(sample)], dtype=np.float32))
    for start in range(0, n, 100_000):  # in slices, so a memory-mapped array is never copied whole
        index.add(np.ascontiguousarray(vectors[start : start + 100_000], dtype=np.float32))
    index.nprobe = nprobe
    return index


def extend_dense(index: faiss.Index, new_vectors: np.ndarray) -> faiss.Index:
    """A copy of ``index`` with ``new_vectors`` appended (the original is left
    untouched, because readers may be searching it)."""
    copy = faiss.clone_index(index)
    if isinstance(copy, faiss.IndexIVF):
        copy.nprobe = faiss.extract_index_ivf(index).nprobe
    if len(new_vectors):
        copy.add(np.ascontiguousarray(new_vectors, dtype=np.float32))
    return copy


def describe(index: faiss.Index) -> str:
    """A short human description, for ``index info`` and the benchmark."""
    if isinstance(index, faiss.IndexIVF):
        return f"approximate (IVF{index.nlist},Flat, nprobe {index.nprobe})"
    return f"exact ({type(index).__name__})"


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
