"""The chat's answer layout and the People view, as the page's Markdown/HTML renders them
(no server, no browser): short attribution lines, headlines only when they tell something,
"N more passages", confidence in words, notices, and who speaks in the seed article."""

import re

import pytest
from lxml import html as lxml_html

from assistant import Assistant
from assistant.answer.render import NOT_FOUND
from assistant.embedding.embedder import FakeEmbedder
from assistant.ingest.files import Sidecar, article_from_text
from assistant.types import Answer, Attribution, Notice, Quote, Speaker, SpokenSentence
from assistant.ui import people as people_view
from assistant.ui.app import build
from assistant.ui.handlers import ALL, Handlers
from assistant.ui.views import answer_message, confidence_level, escape_md, reader_html, source_flags
from tests.ui.test_ui_handlers import HOSTILE, _rendered

FERRY = ("Ferry service resumes\n\nThe island ferry resumed service on Friday after storms, the operator said.\n\n"
         "“We are glad to be sailing again,” said captain Rosa Diaz.\n")


def quote_of(article, index: int, **update) -> Quote:
    """The article's sentence ``index`` as a one-sentence quote (verbatim, with its attribution)."""
    s = article.sentences[index]
    return Quote(article_id=article.id, title=article.title, publisher=article.publisher, paragraph=s.paragraph,
                 start=s.start, end=s.end, text=s.text, highlight=(s.start, s.end), score=1.0,
                 attribution=s.attribution).model_copy(update=update)


def sentence_index(article, words: str) -> int:
    return next(i for i, s in enumerate(article.sentences) if words in s.text)


def lines(markdown: str) -> list[str]:
    """Each top-level paragraph's text as the browser shows it (blockquotes left out)."""
    return [p.text_content() for p in _rendered(markdown).findall("p")]


@pytest.fixture(scope="module")
def seed(fake_bot):
    return fake_bot.articles[0]


@pytest.fixture(scope="module")
def two_bot(fake_bot):
    """The seed article and a second one, so "All articles" covers more than one."""
    ferry = article_from_text(FERRY, meta=Sidecar(publisher="Island Times"))
    return Assistant.from_articles([fake_bot.articles[0], ferry], FakeEmbedder())


# ----- the answer ------------------------------------------------------------------------
def test_best_quote_first_with_a_short_attribution_line(seed):
    coby = quote_of(seed, sentence_index(seed, "Facebook loved us"))
    answer = Answer(question="q", found=True, confidence=0.82, quotes=[coby])
    text = answer_message(answer)
    tree = _rendered(text)
    assert [b.text_content().strip() for b in tree.iter("blockquote")] == [coby.text]
    assert lines(text) == ["— Gary Coby told BuzzFeed News · ¶6 · High confidence"]
    who = tree.find_class("who")[0]
    assert who.text_content() == "Gary Coby" and who.get("title") == coby.attribution.role  # the role on hover
    assert [a.get("href") for a in tree.iter("a")] == [f"#para-{seed.id}-6"]
    assert seed.title not in text and "True Pundit" not in text  # one article in scope: no headline


@pytest.mark.parametrize("words, line", [
    ("The White House press office", "— ¶8"),  # narration: nobody speaks
    ("Many CEOs", "— according to three anonymous sources who spoke to BuzzFeed News · ¶2"),
    ("Trump’s campaign spent", "— the report details · ¶4"),
])
def test_short_attribution_without_a_named_speaker(seed, words, line):
    quote = quote_of(seed, sentence_index(seed, words))
    text = answer_message(Answer(question="q", found=True, confidence=0.5, quotes=[quote]))
    assert lines(text) == [line + " · Medium confidence"]


def test_hostile_role_stays_literal_on_hover(seed):
    role = 'chief "><img src=x onerror=alert(1)> [x](javascript:1) ${y} officer'
    attribution = Attribution(kind="direct_quote", speaker="Ann <b>Lee</b>", role=role, cue="said")
    quote = quote_of(seed, 0, attribution=attribution)
    text = answer_message(Answer(question="q", found=True, confidence=0.9, quotes=[quote]))
    assert re.findall(r"\]\((?!#para-)", text) == [] and "<img" not in text and "<b>" not in text
    assert not re.search(r"(?<!\\)[$`]", text)
    tree = _rendered(text)
    assert not tree.xpath("//img|//b") and tree.find_class("who")[0].get("title") == role
    assert tree.find_class("who")[0].text_content() == "Ann <b>Lee</b>"


def test_headline_only_when_several_articles_are_in_scope_or_the_article_changes(two_bot):
    seed, ferry = two_bot.articles
    quotes = [quote_of(seed, 4), quote_of(seed, 5), quote_of(ferry, 1), quote_of(seed, 6)]
    assert source_flags(quotes, multi=False) == [False, False, True, True]
    assert source_flags(quotes, multi=True) == [True, False, True, True]
    shown = lines(answer_message(Answer(question="q", found=True, confidence=0.9, quotes=quotes), multi=True))
    shown = [line for line in shown if line.startswith("—")]
    assert [seed.title in line and "True Pundit" in line for line in shown] == [True, False, False, True]
    assert "Ferry service resumes · Island Times" in shown[2]
    h = Handlers(two_bot)
    for scope, named in ((ALL, True), (seed.id, False)):
        chat, *_ = h.ask("What did Katie Harbath say?", [], scope, [], None)
        first = [line for line in lines(chat[-1]["content"]) if line.startswith("—")][0]
        assert (seed.title in first and "True Pundit" in first) is named


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_further_passages_sit_behind_n_more_passages(seed, count):
    quotes = [quote_of(seed, i) for i in range(count)]
    text = answer_message(Answer(question="q", found=True, confidence=0.9, quotes=quotes))
    tree = _rendered(text)
    details = tree.findall("details")
    assert [b.text_content().strip() for b in tree.iter("blockquote")] == [q.text for q in quotes]
    if count == 1:
        assert details == []
        return
    assert len(details) == 1 and details[0].get("class") == "more"
    noun = "passage" if count == 2 else "passages"
    assert details[0].findtext("summary") == f"{count - 1} more {noun}"
    # The page's CSS hides what follows a closed "more" toggle: exactly quotes[1:] and their lines.
    after = [e for e in details[0].itersiblings() if e.tag == "blockquote"]
    assert [b.text_content().strip() for b in after] == [q.text for q in quotes[1:]]
    assert "confidence" in tree.findall("p")[0].text_content()  # the confidence stays in view


@pytest.mark.parametrize("confidence, level", [
    (1.0, "High"), (0.75, "High"), (0.7499, "Medium"), (0.4, "Medium"), (0.3999, "Low"), (0.0, "Low")])
def test_confidence_in_words_with_the_percentage_on_hover(seed, confidence, level):
    assert confidence_level(confidence) == level
    text = answer_message(Answer(question="q", found=True, confidence=confidence, quotes=[quote_of(seed, 0)]))
    conf = _rendered(text).find_class("conf")[0]
    assert conf.text_content() == f"{level} confidence" and conf.get("title") == f"Confidence {confidence:.0%}"


def test_not_found_says_so_then_the_closest_passages(seed):
    quotes = [quote_of(seed, 9), quote_of(seed, 10)]
    text = answer_message(Answer(question="q", found=False, confidence=0.05, quotes=quotes))
    assert lines(text)[:3] == [NOT_FOUND, "Closest passages (low confidence):", "— ¶8 · Low confidence"]
    assert answer_message(Answer(question="q", found=False, confidence=0.0)) == NOT_FOUND


def test_notice_is_the_first_line_and_its_passages_follow(fake_bot, seed):
    span = (seed.text.index("Mark Zuckerberg"), seed.text.index("Mark Zuckerberg") + len("Mark Zuckerberg"))
    notice = Notice(kind="mentioned_not_quoted", article_id=seed.id, name="Mark Zuckerberg", name_span=span)
    quotes = [quote_of(seed, 0), quote_of(seed, 7)]
    text = answer_message(Answer(question="What did Mark Zuckerberg say?", found=False, confidence=0.0,
                                 quotes=quotes, notice=notice))
    assert text.split("\n\n")[0] == escape_md(notice.text)
    assert lines(text)[0] == "Mark Zuckerberg is mentioned but not quoted in this article."
    assert NOT_FOUND not in text and "confidence" not in text
    assert [b.text_content().strip() for b in _rendered(text).iter("blockquote")] == [q.text for q in quotes]
    assert _rendered(text).findall("details")[0].findtext("summary") == "1 more passage"
    hostile = notice.model_copy(update={"name": "<img src=x onerror=alert(1)> *Bob* $x$ http://evil.invalid"})
    text = answer_message(Answer(question="q", found=False, confidence=0.0, notice=hostile))
    tree = _rendered(text)
    assert not tree.xpath("//img|//em|//a") and not re.search(r"(?<!\\)[$`]", text)
    assert tree.text_content().strip() == hostile.text


# ----- the reader ------------------------------------------------------------------------
def test_reader_marks_spoken_sentences_and_scrolls_to_the_first(seed, fake_bot):
    coby = next(s for s in fake_bot.speakers(seed.id) if s.name == "Gary Coby")
    answer_quote = quote_of(seed, 0)
    page = lxml_html.fragment_fromstring(reader_html(seed, [answer_quote], spoken=people_view.spans(coby)),
                                         create_parent="div")
    spoken = "".join(m.text_content() for m in page.xpath("//mark[contains(@class, 'spk')]"))
    assert spoken == "".join(seed.text[s.start:s.end] for s in coby.sentences)
    first = page.find_class("first")
    assert [m.text_content() for m in first] == [seed.text[coby.sentences[0].start:coby.sentences[0].end]]
    assert page.find_class("hl")[0].text_content() == answer_quote.text  # the answer stays marked too


# ----- the People view -------------------------------------------------------------------
def test_people_list_for_the_seed_article(fake_bot, seed):
    h = Handlers(fake_bot)
    samples, keys, label, hint = h.people_samples(ALL)
    speakers = fake_bot.speakers()
    assert label == f"People ({len(speakers)})" and len(samples) == len(keys) == len(set(keys)) == len(speakers)
    entries = [lxml_html.fragment_fromstring(s[0], create_parent="div") for s in samples]
    names = [e.find_class("pp-name")[0].text_content() for e in entries]
    by_key = {people_view.speaker_key(s): s for s in speakers}
    listed = [by_key[tuple(k)] for k in keys]
    assert names == [s.name for s in listed]
    for name in ("Katie Harbath", "Gary Coby"):
        speaker = next(s for s in speakers if s.name == name)
        entry = entries[names.index(name)]
        assert entry.find_class("pp-count")[0].text_content() == f"{speaker.quoted} quoted"
        assert entry.find_class("pp-role")[0].text_content() == speaker.role
    kinds = [s.kind for s in listed]
    assert kinds == sorted(kinds, key=people_view.KIND_ORDER.get) and kinds[0] == "person" and kinds[-1] == "outlet"
    persons = [s for s in listed if s.kind == "person"]
    assert [s.quoted for s in persons] == sorted((s.quoted for s in persons), reverse=True)
    assert h.people_samples(seed.id)[1] == keys and h.people_samples("no-such-article")[:2] == ([], [])


def test_choosing_a_person_shows_their_sentences_and_marks_them(fake_bot, seed):
    h = Handlers(fake_bot)
    _, keys, _, _ = h.people_samples(ALL)
    katie = next(s for s in fake_bot.speakers() if s.name == "Katie Harbath")
    index = keys.index(people_view.speaker_key(katie))
    cards, reader, shown = h.pick_speaker(index, keys, ALL, [])
    tree = _rendered(cards)
    assert [b.text_content().strip() for b in tree.iter("blockquote")] == \
        [seed.text[s.start:s.end] for s in katie.sentences]
    assert [a.get("href") for a in tree.iter("a")] == [f"#para-{seed.id}-{s.paragraph}" for s in katie.sentences]
    assert "Facebook’s global politics and government outreach director" in tree.text_content() and shown == seed.id
    page = lxml_html.fragment_fromstring(reader, create_parent="div")
    assert [m.text_content() for m in page.find_class("spk")] == [seed.text[s.start:s.end] for s in katie.sentences]
    assert h.pick_speaker(None, keys, ALL, [])[2] == h.pick_speaker(99, keys, ALL, [])[2]  # nothing chosen: no change


def test_people_follow_the_scope_and_added_articles(two_bot):
    seed, ferry = two_bot.articles
    h = Handlers(two_bot)
    samples, keys, label, _ = h.people_samples(ALL)
    assert {k[0] for k in keys} == {seed.id, ferry.id} and label == f"People ({len(two_bot.speakers())})"
    titled = [s[0] for s in samples if "Rosa Diaz" in s[0]]
    assert titled and "Ferry service resumes" in titled[0]  # several articles: each entry names its own
    dataset, keys, hint = h.people(ferry.id)
    assert {k[0] for k in keys} == {ferry.id} and "Rosa Diaz" in dataset.raw_samples[0][0]
    assert "Ferry service resumes" not in dataset.raw_samples[0][0] and hint == people_view.HINT
    cards, _, shown = h.pick_speaker(0, keys, ferry.id, [])
    assert "We are glad to be sailing again" in cards and shown == ferry.id


def test_people_added_by_upload(corpus_copy, tmp_path, fake_settings):
    bot = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "index", settings=fake_settings,
                               embedder=FakeEmbedder())
    h = Handlers(bot)
    (tmp_path / "ferry.txt").write_text(FERRY, encoding="utf-8")
    _, picker, _, shown = h.add_file(str(tmp_path / "ferry.txt"), [], None)
    dataset, keys, _ = h.people(picker["value"])
    expected = people_view.ranked(bot.speakers(shown), [shown])
    assert keys == [people_view.speaker_key(s) for s in expected] and expected[0].name == "Rosa Diaz"
    assert dataset.label == f"People ({len(expected)})"


def test_people_view_escapes_article_text():
    article = article_from_text(HOSTILE)
    role = '<img src=x onerror="window.__pwned=1"> ${x} `c`'
    speaker = Speaker(article_id=article.id, name="Ann <b>Lee</b>", name_span=(0, 3), role=role,
                      sentences=[SpokenSentence(start=s.start, end=s.end, paragraph=s.paragraph, kind="direct_quote")
                                 for s in article.sentences[1:]])
    entry = people_view.person_html(speaker, title="<script>x</script>")
    for raw in ("<img", "<b>", "<script", "${", "`"):
        assert raw not in entry
    page = lxml_html.fragment_fromstring(entry, create_parent="div")
    assert page.find_class("pp-role")[0].text_content() == role and not page.xpath("//img|//script|//b")
    tree = _rendered(people_view.person_cards(speaker, article))
    assert not tree.xpath("//img|//script|//em|//code|//b")
    assert all(a.get("href", "").startswith("#para-") for a in tree.iter("a"))
    assert [b.text_content().strip() for b in tree.iter("blockquote")] == [s.text for s in article.sentences[1:]]


def test_every_event_has_an_api_name(fake_bot):
    names = {d["api_name"] for d in build(fake_bot).config["dependencies"]}
    assert {"ask", "pick", "speakers", "pick_speaker", "add_file", "add_url", "export", "clear"} <= names
