"""What the web chat shows, as strings: quote cards (Markdown), the reader pane (HTML), exports.

Scope: pure functions of ``Answer``/``Quote``/``Article``, no Gradio, so they are
tested directly. An answer reads at a glance: the best quote, a short attribution
line ("— Gary Coby told BuzzFeed News · ¶6 · High confidence"), then the other
passages behind "N more passages". Every character that comes from an article is
untrusted and is escaped here: ``escape_md`` for chat Markdown, ``escape_attr``
for the few attributes the chat carries (the role on hover), and ``escape_html``
for the reader, which also encodes ``{ } $ `` ` so that no template engine in the
page can read article text as code.

Example:
    >>> escape_html("<img src=x onerror=alert(1)> ${x}")
    '&lt;img src=x onerror=alert(1)&gt; &#36;&#123;x&#125;'
"""

from __future__ import annotations

import html
import json
import re

from assistant.answer.render import CLOSEST, NOT_FOUND, escape_markdown, who_phrase
from assistant.types import Answer, Article, Attribution, Quote

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
HIGH, MEDIUM = 0.75, 0.4


def escape_attr(text: str) -> str:
    """Text for a double-quoted HTML attribute inside chat Markdown: every character other
    than a letter, digit or space as a numeric entity, so neither HTML nor Markdown (nor a
    template engine) can read anything in it; the browser shows the characters literally.

    >>> escape_attr('a "b" [c](d)')
    'a &#34;b&#34; &#91;c&#93;&#40;d&#41;'
    """
    return "".join(c if c.isalnum() or c == " " else f"&#{ord(c)};" for c in text)


def confidence_level(confidence: float) -> str:
    """'High' from 0.75, 'Medium' from 0.4, else 'Low' (``Answer.confidence`` is the
    calibrated probability that the best quote answers; the app's "found" cut is far lower,
    near 0.1, so a found answer can still be 'Low').

    >>> [confidence_level(c) for c in (0.9, 0.75, 0.5, 0.39, 0.0)]
    ['High', 'High', 'Medium', 'Low', 'Low']
    """
    return "High" if confidence >= HIGH else "Medium" if confidence >= MEDIUM else "Low"


def confidence_label(answer: Answer) -> str:
    """The level in words, the percentage on hover.

    >>> confidence_label(Answer(question="q", found=True, confidence=0.82))
    '<span class="conf" title="Confidence 82%">High confidence</span>'
    """
    return (f'<span class="conf" title="Confidence {answer.confidence:.0%}">'
            f"{confidence_level(answer.confidence)} confidence</span>")


def short_who(attribution: Attribution | None) -> str:
    """Who says it, short: 'Gary Coby told BuzzFeed News' or 'according to three anonymous
    sources ...' as Markdown; the role is left out of the line and shown on hovering over the
    name. '' for narration and sentences nobody is said to speak.

    >>> short_who(Attribution(kind="direct_quote", speaker="Ann Lee", cue="said"))
    'Ann Lee said'
    """
    a = attribution
    if not a or not a.speaker or a.kind == "narration":
        return ""
    name = escape_md(a.speaker)
    if a.role:
        name = f'<span class="who" title="{escape_attr(a.role)}">{name}</span>'
    return who_phrase(a, name, escape_md, role=False)


def paragraph_link(article_id: str, paragraph: int) -> str:
    """'[¶6](#para-<id>-6)': the reader pane scrolls to paragraph 6 when it is clicked."""
    return f"[¶{paragraph}](#{paragraph_anchor(article_id, paragraph)})"


def card_attribution(quote: Quote, show_source: bool = False) -> str:
    """'Gary Coby told BuzzFeed News · ¶6', plus 'excerpt of X' when the article reproduces
    another outlet, plus the headline and publisher when ``show_source``; as Markdown."""
    parts = [short_who(quote.attribution), paragraph_link(quote.article_id, quote.paragraph)]
    if quote.source_outlet:
        parts.append("excerpt of " + escape_md(quote.source_outlet))
    if show_source:
        parts += [escape_md(x) for x in (quote.title, quote.publisher) if x]
    return " · ".join(p for p in parts if p)


def source_flags(quotes: list[Quote], multi: bool) -> list[bool]:
    """Which cards name their article (headline, publisher): the first when more than one
    article is in scope, each later one when its article differs from the card before.

    >>> q = lambda aid: Quote(article_id=aid, title="T", paragraph=1, start=0, end=1, text="x",
    ...                       highlight=(0, 1), score=0.0)
    >>> source_flags([q("a"), q("a"), q("b")], multi=False), source_flags([q("a"), q("a")], multi=True)
    ([False, False, True], [True, False])
    """
    return [multi if i == 0 else q.article_id != quotes[i - 1].article_id for i, q in enumerate(quotes)]


def quote_card(quote: Quote, show_source: bool = False, extra: str = "") -> str:
    """A blockquote holding exactly the quote (its answer sentence in bold), then the short
    attribution line (and ``extra``, e.g. the confidence, at its end)."""
    hs, he = quote.highlight[0] - quote.start, quote.highlight[1] - quote.start
    parts = (quote.text[:hs], quote.text[hs:he], quote.text[he:])
    # Inline <strong> rather than ** because ** fails to parse next to some punctuation.
    body = escape_md(parts[0]) + "<strong>" + escape_md(parts[1]) + "</strong>" + escape_md(parts[2])
    body = "\n".join("> " + line for line in body.split("\n"))
    line = " · ".join(x for x in (card_attribution(quote, show_source), extra) if x)
    return f"{body}\n\n— {line}"


def more_passages(count: int) -> str:
    """The toggle for the further passages: a closed <details> whose following siblings the
    page's CSS hides until it is opened (the cards stay top-level blocks of the message).

    >>> more_passages(1)
    '<details class="more"><summary>1 more passage</summary></details>'
    """
    return f'<details class="more"><summary>{count} more passage{"" if count == 1 else "s"}</summary></details>'


def answer_message(answer: Answer, multi: bool = False) -> str:
    """One chat reply: the best quote with a short attribution line and the confidence in
    words, then "N more passages" (collapsed). Not found: "Not found in the article." and the
    closest passages; a ``notice`` ("X is mentioned but not quoted ...") replaces that line
    and its passages are the sentences that mention them. ``multi``: more than one article
    is in scope, so the first card names its article (see ``source_flags``)."""
    if answer.notice is not None:
        head, extra = [escape_md(answer.notice.text)], ""
    elif not answer.quotes:
        return NOT_FOUND
    else:
        head = [] if answer.found else [f"**{NOT_FOUND}**", f"_{escape_md(CLOSEST)}_"]
        extra = confidence_label(answer)
    quotes = answer.quotes
    flags = source_flags(quotes, multi)
    cards = [quote_card(q, flag, extra if i == 0 else "") for i, (q, flag) in enumerate(zip(quotes, flags))]
    if len(cards) > 1:
        cards.insert(1, more_passages(len(cards) - 1))
    return "\n\n".join(head + cards)


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
def reader_html(article: Article | None, quotes: list[Quote] = (), focus: int | None = None,
                spoken: list[tuple[int, int]] = ()) -> str:
    """The whole article: stated metadata, numbered body paragraphs, the rest (title,
    boilerplate-only blocks) unnumbered; boilerplate dimmed; ``quotes`` of this article
    marked (their answer sentences more strongly); ``spoken`` spans (a person's sentences,
    from the People view) marked too; paragraph ``focus`` flagged for scrolling.

    The pane scrolls to the ``mark.first``: the first spoken span when there are any, else
    the best quote's answer sentence."""
    if article is None:
        return '<div class="reader"><p class="reader-empty">No article yet: add one on the left.</p></div>'
    quotes = [q for q in quotes if q.article_id == article.id]
    marks = [(q.start, q.end, "q") for q in quotes] + [(*q.highlight, "hl") for q in quotes]
    marks += [(s, e, "boiler") for s, e in article.boilerplate] + [(s, e, "spk") for s, e in spoken]
    if spoken:
        marks.append((*min(spoken), "first"))
    elif quotes:  # the pane scrolls to the answer sentence of the best quote, not the earliest one
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
        names = ["hl"] if "hl" in kinds else ["q"] if "q" in kinds else []
        names += ["spk"] if "spk" in kinds else []
        if names:
            piece = f'<mark class="{" ".join(names + (["first"] if "first" in kinds else []))}">{piece}</mark>'
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
