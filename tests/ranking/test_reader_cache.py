"""The reader's logit cache: a question asked again gets the reader's own logits without
reading, the least recently used pairs go first, and the cache is safe across threads."""

from __future__ import annotations

import threading

import numpy as np

from assistant.ranking.reader import LazyReader, ScoreCache


class Counting:
    """A stand-in reader whose logit is a function of the pair, counting the pairs it reads."""

    def __init__(self):
        self.read = 0

    def __call__(self, question: str, sentences: list[str]) -> np.ndarray:
        self.read += len(sentences)
        return np.array([len(question) * 0.1 - len(s) for s in sentences], dtype=np.float32)


def test_cached_logits_equal_fresh_ones_and_only_missing_pairs_are_read():
    reader, cache = Counting(), ScoreCache(100)
    first = cache.scores("Who?", ["a", "bb", "a"], reader)
    assert reader.read == 2  # "a" twice in one call is read once
    np.testing.assert_array_equal(first, Counting()("Who?", ["a", "bb", "a"]))
    again = cache.scores("Who?", ["bb", "ccc", "a"], reader)
    assert reader.read == 3  # only "ccc" was new
    np.testing.assert_array_equal(again, Counting()("Who?", ["bb", "ccc", "a"]))
    cache.scores("Why?", ["a"], reader)  # the same sentence under another question is another pair
    assert reader.read == 4


def test_the_least_recently_used_pairs_are_forgotten_past_the_size():
    reader, cache = Counting(), ScoreCache(2)
    cache.scores("q", ["a", "b"], reader)
    cache.scores("q", ["a"], reader)  # "a" is now the most recent
    cache.scores("q", ["c"], reader)  # evicts "b"
    before = reader.read
    cache.scores("q", ["a", "c"], reader)
    assert reader.read == before
    cache.scores("q", ["b"], reader)
    assert reader.read == before + 1


def test_threads_asking_at_once_get_the_readers_logits():
    reader, cache = Counting(), ScoreCache(50)
    questions = [f"question {i % 7}?" for i in range(200)]
    sentences = [f"sentence {j}" * (j + 1) for j in range(12)]
    wrong = []

    def ask(q):
        if not np.array_equal(cache.scores(q, sentences, reader), Counting()(q, sentences)):
            wrong.append(q)

    threads = [threading.Thread(target=ask, args=(q,)) for q in questions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wrong == []


def test_the_bundled_reader_gives_the_same_logits_with_and_without_its_cache():
    question = "Who did Zuckerberg call after the election?"
    sentences = ["Mark Zuckerberg called Donald Trump to congratulate him.", "It rained in Menlo Park.",
                 "Facebook declined to comment."]
    plain, cached = LazyReader("bundled"), LazyReader("bundled", cache_size=16)
    fresh = plain.scores(question, sentences)
    np.testing.assert_allclose(cached.scores(question, sentences), fresh, rtol=0, atol=1e-6)
    np.testing.assert_allclose(cached.scores(question, sentences[::-1]), fresh[::-1], rtol=0, atol=1e-6)


def test_the_benchmark_empties_the_readers_cache_so_a_repeated_question_is_read_again():
    """``assistant bench`` times the reader itself: ``clear_caches`` makes the next ask read again."""
    from assistant.bench.common import clear_caches

    reader, lazy = Counting(), LazyReader("bundled", cache_size=16)
    lazy._model = type("Model", (), {"scores": staticmethod(reader)})()  # the stand-in instead of the file
    bot = type("Bot", (), {"embedder": None, "engine": type("Engine", (), {"reader": lazy})()})()
    lazy.scores("Who?", ["a", "b"])
    lazy.scores("Who?", ["a", "b"])
    assert reader.read == 2
    clear_caches(bot)
    lazy.scores("Who?", ["a", "b"])
    assert reader.read == 4
    from assistant.bench.store_bench import uncached  # the Milvus bench's wrapper empties it too

    clear_caches(uncached(bot))
    lazy.scores("Who?", ["a", "b"])
    assert reader.read == 6
