"""Render an ``Answer`` as Markdown or plain text: fixed templates + verbatim text.

Article text is untrusted, so in Markdown every character that Markdown, HTML
or LaTeX would interpret is backslash-escaped or entity-encoded; the reader sees
the characters literally.

Example:
    >>> escape_markdown("<b>*hi*</b> $$x$$")
    '&lt;b&gt;\\\\*hi\\\\*&lt;/b&gt; \\\\$\\\\$x\\\\$\\\\$'
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # types.Answer renders itself with this module: a runtime import would be a cycle
    from assistant.types import Answer, Quote

NOT_FOUND = "Not found in the article."
CLOSEST = "Closest passages (low confidence):"
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$>])")


def escape_markdown(text: str) -> str:
    """Literal text inside Markdown: HTML entities for ``& < >``, backslashes for the rest."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MD_SPECIAL.sub(r"\\\1", text)


def who_phrase(a, name: str | None = None, escape=lambda text: text, role: bool = True) -> str:
    """'Gary Coby, ROLE, told BuzzFeed News' or 'according to three anonymous sources ...':
    ``name`` (default the speaker) with the role, cue and outlet around it, each passed
    through ``escape``; ``role=False`` leaves the role out (the chat's short line).

    >>> from assistant.types import Attribution
    >>> who_phrase(Attribution(kind="direct_quote", speaker="Ann Lee", role="a nurse", cue="said"))
    'Ann Lee, a nurse, said'
    """
    name = a.speaker if name is None else name
    if a.cue and a.cue.endswith((" to", " by")):
        return f"{escape(a.cue)} {name}"
    who = name + (f", {escape(a.role)}," if role and a.role else "")
    if a.cue:
        who += f" {escape(a.cue)}"
    if a.outlet and a.outlet not in a.speaker:
        who += f" {escape(a.outlet)}"
    return who


def attribution_line(quote: Quote) -> str:
    """'Gary Coby, ROLE, told BuzzFeed News · ¶6 · Title · True Pundit' (verbatim parts, fixed glue)."""
    parts = []
    a = quote.attribution
    if a and a.speaker and a.kind != "narration":
        parts.append(who_phrase(a))
    parts.append(f"¶{quote.paragraph}")
    if quote.source_outlet:
        parts.append(f"excerpt of {quote.source_outlet}")
    parts.append(quote.title)
    if quote.publisher:
        parts.append(quote.publisher)
    return " · ".join(parts)


def _quote_markdown(quote: Quote) -> str:
    hs, he = quote.highlight[0] - quote.start, quote.highlight[1] - quote.start
    before, mid, after = quote.text[:hs], quote.text[hs:he], quote.text[he:]
    body = escape_markdown(before) + "**" + escape_markdown(mid) + "**" + escape_markdown(after)
    body = "\n".join("> " + line for line in body.split("\n"))
    return f"{body}\n>\n> — {escape_markdown(attribution_line(quote))}"


def _headline(answer: Answer) -> str:
    """The fixed first line of an answer that is not found: the person notice, or "Not found"."""
    return answer.notice.text if answer.notice else NOT_FOUND


def answer_markdown(answer: Answer) -> str:
    head = [] if answer.found else [escape_markdown(answer.notice.text) if answer.notice else NOT_FOUND]
    if not answer.quotes:
        return head[0] if head else NOT_FOUND
    if not answer.found and not answer.notice:
        head.append(f"_{CLOSEST}_")
    cards = [_quote_markdown(q) for q in answer.quotes]
    confidence = "_" + escape_markdown(f"Confidence: {answer.confidence:.0%}") + "_"
    return "\n\n".join(head + cards + [confidence])


def answer_text(answer: Answer) -> str:
    lines = [] if answer.found else [_headline(answer)]
    if answer.quotes and not answer.found and not answer.notice:
        lines.append(CLOSEST)
    for q in answer.quotes:
        lines += [q.text, f"  — {attribution_line(q)}", ""]
    lines.append(f"Confidence: {answer.confidence:.0%}")
    return "\n".join(lines)
