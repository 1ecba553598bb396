"""The ask path's stages (``ranking.pipeline``) against brute-force references, and
``Assistant.ask`` as exactly their composition, on both stores (the ``store`` fixture:
the local index and Milvus Lite). The references are computed from the local index's
arrays (vectors, BM25 lexicon, paragraph ids) of the same articles, whose rows are
numbered as the store's."""

from __future__ import annotations

import re

import numpy as np
import pytest

from assistant import Assistant, MethodError
from assistant.embedding.embedder import FakeEmbedder
from assistant.ranking import pipeline as p
from assistant.ranking.candidates import METHODS, Params
from assistant.ranking.features import FEATURES, type_match
from tests.conftest import SEED, bbc_files

QUESTIONS = ["Who did Zuckerberg call?", "How many jobs were cut?", "What did the chairman say about profits?",
             "When did the call take place?", "zzz unknown words"]


@pytest.fixture(scope="module")
def reference(fake_settings) -> Assistant:
    return Assistant.from_paths([SEED, *bbc_files(8)], settings=fake_settings, embedder=FakeEmbedder())


@pytest.fixture(scope="module")
def bot(fake_settings, store, reference):
    if store == "local":
        yield reference
        return
    bot = Assistant.from_paths([SEED, *bbc_files(8)], settings=fake_settings, embedder=FakeEmbedder(), store=store)
    assert [a.id for a in bot.articles] == [a.id for a in reference.articles]  # same rows, same numbers
    yield bot
    bot.close()


def _tokens(lexicon, row: int) -> set[int]:
    return set(np.asarray(lexicon.token_ids[lexicon.indptr[row] : lexicon.indptr[row + 1]]).tolist())


def _brute_features(snapshot, query, rows, dense, bm25) -> np.ndarray:
    """Every ranker feature recomputed from its definition, one candidate at a time, over the
    local index ``snapshot`` (the question's term weights keyed as the local lexicon keys them)."""
    lex, para = snapshot.data.lexicon, snapshot.paragraph_of_row
    query = p.make_query(snapshot, FakeEmbedder(), query.question)
    d = dense.astype(np.float64)
    dn = (d - d.min()) / (d.max() - d.min()) if d.max() - d.min() > 1e-9 else np.ones_like(d)
    share = bm25 / bm25.max() if bm25.max() > 0 else np.zeros(len(bm25))
    fused = 0.5 * dn + 0.5 * share
    weights, total = query.terms.weights, query.terms.total
    out = []
    for i, r in enumerate(rows.tolist()):
        near = [rows.tolist().index(n) for n in (r - 1, r + 1) if n in rows and para[n] == para[r]]
        article, s = snapshot.sentence(r)
        sentence = article.sentences[s]
        own = _tokens(lex, r)
        window = own.union(*[_tokens(lex, n) for n in (r - 1, r + 1) if 0 <= n < len(para) and para[n] == para[r]])
        cover = sum(w for t, w in weights.items() if t in own) / total if total else 0.0
        cover_window = sum(w for t, w in weights.items() if t in window) / total if total else 0.0
        out.append([d[i], dn[i], share[i], max((fused[j] for j in near), default=0.0),
                    float(query.kind is not None and type_match(query.kind, sentence.text)), cover,
                    max((d[j] for j in near), default=0.0), np.log(max(sentence.end - sentence.start, 1)),
                    cover_window])
    return np.array(out)


@pytest.mark.parametrize("question", QUESTIONS)
def test_gather_scores_and_features_equal_brute_force(bot, reference, question):
    snapshot, local = bot.snapshot, reference.snapshot
    query = p.make_query(snapshot, bot.embedder, question)
    c = p.gather(snapshot, query, bot.params)
    vectors = np.asarray(local.data.vectors, dtype=np.float32)
    assert np.allclose(c.dense, vectors[c.rows] @ query.vector, atol=1e-5)
    assert np.allclose(c.bm25, local.data.lexicon.scores(query.tokens)[c.rows], rtol=1e-5, atol=1e-5)
    # Every row scoring above the brute-force k-th best cosine is a candidate (ties at the k-th may go either way).
    cosines = vectors @ query.vector
    kth = np.sort(cosines)[::-1][bot.params.candidates - 1]
    assert set(np.flatnonzero(cosines > kth + 1e-6).tolist()) <= set(c.rows.tolist())
    assert c.features.shape == (len(c.rows), len(FEATURES))
    assert np.allclose(c.features, _brute_features(local, query, c.rows, c.dense, c.bm25), atol=1e-5)


@pytest.mark.parametrize("question", QUESTIONS[:3])
def test_rank_is_the_ranker_over_the_features_and_rerank_keeps_the_order(bot, question):
    snapshot = bot.snapshot
    query = p.make_query(snapshot, bot.embedder, question)
    c = p.gather(snapshot, query, bot.params)
    ranked = p.rank(snapshot, query, c, bot.params, bot.ranker)
    assert np.allclose(ranked.score, c.features @ np.asarray(bot.ranker.weights))
    assert np.all(np.diff(ranked.final[ranked.order]) <= 0)  # best first
    assert p.rerank(snapshot, query, ranked, None) is ranked  # no reader: the ranker's order as it is


@pytest.mark.parametrize("method", METHODS)
def test_ask_is_the_composition_of_the_stages(bot, method):
    snapshot = bot.snapshot
    for question in QUESTIONS:
        query = p.make_query(snapshot, bot.embedder, question)
        params = bot.engine.params_for(method)
        candidates = p.gather(snapshot, query, params)
        ranked = p.rerank(snapshot, query, p.rank(snapshot, query, candidates, params, bot.ranker))
        quotes = p.quote(snapshot, query, ranked, 3)
        by_hand, feats = p.decide(snapshot, query, ranked, quotes, bot.engine.model_for(ranked))
        assert bot.ask(question, top_k=3, method=method) == by_hand
        assert bot.explain(question, 3, method) == (by_hand, feats)


def test_article_restriction_keeps_only_that_articles_rows(bot):
    article = bot.articles[2]
    query = p.make_query(bot.snapshot, bot.embedder, "What did the chairman say?")
    allowed = bot.snapshot.allowed([article.id])
    c = p.gather(bot.snapshot, query, bot.params, allowed)
    assert len(c.rows) and set(c.rows.tolist()) <= set(allowed.tolist())
    answer = bot.ask("What did the chairman say?", article_ids=[article.id])
    assert {q.article_id for q in answer.quotes} == {article.id}


def test_unknown_method_is_a_question_error_naming_the_choices(bot):
    with pytest.raises(MethodError, match="hybrid, weighted, dense, bm25, rrf"):
        bot.ask("Who called?", method="magic")
    with pytest.raises(MethodError):
        bot.engine.params_for("HYBRID")
    assert bot.engine.params_for("dense") == Params(**{**bot.params.__dict__, "method": "dense"})


def test_clean_question_blanks_control_characters_and_refuses_bad_input():
    assert p.clean_question("  Who\x00called?\u200b ", 100) == "Who called?"
    for bad, message in ((None, "must be text"), ("  \t", "empty"), ("x" * 101, "limit is 100")):
        with pytest.raises(Exception, match=message):
            p.clean_question(bad, 100)


class LengthReader:
    """A hand-computable reader: the logit is the sentence's length in characters / 100."""

    def __init__(self):
        self.calls = []

    def scores(self, question, sentences):
        self.calls.append((question, list(sentences)))
        return np.array([len(t) / 100 for t in sentences], dtype=np.float32)


@pytest.mark.parametrize("top_n", [1, 3, 10])
def test_rerank_mixes_the_reader_over_the_top_n_and_keeps_them_ahead(bot, top_n):
    from assistant.ranking.reader import RerankWeights

    snapshot = bot.snapshot
    query = p.make_query(snapshot, bot.embedder, "What did the chairman say about profits?")
    ranked = p.rank(snapshot, query, p.gather(snapshot, query, bot.params), bot.params, bot.ranker)
    reader, weights = LengthReader(), RerankWeights(ranker=0.5, reader=2.0)
    out = p.rerank(snapshot, query, ranked, reader, weights, top_n)
    (asked, texts), = reader.calls  # one batch
    top = ranked.order[:top_n]
    assert asked == query.text and texts == [snapshot.sentence(int(r))[0].sentences[snapshot.sentence(int(r))[1]].text
                                             for r in ranked.candidates.rows[top]]
    expected = {int(pos): 0.5 * ranked.final[pos] + 2.0 * len(t) / 100 for pos, t in zip(top, texts)}
    assert set(out.order[:top_n].tolist()) == set(top.tolist())  # the read ones stay ahead
    assert out.order[top_n:].tolist() == ranked.order[top_n:].tolist()  # the rest keep the ranker's order
    assert [round(expected[int(i)], 6) for i in out.order[:top_n]] == sorted((round(v, 6) for v in expected.values()),
                                                                          reverse=True)
    assert np.allclose(out.final[top], [expected[int(i)] for i in top])
    assert np.isnan(out.read).sum() == len(out.read) - len(top)


def test_reader_features_are_top_logit_margin_and_agreement(bot):
    from assistant.ranking.reader import RerankWeights

    snapshot = bot.snapshot
    query = p.make_query(snapshot, bot.embedder, "What did the chairman say about profits?")
    ranked = p.rank(snapshot, query, p.gather(snapshot, query, bot.params), bot.params, bot.ranker)
    out = p.rerank(snapshot, query, ranked, LengthReader(), RerankWeights(ranker=0.0, reader=1.0), 5)
    read = out.read[out.order[:5]]
    assert np.all(np.diff(read) <= 0)  # reader-only weights: ordered by the reader
    top, margin, agrees = p.reader_features(out)
    assert top == pytest.approx(read[0]) and margin == pytest.approx(read[0] - read[1])
    ranker_choice = ranked.order[:5][np.argmax(ranked.score[ranked.order[:5]])]
    assert agrees == float(ranker_choice == out.order[0])
    assert p.reader_features(ranked) is None


@pytest.mark.parametrize("question", ["What did Zuckerberg tell the Trump team?", "What did Guy Verhofstadt say?",
                                      "What did the chairman say about profits?"])
def test_answer_features_with_a_reader_end_with_the_names_in_the_top_quotes_article(bot, question):
    """With a reader, the row is the gate's: the reader's three features, then the share
    of the question's names that are words of the article the top quote comes from (by a
    regular-expression search of its text here) and whether it names anything; without, five."""
    from assistant.ranking.answerability import FEATURES, GATE_FEATURES
    from assistant.ranking.reader import RerankWeights

    snapshot = bot.snapshot
    query = p.make_query(snapshot, bot.embedder, question)
    ranked = p.rank(snapshot, query, p.gather(snapshot, query, bot.params), bot.params, bot.ranker)
    assert len(p.answer_features(snapshot, query, ranked)) == len(FEATURES)
    out = p.rerank(snapshot, query, ranked, LengthReader(), RerankWeights(), 5)
    row = p.answer_features(snapshot, query, out)
    article = snapshot.sentence(int(out.candidates.rows[out.order[0]]))[0]
    names = [w for w in question.rstrip("?").split()[1:] if w[0].isupper()]
    found = [re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", article.text) is not None for n in names]
    assert len(row) == len(GATE_FEATURES) and row[5:8] == list(p.reader_features(out))
    assert row[8:] == ([sum(found) / len(names), 1.0] if names else [1.0, 0.0])
