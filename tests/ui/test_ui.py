"""The launched chat: through gradio_client, and in a real browser (Debian's chromium).

One app is served per module on a free local port, over the seed corpus with the
real model; it may fetch from 127.0.0.1 (``allow_private_urls``) so the URL test
can use a local ``http.server``. Screenshots go to ``test-artifacts/``.
"""

import json
import shutil
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html as lxml_html

from assistant import Assistant, Settings
from assistant.ui import app as ui
from assistant.ui.handlers import ALL, Handlers
from assistant.ui.views import answer_message, escape_html, escape_md
from tests.conftest import CORPUS, ROOT
from tests.ui.test_ui_handlers import HOSTILE
from tests.webpages import LocalSite

ARTIFACTS = ROOT / "test-artifacts"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_bot(real_embedder):
    settings = Settings(progress=False, allow_private_urls=True)
    return Assistant.from_paths([CORPUS], settings=settings, embedder=real_embedder)


@pytest.fixture(scope="module")
def served(app_bot):
    port = _free_port()
    demo = ui.launch(app_bot, port=port, block=False, quiet=True)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


def _reply(chat) -> str:
    content = chat[-1]["content"]
    return content if isinstance(content, str) else " ".join(part.get("text", "") for part in content)


def test_client_asks_and_gets_attributed_quotes(served, app_bot):
    from gradio_client import Client

    client = Client(served, verbose=False)
    chat, box, reader = client.predict("Who is Gary Coby?", [], "__all__", api_name="/ask")
    reply = _reply(chat)
    answer = app_bot.ask("Who is Gary Coby?")
    assert box == "" and "Gary Coby" in reply and "told BuzzFeed News" in reply and "¶6" in reply
    assert all(f"#para-{q.article_id}-{q.paragraph}" in reply for q in answer.quotes)
    assert '<mark class="hl first">' in reader
    chat, _, _ = client.predict("What else did he say?", chat, "__all__", api_name="/ask")
    followup = app_bot.ask("What else did he say?", history=[answer])
    multi = Handlers(app_bot).multi(ALL)
    assert _reply(chat) == answer_message(followup, multi)  # the follow-up used this session's history
    assert _reply(chat) != answer_message(app_bot.ask("What else did he say?"), multi)
    export = client.predict(api_name="/export")
    data = json.loads(open(next(p for p in export if p.endswith(".json")), encoding="utf-8").read())
    assert [t["question"] for t in data["turns"]] == ["Who is Gary Coby?", "What else did he say?"]


def test_client_lists_people_and_picks_one(served, app_bot):
    from gradio_client import Client

    seed = app_bot.articles[0]
    client = Client(served, verbose=False)
    listing, hint = client.predict(seed.id, api_name="/speakers")
    names = [lxml_html.fragment_fromstring(s[0], create_parent="div").find_class("pp-name")[0].text_content()
             for s in listing["samples"]]
    assert sorted(names) == sorted(s.name for s in app_bot.speakers(seed.id)) and "Choose someone" in hint
    katie = next(s for s in app_bot.speakers(seed.id) if s.name == "Katie Harbath")
    cards, reader = client.predict(names.index("Katie Harbath"), api_name="/pick_speaker")
    assert all(escape_md(seed.text[s.start:s.end]) in cards for s in katie.sentences)
    first = katie.sentences[0]
    assert f'<mark class="spk first">{escape_html(seed.text[first.start:first.end])}</mark>' in reader


def test_client_uploads_an_article_and_asks_about_it(served, app_bot, tmp_path):
    from gradio_client import Client, handle_file

    story = tmp_path / "ferry.md"
    story.write_text("# Ferry service resumes\n\nThe island ferry resumed service on Friday after storms, "
                     "the operator said.\n\n“We are glad to be sailing again,” said captain Rosa Diaz.\n")
    client = Client(served, verbose=False)
    chat, picker, reader = client.predict(handle_file(str(story)), [], api_name="/add_file")
    assert _reply(chat).startswith("Added “Ferry service resumes”")
    added = next(a for a in app_bot.articles if a.title == "Ferry service resumes")
    assert picker["value"] == added.id and ["Ferry service resumes", added.id] in picker["choices"]
    assert "captain Rosa Diaz" in reader
    chat, _, _ = client.predict("What did the captain say?", [], added.id, api_name="/ask")
    assert "We are glad to be sailing again" in _reply(chat) and "Rosa Diaz" in _reply(chat)
    assert "Ferry service resumes" not in _reply(chat)  # one article in scope: the cards name no headline


def test_client_fetches_an_article_from_a_local_server(served, app_bot):
    from gradio_client import Client

    client = Client(served, verbose=False)
    with LocalSite() as site:
        chat, picker, reader, box = client.predict(site.url("/park.html"), [], api_name="/add_url")
        assert _reply(chat).startswith("Added “Council approves riverside park” · Daily Example · Jane Roe")
        assert box == "" and site.url("/park.html") in reader
        chat, _, _, box = client.predict(site.url("/logo.png"), chat, api_name="/add_url")
        assert "not a web page" in _reply(chat) and box == site.url("/logo.png")
    chat, _, _ = client.predict("What did Mayor Ann Smith say?", [], picker["value"], api_name="/ask")
    assert "This is a great day for the town" in _reply(chat)


# ----- real browser ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    if shutil.which("chromium") is None:
        pytest.skip("make test installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=shutil.which("chromium"),
                              args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


def _open(browser, url: str):
    """A page that records every request and dialog, and lets nothing leave 127.0.0.1."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    seen = {"requests": [], "dialogs": []}
    page.on("request", lambda r: seen["requests"].append(r.url))
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    origin = url.rstrip("/")
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(origin) else route.abort())
    page.goto(url)
    page.wait_for_selector("#reader .reader-para")
    return page, seen


def _ask(page, question: str, answers_before: int) -> None:
    box = page.get_by_placeholder("Ask a question, e.g. Who did Zuckerberg call?")
    box.fill(question)
    box.press("Enter")
    page.wait_for_function(f"document.querySelectorAll('#chat [data-testid=bot]').length > {answers_before}",
                           timeout=60000)
    page.wait_for_timeout(300)  # let the reader pane's scroll run


def _in_view(page, selector: str) -> bool:
    """Whether the first element matching ``selector`` lies inside the reader's scroll box, as shown."""
    return page.evaluate("""sel => { const b = document.querySelector('#reader .reader-scroll').getBoundingClientRect();
        const e = document.querySelector(sel).getBoundingClientRect();
        return e.top >= b.top - 1 && e.bottom <= b.bottom + 1; }""", selector)


def _question(app_bot, questions, good):
    """The first of ``questions`` whose answer (as the chat gets it) passes ``good``."""
    for question in questions:
        answer = app_bot.ask(question)
        if good(answer):
            return question, answer
    pytest.fail(f"none of {questions} gives the answer this test needs")


def test_browser_question_card_and_highlight(browser, served, app_bot):
    page, seen = _open(browser, served)
    question, answer = _question(app_bot, ["Who did Zuckerberg call after the 2016 election?",
                                           "How much did the Trump campaign spend on Facebook ads?"],
                                 lambda a: len(a.quotes) >= 2 and a.quotes[1].article_id == a.quotes[0].article_id)
    _ask(page, question, 0)
    bubble = page.locator("#chat [data-testid=bot]").last
    cards = bubble.locator("blockquote")
    assert cards.count() == len(answer.quotes)
    assert cards.first.text_content().strip() == answer.quotes[0].text and cards.first.is_visible()
    more = bubble.locator("details.more summary")
    rest = len(answer.quotes) - 1
    assert more.text_content() == f"{rest} more passage{'s' if rest > 1 else ''}"
    assert not cards.nth(1).is_visible()  # further passages start collapsed
    level = bubble.locator(".conf")
    assert level.text_content().split()[0] in ("High", "Medium", "Low")
    assert level.get_attribute("title") == f"Confidence {answer.confidence:.0%}"
    first = page.locator("#reader mark.first")
    assert first.text_content() == answer.quotes[0].highlight_text and _in_view(page, "#reader mark.first")
    more.click()
    assert all(cards.nth(i).is_visible() for i in range(len(answer.quotes)))
    bubble.locator("a[href^='#para-']").nth(1).click()
    number = answer.quotes[1].paragraph
    para_id = f"#para-{answer.quotes[1].article_id}-{number}"
    page.wait_for_timeout(200)
    assert _in_view(page, para_id) and "flash" in page.locator(para_id).get_attribute("class")
    page.screenshot(path=str(ARTIFACTS / "chat-seed.png"), full_page=True)
    exported = page.get_by_text("Exported chat", exact=True)
    assert exported.count() == 0 or not exported.first.is_visible()  # no empty download box before an export
    page.get_by_role("button", name="Export chat (Markdown + JSON)").click()
    json_link = page.locator("a[href$='chat.json']").first
    json_link.wait_for(timeout=30000)  # both downloads in view, not only the first
    assert json_link.is_visible() and page.locator("a[href$='chat.md']").first.is_visible()
    assert exported.first.is_visible()  # the same locator finds the box once it is shown
    page.get_by_role("button", name="Clear chat").click()
    page.wait_for_function("!document.querySelector('#chat [data-testid=bot]')", timeout=30000)
    page.wait_for_timeout(300)
    json_links = page.locator("a[href$='chat.json']")
    assert not json_links.count() or not json_links.first.is_visible()
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in seen["requests"]) and not seen["dialogs"]
    page.close()


def test_browser_fills_the_window_and_scrolls_to_a_late_best_quote(browser, served, app_bot):
    """1440x1000: chat, People and reader fill the height; the best quote in ¶8-9 is scrolled into view."""
    page, _ = _open(browser, served)
    sizes = page.evaluate("""() => ({page: document.documentElement.scrollHeight,
        chat: document.querySelector('#chat').getBoundingClientRect().height,
        reader: document.querySelector('#reader .reader-scroll').getBoundingClientRect(),
        input: document.querySelector('textarea').getBoundingClientRect().bottom})""")
    assert sizes["chat"] >= 600 and sizes["reader"]["height"] >= 700 and sizes["reader"]["bottom"] <= 1000
    assert sizes["input"] <= 1000 and sizes["page"] <= 1400  # the question box is in view; little to scroll
    question, answer = _question(app_bot, ["Is Zuckerberg a big Trump supporter?", "Who confirmed the private call?",
                                           "Is this another Elon Musk thing?"],
                                 lambda a: a.quotes and a.quotes[0].paragraph >= 8)
    _ask(page, question, 0)
    first = page.locator("#reader mark.first")
    assert first.text_content() == answer.quotes[0].highlight_text
    below = page.evaluate("""() => { const b = document.querySelector('#reader .reader-scroll');
        const m = b.querySelector('mark.first');
        return [m.getBoundingClientRect().top - b.getBoundingClientRect().top + b.scrollTop, b.clientHeight,
                b.scrollTop]; }""")
    assert below[0] > below[1] and below[2] > 0  # it was out of sight: the pane scrolled to it
    assert _in_view(page, "#reader mark.first")
    page.close()


def test_browser_people_view_by_keyboard(browser, served, app_bot):
    page, seen = _open(browser, served)
    page.wait_for_selector("#people button")
    katie = next(s for s in app_bot.speakers() if s.name == "Katie Harbath")
    seed = app_bot.article(katie.article_id)
    page.get_by_placeholder("Ask a question, e.g. Who did Zuckerberg call?").focus()
    for _ in range(80):  # the keyboard only: Tab until the People list's "Katie Harbath" has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.closest('#people') !== null && "
                         "document.activeElement.textContent.includes('Katie Harbath')"):
            break
    else:
        pytest.fail("Tab never reached Katie Harbath in the People list")
    page.keyboard.press("Enter")
    said = [seed.text[s.start:s.end] for s in katie.sentences]
    page.wait_for_function("document.querySelector('#person blockquote') !== null", timeout=30000)
    assert [t.strip() for t in page.locator("#person blockquote").all_text_contents()] == said
    page.wait_for_timeout(300)
    assert "".join(page.locator("#reader mark.spk").all_text_contents()) == "".join(said)
    assert page.locator("#reader mark.first").first.text_content() in said[0] and _in_view(page, "#reader mark.first")
    page.keyboard.press("Tab")  # the next person, chosen with Space
    name = page.evaluate("document.activeElement.querySelector('.pp-name').textContent")
    page.keyboard.press("Space")
    page.wait_for_function(f"document.querySelector('#person strong').textContent === {name!r}", timeout=30000)
    other = next(s for s in app_bot.speakers() if s.name == name)
    text = app_bot.article(other.article_id).text
    assert [t.strip() for t in page.locator("#person blockquote").all_text_contents()][0] in \
        [text[s.start:s.end] for s in other.sentences]
    picker = page.get_by_label("Ask about")  # scope the picker to the seed article: the list follows
    picker.click()
    page.get_by_role("option", name=seed.title[:40], exact=False).first.click()
    count = len(app_bot.speakers(seed.id))
    page.wait_for_function(f"document.querySelectorAll('#people button.gallery-item').length === {count}",
                           timeout=30000)
    assert f"People ({count})" in page.locator("#people").text_content()
    page.screenshot(path=str(ARTIFACTS / "chat-people.png"))
    assert all(urlsplit(u).hostname == "127.0.0.1" for u in seen["requests"]) and not seen["dialogs"]
    page.close()


def test_browser_hostile_article_is_shown_literally(browser, served, app_bot, tmp_path):
    page, seen = _open(browser, served)
    path = tmp_path / "hostile.txt"
    path.write_text(HOSTILE, encoding="utf-8")
    page.get_by_text("Add an article", exact=True).click()  # the accordion starts closed
    page.locator("input[type=file]").first.set_input_files(str(path))
    page.wait_for_function("document.querySelector('#reader').textContent.includes('Hostile test article')",
                           timeout=60000)
    hostile = next(a for a in app_bot.articles if a.title == "Hostile test article")
    texts = page.locator("#reader .para-text").all_text_contents()
    assert texts == [hostile.text[s:e] for s, e in hostile.paragraphs]
    questions = ["What did the mayor say about the budget?", "What did critics post near the budget notice?",
                 "What did the blogger link about the budget vote?", "Where can readers find budget details?"]
    shown = []
    for n, question in enumerate(questions):
        _ask(page, question, n + 1)  # the upload's "Added" message is the first bot message
        expected = [q.text for q in app_bot.ask(question, history=None, article_ids=[hostile.id]).quotes]
        bubble = page.locator("#chat [data-testid=bot]").last
        got = bubble.locator("blockquote").evaluate_all("els => els.map(e => e.textContent.replace(/^\\n|\\n$/g, ''))")
        assert got == expected
        shown += got
    assert any("<script>" in t for t in shown) and any("onerror" in t for t in shown)
    assert page.locator("#chat blockquote img, #chat blockquote script, #chat blockquote a, #reader img").count() == 0
    assert page.evaluate("window.__pwned") is None and not seen["dialogs"]
    bad = [u for u in seen["requests"]
           if urlsplit(u).hostname != "127.0.0.1" or urlsplit(u).path in ("/x", "/pixel.png")]
    assert bad == []
    page.screenshot(path=str(ARTIFACTS / "chat-hostile.png"), full_page=True)
    page.close()


def test_loadcheck_small_run_has_no_errors(served):
    from assistant.bench import loadcheck

    result = loadcheck.run_load(served, clients=4, questions=3, pool=loadcheck.seed_questions())
    assert result["errors"] == 0 and result["answered"] == 12 and result["median_ms"] <= result["p95_ms"]


def test_files_outside_the_allowed_ones_are_refused(served, app_bot, tmp_path):
    """The file routes serve nothing from the index, the model, the corpus or the system."""
    import urllib.error
    import urllib.request

    from assistant.embedding.embedder import bundled_model_dir

    index = tmp_path / "idx"
    Assistant.from_paths([CORPUS], index_dir=index, settings=app_bot.settings, embedder=app_bot.embedder)
    manifest = next(index.glob("*/manifest.json"))
    targets = [manifest, next(bundled_model_dir().glob("*.json")),
               Path(CORPUS).resolve() / "zuckerberg-trump-call-true-pundit.txt",
               Path("/etc/passwd")]
    # Gradio 6's file route (it serves a file under allowed_paths with 200: checked by hand).
    for target in targets:
        try:
            with urllib.request.urlopen(served + "gradio_api/file=" + str(target), timeout=10) as response:
                status, body = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, body = exc.code, exc.read()
        assert status in (403, 404), (target, status)
        assert target.read_bytes()[:40] not in body
