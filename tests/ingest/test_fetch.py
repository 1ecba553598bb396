"""Fetching pages and reading HTML: limits, refusals, stated metadata only, and Assistant.add(url)."""

import pytest

from assistant import Assistant, Settings
from assistant.embedding.embedder import FakeEmbedder
from assistant.ingest.fetch import FetchError, fetch, public_address
from assistant.ingest.html import article_from_html, read_html_article, stated_metadata
from tests.conftest import CORPUS, assert_verbatim
from tests.webpages import DATED_HTML, PARK_HTML, LocalSite

LOCAL = Settings(model="fake", progress=False, allow_private_urls=True)


@pytest.fixture(scope="module")
def site():
    with LocalSite() as s:
        yield s


def test_loopback_is_refused_by_default(site):
    with pytest.raises(FetchError, match="local or private address"):
        fetch(site.url("/park.html"), Settings(model="fake"))


@pytest.mark.parametrize("address", ["10.1.2.3", "192.168.0.10", "169.254.169.254", "::1", "0.0.0.0", "100.64.0.1"])
def test_private_and_link_local_addresses_are_refused(address):
    with pytest.raises(FetchError, match="local or private"):
        public_address(f"http://{address}/", address, 80, allow_private=False)


def test_public_address_is_accepted():
    assert public_address("http://93.184.215.14/", "93.184.215.14", 80, allow_private=False) == "93.184.215.14"


@pytest.mark.parametrize("url", ["ftp://example.com/a", "file:///etc/passwd", "javascript:alert(1)", "http:///nohost",
                                 "http://user:pw@example.com/"])
def test_only_plain_http_urls(url):
    with pytest.raises(FetchError):
        fetch(url, LOCAL)


def test_fetch_follows_redirects_and_keeps_final_url(site):
    page = fetch(site.url("/moved"), LOCAL)
    assert page.url == site.url("/park.html") and page.content_type == "text/html" and page.charset == "utf-8"
    assert page.body.decode("utf-8") == PARK_HTML


@pytest.mark.parametrize("path, settings, message", [
    ("/logo.png", LOCAL, "image/png, not a web page"),
    ("/big.html", LOCAL.model_copy(update={"fetch_max_bytes": 100_000}), "over the 100,000-byte limit"),
    ("/missing", LOCAL, "HTTP 404"),
    ("/loop", LOCAL, "more than 5 redirects"),
    ("/slow.html", LOCAL.model_copy(update={"fetch_timeout": 0.5}), "did not answer in time"),
])
def test_fetch_refusals_say_why(site, path, settings, message):
    with pytest.raises(FetchError, match=message):
        fetch(site.url(path), settings)


def test_closed_port_is_a_clear_error():
    with pytest.raises(FetchError, match="refused the connection|could not be reached"):
        fetch("http://127.0.0.1:9/", LOCAL)


def test_html_metadata_is_only_what_the_page_states():
    art = article_from_html(PARK_HTML.encode(), url="https://example.com/park")
    assert art.title == "Council approves riverside park"
    assert (art.publisher, art.author, art.url) == ("Daily Example", "Jane Roe", "https://example.com/park")
    # trafilatura itself guesses 2019-01-01 from the copyright footer; that is not a publication date.
    import trafilatura

    assert trafilatura.bare_extraction(PARK_HTML, with_metadata=True).date == "2019-01-01"
    assert art.published is None
    assert "window.__pwned" not in art.text and "Home | News" not in art.text
    first = art.text[art.paragraphs[0][0]:art.paragraphs[0][1]]
    assert first == "The town council voted on Tuesday to build a new park beside the river, officials said."


def test_stated_dates_are_kept_as_written():
    assert article_from_html(DATED_HTML.encode()).published == "2024-03-05T09:30:00Z"
    ld = ('<script type="application/ld+json">{"@graph": [{"@type": "NewsArticle", "datePublished": "2023-01-02", '
          '"publisher": {"name": "LD News"}}]}</script>')
    assert stated_metadata(f"<html><head>{ld}</head><body></body></html>") == \
        {"published": "2023-01-02", "publisher": "LD News"}


def test_page_without_article_text_is_refused(tmp_path):
    empty = tmp_path / "empty.html"
    empty.write_text("<html><body><nav>Home</nav></body></html>")
    with pytest.raises(Exception, match="no article text was found"):
        read_html_article(empty, 1_000_000)


def test_add_url_indexes_persists_and_answers(site, corpus_copy, tmp_path):
    bot = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "index", settings=LOCAL, embedder=FakeEmbedder())
    art = bot.add(site.url("/park.html"))
    assert art.url == site.url("/park.html") and art.source_path is None
    answer = bot.ask("What did Mayor Ann Smith say about the park?", article_ids=[art.id])
    assert_verbatim(bot, answer)
    assert "great day for the town" in " ".join(q.text for q in answer.quotes)
    again = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "index", settings=LOCAL, embedder=FakeEmbedder())
    assert art.id in {a.id for a in again.articles}
    notes = bot.add(site.url("/notes.txt"))
    assert notes.title == "Lighthouse notes" and notes.url == site.url("/notes.txt")


def test_failed_fetch_loses_nothing(site, fake_settings):
    bot = Assistant.from_paths([CORPUS], settings=fake_settings, embedder=FakeEmbedder())
    before = [a.id for a in bot.articles]
    with pytest.raises(FetchError):
        bot.add(site.url("/logo.png"))
    assert [a.id for a in bot.articles] == before


def test_every_redirect_hop_is_checked_again(site, monkeypatch):
    """A page allowed on the first hop cannot redirect to a private address: the
    first check is let through here (as for a public host), the second is real."""
    from assistant.ingest import fetch as fetch_module

    real, calls = fetch_module.public_address, []

    def first_hop_public(url, host, port, allow_private):
        calls.append(url)
        return real(url, host, port, allow_private=len(calls) == 1)

    monkeypatch.setattr(fetch_module, "public_address", first_hop_public)
    with pytest.raises(FetchError, match="local or private address"):
        fetch(site.url("/moved"), Settings(model="fake"))
    assert calls == [site.url("/moved"), site.url("/park.html")]
