"""Quotation marks: quotation spans, quoted text masked out, scare quotes told apart.

``quotation_spans`` finds quotations (opening to closing mark, possibly over
several sentences); ``mask`` hides quoted characters behind ``\\x00`` so that
cue and subject rules read only the reporter's own words, offsets unchanged;
``is_scare`` says when a short quoted phrase is the reporter's, not a quotation.

Example:
    >>> text = 'He called it "a farce", then said: “We will appeal.”'
    >>> spans = quotation_spans(text, 0, len(text))
    >>> [text[s:e] for s, e in spans], [is_scare(text, q) for q in spans]
    (['"a farce"', '“We will appeal.”'], [True, False])
    >>> mask(text, 0, len(text), spans[1:]).rstrip("\\x00")
    'He called it "a farce", then said: '
"""

from __future__ import annotations

_OPEN, _CLOSE = "“‘«", "”’»"
SPACE = " \t\n\u00a0"
_SCARE_WORDS = 4


def quotation_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Quotations in ``text[start:end]``, as spans from opening to closing mark inclusive.

    A straight ``"`` opens when whitespace precedes it and a non-space follows;
    an opening mark inside an open quotation closes it first (news style for a
    new quoted paragraph or sentence). An unclosed quotation runs to ``end``.
    """
    spans, open_at = [], None
    for i in range(start, end):
        ch = text[i]
        if ch not in '"“”«»':
            continue
        before = text[i - 1] if i > start else " "
        after = text[i + 1] if i + 1 < end else " "
        opening = ch in "“«" or (ch == '"' and (before in SPACE or before in "([—–:") and after not in SPACE)
        if opening:
            if open_at is not None:
                spans.append((open_at, i))
            open_at = i
        elif open_at is not None:
            spans.append((open_at, i + 1))
            open_at = None
    if open_at is not None:
        spans.append((open_at, end))
    return spans


def mask(text: str, s: int, e: int, quotes: list[tuple[int, int]]) -> str:
    """``text[s:e]`` with quoted characters replaced by a placeholder, offsets kept."""
    chars = list(text[s:e])
    for qs, qe in quotes:
        for i in range(max(qs, s), min(qe, e)):
            chars[i - s] = "\x00"
    return "".join(chars)


def is_scare(text: str, q: tuple[int, int]) -> bool:
    """A few quoted words used inside the reporter's sentence ('as "desperate",'),
    not a quotation: short, and not ending in its own punctuation."""
    inner = text[q[0] : q[1]].rstrip("\"”»’")
    return len(inner.split()) <= _SCARE_WORDS and not inner.endswith((",", ".", "?", "!"))
