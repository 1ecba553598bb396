"""The reader at ask time: the rerank mix's file format, the cache, the bundled
reader's provenance check, and the numpy reader against sentence-transformers."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from assistant import ReaderError, Settings
from assistant.ranking.reader import (
    READER_DIR, CachedReader, LazyReader, RerankWeights, reader_for, shipped_weights, verify_bundled,
)

BUNDLED_PRESENT = (READER_DIR / "provenance.json").is_file()


def test_rerank_weights_round_trip_and_refuse_other_features():
    w = RerankWeights(ranker=0.7, reader=1.3)
    assert RerankWeights.from_json(w.to_json()) == w
    assert w.mix(np.array([1.0]), np.array([2.0])).tolist() == [0.7 * 1.0 + 1.3 * 2.0]
    with pytest.raises(ValueError, match="features"):
        RerankWeights.from_json(json.dumps({"features": ["cosine", "reader_logit"], "weights": [1, 1]}))
    assert isinstance(shipped_weights(), RerankWeights)


def test_cached_reader_reads_each_pair_once_and_keeps_the_order():
    calls = []

    class Counting:
        def scores(self, question, sentences):
            calls.append(list(sentences))
            return np.array([len(s) for s in sentences], dtype=np.float32)

    cached = CachedReader(Counting())
    assert cached.scores("q", ["aa", "b", "aa"]).tolist() == [2.0, 1.0, 2.0]
    assert cached.scores("q", ["b", "ccc"]).tolist() == [1.0, 3.0]
    assert calls == [["aa", "b"], ["ccc"]]  # duplicates and pairs already read are not read again
    assert cached.scores("other", ["b"]).tolist() == [1.0] and calls[-1] == ["b"]


def test_reader_setting_none_means_no_reader_and_bad_names_fail_on_first_use():
    assert reader_for(Settings(reader="none")) is None
    assert isinstance(reader_for(Settings()), LazyReader)
    with pytest.raises(ReaderError, match="not usable"):
        reader_for(Settings(reader="/nonexistent/reader-folder")).scores("q", ["s"])


@pytest.mark.skipif(not BUNDLED_PRESENT, reason="no bundled reader trained yet")
def test_the_bundled_reader_is_refused_when_its_weights_do_not_match_the_provenance(tmp_path):
    provenance = verify_bundled()
    sources = provenance["data"] if isinstance(provenance["data"], list) else [provenance["data"]]
    assert all(len(d["sha256"]) == 64 for d in sources) and provenance["pairs_seen"] > 0 and provenance["command"]
    copy = tmp_path / "reader"
    shutil.copytree(READER_DIR, copy)
    raw = bytearray((copy / "model.safetensors").read_bytes())
    raw[-1] ^= 0xFF
    (copy / "model.safetensors").write_bytes(bytes(raw))
    with pytest.raises(ReaderError, match="does not match its provenance"):
        verify_bundled(copy)
    (copy / "provenance.json").unlink()
    with pytest.raises(ReaderError, match="no provenance"):
        verify_bundled(copy)


@pytest.mark.slow
@pytest.mark.skipif(not BUNDLED_PRESENT, reason="no bundled reader trained yet")
def test_numpy_reader_equals_sentence_transformers_on_the_seed(real_bot):
    import torch
    from sentence_transformers import CrossEncoder

    from assistant.embedding.light_reader import LightReader

    sentences = [s.text for s in real_bot.articles[0].sentences]
    cross = CrossEncoder(str(READER_DIR))
    exact_reader, fast_reader = LightReader(READER_DIR, backend="numpy"), LightReader(READER_DIR)
    # The second question is longer than the reader's 96 tokens: both cut the longer side first.
    for question in ("Who did Zuckerberg call after the election?",
                     "Who did Zuckerberg call after the election " + "and what did the campaign say " * 20 + "?"):
        heavy = cross.predict([(question, s) for s in sentences], activation_fn=torch.nn.Identity())
        exact = exact_reader.scores(question, sentences)
        assert np.allclose(exact, heavy, atol=2e-3)  # the same function, in float32
        fast = fast_reader.scores(question, sentences)  # bfloat16 products where the CPU has them
        assert np.allclose(fast, heavy, atol=0.1) and int(np.argmax(fast)) == int(np.argmax(heavy))


@pytest.fixture(scope="module")
def numpy_bot():
    """The seed with the reader in float32 numpy, as a one-shot ``assistant ask`` reads."""
    from assistant import Assistant
    from tests.conftest import CORPUS

    return Assistant.from_paths([CORPUS], settings=Settings(progress=False, reader_backend="numpy"))


@pytest.mark.slow
@pytest.mark.skipif(not BUNDLED_PRESENT, reason="no bundled reader trained yet")
def test_numpy_and_torch_backends_give_the_same_answers_on_the_seed(real_bot, numpy_bot):
    """The one-shot ``assistant ask`` reads in float32 numpy, the chat and the API in torch
    (bfloat16 products): the same quotes and found / not found for every seed question."""
    from tests.conftest import ROOT

    for line in (ROOT / "eval" / "seed.jsonl").read_text(encoding="utf-8").splitlines():
        question = json.loads(line)["question"]
        fast, exact = real_bot.ask(question), numpy_bot.ask(question)
        assert [q.text for q in fast.quotes] == [q.text for q in exact.quotes], question
        assert fast.found == exact.found and abs(fast.confidence - exact.confidence) < 0.02, question
    assert numpy_bot.engine.reader._model.backend == "numpy" and real_bot.engine.reader._model.backend == "torch"


@pytest.mark.slow
@pytest.mark.skipif(not BUNDLED_PRESENT, reason="no bundled reader trained yet")
def test_a_question_longer_than_the_reader_reads_is_answered(real_bot, numpy_bot):
    """A 200-token question (the reader reads 96 with the sentence) once raised a tokenizer error."""
    question = "When did the phone call between the two men take place, and " + "why was ad money spent " * 40 + "?"
    assert len(question) < real_bot.settings.max_question_chars
    for bot in (real_bot, numpy_bot):
        _, ranked = bot.candidates(question)
        assert np.isfinite(ranked.read).sum() == min(bot.settings.reader_top_n, len(ranked.read))  # it was read
        answer = bot.ask(question)
        assert answer.quotes
        for q in answer.quotes:
            assert bot.article(q.article_id).text[q.start : q.end] == q.text
