import numpy as np
import pytest

from assistant import Assistant, EmptyQuestionError, QuestionError, UnknownArticleError
from assistant.embedding.embedder import FakeEmbedder
from assistant.answer.render import escape_markdown
from tests.conftest import CORPUS, assert_verbatim

QUESTIONS = ["Who did Zuckerberg call?", "What did Katie Harbath say?", "Who is Gary Coby?",
             "Did the White House respond?", "What is the capital of France?", "🤔 ¿Qué pasó?"]


def test_every_answer_is_verbatim(fake_bot):
    for question in QUESTIONS:
        answer = fake_bot.ask(question, top_k=5)
        assert answer.quotes
        assert_verbatim(fake_bot, answer)
        assert 0.0 <= answer.confidence <= 1.0


def test_quotes_never_overlap(fake_bot):
    answer = fake_bot.ask("Trump campaign Facebook", top_k=10)
    spans = sorted((q.start, q.end) for q in answer.quotes)
    assert all(a_end <= b_start for (_, a_end), (b_start, _) in zip(spans, spans[1:]))


def test_continuation_quote_carries_its_speaker_sentence(fake_bot):
    answer = fake_bot.ask("Their team was heavily involved learning experience Hillary's team", top_k=1)
    quote = answer.quotes[0]
    assert quote.highlight_text.startswith("“Their team")
    assert "Gary Coby" in quote.text and quote.attribution.speaker == "Gary Coby"


def test_bad_questions_raise_clear_errors(fake_bot):
    for bad in ["", "   ", "\x00\x01"]:
        with pytest.raises(EmptyQuestionError):
            fake_bot.ask(bad)
    with pytest.raises(QuestionError, match="limit"):
        fake_bot.ask("word " * 3000)


def test_article_ids_restrict_and_unknown_id_is_named(fake_bot, tmp_path):
    (tmp_path / "other.txt").write_text("Other story\n\nThe mayor opened a new bridge on Tuesday.")
    bot = Assistant.from_paths([CORPUS, tmp_path / "other.txt"], settings=fake_bot.settings, embedder=FakeEmbedder())
    other = next(a for a in bot.articles if a.title == "Other story")
    answer = bot.ask("Zuckerberg called Trump", article_ids=[other.id])
    assert {q.article_id for q in answer.quotes} == {other.id}
    with pytest.raises(UnknownArticleError, match="nope"):
        bot.ask("x", article_ids=["nope"])


def test_an_article_id_given_twice_changes_nothing(fake_bot):
    from assistant.settings import Settings

    # Few candidates, so rows counted twice would crowd out others.
    bot = Assistant.from_paths([CORPUS], settings=Settings(model="fake", progress=False, candidates=3), embedder=FakeEmbedder())
    seed = bot.articles[0].id
    for question in ["What did Gary Coby say?", "Who did Zuckerberg call?", "Did the company comment?"]:
        assert bot.ask(question, article_ids=[seed, seed]).model_dump() == bot.ask(question, article_ids=[seed]).model_dump()


def test_follow_up_uses_previous_turn(fake_bot):
    first = fake_bot.ask("What did Gary Coby tell BuzzFeed News?")
    follow = fake_bot.ask("What else did he say?", history=[first])
    assert follow.quotes[0].attribution.speaker == "Gary Coby"
    assert follow.quotes[0].highlight != first.quotes[0].highlight
    # Gradio-style message history works too (the previous answer is recomputed).
    messages = [{"role": "user", "content": "What did Gary Coby tell BuzzFeed News?"}, {"role": "assistant", "content": "..."}]
    assert fake_bot.ask("What else did he say?", history=messages).quotes[0].highlight == follow.quotes[0].highlight


def test_add_article_incrementally(tmp_path, fake_settings, corpus_copy):
    embedder = CountingEmbedder()
    bot = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "index", settings=fake_settings, embedder=embedder)
    before = embedder.encoded
    new = tmp_path / "bridge.txt"
    new.write_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday. Crowds cheered.")
    article = bot.add(new)
    assert embedder.encoded - before == 2  # only the new sentences were embedded
    answer = bot.ask("When did the mayor open the bridge?")
    assert answer.quotes[0].article_id == article.id
    assert bot.add(new).id == article.id and len(bot.articles) == 2  # deduplicated
    reloaded = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "index", settings=fake_settings, embedder=FakeEmbedder())
    # The added article lives outside the corpus folder and survives a restart.
    assert article.id in {a.id for a in reloaded.articles} and len(reloaded.articles) == 2


def test_markdown_shows_hostile_text_literally():
    hostile = '<script>alert(1)</script> ![x](http://evil/x.png) $$x$$ [link](javascript:alert(1)) *em* _u_'
    escaped = escape_markdown(hostile)
    assert "<script>" not in escaped and "](" not in escaped and "$$" not in escaped
    assert "\\*em\\*" in escaped


def test_markdown_answer_contains_only_quotes_and_templates(fake_bot):
    answer = fake_bot.ask("Who is Gary Coby?")
    md = answer.to_markdown()
    assert md.count("> — ") == len(answer.quotes)
    assert "¶6" in md and "True Pundit" in md


class CountingEmbedder(FakeEmbedder):
    def __init__(self):
        super().__init__()
        self.encoded = 0

    def encode(self, texts, progress=False):
        self.encoded += len(texts)
        return super().encode(texts, progress)


def test_fake_embedder_is_normalised():
    vectors = FakeEmbedder().encode(["a b c", "hello"])
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0)


def test_one_voice_is_quoted_whole(fake_bot):
    from assistant.answer.quotes import quote_span

    article = fake_bot.articles[0]
    sentences = [article.text[s.start:s.end] for s in article.sentences]
    coby = next(i for i, s in enumerate(sentences) if s.startswith("“Facebook loved us"))
    musk = next(i for i, s in enumerate(sentences) if "Elon Musk" in s)
    harbath = next(i for i, s in enumerate(sentences) if "Katie Harbath" in s)
    assert quote_span(article, coby) == quote_span(article, coby + 1) == (coby, coby + 1)  # Coby's two sentences
    assert quote_span(article, musk) == quote_span(article, musk + 1) == (musk, musk + 1)  # the outlet's commentary
    assert quote_span(article, harbath) == (harbath, harbath)
    declined = next(i for i, s in enumerate(sentences) if s.startswith("The company declined"))
    assert quote_span(article, declined) == (declined, declined)  # narration is not grown


def test_questions_about_what_someone_said_prefer_their_sentences(fake_bot):
    from assistant.ranking.speakers import prefer_speakers

    state = fake_bot.snapshot
    rows = np.arange(len(state.data.units))
    flat = np.ones(len(rows))
    article = state.data.articles[0]
    speakers = [article.sentences[s].attribution.speaker if article.sentences[s].attribution else None
                for _, s in state.data.units]
    boosted = prefer_speakers(state, rows, flat, "What did Gary Coby say about Facebook?", None)
    assert {speakers[i] for i in np.flatnonzero(boosted > 1)} == {"Gary Coby"}
    # A factoid question naming him is not about his words: nothing is preferred.
    assert np.array_equal(prefer_speakers(state, rows, flat, "Who is Gary Coby?", None), flat)
    writer = prefer_speakers(state, rows, flat, "What does the writer suggest?", None)
    assert {article.sentences[state.data.units[i][1]].attribution.kind for i in np.flatnonzero(writer > 1)} == {"commentary"}
