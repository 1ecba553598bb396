"""Turn an HTML page (an uploaded ``.html`` file or a fetched URL) into an ``Article``.

Scope: trafilatura finds the article's main text (menus, scripts, comments and
footers are dropped); its paragraphs, joined by blank lines under the title,
become ``Article.text``, the text every quote is cut from. The original URL is
kept in ``Article.url``.

Metadata is only what the page states. trafilatura (through htmldate) guesses a
date when the page gives none, e.g. from a "© 2019" footer or a URL; a guess
must never be shown as the publication date, so the date is read only from
explicit publication-date markup (meta tags, ``itemprop="datePublished"``,
JSON-LD ``datePublished``, ``<time pubdate>``) and kept as the page writes it.
The publisher likewise comes only from ``og:site_name``, ``application-name``
or JSON-LD ``publisher.name``, never from the host name.

Example:
    >>> page = b'<html><head><title>Park approved</title></head><body><article>'
    >>> page += b'<p>The council voted on Tuesday to build a new park near the river, officials said.</p>'
    >>> page += b'<p>Work starts in spring and will cost two million dollars, the plan says.</p>'
    >>> page += b'</article><footer>&copy; 2019 Daily Example</footer></body></html>'
    >>> art = article_from_html(page, url="https://example.com/park")
    >>> art.title, art.published, art.url, len(art.paragraphs)
    ('Park approved', None, 'https://example.com/park', 2)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from assistant.errors import NoSuchFileError, UnreadableFileError
from assistant.ingest.files import Sidecar, article_from_text, decode_bytes
from assistant.types import Article

HTML_SUFFIXES = (".html", ".htm")
_DATE_NAMES = {
    "article:published_time", "og:published_time", "datepublished", "pubdate", "publishdate", "publish-date",
    "publish_date", "date", "dc.date", "dc.date.issued", "dcterms.issued", "dcterms.created", "sailthru.date",
    "parsely-pub-date", "citation_publication_date", "article.published", "original-publish-date",
}
_PUBLISHER_NAMES = {"og:site_name", "application-name"}
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_BLOCKS = {"p", "head", "quote", "item", "cell"}


def decode_html(data: bytes, charset: str | None = None) -> str:
    """Page bytes to text: the HTTP charset, else the page's ``<meta charset>``, else detection."""
    for candidate in (charset, *(m.decode("ascii") for m in _META_CHARSET.findall(data[:4096])[:1])):
        if candidate:
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError):
                continue
    return decode_bytes(data, "the page")


def article_from_html(data: bytes | str, url: str | None = None, source_path: str | None = None,
                      charset: str | None = None) -> Article:
    """An ``Article`` from page bytes (or text): main text, stated metadata, the URL kept."""
    import trafilatura

    html = data if isinstance(data, str) else decode_html(data, charset)
    raw = html.encode("utf-8")
    name = url or source_path or "the page"
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      include_tables=False, include_images=False, include_links=False)
    paragraphs = _paragraphs(doc.body) if doc is not None and doc.body is not None else []
    title = _clean(doc.title) if doc is not None and doc.title else None
    if paragraphs and title and paragraphs[0] == title:
        paragraphs = paragraphs[1:]  # the page's <h1> repeats the title, which heads the text already
    if not paragraphs:
        raise UnreadableFileError(name, "no article text was found in the page (it may be a front page, a login "
                                        "wall or built by scripts); save the article's text as a .txt file instead")
    stated = stated_metadata(html)
    text = "\n\n".join(([title] if title else []) + paragraphs)
    meta = Sidecar(title=title, publisher=stated.get("publisher"), author=_clean(doc.author) if doc.author else None,
                   published=stated.get("published"), url=url)
    return article_from_text(text, meta, source_path, hashlib.sha256(raw).hexdigest())


def read_html_article(path: str | Path, max_bytes: int) -> Article:
    """An uploaded ``.html``/``.htm`` file as an ``Article`` (no URL: the file is the source)."""
    path = Path(path)
    if not path.is_file():
        raise NoSuchFileError(str(path))
    size = path.stat().st_size
    if size > max_bytes:
        raise UnreadableFileError(str(path), f"it is {size:,} bytes, over the {max_bytes:,}-byte limit "
                                             "(raise ASSISTANT_MAX_FILE_BYTES to allow it)")
    return article_from_html(path.read_bytes(), source_path=os.path.normpath(path))


def _paragraphs(body) -> list[str]:
    """Text of each outermost block element of trafilatura's result (``p``, ``head``, list ``item`` ...)."""
    out = []
    for element in body.iter():
        if element.tag in _BLOCKS and not any(a.tag in _BLOCKS for a in element.iterancestors()):
            text = _clean(_text_of(element, top=True))
            if text:
                out.append(text)
    return out


def _text_of(node, top: bool) -> str:
    """All text under ``node``; ``<lb/>`` (a ``<br>`` in the page) becomes a line break."""
    pieces = ["\n" if node.tag == "lb" else "", node.text or ""]
    pieces += [_text_of(child, top=False) for child in node]
    if not top:
        pieces.append(node.tail or "")
    return "".join(pieces)


def _clean(text: str) -> str:
    """Collapse runs of spaces; keep single line breaks; no blank lines inside a paragraph."""
    lines = [re.sub(r"[ \t\u00a0\r\f\v]+", " ", line).strip() for line in text.split("\n")]
    return "\n".join(line for line in lines if line)


def stated_metadata(html: str) -> dict[str, str]:
    """``published`` and ``publisher`` exactly as the page's markup states them (absent if not stated)."""
    from lxml import html as lxml_html

    try:
        tree = lxml_html.document_fromstring(html.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8"))
    except (ValueError, SyntaxError):
        return {}
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        if value and key in _DATE_NAMES:
            found.setdefault("published", value)
        if value and key in _PUBLISHER_NAMES:
            found.setdefault("publisher", value)
    for element in tree.xpath('//*[@itemprop="datePublished"] | //time[@pubdate]'):
        value = (element.get("datetime") or element.get("content") or element.text_content() or "").strip()
        if value:
            found.setdefault("published", value)
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        _from_json_ld(script.text_content(), found)
    return {k: v[:200] for k, v in found.items()}


def _from_json_ld(source: str, found: dict[str, str]) -> None:
    try:
        data = json.loads(source)
    except ValueError:
        return
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if isinstance(item.get("datePublished"), str) and item["datePublished"].strip():
                found.setdefault("published", item["datePublished"].strip())
            publisher = item.get("publisher")
            if isinstance(publisher, dict) and isinstance(publisher.get("name"), str) and publisher["name"].strip():
                found.setdefault("publisher", publisher["name"].strip())
            stack.extend(v for k, v in item.items() if k == "@graph")
