"""The chat's handlers and rendering, called directly (no server, no browser)."""

import json

import gradio as gr
import pytest
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from assistant import Assistant
from assistant.cli import parse_auth
from assistant.embedding.embedder import FakeEmbedder
from assistant.errors import AssistantError
from assistant.ingest.files import article_from_text
from assistant.answer.render import NOT_FOUND
from assistant.ui.handlers import ALL, Handlers
from assistant.ui.views import answer_message, export_markdown, reader_html
from tests.conftest import assert_verbatim
from tests.webpages import LocalSite

HOSTILE = """Hostile test article

The mayor said <script>window.__pwned=1</script> the budget passed on Monday.

Critics posted <img src=x onerror="window.__pwned=2"> near the town hall budget notice.

The council clerk wrote ![tracker](http://evil.invalid/pixel.png) in the budget minutes.

An economist wrote $$x^2$$ and \\(y\\) when explaining the budget deficit.

A blogger linked [click here](javascript:window.__pwned=3) about the budget vote.

Readers can find budget details at www.evil.invalid/budget or https://evil.invalid/a?b=1 or mail tips@evil.invalid.

The treasurer stressed *very* important and __bold__ budget `code` lines, said Ann Lee.

Template text {{constructor}} and ${window.__pwned=4} appeared in the budget draft <b>draft</b> &amp; notes.
"""


def _rendered(markdown: str):
    """Markdown as CommonMark with raw HTML allowed (the chat's own renderer sanitises more)."""
    return lxml_html.fragment_fromstring(MarkdownIt("commonmark").render(markdown), create_parent="div")


@pytest.fixture()
def fresh(corpus_copy, tmp_path, fake_settings):
    settings = fake_settings.model_copy(update={"allow_private_urls": True})
    return Assistant.from_paths([corpus_copy], index_dir=tmp_path / "index", settings=settings, embedder=FakeEmbedder())


def test_ask_shows_every_quote_with_attribution_and_marks_the_reader(fake_bot):
    h = Handlers(fake_bot)
    chat, box, reader, answers, shown = h.ask("Who is Gary Coby?", [], ALL, [], None)
    answer = answers[-1]
    assert box == "" and chat[0] == {"role": "user", "content": "Who is Gary Coby?"}
    assert answer == fake_bot.ask("Who is Gary Coby?")
    tree = _rendered(chat[-1]["content"])
    assert [b.text_content().strip() for b in tree.iter("blockquote")] == [q.text for q in answer.quotes]
    links = [a.get("href") for a in tree.iter("a")]
    assert links == [f"#para-{q.article_id}-{q.paragraph}" for q in answer.quotes]
    assert "True Pundit" not in chat[-1]["content"]  # one article in scope: no headline, no publisher
    assert any(f'title="Confidence {answer.confidence:.0%}"' in chat[-1]["content"] and f"{level} confidence" in
               chat[-1]["content"] for level in ("High", "Medium", "Low"))
    page = lxml_html.fragment_fromstring(reader, create_parent="div")
    marked = "".join(m.text_content() for m in page.iter("mark"))
    assert all(q.text in marked for q in answer.quotes) and shown == answer.quotes[0].article_id
    first = page.find_class("first")
    assert first and first[0].text_content() == answer.quotes[0].highlight_text


def test_errors_appear_in_the_chat_and_change_nothing(fake_bot):
    h = Handlers(fake_bot)
    chat, box, _, answers, _ = h.ask("   ", [{"role": "user", "content": "earlier"}], ALL, [], None)
    assert chat[-1]["content"].startswith("⚠️ The question is empty") and answers == [] and len(chat) == 3
    chat, *_ = h.ask("Who?", [], "no-such-article", [], None)
    assert "No article with id" in chat[-1]["content"]


def test_follow_up_uses_the_previous_answer(fake_bot):
    h = Handlers(fake_bot)
    _, _, _, answers, shown = h.ask("Who is Gary Coby?", [], ALL, [], None)
    chat, _, _, answers, _ = h.ask("What else did he say?", [], ALL, answers, shown)
    expected = fake_bot.ask("What else did he say?", history=[answers[0]])
    assert answers[1] == expected and answers[1] != fake_bot.ask("What else did he say?")


def test_not_found_lists_closest_passages(fake_bot):
    answer = fake_bot.ask("Who is Gary Coby?").model_copy(update={"found": False, "confidence": 0.05})
    text = answer_message(answer)
    assert text.startswith(f"**{NOT_FOUND}**") and text.count("Low confidence") == 1
    assert [b.text_content().strip() for b in _rendered(text).iter("blockquote")] == [q.text for q in answer.quotes]


def test_hostile_text_is_literal_in_cards_and_reader():
    art = article_from_text(HOSTILE)
    bot = Assistant.from_articles([art], FakeEmbedder())
    answer = bot.ask("What did the budget say?", top_k=8)
    assert_verbatim(bot, answer)
    assert len(answer.quotes) == 8
    tree = _rendered(answer_message(answer))
    assert [b.text_content().strip() for b in tree.iter("blockquote")] == [q.text for q in answer.quotes]
    # Inside a card only our own <p> and <strong> exist: no script, img, link, emphasis or code from the text.
    assert {e.tag for b in tree.iter("blockquote") for e in b.iter()} <= {"blockquote", "p", "strong"}
    assert not tree.xpath("//script|//img|//b|//em//code")
    assert all(a.get("href").startswith("#para-") for a in tree.iter("a"))
    page = lxml_html.fragment_fromstring(reader_html(art, answer.quotes), create_parent="div")
    assert not page.xpath("//script|//img|//b|//a")
    texts = [p.text_content() for p in page.find_class("para-text")]
    assert texts == [art.text[s:e] for s, e in art.paragraphs]
    assert "{" not in reader_html(art) and "$" not in reader_html(art)


def test_reader_numbers_paragraphs_and_dims_boilerplate(fake_bot):
    art = fake_bot.articles[0]
    page = lxml_html.fragment_fromstring(reader_html(art, [], focus=3), create_parent="div")
    paras = page.find_class("reader-para")
    assert [p.get("data-para") for p in paras] == [str(i) for i in range(1, len(art.paragraphs) + 1)]
    assert "focus" in paras[2].get("class")
    dimmed = [d.text_content() for d in page.find_class("boiler")]
    assert dimmed == [art.text[s:e] for s, e in art.boilerplate]
    assert page.text_content().count("READ MORE") == 1  # shown, not hidden


def test_upload_adds_indexes_and_scopes_questions(fresh, tmp_path):
    h = Handlers(fresh)
    story = tmp_path / "lighthouse.txt"
    story.write_text("Lighthouse keeper retires\n\n"
                     "The lighthouse keeper retired in May after forty years, the town said.\n")
    chat, picker, reader, shown = h.add_file(str(story), [], None)
    added = next(a for a in fresh.articles if a.id == shown)
    assert chat[-1]["content"].startswith("Added “Lighthouse keeper retires”")
    assert picker["value"] == added.id and (("Lighthouse keeper retires", added.id) in picker["choices"])
    chat, _, _, answers, _ = h.ask("When did the keeper retire?", chat, added.id, [], shown)
    assert {q.article_id for q in answers[-1].quotes} == {added.id}
    reopened = Assistant.from_paths([tmp_path / "corpus"], index_dir=tmp_path / "index", settings=fresh.settings,
                                    embedder=FakeEmbedder())
    assert added.id in {a.id for a in reopened.articles}


@pytest.mark.parametrize("name, data, message", [
    ("scan.pdf", b"%PDF-1.4", "not an article file"),
    ("empty.txt", b"  \n", "no text to index"),
    ("blob.txt", b"%PDF-1.4 binary", "it is a PDF"),
])
def test_bad_uploads_are_explained_and_lose_nothing(fresh, tmp_path, name, data, message):
    h = Handlers(fresh)
    before = [a.id for a in fresh.articles]
    (tmp_path / name).write_bytes(data)
    chat, picker, reader, shown = h.add_file(str(tmp_path / name), [], "kept")
    assert message in chat[-1]["content"] and chat[-1]["content"].startswith("⚠️")
    assert shown == "kept" and [a.id for a in fresh.articles] == before


def test_upload_over_the_cap_is_refused(fresh, tmp_path):
    capped = fresh.settings.model_copy(update={"upload_max_bytes": 10})
    h = Handlers(fresh.__class__(fresh.snapshot.data, fresh.embedder, capped))
    (tmp_path / "long.txt").write_text("Title\n\nA sentence that is longer than ten bytes.")
    chat, *_ = h.add_file(str(tmp_path / "long.txt"), [], None)
    assert "upload limit" in chat[-1]["content"]


def test_add_url_from_local_site_and_errors(fresh):
    h = Handlers(fresh)
    with LocalSite() as site:
        chat, picker, reader, shown, box = h.add_url(site.url("/park.html"), [], None)
        assert "Council approves riverside park" in chat[-1]["content"] and box == ""
        assert "Daily Example" in reader and site.url("/park.html") in reader
        chat, picker, reader, shown2, box = h.add_url(site.url("/logo.png"), chat, shown)
        assert "image/png" in chat[-1]["content"] and box == site.url("/logo.png") and shown2 == shown
    chat, *_ = h.add_url("", [], None)
    assert "address is empty" in chat[-1]["content"]


def test_show_paragraph_and_pick_and_clear(fake_bot):
    h = Handlers(fake_bot)
    aid = fake_bot.articles[0].id
    reader, shown = h.show_paragraph([], gr.SelectData(None, {"index": 4, "value": aid}))
    assert shown == aid and f'id="para-{aid}-4"' in reader.split('class="reader-para focus"')[1][:60]
    assert h.show_paragraph([], gr.SelectData(None, {"index": 1, "value": "nope"}))[1] == gr.update()
    assert h.pick(aid, [], None)[1] == aid and h.pick(ALL, [], None)[1] == aid
    chat, reader, answers, shown, files = h.clear(ALL)
    assert chat == [] and answers == [] and "<mark" not in reader and files is None


def test_export_has_every_quote_attribution_and_offsets(fake_bot):
    h = Handlers(fake_bot)
    _, _, _, answers, shown = h.ask("Who is Gary Coby?", [], ALL, [], None)
    _, _, _, answers, _ = h.ask("What did Katie Harbath say?", [], ALL, answers, shown)
    md_path, json_path = h.export(answers)
    data = json.loads(open(json_path, encoding="utf-8").read())
    assert [t["question"] for t in data["turns"]] == ["Who is Gary Coby?", "What did Katie Harbath say?"]
    for turn, answer in zip(data["turns"], answers):
        assert [(q["start"], q["end"], q["text"], q["attribution"]) for q in turn["quotes"]] == \
            [(q.start, q.end, q.text, q.attribution.model_dump(mode="json") if q.attribution else None)
             for q in answer.quotes]
    md = open(md_path, encoding="utf-8").read()
    assert md == export_markdown(answers)
    for q in answers[0].quotes:
        assert f"characters {q.start}–{q.end}, answer sentence {q.highlight[0]}–{q.highlight[1]}" in md


def test_auth_option():
    assert parse_auth("alice:s3:cret") == ("alice", "s3:cret") and parse_auth(None) is None
    with pytest.raises(AssistantError, match="USER:PASSWORD"):
        parse_auth("alice")
