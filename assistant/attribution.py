"""Who says each sentence: rule-based attribution over verbatim spans.

For every sentence we decide a ``kind`` (direct_quote, reported, narration,
commentary) and, where the text names one, the ``speaker`` (a span of the
article), their ``role``, the ``cue`` word and the ``outlet`` spoken to.
Quotations are found first as spans that may run over several sentences; the
cue that attributes a quotation sits before its opening mark or after its
closing mark, and every sentence of the quotation inherits that speaker. A
pronoun speaker resolves to the most recent named person; "Mr X" resolves to an
earlier full name ending in X.

Example:
    >>> text = '“We won,” Gary Coby told BuzzFeed News.'
    >>> a = attribute_sentences(text, [(0, len(text))], None)[0]
    >>> a.kind, a.speaker, a.cue, a.outlet
    ('direct_quote', 'Gary Coby', 'told', 'BuzzFeed News')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.types import Attribution

_CUES = (
    "said|says|say|told|tells|added|adds|warned|warns|explained|insisted|argued|argues|claimed|claims|stated|"
    "noted|announced|admitted|stressed|urged|wrote|writes|asked|replied|commented|confirmed|denied|predicted|"
    "revealed|acknowledged|continued|reckons|believes|suggested|suggests|maintained|conceded|described|"
    "dismissed|accused|called|reported|pointed out|went on|concluded|complained"
)
_CUE = re.compile(rf"\b(?:{_CUES})\b")
_ACCORDING = re.compile(r"\baccording to\s+(?P<src>[^,.;:?!]+)")
_BY_SOURCE = re.compile(r"\b(?:confirmed|reported|obtained|revealed|cited) by\s+(?P<src>(?:three|two|four|several|many|multiple)?\s*[^,.;:?!]+)")
_REPORTEDLY = re.compile(r"\b(?:reportedly|allegedly|is said to|are said to|was said to)\b")
_STATEMENT = re.compile(r"\bin a statement\b")
_OUTLET_AFTER = re.compile(r"\b(?:told|to|by|spoke to|speaking to|telling)\s+(?:the\s+)?(?P<o>[A-Z][\w&]*(?:[ \u00a0]+(?:[A-Z][\w&]*|of|on))*)")
_NAME = re.compile(
    r"(?:(?:Mr|Mrs|Ms|Miss|Dr|Lord|Lady|Sir|Dame|Prof|Professor|President|Chancellor|Judge|Sheriff|Rev|Senator|Governor)\.?\s+)?"
    r"[A-Z][\w’'.-]*(?:[ \u00a0]+(?:(?:de|van|von|da|al|bin|du|le|la)[ \u00a0]+)?[A-Z][\w’'.-]*)*"
)
_TITLE = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Dr|Lord|Lady|Sir|Dame|Prof|Professor)\.?\s+(?P<surname>.+)$")
_PRONOUN = re.compile(r"^(?:he|she|they|He|She|They)$")
_LEADING_FILLER = re.compile(r"^(?:(?:but|and|while|as|so|yet|though|although|however|meanwhile|also|where|when|because|then|now|instead|earlier|later|that|which|who)\b[ ,]*)+", re.I)
_SOURCE_NOUN = re.compile(r"\b(?:sources?|officials?|spokes(?:man|woman|person)|people|documents?|report|analysts?|experts?|company|firm|police|critics|government|ministers?|aides?|insiders?)\b", re.I)
_FIRST_PERSON = re.compile(r"\b(?:I|we|We|my|My|our|Our|us)\b")
ATTRIBUTION_VERSION = "rules/1"
_OPEN, _CLOSE = "“‘«", "”’»"
_SPACE = " \t\n\u00a0"
_SCARE_WORDS = 4


@dataclass
class _Found:
    speaker: tuple[int, int] | None
    cue: str | None
    role: tuple[int, int] | None = None
    outlet: tuple[int, int] | None = None


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
        opening = ch in "“«" or (ch == '"' and (before in _SPACE or before in "([—–:") and after not in _SPACE)
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


def _mask(text: str, s: int, e: int, quotes: list[tuple[int, int]]) -> str:
    """``text[s:e]`` with quoted characters replaced by a placeholder, offsets kept."""
    chars = list(text[s:e])
    for qs, qe in quotes:
        for i in range(max(qs, s), min(qe, e)):
            chars[i - s] = "\x00"
    return "".join(chars)


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s] in _SPACE + ",;:—–-\x00" ):
        s += 1
    while e > s and text[e - 1] in _SPACE + ",;:—–-.\x00":
        e -= 1
    return s, e


def _name_at_end(masked: str, s: int, e: int) -> tuple[int, int] | None:
    """The proper-name phrase ending at ``e`` (e.g. 'women Sandra Gidley' -> 'Sandra Gidley')."""
    best = None
    for m in _NAME.finditer(masked, s, e):
        if m.end() == e:
            best = (m.start(), m.end())
    return best


def _subject(masked: str, s: int, e: int) -> _Found | None:
    """Speaker and role in the clause ``masked[s:e]`` that ends right before a cue."""
    s, e = _trim(masked, s, e)
    m = _LEADING_FILLER.match(masked, s, e)
    if m:
        s = m.end()
    if s >= e:
        return None
    parts, cursor = [], s
    for piece in masked[s:e].split(","):
        ps, pe = _trim(masked, cursor, cursor + len(piece))
        if ps < pe:
            parts.append((ps, pe))
        cursor += len(piece) + 1
    for k in range(len(parts) - 1, -1, -1):
        ps, pe = parts[k]
        phrase = masked[ps:pe]
        if _PRONOUN.match(phrase):
            return _Found(speaker=(ps, pe), cue=None)
        name = _name_at_end(masked, ps, pe)
        if name and (name[0] == ps or not masked[ps:name[0]].strip()[:1].isupper() or k == len(parts) - 1):
            role = parts[k + 1] if k + 1 < len(parts) else (parts[k - 1] if k > 0 else None)
            if name[0] > ps and masked[ps:name[0]].strip():
                role = _trim(masked, ps, name[0])
            return _Found(speaker=name, cue=None, role=role)
        if _SOURCE_NOUN.search(phrase) and k == len(parts) - 1:
            return _Found(speaker=(ps, pe), cue=None)
    return None


def _after_cue(masked: str, s: int, e: int) -> _Found | None:
    """'... said Mr Smith, chief executive of X.' : the name right after the cue."""
    s, e2 = _trim(masked, s, e)
    m = _NAME.match(masked, s, e)
    if not m or m.end() <= s:
        return None
    tail = masked[m.end() : e]
    role = None
    if tail.startswith(","):
        rs, re_ = _trim(masked, m.end() + 1, m.end() + 1 + len(tail[1:].split(",")[0]))
        role = (rs, re_) if rs < re_ else None
    return _Found(speaker=(m.start(), m.end()), cue=None, role=role)


def _find_cue(masked: str, base: int) -> _Found | None:
    """The attribution in one sentence's unquoted text (``masked`` starts at ``base``)."""
    for cue in _CUE.finditer(masked):
        found = _subject(masked, 0, cue.start())
        if found is None and cue.group() in ("said", "says", "added", "told", "asked", "replied", "warned"):
            found = _after_cue(masked, cue.end(), len(masked))
        if found is None:
            continue
        found.cue = cue.group()
        out = _OUTLET_AFTER.match(masked, cue.start()) if cue.group() in ("told", "tells") else None
        if out:
            found.outlet = out.span("o")
        return _shift(found, base)
    m = _ACCORDING.search(masked)
    if m:
        return _shift(_Found(speaker=_trim(masked, *m.span("src")), cue="according to", outlet=_outlet_in(masked, m.start())), base)
    m = _BY_SOURCE.search(masked)
    if m and _SOURCE_NOUN.search(m.group("src")):
        return _shift(_Found(speaker=_trim(masked, *m.span("src")), cue=m.group().split()[0] + " by"), base)
    m = _REPORTEDLY.search(masked)
    if m:
        return _shift(_Found(speaker=None, cue=m.group()), base)
    return None


def _outlet_in(masked: str, s: int) -> tuple[int, int] | None:
    m = _OUTLET_AFTER.search(masked, s)
    return m.span("o") if m else None


def _shift(found: _Found, base: int) -> _Found:
    move = lambda span: (span[0] + base, span[1] + base) if span else None  # noqa: E731
    return _Found(move(found.speaker), found.cue, move(found.role), move(found.outlet))


@dataclass
class _People:
    """Named people seen so far, for pronoun and 'Mr X' resolution."""

    last: tuple[int, int] | None = None
    full_names: list[tuple[int, int]] | None = None

    def resolve(self, text: str, span: tuple[int, int]) -> tuple[int, int] | None:
        phrase = text[span[0] : span[1]]
        if _PRONOUN.match(phrase):
            return self.last
        title = _TITLE.match(phrase)
        if title:
            surname = title.group("surname")
            for fs, fe in reversed(self.full_names or []):
                full = text[fs:fe]
                if full.endswith(" " + surname) and not _TITLE.match(full):
                    return (fs, fe)
        return span

    def see(self, text: str, span: tuple[int, int]) -> None:
        phrase = text[span[0] : span[1]]
        if _PRONOUN.match(phrase) or not phrase[:1].isupper():
            return
        self.last = span
        if len(phrase.split()) >= 2:
            self.full_names = (self.full_names or []) + [span]


def _is_scare(text: str, q: tuple[int, int]) -> bool:
    """A few quoted words used inside the reporter's sentence ('as "desperate",'),
    not a quotation: short, and not ending in its own punctuation."""
    inner = text[q[0] : q[1]].rstrip("\"”»’")
    return len(inner.split()) <= _SCARE_WORDS and not inner.endswith((",", ".", "?", "!"))


def _attribution(text: str, found: _Found | None, kind: str, people: _People) -> Attribution:
    if found is None:
        return Attribution(kind=kind)
    speaker = found.speaker
    if speaker:
        people.see(text, speaker)
        speaker = people.resolve(text, speaker)
    piece = lambda span: text[span[0] : span[1]] if span else None  # noqa: E731
    return Attribution(
        kind=kind, speaker=piece(speaker), speaker_span=speaker, role=piece(found.role), role_span=found.role,
        cue=found.cue, outlet=piece(found.outlet), outlet_span=found.outlet,
    )


def attribute_sentences(text: str, spans: list[tuple[int, int]], publisher: str | None) -> list[Attribution]:
    """One ``Attribution`` per sentence span, in order."""
    people = _People()
    quotes = [q for q in quotation_spans(text, spans[0][0], spans[-1][1]) if not _is_scare(text, q)] if spans else []
    results: list[Attribution] = []
    quote_owner: dict[tuple[int, int], Attribution] = {}
    previous: Attribution | None = None
    for s, e in spans:
        mine = [q for q in quotes if q[0] < e and q[1] > s]
        masked = _mask(text, s, e, mine)
        found = _find_cue(masked, s)
        _note_people(text, masked, s, people)
        if mine:
            owner = next((quote_owner[q] for q in mine if q in quote_owner), None)
            if found is not None:
                attribution = _attribution(text, found, "direct_quote", people)
            elif owner is not None:
                attribution = owner
            else:
                attribution = _inherit(previous, text, mine, spans, s, e, people)
            for q in mine:
                quote_owner.setdefault(q, attribution)
        elif found is not None:
            attribution = _attribution(text, found, "reported", people)
        elif _is_commentary(text, masked):
            attribution = _commentary(text, publisher)
        else:
            attribution = Attribution(kind="narration")
        results.append(attribution)
        if attribution.speaker_span:
            previous = attribution
    return results


def _commentary(text: str, publisher: str | None) -> Attribution:
    """The outlet speaking: its name as printed (e.g. in the footer), else from metadata."""
    at = text.rfind(publisher) if publisher else -1
    span = (at, at + len(publisher)) if at >= 0 and publisher else None
    return Attribution(kind="commentary", speaker=publisher, speaker_span=span)


def _note_people(text: str, masked: str, base: int, people: _People) -> None:
    """Remember full names mentioned in narration so later 'Mr X' resolves."""
    for m in _NAME.finditer(masked):
        phrase = m.group()
        if len(phrase.split()) >= 2 and not _TITLE.match(phrase) and phrase.split()[0] not in ("The", "In", "But", "A"):
            people.full_names = (people.full_names or []) + [(m.start() + base, m.end() + base)]
            people.last = (m.start() + base, m.end() + base)


def _inherit(previous, text, mine, spans, s, e, people) -> Attribution:
    """A quotation with no cue in its own sentence: look at the sentence holding
    its end (for '"A. B," he said.'), else continue the previous speaker."""
    end_q = max(q[1] for q in mine)
    for ns, ne in spans:
        if e <= ns < end_q + 2:
            rest = _mask(text, ns, ne, mine)
            found = _find_cue(rest, ns)
            if found is not None:
                return _attribution(text, found, "direct_quote", people)
    if previous is not None:
        return previous.model_copy(update={"kind": "direct_quote"})
    return Attribution(kind="direct_quote")


def _is_commentary(text: str, masked: str) -> bool:
    stripped = masked.rstrip(_SPACE + "\x00")
    return stripped.endswith("?") or bool(_FIRST_PERSON.search(masked))


def find_excerpt(text: str, paragraphs, boilerplate, sentences) -> tuple[str, tuple[int, int]] | None:
    """When a "READ MORE" marker links to another outlet's story, the paragraphs
    after it that are not the publisher's commentary reproduce that outlet's
    reporting. The outlet is the one the text before the marker cites most."""
    marker = next((b for b in boilerplate if "READ MORE" in text[b[0] : b[1]].upper() and "©" not in text[b[0] : b[1]]), None)
    if marker is None:
        return None
    outlets: dict[str, int] = {}
    for sentence in sentences:
        a = sentence.attribution
        if sentence.end <= marker[0] and a and a.outlet:
            outlets[a.outlet] = outlets.get(a.outlet, 0) + 1
    if not outlets:
        return None
    outlet = max(outlets, key=outlets.get)
    after = [s for s in sentences if s.start >= marker[1]]
    span_end = None
    for sentence in after:
        if sentence.attribution and sentence.attribution.kind == "commentary":
            break
        span_end = sentence.end
    if span_end is None:
        return None
    return outlet, (after[0].start, span_end)
