"""What the web chat shows, as strings: quote cards (Markdown), the reader pane (HTML), exports.

Scope: pure functions of ``Answer``/``Quote``/``Article``, no Gradio, so they are
tested directly. Every character that comes from an article is untrusted and is
escaped here: ``escape_markdown`` (from ``render``) for chat Markdown, and
``escape_html`` for the reader, which also encodes ``{ } $ `` ` so that no
template engine in the page can read article text as code.

Example:
    >>> escape_html("<img src=x onerror=alert(1)> ${x}")
    '&lt;img src=x onerror=alert(1)&gt; &#36;&#123;x&#125;'
"""

from __future__ import annotations

import html
import json
import re

from assistant.answer.render import CLOSEST, NOT_FOUND, attribution_line, escape_markdown
from assistant.types import Answer, Article, Quote

_TEMPLATE_CHARS = str.maketrans({"{": "&#123;", "}": "&#125;", "$": "&#36;", "`": "&#96;"})
_BLOCK = re.compile(r"[^\n]*\S[^\n]*(?:\n[^\n]*\S[^\n]*)*")


def escape_md(text: str) -> str:
    """``escape_markdown`` plus ':' as an entity: the chat's Markdown (GFM) turns bare
    'http://...' into links from the raw source, backslashes and all, which both shows
    the backslashes and makes a link out of article text; 'http&#58;//' is never matched.

    >>> print(escape_md("see http://evil.example/x"))
    see http&#58;//evil\\.example/x
    """
    return escape_markdown(text).replace(":", "&#58;")


def escape_html(text: str) -> str:
    """Literal text inside HTML (and inside a JS template string)."""
    return html.escape(text, quote=True).translate(_TEMPLATE_CHARS)


def paragraph_anchor(article_id: str, paragraph: int) -> str:
    """The reader's element id for a body paragraph; quote cards link to it."""
    return f"para-{article_id}-{paragraph}"


# ----- chat ---------------------------------------------------------------------------
def confidence_label(answer: Answer) -> str:
    """'Confidence 82% ▰▰▰▰▱' (plus '· low' when the answer is "not found")."""
    filled = round(answer.confidence * 5)
    bar = "▰" * filled + "▱" * (5 - filled)
    return f"Confidence {answer.confidence:.0%} {bar}" + ("" if answer.found else " · low")


def card_attribution(quote: Quote) -> str:
    """``attribution_line`` as Markdown, its '¶N' part a link to the paragraph in the reader.

    The line is split around '¶N' by rendering it once without the speaker: that
    tail always starts with '¶N', so nothing in the (untrusted) speaker, title or
    publisher can be mistaken for the paragraph mark.
    """
    line = attribution_line(quote)
    tail = attribution_line(quote.model_copy(update={"attribution": None}))
    head, rest = line[: len(line) - len(tail)], tail[len(f"¶{quote.paragraph}"):]
    link = f"[¶{quote.paragraph}](#{paragraph_anchor(quote.article_id, quote.paragraph)})"
    return escape_md(head) + link + escape_md(rest)


def quote_card(quote: Quote, low: bool = False) -> str:
    """A blockquote holding exactly the quote (its answer sentence in bold), then the attribution."""
    hs, he = quote.highlight[0] - quote.start, quote.highlight[1] - quote.start
    parts = (quote.text[:hs], quote.text[hs:he], quote.text[he:])
    # Inline <strong> rather than ** because ** fails to parse next to some punctuation.
    body = escape_md(parts[0]) + "<strong>" + escape_md(parts[1]) + "</strong>" + escape_md(parts[2])
    body = "\n".join("> " + line for line in body.split("\n"))
    mark = "_Low confidence_ · " if low else ""
    return f"{body}\n\n{mark}— {card_attribution(quote)}"


def answer_message(answer: Answer) -> str:
    """One chat reply: quote cards and the confidence, or "Not found" and the closest passages."""
    if not answer.quotes:
        return NOT_FOUND
    head = [] if answer.found else [f"**{NOT_FOUND}**", f"_{escape_md(CLOSEST)}_"]
    cards = [quote_card(q, low=not answer.found) for q in answer.quotes]
    return "\n\n".join(head + cards + [f"_{escape_md(confidence_label(answer))}_"])


def user_message(text: str) -> str:
    """The person's own words, shown literally."""
    return escape_md(text)


def error_message(text: str) -> str:
    return "⚠️ " + escape_md(text)


def added_message(article: Article) -> str:
    """'Added “Title” · Publisher · 4 paragraphs' (what the page states, nothing guessed)."""
    parts = [f"Added “{escape_md(article.title)}”"]
    parts += [escape_md(x) for x in (article.publisher, article.author) if x]
    if article.published:
        parts.append("published " + escape_md(article.published))
    parts.append(f"{len(article.paragraphs)} paragraphs")
    return " · ".join(parts) + ". Ask about it, or pick it above to ask about it alone."


# ----- reader pane ----------------------------------------------------------------------
def reader_html(article: Article | None, quotes: list[Quote] = (), focus: int | None = None) -> str:
    """The whole article: stated metadata, numbered body paragraphs, the rest (title,
    boilerplate-only blocks) unnumbered; boilerplate dimmed; ``quotes`` of this article
    marked (their answer sentences more strongly); paragraph ``focus`` flagged for scrolling."""
    if article is None:
        return '<div class="reader"><p class="reader-empty">No article yet: add one on the left.</p></div>'
    quotes = [q for q in quotes if q.article_id == article.id]
    marks = [(q.start, q.end, "q") for q in quotes] + [(*q.highlight, "hl") for q in quotes]
    marks += [(s, e, "boiler") for s, e in article.boilerplate]
    if quotes:  # the pane scrolls to the answer sentence of the best quote, not the earliest one
        marks.append((*quotes[0].highlight, "first"))
    blocks, cursor = [], 0
    for number, (start, end) in enumerate(article.paragraphs, 1):
        blocks += _extra_blocks(article, cursor, start, marks)
        anchor = paragraph_anchor(article.id, number)
        cls = "reader-para focus" if number == focus else "reader-para"
        blocks.append(f'<p class="{cls}" id="{anchor}" data-para="{number}">'
                      f'<span class="para-text">{_marked(article.text, start, end, marks)}</span></p>')
        cursor = end
    blocks += _extra_blocks(article, cursor, len(article.text), marks)
    return (f'<div class="reader" data-article="{article.id}">{_meta_html(article)}'
            f'<div class="reader-scroll">{"".join(blocks)}</div></div>')


def _meta_html(article: Article) -> str:
    """The metadata the source states; the URL as a link only when it is http(s)."""
    facts = [escape_html(x) for x in (article.publisher, article.author) if x]
    if article.published:
        facts.append("published " + escape_html(article.published))
    if article.url and re.match(r"^https?://", article.url, re.I):
        url = escape_html(article.url)
        facts.append(f'<a href="{url}" target="_blank" rel="noopener noreferrer nofollow">{url}</a>')
    # The text's own first line is shown as its first block; repeat the title only when it differs.
    shown = article.text.lstrip().split("\n", 1)[0].strip().lstrip("#").strip()
    title = "" if shown == article.title else f'<div class="reader-title">{escape_html(article.title)}</div>'
    return f'<div class="reader-head">{title}<div class="reader-facts">{" · ".join(facts)}</div></div>'


def _extra_blocks(article: Article, start: int, end: int, marks) -> list[str]:
    """Unnumbered blocks between body paragraphs (the title line, pure boilerplate)."""
    out = []
    for m in _BLOCK.finditer(article.text, start, end):
        out.append(f'<div class="reader-extra">{_marked(article.text, m.start(), m.end(), marks)}</div>')
    return out


def _marked(text: str, start: int, end: int, marks: list[tuple[int, int, str]]) -> str:
    """``text[start:end]`` escaped, cut at every mark boundary, each piece wrapped by its kinds."""
    cuts = sorted({start, end} | {p for s, e, _ in marks for p in (s, e) if start < p < end})
    out = []
    for a, b in zip(cuts, cuts[1:]):
        kinds = {k for s, e, k in marks if s <= a and b <= e}
        piece = escape_html(text[a:b])
        if "q" in kinds or "hl" in kinds:
            cls = ("hl" if "hl" in kinds else "q") + (" first" if "first" in kinds else "")
            piece = f'<mark class="{cls}">{piece}</mark>'
        if "boiler" in kinds:
            piece = f'<span class="boiler" title="boilerplate: never quoted">{piece}</span>'
        out.append(piece)
    return "".join(out)


# ----- export ---------------------------------------------------------------------------
def export_json(answers: list[Answer]) -> str:
    """Every turn as the API's own ``Answer`` JSON (quotes, attribution, offsets)."""
    return json.dumps({"format": "quote-assistant-chat/1", "turns": [a.model_dump(mode="json") for a in answers]},
                      ensure_ascii=False, indent=2)


def export_markdown(answers: list[Answer]) -> str:
    """Every turn as its question, ``Answer.to_markdown()`` and each quote's offsets."""
    out = ["# Chat export", ""]
    for number, answer in enumerate(answers, 1):
        out += [f"## {number}. {escape_md(answer.question)}", "", answer.to_markdown(), ""]
        for i, q in enumerate(answer.quotes, 1):
            who = f"; speaker {escape_md(q.attribution.speaker)} at {q.attribution.speaker_span}" \
                if q.attribution and q.attribution.speaker else ""
            out.append(f"- quote {i}: article `{q.article_id}`, ¶{q.paragraph}, characters {q.start}–{q.end}, "
                       f"answer sentence {q.highlight[0]}–{q.highlight[1]}{who}")
        out.append("")
    return "\n".join(out)
