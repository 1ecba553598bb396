"""Speed and scale paths behave exactly like the slow, simple ones they replace:
vectorised BM25 == bm25s, appending == rebuilding, approximate search finds what
exact search finds, the numpy query encoder == sentence-transformers.
(No timings here: speed is measured by ``assistant bench``.)"""

import json

import bm25s
import numpy as np
import pytest

from assistant import Assistant
from assistant.store.dense import make_dense
from assistant.embedding.embedder import FakeEmbedder
from assistant.store.build import append_articles, build_index
from assistant.store.files import MANIFEST, current_generation
from assistant.ingest.files import article_from_text, read_article
from assistant.store.lexical import Lexicon, tokenize
from tests.conftest import SEED, CountingEmbedder, bbc_files

TEXTS = ["The council approved the budget on Monday.", "The budget was approved; the council cheered.",
         "Rain fell over the city.", "The mayor said the budget was fair, fair and balanced.", "Of the and a."]


def test_lexicon_scores_equal_bm25s():
    lex = Lexicon.build(TEXTS)
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in tokenize(TEXTS)]
    ref = bm25s.BM25()
    ref.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    for question in ["budget approved", "fair mayor", "rain city council budget"]:
        tokens = [t for t in lex.tokenize(question) if t in vocab]
        assert np.allclose(lex.scores(tokens), ref.get_scores(tokens), atol=1e-6)


def test_lexicon_extend_equals_build_and_save_load(tmp_path):
    whole, grown = Lexicon.build(TEXTS), Lexicon.build(TEXTS[:2]).extend(TEXTS[2:])
    grown.save(tmp_path / "lex")
    loaded = Lexicon.load(tmp_path / "lex", mmap=True)
    for question in ["budget approved", "fair mayor", "rain"]:
        tokens = whole.tokenize(question)
        assert np.allclose(whole.scores(tokens), grown.scores(tokens))
        assert np.allclose(whole.scores(tokens), loaded.scores(tokens))
    assert whole.idf(["budget", "unknown"]) == loaded.idf(["budget", "unknown"])


def test_append_reuses_vectors_and_equals_a_rebuild():
    old_articles = [read_article(SEED)]
    new = article_from_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday. Crowds cheered.")
    embedder = CountingEmbedder()
    grown = append_articles(build_index(old_articles, FakeEmbedder(), progress=False), [new], embedder)
    assert embedder.encoded == 2  # the two new sentences, nothing else
    fresh = build_index(old_articles + [new], FakeEmbedder(), progress=False)
    assert np.array_equal(grown.units, fresh.units) and np.allclose(grown.vectors, fresh.vectors)
    assert grown.dense.ntotal == fresh.dense.ntotal == len(fresh.units)
    tokens = fresh.lexicon.tokenize("mayor bridge Zuckerberg")
    assert np.allclose(grown.lexicon.scores(tokens), fresh.lexicon.scores(tokens))


def test_added_article_answers_like_a_rebuilt_index(tmp_path, corpus_copy, fake_settings):
    bot = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "idx", settings=fake_settings,
                               embedder=FakeEmbedder())
    path = tmp_path / "bridge.txt"
    path.write_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday. Crowds cheered.")
    bot.add(path)
    rebuilt = Assistant.from_paths([corpus_copy, path], settings=fake_settings, embedder=FakeEmbedder())
    for question in ["Who opened the bridge?", "Who did Zuckerberg call?", "What did Gary Coby say?"]:
        assert bot.ask(question).model_dump() == rebuilt.ask(question).model_dump()


def test_older_index_is_rebuilt_without_re_embedding(tmp_path, corpus_copy, fake_settings):
    Assistant.from_paths([corpus_copy], index_dir=tmp_path / "idx", settings=fake_settings, embedder=FakeEmbedder())
    manifest_path = current_generation(tmp_path / "idx", "fix") / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["schema_version"] = 1  # as written by an older version of the package,
    manifest_path.write_text(json.dumps(manifest))
    (tmp_path / "idx" / "CURRENT").write_text(manifest_path.parent.name + "\n")  # whose CURRENT held only the name
    embedder = CountingEmbedder()
    bot = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "idx", settings=fake_settings, embedder=embedder)
    assert embedder.encoded == 0 and len(bot.articles) == 1


def test_approximate_index_recall_against_exact():
    rng = np.random.default_rng(7)
    centres = rng.normal(size=(50, 64)).astype(np.float32)
    rows = centres[rng.integers(0, 50, 6000)] + 0.6 * rng.normal(size=(6000, 64)).astype(np.float32)
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    queries = rows[rng.choice(6000, 100, replace=False)] + 0.1 * rng.normal(size=(100, 64)).astype(np.float32)
    approximate, exact = make_dense(rows, approximate_above=1000), make_dense(rows, approximate_above=10**9)
    assert type(approximate).__name__ == "IndexIVFFlat" and type(exact).__name__ == "IndexFlatIP"
    _, got = approximate.search(queries, 10)
    _, want = exact.search(queries, 10)
    recall = np.mean([len(set(g) & set(w)) / 10 for g, w in zip(got, want)])
    assert recall >= 0.9
    # The scale benchmark's sliced brute force is exact search.
    from assistant.bench.scale import exact_top

    assert (exact_top(rows, queries.astype(np.float32), chunk=700) == want).all()


def test_approximate_index_saves_loads_and_answers_verbatim(tmp_path, fake_settings):
    settings = fake_settings.model_copy(update={"approximate_above": 50})
    files = bbc_files(8)
    bot = Assistant.from_paths(files, index_dir=tmp_path / "idx", settings=settings, embedder=FakeEmbedder())
    loaded = Assistant.from_paths(files, index_dir=tmp_path / "idx", settings=settings, embedder=FakeEmbedder())
    assert (current_generation(tmp_path / "idx", "fix") / "dense.faiss").is_file()
    assert "IVF" in type(loaded.snapshot.data.dense).__name__
    question = "What did the chairman say about profits?"
    answer = loaded.ask(question)
    assert answer.model_dump() == bot.ask(question).model_dump()
    assert answer.quotes and all(loaded.article(q.article_id).text[q.start : q.end] == q.text for q in answer.quotes)
    # Restricted to one article: only its sentences, as the exact index would rank them.
    exact = Assistant.from_paths(files, settings=fake_settings, embedder=FakeEmbedder())
    for article in loaded.articles[:3]:
        restricted = loaded.ask(question, article_ids=[article.id])
        assert restricted.quotes and {q.article_id for q in restricted.quotes} == {article.id}
        assert restricted.model_dump() == exact.ask(question, article_ids=[article.id]).model_dump()


@pytest.mark.slow
def test_light_encoder_matches_sentence_transformers():
    from assistant.embedding.embedder import SentenceTransformerEmbedder, bundled_model_dir
    from assistant.embedding.light_encoder import LightEncoder, supports

    texts = [s.text for s in read_article(SEED).sentences] + ["Who did Zuckerberg call?", "?"]
    assert supports(bundled_model_dir())
    light = LightEncoder(bundled_model_dir())
    reference = SentenceTransformerEmbedder(light=False, bf16=False, adapter="none").encode(texts)  # torch float32
    batch = light.encode(texts)
    single = np.stack([light.encode([t])[0] for t in texts])
    assert (batch * reference).sum(1).min() >= 0.999
    assert (single * reference).sum(1).min() >= 0.999
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)


def test_duplicate_files_do_not_make_the_index_stale(tmp_path, corpus_copy, fake_settings):
    seed = corpus_copy / "zuckerberg-trump-call-true-pundit.txt"
    (corpus_copy / "same-text-again.txt").write_bytes(seed.read_bytes())
    first = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "idx", settings=fake_settings,
                                 embedder=FakeEmbedder())
    generation = current_generation(tmp_path / "idx", "fix")
    again = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "idx", settings=fake_settings,
                                 embedder=FakeEmbedder())
    assert current_generation(tmp_path / "idx", "fix") == generation  # loaded, not rebuilt
    assert len(first.articles) == len(again.articles) == 1
    path = tmp_path / "bridge.txt"
    path.write_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday. Crowds cheered.")
    again.add(path)  # an add keeps the duplicate's record
    generation = current_generation(tmp_path / "idx", "fix")
    Assistant.from_paths([corpus_copy], index_dir=tmp_path / "idx", settings=fake_settings, embedder=FakeEmbedder())
    assert current_generation(tmp_path / "idx", "fix") == generation


def test_loaded_index_parses_articles_only_when_used(tmp_path, fake_settings):
    from assistant.store.articles import ArticleStore

    files = bbc_files(40)
    fake_settings = fake_settings.model_copy(update={"candidates": 5})  # few candidates: few articles touched
    built = Assistant.from_paths(files, index_dir=tmp_path / "idx", settings=fake_settings, embedder=FakeEmbedder())
    bot = Assistant.from_paths(files, index_dir=tmp_path / "idx", settings=fake_settings, embedder=FakeEmbedder())
    store = bot.snapshot.data.articles
    assert isinstance(store, ArticleStore) and store.parsed == 0
    answer = bot.ask("What did the chairman say about profits?")
    assert 0 < store.parsed < len(files)
    assert answer.model_dump() == built.ask("What did the chairman say about profits?").model_dump()
    path = tmp_path / "bridge.txt"
    path.write_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday. Crowds cheered.")
    bot.add(path)  # the stored articles are copied as bytes into the new generation
    reloaded = Assistant.from_paths(files, index_dir=tmp_path / "idx", settings=fake_settings, embedder=FakeEmbedder())
    expected = [a.model_dump() for a in built.articles] + [bot.articles[-1].model_dump()]
    assert [a.model_dump() for a in reloaded.articles] == expected
    assert reloaded.ask("Who opened the bridge?").quotes[0].article_id == bot.articles[-1].id


@pytest.mark.slow
def test_bf16_batch_encoding_matches_float32():
    import torch

    from assistant.embedding.embedder import SentenceTransformerEmbedder

    if not torch.ops.mkldnn._is_mkldnn_bf16_supported():
        pytest.skip("this CPU has no native bf16, so builds stay float32 (nothing to compare)")
    texts = [s.text for f in [SEED, *bbc_files(3)] for s in read_article(f).sentences]
    fast = SentenceTransformerEmbedder(light=False, bf16=True).encode(texts)
    exact = SentenceTransformerEmbedder(light=False, bf16=False).encode(texts)
    assert len(texts) > 40 and (fast * exact).sum(1).min() >= 0.999
    # Queries stay float32 even when torch (not the numpy encoder) encodes them.
    question = "Who did Zuckerberg call after the election?"
    assert np.allclose(SentenceTransformerEmbedder(light=False, bf16=True).encode_query(question),
                       SentenceTransformerEmbedder(light=False, bf16=False).encode_query(question), atol=1e-6)
    assert np.allclose(np.linalg.norm(fast, axis=1), 1.0, atol=1e-5)
