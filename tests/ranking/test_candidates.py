import faiss
import numpy as np
import pytest

from assistant.errors import MethodError
from assistant.ranking.candidates import fuse
from assistant.store.dense import dense_candidates
from assistant.store.lexical import top_rows


def _index(n=300, d=16, seed=0):
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(n, d)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = faiss.IndexFlatIP(d)
    index.add(vectors)
    return index, vectors, rng


def test_dense_candidates_match_brute_force():
    index, vectors, rng = _index()
    for _ in range(20):
        q = rng.normal(size=16).astype(np.float32)
        q /= np.linalg.norm(q)
        got = dense_candidates(index, q, 10, None)
        expected = np.argsort(-(vectors @ q))[:10]
        assert list(got) == list(expected)


def test_dense_candidates_respect_allowed_rows():
    index, vectors, rng = _index()
    allowed = np.arange(50, 80)
    q = vectors[10]
    got = dense_candidates(index, q, 5, allowed)
    assert set(got) <= set(allowed)
    assert list(got) == list(allowed[np.argsort(-(vectors[allowed] @ q))[:5]])


@pytest.mark.parametrize("exact_below", [0, 10_000])  # through FAISS's selector, then exactly with numpy
def test_restricted_search_on_an_approximate_index_matches_brute_force(exact_below):
    from assistant.store.dense import make_dense

    rng = np.random.default_rng(5)
    vectors = rng.normal(size=(3000, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    index = make_dense(vectors, approximate_above=100, nprobe=10_000)  # every list probed: exact on its lists
    for allowed in (np.arange(100, 130), np.arange(0, 3000, 7)):
        q = vectors[allowed[3]]
        got = dense_candidates(index, q, 10, allowed, vectors, exact_below=exact_below)
        assert list(got) == list(allowed[np.argsort(-(vectors[allowed] @ q), kind="stable")[:10]])


def test_top_rows_keeps_best_positive():
    values = np.array([0.0, 3.0, 1.0, 2.0, -1.0])
    assert sorted(top_rows(values, 2, None)) == [1, 3]
    assert sorted(top_rows(values, 10, None)) == [1, 2, 3]


def test_rrf_matches_formula():
    dense, bm25 = np.array([0.9, 0.5, 0.1]), np.array([0.0, 5.0, 1.0])
    got = fuse(dense, bm25, "rrf", rrf_k=60)
    expected = [1 / 61 + 1 / 63, 1 / 62 + 1 / 61, 1 / 63 + 1 / 62]
    assert np.allclose(got, expected)


def test_weighted_is_normalised_sum():
    dense, bm25 = np.array([0.2, 0.6, 0.4]), np.array([2.0, 0.0, 4.0])
    got = fuse(dense, bm25, "weighted", dense_weight=0.5)
    assert np.allclose(got, 0.5 * np.array([0.0, 1.0, 0.5]) + 0.5 * np.array([0.5, 0.0, 1.0]))


def test_unknown_method_names_choices():
    with pytest.raises(MethodError, match="hybrid, weighted, dense, bm25, rrf"):
        fuse(np.zeros(1), np.zeros(1), "magic")


