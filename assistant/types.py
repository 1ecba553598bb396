"""Pydantic models of the public API: Article, Sentence, Attribution, Quote, Answer, Speaker.

Every text field that comes from an article is a verbatim span of
``Article.text`` and carries its ``(start, end)`` offsets, so callers can check
``article.text[q.start:q.end] == q.text`` themselves.

Example:
    >>> s = Sentence(start=0, end=3, paragraph=1, text="Hi.")
    >>> s.text
    'Hi.'
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Span = tuple[int, int]
Kind = Literal["direct_quote", "reported", "narration", "commentary"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Attribution(_Frozen):
    """Who says a sentence. ``speaker``, ``role`` and ``outlet`` are verbatim spans."""

    kind: Kind = "narration"
    speaker: str | None = None
    speaker_span: Span | None = None
    role: str | None = None
    role_span: Span | None = None
    cue: str | None = None
    outlet: str | None = None
    outlet_span: Span | None = None


class Sentence(_Frozen):
    """One sentence: ``text == article.text[start:end]``; ``paragraph`` is 1-based."""

    start: int
    end: int
    paragraph: int
    text: str
    attribution: Attribution | None = None


class Article(_Frozen):
    """An article's verbatim text (newlines normalised to ``\\n``) and what we know of it.

    ``paragraphs`` are body paragraphs (title and pure-boilerplate blocks excluded);
    ``boilerplate`` spans stay in ``text`` but are never indexed or quoted.
    ``fingerprint`` hashes the source file and its sidecar, to spot edits.
    ``excerpt_of`` names another outlet whose reporting the article reproduces,
    with ``excerpt_span`` covering that part of the text, when the text shows it.
    """

    id: str
    text: str
    title: str
    publisher: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    source_path: str | None = None
    fingerprint: str | None = None
    paragraphs: list[Span] = Field(default_factory=list)
    boilerplate: list[Span] = Field(default_factory=list)
    sentences: list[Sentence] = Field(default_factory=list)
    excerpt_of: str | None = None
    excerpt_span: Span | None = None

    def paragraph_of(self, offset: int) -> int:
        """1-based body paragraph containing ``offset``, or 0 if none does."""
        for number, (start, end) in enumerate(self.paragraphs, 1):
            if start <= offset < end:
                return number
        return 0


class Quote(_Frozen):
    """A verbatim passage (1-3 consecutive sentences of one paragraph) with its source."""

    article_id: str
    title: str
    publisher: str | None = None
    paragraph: int
    start: int
    end: int
    text: str
    highlight: Span
    score: float
    attribution: Attribution | None = None
    source_outlet: str | None = None

    @property
    def highlight_text(self) -> str:
        """The answer-bearing sentence, cut from the quote itself."""
        return self.text[self.highlight[0] - self.start : self.highlight[1] - self.start]


class SpokenSentence(_Frozen):
    """A sentence a ``Speaker`` says: ``article.text[start:end]``, its paragraph and kind."""

    start: int
    end: int
    paragraph: int
    kind: Kind


class Speaker(_Frozen):
    """Someone the attribution layer finds speaking in one article, aliases merged.

    ``name`` is the fullest form the article uses (``article.text[name_span[0]:name_span[1]]``);
    ``aliases`` are the other forms attributed to them ("Ms Harbath", "Harbath", a
    resolved "she" counts under the name it resolves to). ``kind`` is ``person`` (a
    personal name), ``group`` (an organisation, a role or a description: "a
    spokesman", "the Treasury") or ``outlet`` (the publisher's own commentary).
    ``outlets`` are the outlets they spoke to ("BuzzFeed News"), verbatim.
    """

    article_id: str
    name: str
    name_span: Span
    aliases: list[str] = Field(default_factory=list)
    kind: Literal["person", "group", "outlet"] = "person"
    role: str | None = None
    role_span: Span | None = None
    outlets: list[str] = Field(default_factory=list)
    sentences: list[SpokenSentence] = Field(default_factory=list)

    @property
    def quoted(self) -> int:
        """How many of their sentences are direct quotes."""
        return sum(s.kind == "direct_quote" for s in self.sentences)


NOTICES = {
    "mentioned_not_quoted": "{name} is mentioned but not quoted in this article.",
    "no_other_quote": "{name} has no other quoted sentence in this article.",
}


class Notice(_Frozen):
    """Fixed text about a person: a template from ``NOTICES`` filled with a verbatim name span."""

    kind: Literal["mentioned_not_quoted", "no_other_quote"]
    article_id: str
    name: str
    name_span: Span

    @property
    def text(self) -> str:
        return NOTICES[self.kind].format(name=self.name)


class Answer(_Frozen):
    """What ``Assistant.ask`` returns: verbatim quotes, best first, or "not found".

    ``found`` is False when the articles do not answer; ``quotes`` may then still
    hold the closest passages. ``confidence`` is the calibrated probability that
    ``quotes[0]`` answers the question. ``notice`` is set when a question about a
    person has no quote to give ("X is mentioned but not quoted in this article.");
    ``quotes`` then hold the sentences that mention them.
    """

    question: str
    found: bool
    confidence: float = Field(ge=0.0, le=1.0)
    quotes: list[Quote] = Field(default_factory=list)
    notice: Notice | None = None

    def to_markdown(self) -> str:
        """Markdown for the chat: fixed templates plus escaped verbatim text."""
        from assistant.answer.render import answer_markdown

        return answer_markdown(self)

    def to_text(self) -> str:
        """Plain text for terminals: fixed templates plus verbatim text."""
        from assistant.answer.render import answer_text

        return answer_text(self)
