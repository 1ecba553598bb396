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

from assistant.attribution.mentions import NAME, NOT_NAMES, ROLE_WORDS, Mentions, clean_name, description_kind, is_person, name_at_end
from assistant.types import Attribution

_CUES = (
    "said|says|say|told|tells|added|adds|warned|warns|explained|insisted|insists|argued|argues|claimed|claims|"
    "stated|noted|announced|admitted|admits|stressed|urged|wrote|writes|asked|replied|commented|confirmed|denied|"
    "predicted|revealed|reveals|acknowledged|continued|reckons|believes|suggested|suggests|maintained|maintains|"
    "conceded|described|dismissed|accused|called(?=\\s+(?:on|for)\\b|[^.]*[\"“])|reported|pointed out|went on|concluded|complained|blamed|blames|"
    "details|found(?= that)|read(?=\\s*:)|saying|adding|warning|arguing|claiming|insisting|maintaining|stressing"
)
_CUE = re.compile(rf"\b(?:{_CUES})\b")
# Participles hang off the main clause: "X backs the bill, saying ..." -> X.
_PARTICIPLES = {"saying", "adding", "warning", "arguing", "claiming", "insisting", "maintaining", "stressing"}
# Cues that only attribute when a document or organisation is the subject ("the report details how").
_DOCUMENT_CUES = {"details", "reveals"}
_ACCORDING = re.compile(r"\baccording to\s+(?P<src>[^,.;:?!]+)", re.I)
_BY_SOURCE = re.compile(r"\b(?:confirmed|reported|obtained|revealed|cited) by\s+(?P<src>(?:three|two|four|several|many|multiple)?\s*[^,.;:?!]+)")
_REPORTEDLY = re.compile(r"\b(?:reportedly|allegedly|is said to|are said to|was said to)\b")
_OUTLET_AFTER = re.compile(r"\b(?:told|to|by|spoke to|speaking to|telling)\s+(?:the\s+)?(?P<o>[A-Z][\w&]*(?:[ \u00a0]+(?:[A-Z][\w&]*|of|on))*)")
_PRONOUN = re.compile(r"^(?:he|she|they|it)$", re.I)
_LEADING_FILLER = re.compile(r"^(?:(?:but|and|while|as|so|yet|though|although|however|meanwhile|also|where|when|because|then|now|instead|earlier|later|that|which|who)\b[ ,]*)+", re.I)
# Words between a subject and its cue: "Ms Hewitt also stressed", "X has said", "is quoted as saying".
_AUX_TAIL = re.compile(
    r"(?:[ ,]+(?:has|have|had|also|later|earlier|previously|then|further|again|now|today|yesterday|recently|"
    r"repeatedly|publicly|privately|would|will|is|was|are|were|been|quoted|as|once|still|too|just|only|however|"
    r"subsequently|initially|always|never|apparently|initially|both))+[ ,]*$", re.I)
_CONJUNCTION = re.compile(r"\b(?:and|but|while|because|although|though|so|when|where|after|that|as)\s+")
_AFFILIATION = re.compile(r"\s+(?:of|from|at|for|with|in)\s+(?:the\s+)?[A-Z][^,]*$")
_ACRONYM_TAIL = re.compile(r"\s*\([A-Z]{2,}\)$")
_DETERMINER = re.compile(r"^(?:a|an|the|this|his|her|its|their|our|one|two|three|several|some|many|other)\b", re.I)
_RELATIVE = re.compile(r"^(?:who|which|whose|where)\b")
_VERBISH = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|can|could|should|may|might|did|does)\b")
_OBJECT_OF = re.compile(r"^(?:in|at|on|to|of|for|from|by|with|about|into|over|than|like|between)$", re.I)
_INTRO = re.compile(r"^(?:in|at|on|after|before|during|speaking|writing|asked|earlier|later|meanwhile|however|yesterday|today)\b", re.I)
_SOURCE_NOUN = re.compile(
    r"\b(?:sources?|officials?|spokes(?:man|woman|person)|people|documents?|report|analysts?|experts?|company|firm|"
    r"police|critics|government|ministers?|aides?|insiders?|organisers|organizers|campaigners|researchers|"
    r"scientists|judges|doctors|residents|witnesses|investigators|prosecutors|observers|MPs|statement)\b", re.I)
_FIRST_PERSON = re.compile(r"\b(?:I|we|We|my|My|our|Our|us)\b")
ATTRIBUTION_VERSION = "rules/2"
_OPEN, _CLOSE = "“‘«", "”’»"
_SPACE = " \t\n\u00a0"
_SCARE_WORDS = 4
_DESCRIPTION_WORDS = 8


@dataclass
class _Found:
    """A cue and the phrase before or after it that names the speaker.

    ``ref`` says how to read ``speaker``: 'name' (resolve 'Mr X' to a full
    name), 'pronoun', 'description' ('the company') or 'source' (kept as is).
    """

    speaker: tuple[int, int] | None
    cue: str | None
    role: tuple[int, int] | None = None
    outlet: tuple[int, int] | None = None
    ref: str = "source"


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
    while s < e and (text[s] in _SPACE + ",;:—–-\x00"):
        s += 1
    while e > s and text[e - 1] in _SPACE + ",;:—–-.\x00":
        e -= 1
    return s, e


def _parts(masked: str, s: int, e: int) -> list[tuple[int, int]]:
    """Pieces of ``masked[s:e]`` between commas and spaced dashes, trimmed, as spans."""
    parts, cursor = [], s
    for m in re.finditer(r",|\s[-–—]\s|$", masked[s:e]):
        ps, pe = _trim(masked, cursor, s + m.start())
        if ps < pe:
            parts.append((ps, pe))
        cursor = s + m.end()
    return parts


def _name_in_part(masked: str, ps: int, pe: int) -> tuple[tuple[int, int], tuple[int, int] | None] | None:
    """The name a comma piece ends with, and the role words around it.

    'aviation analyst Mike Powell of Dresdner Kleinwort Wasserstein' -> Mike Powell
    (role: the affiliation); 'A spokeswoman for the RAD' -> the whole piece, since
    the spokeswoman, not the RAD, speaks.
    """
    pe = pe - len(_ACRONYM_TAIL.search(masked[ps:pe]).group()) if _ACRONYM_TAIL.search(masked[ps:pe]) else pe
    affiliation = _AFFILIATION.search(masked, ps, pe)
    if affiliation:
        inner = name_at_end(masked, ps, affiliation.start())
        if inner and not _DETERMINER.match(masked[ps:inner[0]]):
            return inner, _trim(masked, affiliation.start(), pe)
        if _DETERMINER.match(masked[ps:pe]) and name_at_end(masked, ps, pe):
            return (ps, pe), None
    name = name_at_end(masked, ps, pe)
    if name is None:
        return None
    prefix = _trim(masked, ps, name[0])
    role = prefix if prefix[0] < prefix[1] and not _INTRO.match(masked[prefix[0] : prefix[1]]) else None
    return name, role


def _is_appositive(phrase: str) -> bool:
    """A piece that describes a neighbouring name: 'the party's Treasury spokesman', '23'."""
    first = phrase.split()[0]
    return (not phrase[:1].isupper() or bool(_DETERMINER.match(phrase)) or first.endswith(("'s", "’s"))
            or phrase[:1].isdigit())


def _description(masked: str, s: int, e: int) -> _Found | None:
    """A short noun phrase as subject: 'organisers', 'the alliance', 'The Labour party'."""
    phrase = masked[s:e]
    words = phrase.split()
    if not words or len(words) > _DESCRIPTION_WORDS or "\x00" in phrase:
        return None
    if _DETERMINER.match(phrase) or words[0].endswith(("'s", "’s")) or _SOURCE_NOUN.search(words[-1]):
        return _Found(speaker=(s, e), cue=None, ref="description")
    return None


def _subject(masked: str, s: int, e: int) -> _Found | None:
    """Speaker and role in the clause ``masked[s:e]`` that ends right before a cue.

    Pieces (split at commas and dashes) are read back from the cue: a pronoun
    ends the search; appositives ('the party's Treasury spokesman') and
    relative clauses ('who has taught ballet for 48 years') are stepped over to
    the name they describe; a person's name wins over an organisation's. With
    no name, a short noun phrase ('organisers', 'the alliance') speaks.
    """
    s, e = _trim(masked, s, e)
    tail = _AUX_TAIL.search(masked, s, e)
    e = _trim(masked, s, tail.start())[1] if tail else e
    filler = _LEADING_FILLER.match(masked, s, e)
    parts = _parts(masked, filler.end() if filler else s, e)
    if not parts:
        return None
    last, names, k = len(parts) - 1, [], len(parts) - 1
    while k >= 0:
        ps, pe = parts[k]
        conj = list(_CONJUNCTION.finditer(masked, ps, pe))
        cs = conj[-1].end() if conj else ps
        if k == last and _PRONOUN.match(masked[cs:pe]):
            return _Found(speaker=(cs, pe), cue=None, ref="pronoun")
        if _RELATIVE.match(masked[ps:pe]):
            names = []  # names inside "which includes the X, Y and Z" are not the subject
        elif not (k > 0 and _is_appositive(masked[ps:pe])):
            found = _name_in_part(masked, cs, pe)
            if found is None or not _subject_like(masked, cs, found[0][0]):
                break
            names.append((found[0], found[1] or _role_beside(masked, parts, k)))
        k -= 1
    if names:
        return _pick(masked, names)
    ps, pe = parts[max(k, 0)]
    conj = list(_CONJUNCTION.finditer(masked, ps, pe))
    return _description(masked, conj[-1].end() if conj else ps, pe) or _description(masked, *parts[last])


def _role_beside(masked: str, parts: list[tuple[int, int]], k: int) -> tuple[int, int] | None:
    """The appositive after the name ('Gary Coby, the 2016 ... director,') or,
    when the name ends the clause, the one before it ('Facebook's ... director, Katie Harbath')."""
    if k + 1 < len(parts):
        return parts[k + 1]
    if k > 0 and _is_appositive(masked[parts[k - 1][0] : parts[k - 1][1]]):
        return parts[k - 1]
    return None


def _subject_like(masked: str, s: int, name_start: int) -> bool:
    """Is the name starting at ``name_start`` the subject of its piece? Not when a
    verb comes before it ('were based in Iran') or it is a preposition's object
    ('Writing in the Northern Echo'); 'In a statement Google' is fine."""
    before = masked[s:name_start].split()
    if before and before[-1].lower() == "the":
        before.pop()
    return not (_VERBISH.search(masked, s, name_start) or (before and _OBJECT_OF.match(before[-1])))


def _pick(masked: str, names) -> _Found | None:
    """The name nearest the cue that is a person's, else the nearest name."""
    person = next((n for n in names if is_person(masked[n[0][0] : n[0][1]])), names[0])
    return _Found(speaker=person[0], cue=None, role=person[1], ref="name")


def _after_cue(masked: str, s: int, e: int) -> _Found | None:
    """'..., said music director Charles Hazlewood.' / '..., said a Fifa spokesman.':
    the speaker right after an inverted cue, up to the next comma."""
    end = masked.find(",", s, e)
    ps, pe = _trim(masked, s, end if end >= 0 else e)
    phrase = masked[ps:pe]
    if not phrase or len(phrase.split()) > _DESCRIPTION_WORDS + 2:
        return None
    if _PRONOUN.match(phrase):
        return _Found(speaker=(ps, pe), cue=None, ref="pronoun")
    found = _name_in_part(masked, ps, pe)
    if found and (found[0][0] == ps or not _DETERMINER.match(phrase)):
        role = found[1]
        if role is None and end >= 0:
            rs, re_ = _trim(masked, end + 1, (masked.find(",", end + 1, e) + 1 or e + 1) - 1)
            role = (rs, re_) if rs < re_ else None
        return _Found(speaker=found[0], cue=None, role=role, ref="name")
    return _description(masked, ps, pe)


def _main_subject(masked: str) -> _Found | None:
    """The name or pronoun a sentence starts with, for participle cues ('..., saying')."""
    filler = _LEADING_FILLER.match(masked)
    s = filler.end() if filler else 0
    word = re.match(r"(?:he|she|it|they)\b", masked[s:], re.I)
    if word:
        return _Found(speaker=(s, s + word.end()), cue=None, ref="pronoun")
    m = NAME.match(masked, s)
    if m:
        return _Found(speaker=clean_name(masked, m.start(), m.end()), cue=None, ref="name")
    return None


def _ranked_cues(masked: str) -> list[re.Match]:
    """Cues in order, except that one introducing a quotation with a colon
    ('Wenger added: "..."') comes first: it, not an earlier 'called', owns the quote."""
    cues = list(_CUE.finditer(masked))
    return sorted(cues, key=lambda c: not re.match(r"\s*:\s*\x00", masked[c.end() :]))


def _find_cue(masked: str, base: int) -> _Found | None:
    """The attribution in one sentence's unquoted text (``masked`` starts at ``base``)."""
    for cue in _ranked_cues(masked):
        word = cue.group()
        before = masked[: cue.start()].rstrip()
        if masked.startswith(" by ", cue.end()):
            continue  # passive: "confirmed by three people" names its source after "by"
        if word in _PARTICIPLES and not before.endswith(" as"):  # but "X is quoted as saying"
            found = _main_subject(masked) if before.endswith(",") else None
        else:
            found = _subject(masked, 0, cue.start())
            if found is None and (not before or before.endswith((",", "\x00"))):
                found = _after_cue(masked, cue.end(), len(masked))
        if found is None or (word in _DOCUMENT_CUES and found.ref != "description"):
            continue
        found.cue = word
        out = _OUTLET_AFTER.match(masked, cue.start()) if word in ("told", "tells") else None
        if out:
            found.outlet = out.span("o")
        return _shift(found, base)
    return _sourced(masked, base)


def _sourced(masked: str, base: int) -> _Found | None:
    """Claims with a source but no speech verb: 'according to X', 'confirmed by X', 'reportedly'."""
    m = _ACCORDING.search(masked)
    if m:
        s, e = _trim(masked, *m.span("src"))
        name = NAME.match(masked, s, e)
        if name and name.end() < e and masked[name.end()] == " " and not masked[name.end() + 1 : name.end() + 3].isalpha():
            e = name.end()  # "According to Jupiter Research 40% of homes ..." -> Jupiter Research
        ref = "name" if name and name.end() == e else "source"
        return _shift(_Found(speaker=(s, e), cue="according to", outlet=_outlet_in(masked, m.start()), ref=ref), base)
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
    return _Found(move(found.speaker), found.cue, move(found.role), move(found.outlet), found.ref)


def _is_scare(text: str, q: tuple[int, int]) -> bool:
    """A few quoted words used inside the reporter's sentence ('as "desperate",'),
    not a quotation: short, and not ending in its own punctuation."""
    inner = text[q[0] : q[1]].rstrip("\"”»’")
    return len(inner.split()) <= _SCARE_WORDS and not inner.endswith((",", ".", "?", "!"))


def _resolve(text: str, found: _Found, mentions: Mentions) -> tuple[int, int] | None:
    """The speaker span after following 'he', 'Mr X', 'the company' back to an earlier name."""
    span = found.speaker
    if span is None:
        return None
    phrase = text[span[0] : span[1]]
    if found.ref == "pronoun":
        word = phrase.lower()
        if word == "they":
            return span  # plural: too many candidates to guess; the pronoun itself is honest
        return mentions.resolve(span, pronoun=word) or span
    if found.ref == "description":
        kind = description_kind(phrase)
        return (mentions.resolve(span, pronoun=kind) or span) if kind else span
    if found.ref == "name":
        return mentions.resolve(span)
    return span


def _attribution(text: str, found: _Found | None, kind: str, mentions: Mentions) -> Attribution:
    if found is None:
        return Attribution(kind=kind)
    speaker = _resolve(text, found, mentions)
    piece = lambda span: text[span[0] : span[1]] if span else None  # noqa: E731
    return Attribution(
        kind=kind, speaker=piece(speaker), speaker_span=speaker, role=piece(found.role), role_span=found.role,
        cue=found.cue, outlet=piece(found.outlet), outlet_span=found.outlet,
    )


_PERSON_HEAD = re.compile(r"\b(?:spokes(?:man|woman|person)|director|chairman|chairwoman|manager|minister|boss|coach|chief)\b")
_CLAUSE_START = re.compile(r"(?:^|;\s+|\b(?:but|and|while|although|though|because|when|after|since)\s+)(?=[A-Z])")
# Words that end a subject noun phrase: a name after them is an object, not who acts.
# One or two job words between names: "Northern Ireland man James McIlroy"; not verbs ("Wenger later accused X").
_ROLE_GAP = re.compile(r" (?:(?!(?:later|also|now|then|has|had|is|was|beat|won|met|hit|led|got|made|took|gave|and|or|but|of|in|at|to)\b)[a-z-]+(?<!ed)(?<!ing) ){1,2}")


def _clause_subjects(masked: str, base: int, surnames=frozenset()) -> list[tuple[int, int]]:
    """Names that act in a clause: 'Hazel Gilbert, 23, ... gave up ballet',
    'Northern Ireland man James McIlroy is confident', '... but McIlroy is unfazed'.
    The clause's first name, or a later one when only job words lead to it
    from a word that is not a person's name (``surnames`` are known people)."""
    filler = _LEADING_FILLER.match(masked)
    spans = []
    for start in _CLAUSE_START.finditer(masked, filler.end() if filler else 0):
        head = masked[start.end() :]
        best = None
        for m in NAME.finditer(head):
            between = head[best.end() : m.start()] if best else head[: m.start()]
            if best is None and between.strip() or best is not None and (not _ROLE_GAP.fullmatch(between) or _CUE.search(between)):
                break
            if best is not None and is_person(best.group(), surnames):
                break  # "Edwards himself kept Idowu off": only a place or job word leads on to a name
            best = m
        if best and best.group() not in NOT_NAMES and not best.group().endswith("ly") and re.match(r" [a-z]|, [a-z0-9]", head[best.end() : best.end() + 3]):
            s, e = clean_name(masked, start.end() + best.start(), start.end() + best.end())
            spans.append((s + base, e + base))
    return spans


def _note(text: str, mentions: Mentions, attribution: Attribution, subjects: list[tuple[int, int]]) -> None:
    """Remember this sentence's people and organisations in the order they appear.

    A speaker named by a description counts too: 'the Bishop' and 'a spokesman
    for X' are people a later 'he' can mean; 'the organisation' is not.
    """
    seen: dict[tuple[int, int], bool | None] = {span: None for span in subjects}
    span, speaker = attribution.speaker_span, attribution.speaker or ""
    if span and attribution.kind != "commentary" and not _PRONOUN.match(speaker):
        if _DETERMINER.match(speaker):
            seen[span] = _PERSON_HEAD.search(speaker) is not None or speaker.split()[-1] in ROLE_WORDS
        elif speaker[:1].isupper():
            seen[span] = None
    for one in sorted(seen):
        mentions.note(one, person=seen[one], spoke=one == span)


def attribute_sentences(text: str, spans: list[tuple[int, int]], publisher: str | None) -> list[Attribution]:
    """One ``Attribution`` per sentence span, in order.

    >>> t = 'Ann Lee, a nurse, spoke. "We won," she said. "It was hard."'
    >>> [a.speaker for a in attribute_sentences(t, [(0, 24), (25, 44), (45, 59)], None)]
    [None, 'Ann Lee', 'Ann Lee']
    """
    mentions = Mentions(text)
    quotes = [q for q in quotation_spans(text, spans[0][0], spans[-1][1]) if not _is_scare(text, q)] if spans else []
    results: list[Attribution] = []
    quote_owner: dict[tuple[int, int], Attribution] = {}
    previous: Attribution | None = None
    for s, e in spans:
        mine = [q for q in quotes if q[0] < e and q[1] > s]
        masked = _mask(text, s, e, mine)
        mentions.learn(masked, s)
        found = _find_cue(masked, s)
        if mine:
            owner = next((quote_owner[q] for q in mine if q in quote_owner), None)
            if found is not None:
                attribution = _attribution(text, found, "direct_quote", mentions)
            elif owner is not None:
                attribution = owner
            else:
                attribution = _inherit(previous, text, quotes, spans, (s, e), mentions)
            for q in mine:
                quote_owner.setdefault(q, attribution)
        elif found is not None:
            attribution = _attribution(text, found, "reported", mentions)
        elif _is_commentary(text, masked):
            attribution = _commentary(text, publisher)
        else:
            attribution = Attribution(kind="narration")
        _note(text, mentions, attribution, _clause_subjects(masked, s, set(mentions.surnames)))
        results.append(attribution)
        if attribution.speaker_span and attribution.kind != "commentary":
            previous = attribution
    return results


def _commentary(text: str, publisher: str | None) -> Attribution:
    """The outlet speaking: its name as printed (e.g. in the footer), else from metadata."""
    at = text.rfind(publisher) if publisher else -1
    span = (at, at + len(publisher)) if at >= 0 and publisher else None
    return Attribution(kind="commentary", speaker=publisher, speaker_span=span)


def _inherit(previous, text, quotes, spans, sentence, mentions) -> Attribution:
    """A quotation with no cue in its own sentence. Its speaker is named in the
    sentence where the quotation ends ('"A. B," he said.') or, when a new
    quoted sentence follows at once ('"A. "B," he said.'), in that one; else
    the quotation continues the previous speaker's words."""
    s, e = sentence
    end_q = max(q[1] for q in quotes if q[0] < e and q[1] > s)
    closed = text[end_q - 1] in '"”»’'
    for ns, ne in spans:
        if e <= ns and (ns < end_q or (not closed and ns <= end_q + 1)):
            found = _find_cue(_mask(text, ns, ne, [q for q in quotes if q[0] < ne and q[1] > ns]), ns)
            if found is not None and found.speaker is not None:
                return _attribution(text, found, "direct_quote", mentions)
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
