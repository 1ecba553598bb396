"""The People view: who speaks in the articles in scope, and what each of them says.

Scope: pure functions of ``Speaker``/``Article`` (from ``Assistant.speakers``), no Gradio,
so they are tested directly. The list puts persons first, then groups ("a spokesman",
"the report"), then the outlet's own commentary; within a kind, the most quoted first.
Each entry is a small HTML label for a ``gr.Dataset`` button (every character from an
article escaped with ``escape_html``); choosing one shows their sentences as cards
(Markdown, escaped with ``escape_md``) with "¶N" links to the reader, where
``reader_html(..., spoken=spans(speaker))`` marks them.

Example:
    >>> from assistant.types import SpokenSentence
    >>> s = Speaker(article_id="a1", name="Ann Lee", name_span=(0, 7), sentences=[
    ...     SpokenSentence(start=0, end=9, paragraph=1, kind="direct_quote"),
    ...     SpokenSentence(start=10, end=20, paragraph=2, kind="reported")])
    >>> sentence_counts(s), speaker_key(s)
    ('1 quoted · 1 reported', ('a1', 0))
"""

from __future__ import annotations

from assistant.types import Article, Speaker, SpokenSentence
from assistant.ui.views import escape_html, escape_md, paragraph_link

KIND_ORDER = {"person": 0, "group": 1, "outlet": 2}
KIND_NAMES = {"person": "", "group": "group", "outlet": "the outlet's own commentary"}
SENTENCE_KINDS = {"direct_quote": "quoted", "reported": "reported", "commentary": "commentary",
                  "narration": "narration"}
MAX_PEOPLE = 100  # "All articles" over a large corpus: the 100 first by the order below
HINT = "_Choose someone to see what they say; their sentences are marked in the reader._"
NOBODY = "_Nobody is quoted or cited in the articles in scope._"


def ranked(speakers: list[Speaker], article_ids: list[str]) -> list[Speaker]:
    """Persons, then groups, then outlets; within a kind the most quoted, then those with
    most sentences, then article order and the order they first appear in it."""
    order = {aid: i for i, aid in enumerate(article_ids)}
    return sorted(speakers, key=lambda s: (KIND_ORDER.get(s.kind, 3), -s.quoted, -len(s.sentences),
                                           order.get(s.article_id, len(order)), s.name_span[0]))


def speaker_key(speaker: Speaker) -> tuple[str, int]:
    """(article id, start of the name span): names one speaker across list refreshes."""
    return speaker.article_id, speaker.name_span[0]


def find_speaker(speakers: list[Speaker], key) -> Speaker | None:
    """The speaker with ``key`` (as ``speaker_key`` makes it; a JSON list works too)."""
    article_id, start = key
    return next((s for s in speakers if s.article_id == article_id and s.name_span[0] == start), None)


def spans(speaker: Speaker) -> list[tuple[int, int]]:
    """Their sentences as (start, end) spans of the article text, for the reader's marks."""
    return [(s.start, s.end) for s in speaker.sentences]


def sentence_counts(speaker: Speaker) -> str:
    """'2 quoted', '1 quoted · 1 reported', '1 commentary': their sentences by kind."""
    counts = {}
    for s in speaker.sentences:
        counts[s.kind] = counts.get(s.kind, 0) + 1
    return " · ".join(f"{counts[k]} {name}" for k, name in SENTENCE_KINDS.items() if k in counts)


def person_html(speaker: Speaker, title: str | None = None) -> str:
    """A list entry: name and counts, then the role (or the kind) and, when given, the article's
    title, each on a line of its own.

    >>> person_html(Speaker(article_id="a", name="Ann <Lee>", name_span=(0, 9)))
    '<span class="pp-name">Ann &lt;Lee&gt;</span> <span class="pp-count"></span>'
    """
    head = (f'<span class="pp-name">{escape_html(speaker.name)}</span> '
            f'<span class="pp-count">{sentence_counts(speaker)}</span>')
    detail = speaker.role or KIND_NAMES.get(speaker.kind, "")
    lines = [head]
    if detail:
        lines.append(f'<span class="pp-role" title="{escape_html(detail)}">{escape_html(detail)}</span>')
    if title:
        lines.append(f'<span class="pp-article">{escape_html(title)}</span>')
    return "".join(lines)  # role and title are block-level (the page's CSS)


def people_label(shown: int, total: int) -> str:
    """The list's label: 'People (8)', or 'People (100 of 5,210; pick an article for all)'."""
    if shown < total:
        return f"People ({shown:,} of {total:,}; pick an article for all of its people)"
    return f"People ({total:,})"


def _ordered_sentences(speaker: Speaker) -> list[SpokenSentence]:
    """Direct quotes first, then their other sentences; each group in text order."""
    return sorted(speaker.sentences, key=lambda s: (s.kind != "direct_quote", s.start))


def person_cards(speaker: Speaker, article: Article, show_source: bool = False) -> str:
    """Markdown: who they are (name, role, aliases, outlets spoken to, counts), then one card per
    sentence: ``article.text[start:end]`` verbatim and escaped, its kind and a '¶N' link."""
    detail = speaker.role or KIND_NAMES.get(speaker.kind, "")
    facts = [f"**{escape_md(speaker.name)}**"] + ([escape_md(detail)] if detail else [])
    head = [" · ".join(facts + [sentence_counts(speaker) or "no sentences"])]
    if speaker.aliases:
        head.append("Also called " + ", ".join(escape_md(a) for a in speaker.aliases))
    if speaker.outlets:
        head.append("Spoke to " + ", ".join(escape_md(o) for o in speaker.outlets))
    if show_source:
        head.append(" · ".join(escape_md(x) for x in (article.title, article.publisher) if x))
    cards = []
    for s in _ordered_sentences(speaker):
        body = "\n".join("> " + line for line in escape_md(article.text[s.start:s.end]).split("\n"))
        cards.append(f"{body}\n\n— {SENTENCE_KINDS[s.kind]} · {paragraph_link(article.id, s.paragraph)}")
    return "\n\n".join(["  \n".join(head)] + cards)
