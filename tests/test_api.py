"""The public API end to end: ``Assistant.ask`` and ``Assistant.add`` on the seed corpus (fake embedder)."""

import pytest

from assistant import Assistant, EmptyQuestionError, QuestionError, UnknownArticleError
from assistant.embedding.embedder import FakeEmbedder
from assistant.ingest.files import article_from_text
from tests.conftest import CORPUS, CountingEmbedder, assert_verbatim

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
    settings = Settings(model="fake", progress=False, candidates=3)
    bot = Assistant.from_paths([CORPUS], settings=settings, embedder=FakeEmbedder())
    seed = bot.articles[0].id
    for question in ["What did Gary Coby say?", "Who did Zuckerberg call?", "Did the company comment?"]:
        twice = bot.ask(question, article_ids=[seed, seed])
        assert twice.model_dump() == bot.ask(question, article_ids=[seed]).model_dump()


FOLLOW_UP_TEXT = ("Rail fares rise\n\nAnn Lee, a nurse, spoke first. \"We waited an hour,\" she said.\n\n"
                  "Bo Ray, the station manager, disagreed. \"Trains ran on time,\" he said.\n\n"
                  "\"Nobody told us anything,\" Ms Lee added.")


def test_follow_up_uses_previous_turn(fake_settings):
    bot = Assistant.from_articles([article_from_text(FOLLOW_UP_TEXT)], embedder=FakeEmbedder(), settings=fake_settings)
    first = bot.ask("What did Ann Lee say?", top_k=1)
    follow = bot.ask("What else did she say?", top_k=1, history=[first])
    assert [q.attribution.speaker for q in first.quotes + follow.quotes] == ["Ann Lee", "Ann Lee"]
    assert follow.found and follow.quotes[0].highlight != first.quotes[0].highlight
    # Gradio-style message history works too (the previous answer is recomputed).
    messages = [{"role": "user", "content": "What did Ann Lee say?"}, {"role": "assistant", "content": "..."}]
    again = bot.ask("What else did she say?", top_k=1, history=messages)
    assert again.quotes[0].highlight == follow.quotes[0].highlight
    # Nothing of hers is left: say so, naming her with a span, instead of quoting Bo Ray.
    last = bot.ask("What else did she say?", top_k=1, history=[first, follow])
    assert not last.found and not last.quotes and last.notice.kind == "no_other_quote"
    text = bot.articles[0].text
    assert text[last.notice.name_span[0]:last.notice.name_span[1]] == last.notice.name == "Ann Lee"
    assert last.to_text().startswith("Ann Lee has no other quoted sentence")


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
    reloaded = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "index", settings=fake_settings,
                                    embedder=FakeEmbedder())
    # The added article lives outside the corpus folder and survives a restart.
    assert article.id in {a.id for a in reloaded.articles} and len(reloaded.articles) == 2
