"""Split an article's body paragraphs into sentences with character offsets.

Boundaries come from ``sentencex`` (a maintained rule-based segmenter), then
fixed for what news text does to it: a straight opening quote left at the end
of a sentence moves to the next one, a closing quote left at the start of a
sentence moves back, and pieces that start in lower case or with a dash
("— shocker! — covering ...") rejoin the sentence before them. A stray or
unclosed quotation mark earlier in a paragraph can leave sentencex thinking a
quotation is still open, so it stops splitting there; each resulting sentence
is therefore segmented again on its own, where that state starts afresh
(BBC sport/199: '... said a Fifa spokesman. Chelsea's move won backing ...').
Boilerplate spans are cut out first, so no sentence contains any.

Example:
    >>> text = 'Mr. Smith said: "It works. It is fast." He left.'
    >>> [text[s:e] for s, e in sentence_spans(text, [(0, len(text))], [])]
    ['Mr. Smith said: "It works. It is fast."', 'He left.']
"""

from __future__ import annotations

import re

from sentencex import get_sentence_boundaries

SEGMENTER_VERSION = "sentencex+fixups/2"
_SPACE = " \t\n\r\u00a0\u2009\u202f\u200b\ufeff"
_DASHES = "—–-"
_OPEN_QUOTES = "“‘«"


def _is_opening_straight_quote(text: str, i: int) -> bool:
    """A straight ``"`` opens a quotation when space is before it and a word after."""
    before = text[i - 1] if i > 0 else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    return (before in _SPACE or before in "([—–") and after not in _SPACE


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    return start, end


def _raw_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """sentencex boundaries of ``text[start:end]``, as absolute stripped spans."""
    spans = []
    for b in get_sentence_boundaries("en", text[start:end]):
        s, e = _strip(text, start + b["start_index"], start + b["end_index"])
        if s < e:
            spans.append((s, e))
    return spans


def _move_quotes(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Give an opening quote stranded at a sentence's end to the next sentence, and
    a closing quote stranded at a sentence's start back to the previous one."""
    out = list(spans)
    for k in range(len(out) - 1):
        (s, e), (ns, ne) = out[k], out[k + 1]
        last = e - 1
        if e - s > 1 and (text[last] in _OPEN_QUOTES or (text[last] == '"' and _is_opening_straight_quote(text, last))):
            out[k] = _strip(text, s, last)
            out[k + 1] = (last, ne)
        elif text[ns] in "”’\"»" and not (text[ns] == '"' and _is_opening_straight_quote(text, ns)):
            out[k] = (s, ns + 1)
            out[k + 1] = _strip(text, ns + 1, ne)
    return [span for span in out if span[0] < span[1]]


def _starts_mid_sentence(piece: str) -> bool:
    first = piece.lstrip(_SPACE + "\"“”'’")
    if not first:
        return True
    if first[0] in _DASHES or first[0] in ",;:.!?)":
        return True
    return first[0].islower()


def _merge_fragments(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if out and _starts_mid_sentence(text[s:e]):
            out[-1] = (out[-1][0], e)
        else:
            out.append((s, e))
    return out


def _segment_once(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """sentencex's sentences of ``text[start:end]`` with the quotation and fragment fixes."""
    return _merge_fragments(text, _move_quotes(text, _raw_spans(text, start, end)))


def _resegment(text: str, spans: list[tuple[int, int]], depth: int = 0) -> list[tuple[int, int]]:
    """Each span segmented again on its own, so a quotation state carried over from
    earlier in the paragraph no longer hides its boundaries (at most 3 levels deep)."""
    out: list[tuple[int, int]] = []
    for s, e in spans:
        pieces = _segment_once(text, s, e)
        if len(pieces) > 1 and depth < 3:
            out.extend(_resegment(text, pieces, depth + 1))
        else:
            out.append((s, e))
    return out


def _content_pieces(start: int, end: int, boilerplate: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``[start, end)`` minus the boilerplate spans that overlap it."""
    pieces, cursor = [], start
    for bs, be in sorted(boilerplate):
        if be <= cursor or bs >= end:
            continue
        if bs > cursor:
            pieces.append((cursor, bs))
        cursor = max(cursor, be)
    if cursor < end:
        pieces.append((cursor, end))
    return pieces


def sentence_spans(
    text: str, paragraphs: list[tuple[int, int]], boilerplate: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """All sentence spans of the body paragraphs, in order, never overlapping."""
    spans: list[tuple[int, int]] = []
    for p_start, p_end in paragraphs:
        for c_start, c_end in _content_pieces(p_start, p_end, boilerplate):
            spans.extend(_resegment(text, _segment_once(text, c_start, c_end)))
    return [span for span in spans if re.search(r"\w", text[span[0] : span[1]])]
