"""The Milvus store: lifecycle (build, add, alias switch, reload elsewhere), refusals and
outages, and its BM25 split against the local lexicon. The ask path itself runs on both
stores through the ``store`` fixture (tests/ranking/test_pipeline.py)."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time

import numpy as np
import pytest

from assistant import (Assistant, IndexMissingError, IndexStaleError, IndexWriteError, StoreLocationError,
                       StoreUnavailableError)
from assistant.embedding.embedder import FakeEmbedder
from assistant.store.lexical import Lexicon, tokenize
from assistant.store.location import parse_store
from assistant.store.milvus import rows as R
from assistant.store.milvus import write
from tests.conftest import CORPUS, ROOT, SEED, bbc_files

QUESTION = "Who did Zuckerberg call?"


@pytest.fixture()
def lite(tmp_path) -> str:
    return f"milvus://{tmp_path}/index.db"


def _sentences(bot: Assistant) -> int:
    return write.count(bot.snapshot.conn, bot.snapshot.names.sentences)


def _generations(bot: Assistant) -> set[str]:
    return {c.split("_")[1] for c in bot.snapshot.conn.call("list_collections") if c.startswith("assistant_g")}


def test_bm25_split_into_sparse_vectors_equals_the_local_lexicon():
    rng = random.Random(5)
    words = "cat dog sat ran fast slow market shares fell rose bank minister said the of a".split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randrange(1, 12))) for _ in range(60)] + ["the of a"]
    lexicon = Lexicon.build(texts)
    weights, _ = R.sentence_weights(tokenize(texts))
    df = R.document_frequencies(weights)
    assert weights[-1] == {R.NO_TERMS: R.NO_TERMS_WEIGHT}  # stopwords only: a placeholder no question holds
    for question in ("cat sat", "market fell fell", "minister said shares rose", "unknown words"):
        tokens = tokenize([question])[0]
        query = {}
        for t in tokens:
            if df.get(R.term_key(t)):
                query[R.term_key(t)] = query.get(R.term_key(t), 0.0) + R.bm25_idf(df[R.term_key(t)], len(texts))
        split = np.array([sum(w * query.get(k, 0.0) for k, w in row.items()) for row in weights])
        assert np.allclose(split, lexicon.scores(tokens), rtol=1e-5, atol=1e-6)


def test_store_locations_parse_and_bad_ones_say_what_to_write():
    assert parse_store("local").is_local and parse_store(None).is_local
    assert parse_store("milvus:///srv/news/index.db").uri == "/srv/news/index.db"
    assert parse_store("https://milvus.example:443").kind == "server"
    for bad, why in (("milvus://relative/index.db", "three slashes"), ("milvus:///srv/news", "end in .db"),
                     ("ftp://host", "unknown kind"), ("http://", "no host")):
        with pytest.raises(StoreLocationError, match=why) as error:
            parse_store(bad)
        assert "milvus:///absolute/path/index.db" in str(error.value)


def test_build_add_reload_and_readd(lite, fake_settings):
    bot = Assistant.from_paths([SEED], settings=fake_settings, embedder=FakeEmbedder(), store=lite)
    extra = bbc_files(1)[0]
    added = bot.add(extra)
    before, n = bot.ask(QUESTION), bot.snapshot.n_rows
    assert _sentences(bot) == n == sum(len(a.sentences) for a in bot.articles)
    found = bot.ask(added.sentences[0].text, article_ids=[added.id])
    assert found.quotes and found.quotes[0].article_id == added.id
    assert bot.add(extra).id == added.id and _sentences(bot) == n  # the same text again: nothing written
    bot.close()
    again = Assistant.from_store(lite, fake_settings, FakeEmbedder())  # nothing but the store
    assert [a.id for a in again.articles] == [a.id for a in bot.articles]
    assert again.ask(QUESTION) == before
    assert again.article(added.id).text == added.text
    again.close()


def test_a_rebuild_switches_the_alias_and_readers_keep_their_generation(lite, fake_settings):
    first = Assistant.from_paths([SEED], settings=fake_settings, embedder=FakeEmbedder(), store=lite)
    answer = first.ask(QUESTION)
    second = Assistant.from_paths([SEED, *bbc_files(2)], settings=fake_settings, embedder=FakeEmbedder(), store=lite)
    assert second.snapshot.names != first.snapshot.names
    assert write.live_generation(second.snapshot.conn, "assistant") == second.snapshot.names
    assert first.ask(QUESTION) == answer  # a reader on the previous generation still reads it
    third = Assistant.from_paths([SEED], settings=fake_settings, embedder=FakeEmbedder(), store=lite, rebuild=True)
    assert _generations(third) == {second.snapshot.names.generation, third.snapshot.names.generation}
    assert third.ask(QUESTION) == answer
    for bot in (first, second, third):
        bot.close()


def test_an_unchanged_corpus_reopens_the_live_generation(lite, fake_settings):
    bot = Assistant.from_paths([SEED], settings=fake_settings, embedder=FakeEmbedder(), store=lite)
    reopened = Assistant.from_paths([SEED], settings=fake_settings, embedder=FakeEmbedder(), store=lite)
    assert reopened.snapshot.names == bot.snapshot.names
    bot.close(), reopened.close()


def test_a_failed_build_leaves_the_live_store_as_it_was(lite, fake_settings, monkeypatch):
    bot = Assistant.from_paths([SEED], settings=fake_settings, embedder=FakeEmbedder(), store=lite)
    live, answer = bot.snapshot.names, bot.ask(QUESTION)

    def short(conn, names, articles, sentences):
        raise IndexWriteError(conn.where, "Milvus holds 1 of 2 sentences after the build")

    monkeypatch.setattr(write, "_check_counts", short)
    with pytest.raises(IndexWriteError, match="1 of 2"):
        Assistant.from_paths([SEED, *bbc_files(1)], settings=fake_settings, embedder=FakeEmbedder(), store=lite)
    assert write.live_generation(bot.snapshot.conn, "assistant") == live
    assert _generations(bot) == {live.generation}  # the half-built generation is gone
    assert Assistant.from_store(lite, fake_settings, FakeEmbedder()).ask(QUESTION) == answer
    bot.close()


def test_a_store_of_another_model_or_none_at_all_is_refused_with_the_fix(lite, fake_settings):
    with pytest.raises(IndexMissingError, match=f"--store {lite}"):
        Assistant.from_store(lite, fake_settings, FakeEmbedder())
    Assistant.from_paths([SEED], settings=fake_settings, embedder=FakeEmbedder(), store=lite).close()

    other = FakeEmbedder()
    other.model_id = "another-model"
    with pytest.raises(IndexStaleError, match="another-model.*assistant index build --corpus corpus/ --store"):
        Assistant.from_store(lite, fake_settings, other)


def _cli(*args, env_extra=None, timeout=300):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_MODEL": "fake", "ASSISTANT_READER": "none",
           **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True, cwd=ROOT,
                          env=env, timeout=timeout)


@pytest.mark.slow
def test_a_second_process_serves_the_store_with_no_corpus(lite, tmp_path):
    built = _cli("index", "build", "--corpus", str(CORPUS), "--store", lite, "--quiet")
    assert built.returncode == 0, built.stderr
    assert _cli("index", "verify", "--store", lite).returncode == 0
    info = json.loads(_cli("index", "info", "--store", lite).stdout)
    assert info["counts"]["articles"] == 1 and info["model"]["id"].startswith("fake") and info["generation"]
    again = _cli("index", "build", "--corpus", str(CORPUS), "--quiet", env_extra={"ASSISTANT_STORE": lite})
    assert again.returncode == 0 and "Index ready in " + lite in again.stdout  # the store from the environment
    assert json.loads(_cli("index", "info", "--store", lite).stdout)["generation"] == info["generation"]  # unchanged
    asked = _cli("ask", QUESTION, "--store", lite, "--json")  # no --corpus: the store as it is
    assert asked.returncode == 0, asked.stderr
    # the local reference index goes to tmp_path: "--index ''" meant the working directory, which
    # left an index at the repository's root (committed by accident in f1c9cc4)
    local = _cli("ask", QUESTION, "--corpus", str(CORPUS), "--index", str(tmp_path / "local"), "--json")
    answer, reference = json.loads(asked.stdout), json.loads(local.stdout)
    scores = [q.pop("score") for q in answer["quotes"]], [q.pop("score") for q in reference["quotes"]]
    assert answer["quotes"] and answer == reference  # the same quotes, spans, speakers and confidence
    assert np.allclose(*scores, rtol=1e-6)  # Milvus returns float32 inner products


@pytest.mark.slow
def test_a_milvus_server_that_stops_gives_a_named_error_everywhere(tmp_path, fake_settings):
    from assistant.bench.store_scale import start_server

    server, uri = start_server(str(tmp_path / "server"))  # returns once it listens
    settings = fake_settings.model_copy(update={"milvus_timeout": 3.0})
    try:
        bot = Assistant.from_paths([CORPUS], settings=settings, embedder=FakeEmbedder(), store=uri)
        assert bot.ask(QUESTION).quotes
    finally:
        server.kill()
        server.wait()
    started = time.perf_counter()
    with pytest.raises(StoreUnavailableError, match=f"{uri} did not answer.*Check that Milvus is running"):
        bot.ask("What did Katie Harbath say about the election?")
    assert time.perf_counter() - started < 30
    from assistant.ui.handlers import Handlers

    chat = Handlers(bot).ask("Who is Gary Coby?", [], "__all__", [], None)[0]
    assert "did not answer" in chat[-1]["content"] and "Check that Milvus is running" in chat[-1]["content"]
    failed = _cli("ask", QUESTION, "--store", uri, env_extra={"ASSISTANT_MILVUS_TIMEOUT": "3"})
    assert failed.returncode == 2 and "did not answer" in failed.stderr and "Traceback" not in failed.stderr


def test_the_chat_never_serves_a_milvus_lite_folder(tmp_path, fake_settings):
    from types import SimpleNamespace

    from assistant.ui.app import blocked_paths

    settings = fake_settings.model_copy(update={"store": f"milvus://{tmp_path}/news/index.db"})
    blocked = blocked_paths(SimpleNamespace(index_dir=None, settings=settings))
    assert str((tmp_path / "news" / "index.db").resolve()) in blocked


def test_a_rebuild_embeds_only_new_sentences(lite, fake_settings):
    from tests.conftest import CountingEmbedder

    embedder = CountingEmbedder()
    first = Assistant.from_paths([SEED], settings=fake_settings, embedder=embedder, store=lite)
    seed_sentences = embedder.encoded
    extra = bbc_files(1)[0]
    second = Assistant.from_paths([SEED, extra], settings=fake_settings, embedder=embedder, store=lite)
    new = sum(len(a.sentences) for a in second.articles) - first.snapshot.n_rows
    assert 0 < embedder.encoded - seed_sentences <= new  # the seed's vectors came back from Milvus
    local = Assistant.from_paths([SEED, extra], settings=fake_settings, embedder=FakeEmbedder())
    got, want = second.ask(QUESTION), local.ask(QUESTION)  # the reused vectors give the same answer
    assert [(q.article_id, q.start, q.end) for q in got.quotes] == [(q.article_id, q.start, q.end) for q in want.quotes]
    assert got.confidence == pytest.approx(want.confidence, abs=1e-4)
    first.close(), second.close()
