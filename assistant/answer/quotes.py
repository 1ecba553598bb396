"""Turn scored rows into an ``Answer``: non-overlapping verbatim quotes, checked.

A quote is the answer sentence, plus the neighbouring sentence of the same
paragraph when that neighbour names the speaker of the quotation the answer
sentence belongs to (so "Their team was heavily involved ..." comes with the
sentence saying Gary Coby told BuzzFeed News). Every span is checked against
the article text before the answer is returned: a mismatch raises.

Example:
    >>> from assistant.ingest.files import article_from_text
    >>> art = article_from_text('T\\n\\n“A,” Bob Lee said. “B.”')
    >>> quote_span(art, 1)
    (0, 1)
"""

from __future__ import annotations

from collections.abc import Iterable

from assistant.types import Answer, Article, Quote

MAX_SENTENCES = 3


class SpanMismatch(AssertionError):
    """A span that is not verbatim: a bug, never shown to a user."""


def quote_span(article: Article, index: int) -> tuple[int, int]:
    """(first, last) sentence indices of the quote around answer sentence ``index``:
    the sentence, the neighbour that names its speaker, and the paragraph's other
    sentences in the same voice (one speaker's quotation, or the outlet's own
    commentary, is quoted whole), at most ``MAX_SENTENCES``."""
    sentences = article.sentences
    sentence = sentences[index]
    first = last = index
    a = sentence.attribution
    speaker = a.speaker_span if a else None
    if speaker and not (sentence.start <= speaker[0] < sentence.end):
        for step in (-1, 1, -2):
            j = index + step
            if 0 <= j < len(sentences) and sentences[j].paragraph == sentence.paragraph:
                if sentences[j].start <= speaker[0] < sentences[j].end:
                    first, last = min(first, j), max(last, j)
                    break
    if a and (a.kind == "commentary" or (speaker and a.kind == "direct_quote")):
        first, last = _same_voice(article, index, first, last)
    if last - first + 1 > MAX_SENTENCES:
        first = last - MAX_SENTENCES + 1 if last > index else first
        last = first + MAX_SENTENCES - 1
    return first, last


def _same_voice(article: Article, index: int, first: int, last: int) -> tuple[int, int]:
    """Grow (first, last) over adjacent same-paragraph sentences in the same voice:
    the same quotation's speaker span, or the outlet's own commentary."""
    sentences = article.sentences
    own = sentences[index].attribution

    def same(j: int) -> bool:
        other = sentences[j].attribution if 0 <= j < len(sentences) else None
        if not other or other.kind != own.kind or sentences[j].paragraph != sentences[index].paragraph:
            return False
        return other.kind == "commentary" or other.speaker_span == own.speaker_span

    while last - first + 1 < MAX_SENTENCES and same(last + 1):
        last += 1
    while last - first + 1 < MAX_SENTENCES and same(first - 1):
        first -= 1
    return first, last


def make_quote(article: Article, index: int, first: int, last: int, score: float, outlet: str | None) -> Quote:
    sentence = article.sentences[index]
    start, end = article.sentences[first].start, article.sentences[last].end
    return Quote(
        article_id=article.id, title=article.title, publisher=article.publisher, paragraph=sentence.paragraph,
        start=start, end=end, text=article.text[start:end], highlight=(sentence.start, sentence.end),
        score=float(score), attribution=sentence.attribution, source_outlet=outlet,
    )


def excerpt_outlet(article: Article, offset: int) -> str | None:
    span = article.excerpt_span
    return article.excerpt_of if span and span[0] <= offset < span[1] else None


def check_quote(article: Article, quote: Quote) -> None:
    """Raise ``SpanMismatch`` unless every span of ``quote`` is verbatim in ``article``."""
    text = article.text
    if text[quote.start : quote.end] != quote.text or not quote.text:
        raise SpanMismatch(f"quote {quote.start}:{quote.end} is not verbatim in {article.id}")
    hs, he = quote.highlight
    if not (quote.start <= hs < he <= quote.end):
        raise SpanMismatch(f"highlight {hs}:{he} lies outside quote {quote.start}:{quote.end}")
    a = quote.attribution
    if a is None:
        return
    for value, span in ((a.speaker, a.speaker_span), (a.role, a.role_span), (a.outlet, a.outlet_span)):
        if span is not None and text[span[0] : span[1]] != value:
            raise SpanMismatch(f"attribution span {span} != {value!r} in {article.id}")
        if span is None and value is not None and not (a.kind == "commentary" and value == article.publisher):
            raise SpanMismatch(f"attribution value {value!r} has no span in {article.id}")


def pick_quotes(
    ranked: Iterable[tuple[Article, int, float]], top_k: int, exclude: set[tuple[str, int]] = frozenset()
) -> list[Quote]:
    """Best-first quotes from (article, sentence index, score), never overlapping."""
    quotes: list[Quote] = []
    taken: dict[str, list[tuple[int, int]]] = {}
    for article, index, score in ranked:
        if (article.id, index) in exclude:
            continue
        first, last = quote_span(article, index)
        spans = taken.setdefault(article.id, [])
        if any(not (last < a or first > b) for a, b in spans):
            continue
        spans.append((first, last))
        quote = make_quote(article, index, first, last, score, excerpt_outlet(article, article.sentences[index].start))
        check_quote(article, quote)
        quotes.append(quote)
        if len(quotes) >= top_k:
            break
    return quotes


def make_answer(question: str, quotes: list[Quote], confidence: float, threshold: float) -> Answer:
    found = bool(quotes) and confidence >= threshold
    return Answer(question=question, found=found, confidence=round(min(max(confidence, 0.0), 1.0), 4), quotes=quotes)
