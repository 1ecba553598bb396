"""Questions about people, answered from the attribution layer (fake embedder, made-up articles)."""

import pytest

from assistant import Assistant, UnknownArticleError
from assistant.embedding.embedder import FakeEmbedder
from assistant.ingest.files import article_from_text
from assistant.ranking.person_questions import parse
from tests.conftest import assert_verbatim

RAIL = ("Rail fares rise\n\n"
        "Ann Lee, a nurse from Leeds, spoke first. \"We waited an hour for the train,\" she said.\n\n"
        "Bo Ray, the station manager, disagreed. \"Trains ran on time all week,\" he told the Courier.\n\n"
        "The mayor, Carl Dunn, was not at the meeting. \"Nobody told us about the fares,\" Ms Lee added.")
BRIDGE = ("Bridge opens\n\nThe mayor opened a new bridge on Tuesday. "
          "\"It took ten years to build,\" said engineer Dee Marsh.")


@pytest.fixture(scope="module")
def bot(fake_settings):
    return Assistant.from_articles([article_from_text(RAIL), article_from_text(BRIDGE)], embedder=FakeEmbedder(),
                                   settings=fake_settings)


def spoken_by(answer) -> list[str]:
    return [q.attribution.speaker if q.attribution else None for q in answer.quotes]


@pytest.mark.parametrize("question, intent, who, topic", [
    ("What did Ann Lee say?", "said", "Ann Lee", None),
    ("What does Ms Lee think of the fares?", "said", "Ms Lee", "the fares"),
    ("How did Bo Ray respond?", "said", "Bo Ray", None),
    ("What else did she say?", "said", "she", None),
    ("What was Ray's response to the complaint?", "said", "Ray", "the complaint"),
    ("Who is Bo Ray?", "who", "Bo Ray", None),
    ("Who said 'trains ran on time all week'?", "who_said", "", "trains ran on time all week"),
])
def test_person_questions_are_recognised(question, intent, who, topic):
    asked = parse(question)
    assert (asked.intent, asked.who, asked.topic) == (intent, who, topic)


@pytest.mark.parametrize("question", ["What is the capital of France?", "Who is the mayor?", "How many trains ran?",
                                      "Who said it?"])
def test_other_questions_are_left_to_retrieval(question):
    assert parse(question) is None


def test_what_someone_said_gives_only_their_quotes(bot):
    for question, speaker in [("What did Ann Lee say?", "Ann Lee"), ("What did Ms Lee say?", "Ann Lee"),
                              ("What did Lee say?", "Ann Lee"), ("How did Bo Ray respond?", "Bo Ray")]:
        answer = bot.ask(question, top_k=5)
        assert answer.found and answer.confidence >= 0.8
        assert set(spoken_by(answer)) == {speaker}
        assert_verbatim(bot, answer)
    assert len(bot.ask("What did Ann Lee say?", top_k=5).quotes) == 2  # two separate quotes, both hers


def test_about_a_topic_orders_their_quotes_by_it(bot):
    answer = bot.ask("What did Ann Lee say about the fares?", top_k=5)
    assert spoken_by(answer) == ["Ann Lee", "Ann Lee"] and "fares" in answer.quotes[0].highlight_text


def test_mentioned_but_not_quoted_says_so_with_the_sentences_naming_them(bot):
    answer = bot.ask("What did Carl Dunn say?")
    assert not answer.found and answer.notice.kind == "mentioned_not_quoted"
    article = bot.article(answer.notice.article_id)
    assert article.text[answer.notice.name_span[0]:answer.notice.name_span[1]] == answer.notice.name == "Carl Dunn"
    assert answer.quotes and all("Carl Dunn" in q.text for q in answer.quotes)
    assert answer.to_text().startswith("Carl Dunn is mentioned but not quoted in this article.")
    assert_verbatim(bot, answer)


def test_someone_absent_is_not_found(bot):
    answer = bot.ask("What did Zed Quill say?")
    assert not answer.found and not answer.quotes and answer.notice is None
    assert answer.to_text().startswith("Not found in the article.")


def test_who_is_gives_the_role_sentence_then_their_quotes(bot):
    answer = bot.ask("Who is Bo Ray?", top_k=3)
    assert answer.found and "the station manager" in answer.quotes[0].text
    assert "Trains ran on time" in " ".join(q.text for q in answer.quotes)


def test_who_said_names_the_speaker_of_the_quote(bot):
    for words, speaker in [("trains ran on time all", "Bo Ray"), ("nobody told us about the", "Ann Lee"),
                           ("it took ten years to", "Dee Marsh")]:
        answer = bot.ask(f"Who said '{words}'?")
        assert answer.found and spoken_by(answer)[0] == speaker


def test_the_article_scope_is_respected(bot):
    rail, bridge = (a.id for a in bot.articles)
    assert bot.ask("What did Ann Lee say?", article_ids=[rail]).found
    # Ann Lee is nowhere in the bridge article: not found there, and nothing of the rail article is quoted.
    elsewhere = bot.ask("What did Ann Lee say?", article_ids=[bridge])
    assert not elsewhere.found and all(q.article_id == bridge for q in elsewhere.quotes)
    with pytest.raises(UnknownArticleError):
        bot.ask("What did Ann Lee say?", article_ids=["nope"])


def test_speakers_merge_aliases_and_keep_every_span_verbatim(bot):
    speakers = bot.speakers()
    lee = next(s for s in speakers if s.name == "Ann Lee")
    assert "Ms Lee" in lee.aliases and lee.quoted == 2 and lee.kind == "person"
    for s in speakers:
        text = bot.article(s.article_id).text
        assert text[s.name_span[0]:s.name_span[1]] == s.name
        if s.role_span:
            assert text[s.role_span[0]:s.role_span[1]] == s.role
        assert all(text[x.start:x.end] for x in s.sentences)
    rail = bot.articles[0].id
    assert {s.article_id for s in bot.speakers(rail)} == {rail}
    assert bot.speakers(rail) == [s for s in speakers if s.article_id == rail]
    with pytest.raises(UnknownArticleError):
        bot.speakers("nope")


def test_seed_people(fake_bot):
    assert spoken_by(fake_bot.ask("What did Katie Harbath say?"))[0] == "Katie Harbath"
    outlet = fake_bot.ask("What does True Pundit think?")
    assert outlet.found and {q.attribution.kind for q in outlet.quotes} == {"commentary"}
    assert fake_bot.ask("What does the writer think?").quotes == outlet.quotes
    assert not fake_bot.ask("What did Hillary Clinton say?").found


def test_a_person_question_opens_only_the_articles_naming_them(tmp_path, fake_settings):
    from assistant.store.articles import ArticleStore
    from tests.conftest import bbc_files

    files = bbc_files(60)
    Assistant.from_paths(files, index_dir=tmp_path / "idx", settings=fake_settings, embedder=FakeEmbedder())
    bot = Assistant.from_paths(files, index_dir=tmp_path / "idx", settings=fake_settings, embedder=FakeEmbedder())
    store = bot.snapshot.data.articles
    assert isinstance(store, ArticleStore) and store.parsed == 0
    speaker = next(s for s in Assistant.from_paths(files[:10], settings=fake_settings, embedder=FakeEmbedder())
                   .speakers() if s.kind == "person" and s.quoted)
    answer = bot.ask(f"What did {speaker.name} say?")
    assert answer.found and answer.quotes[0].attribution.speaker in [speaker.name, *speaker.aliases]
    assert 0 < store.parsed <= 20  # at most CANDIDATE_ARTICLES of the 60 were read
