"""Speech cues and their subjects: who a sentence's own words say is speaking.

``find_cue`` reads one sentence's unquoted text (quotations masked out by
``quotes.mask``) and returns a ``Found``: the cue word ('said', 'told',
'according to', 'reportedly'), the span of the phrase that names the speaker
(before the cue, after an inverted cue, or after 'according to' / 'confirmed
by'), the role words beside the name and the outlet spoken to. Spans are
offsets into the article; resolving 'he' or 'Mr X' to a name is left to
``speakers``.

Example:
    >>> masked = 'The plan will fail, Ann Lee, a nurse, told the Times.'
    >>> found = find_cue(masked, 0)
    >>> found.cue, found.ref, [masked[s:e] for s, e in (found.speaker, found.role, found.outlet)]
    ('told', 'name', ['Ann Lee', 'a nurse', 'Times'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.attribution.mentions import NAME, clean_name, is_person, name_at_end
from assistant.attribution.quotes import SPACE

_CUES = (
    "said|says|say|told|tells|added|adds|warned|warns|explained|insisted|insists|argued|argues|claimed|claims|"
    "stated|noted|announced|admitted|admits|stressed|urged|wrote|writes|asked|replied|commented|confirmed|denied|"
    "predicted|revealed|reveals|acknowledged|continued|reckons|believes|suggested|suggests|maintained|maintains|"
    "conceded|described|dismissed|accused|"
    "called(?=\\s+(?:on|for)\\b|[^.]*[\"“])|reported|pointed out|went on|concluded|complained|blamed|blames|"
    "details|found(?= that)|read(?=\\s*:)|saying|adding|warning|arguing|claiming|insisting|maintaining|stressing"
)
CUE = re.compile(rf"\b(?:{_CUES})\b")
# Participles hang off the main clause: "X backs the bill, saying ..." -> X.
_PARTICIPLES = {"saying", "adding", "warning", "arguing", "claiming", "insisting", "maintaining", "stressing"}
# Cues that only attribute when a document or organisation is the subject ("the report details how").
_DOCUMENT_CUES = {"details", "reveals"}
_ACCORDING = re.compile(r"\baccording to\s+(?P<src>[^,.;:?!]+)", re.I)
_BY_SOURCE = re.compile(
    r"\b(?:confirmed|reported|obtained|revealed|cited) by\s+"
    r"(?P<src>(?:three|two|four|several|many|multiple)?\s*[^,.;:?!]+)")
_REPORTEDLY = re.compile(r"\b(?:reportedly|allegedly|is said to|are said to|was said to)\b")
_OUTLET_AFTER = re.compile(
    r"\b(?:told|to|by|spoke to|speaking to|telling)\s+(?:the\s+)?"
    r"(?P<o>[A-Z][\w&]*(?:[ \u00a0]+(?:[A-Z][\w&]*|of|on))*)")
PRONOUN = re.compile(r"^(?:he|she|they|it)$", re.I)
LEADING_FILLER = re.compile(
    r"^(?:(?:but|and|while|as|so|yet|though|although|however|meanwhile|also|where|when|because|then|now|instead|"
    r"earlier|later|that|which|who)\b[ ,]*)+", re.I)
# Words between a subject and its cue: "Ms Hewitt also stressed", "X has said", "is quoted as saying".
_AUX_TAIL = re.compile(
    r"(?:[ ,]+(?:has|have|had|also|later|earlier|previously|then|further|again|now|today|yesterday|recently|"
    r"repeatedly|publicly|privately|would|will|is|was|are|were|been|quoted|as|once|still|too|just|only|however|"
    r"subsequently|initially|always|never|apparently|initially|both))+[ ,]*$", re.I)
_CONJUNCTION = re.compile(r"\b(?:and|but|while|because|although|though|so|when|where|after|that|as)\s+")
_AFFILIATION = re.compile(r"\s+(?:of|from|at|for|with|in)\s+(?:the\s+)?[A-Z][^,]*$")
_ACRONYM_TAIL = re.compile(r"\s*\([A-Z]{2,}\)$")
DETERMINER = re.compile(r"^(?:a|an|the|this|his|her|its|their|our|one|two|three|several|some|many|other)\b", re.I)
_RELATIVE = re.compile(r"^(?:who|which|whose|where)\b")
_VERBISH = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|can|could|should|may|might|did|does)\b")
_OBJECT_OF = re.compile(r"^(?:in|at|on|to|of|for|from|by|with|about|into|over|than|like|between)$", re.I)
_INTRO = re.compile(
    r"^(?:in|at|on|after|before|during|speaking|writing|asked|earlier|later|meanwhile|however|yesterday|today)\b", re.I)
_SOURCE_NOUN = re.compile(
    r"\b(?:sources?|officials?|spokes(?:man|woman|person)|people|documents?|report|analysts?|experts?|company|firm|"
    r"police|critics|government|ministers?|aides?|insiders?|organisers|organizers|campaigners|researchers|"
    r"scientists|judges|doctors|residents|witnesses|investigators|prosecutors|observers|MPs|statement)\b", re.I)
_DESCRIPTION_WORDS = 8


@dataclass
class Found:
    """A cue and the phrase before or after it that names the speaker.

    ``ref`` says how to read ``speaker``: 'name' (resolve 'Mr X' to a full
    name), 'pronoun', 'description' ('the company') or 'source' (kept as is).
    """

    speaker: tuple[int, int] | None
    cue: str | None
    role: tuple[int, int] | None = None
    outlet: tuple[int, int] | None = None
    ref: str = "source"


def _trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s] in SPACE + ",;:—–-\x00"):
        s += 1
    while e > s and text[e - 1] in SPACE + ",;:—–-.\x00":
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
        if inner and not DETERMINER.match(masked[ps:inner[0]]):
            return inner, _trim(masked, affiliation.start(), pe)
        if DETERMINER.match(masked[ps:pe]) and name_at_end(masked, ps, pe):
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
    return (not phrase[:1].isupper() or bool(DETERMINER.match(phrase)) or first.endswith(("'s", "’s"))
            or phrase[:1].isdigit())


def _description(masked: str, s: int, e: int) -> Found | None:
    """A short noun phrase as subject: 'organisers', 'the alliance', 'The Labour party'."""
    phrase = masked[s:e]
    words = phrase.split()
    if not words or len(words) > _DESCRIPTION_WORDS or "\x00" in phrase:
        return None
    if DETERMINER.match(phrase) or words[0].endswith(("'s", "’s")) or _SOURCE_NOUN.search(words[-1]):
        return Found(speaker=(s, e), cue=None, ref="description")
    return None


def _subject(masked: str, s: int, e: int) -> Found | None:
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
    filler = LEADING_FILLER.match(masked, s, e)
    parts = _parts(masked, filler.end() if filler else s, e)
    if not parts:
        return None
    last, names, k = len(parts) - 1, [], len(parts) - 1
    while k >= 0:
        ps, pe = parts[k]
        conj = list(_CONJUNCTION.finditer(masked, ps, pe))
        cs = conj[-1].end() if conj else ps
        if k == last and PRONOUN.match(masked[cs:pe]):
            return Found(speaker=(cs, pe), cue=None, ref="pronoun")
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


def _pick(masked: str, names) -> Found | None:
    """The name nearest the cue that is a person's, else the nearest name."""
    person = next((n for n in names if is_person(masked[n[0][0] : n[0][1]])), names[0])
    return Found(speaker=person[0], cue=None, role=person[1], ref="name")


def _after_cue(masked: str, s: int, e: int) -> Found | None:
    """'..., said music director Charles Hazlewood.' / '..., said a Fifa spokesman.':
    the speaker right after an inverted cue, up to the next comma."""
    end = masked.find(",", s, e)
    ps, pe = _trim(masked, s, end if end >= 0 else e)
    phrase = masked[ps:pe]
    if not phrase or len(phrase.split()) > _DESCRIPTION_WORDS + 2:
        return None
    if PRONOUN.match(phrase):
        return Found(speaker=(ps, pe), cue=None, ref="pronoun")
    found = _name_in_part(masked, ps, pe)
    if found and (found[0][0] == ps or not DETERMINER.match(phrase)):
        role = found[1]
        if role is None and end >= 0:
            rs, re_ = _trim(masked, end + 1, (masked.find(",", end + 1, e) + 1 or e + 1) - 1)
            role = (rs, re_) if rs < re_ else None
        return Found(speaker=found[0], cue=None, role=role, ref="name")
    return _description(masked, ps, pe)


def _main_subject(masked: str) -> Found | None:
    """The name or pronoun a sentence starts with, for participle cues ('..., saying')."""
    filler = LEADING_FILLER.match(masked)
    s = filler.end() if filler else 0
    word = re.match(r"(?:he|she|it|they)\b", masked[s:], re.I)
    if word:
        return Found(speaker=(s, s + word.end()), cue=None, ref="pronoun")
    m = NAME.match(masked, s)
    if m:
        return Found(speaker=clean_name(masked, m.start(), m.end()), cue=None, ref="name")
    return None


def _ranked_cues(masked: str) -> list[re.Match]:
    """Cues in order, except that one introducing a quotation with a colon
    ('Wenger added: "..."') comes first: it, not an earlier 'called', owns the quote."""
    cues = list(CUE.finditer(masked))
    return sorted(cues, key=lambda c: not re.match(r"\s*:\s*\x00", masked[c.end() :]))


def find_cue(masked: str, base: int) -> Found | None:
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


def _sourced(masked: str, base: int) -> Found | None:
    """Claims with a source but no speech verb: 'according to X', 'confirmed by X', 'reportedly'."""
    m = _ACCORDING.search(masked)
    if m:
        s, e = _trim(masked, *m.span("src"))
        name = NAME.match(masked, s, e)
        if (name and name.end() < e and masked[name.end()] == " "
                and not masked[name.end() + 1 : name.end() + 3].isalpha()):
            e = name.end()  # "According to Jupiter Research 40% of homes ..." -> Jupiter Research
        ref = "name" if name and name.end() == e else "source"
        return _shift(Found(speaker=(s, e), cue="according to", outlet=_outlet_in(masked, m.start()), ref=ref), base)
    m = _BY_SOURCE.search(masked)
    if m and _SOURCE_NOUN.search(m.group("src")):
        return _shift(Found(speaker=_trim(masked, *m.span("src")), cue=m.group().split()[0] + " by"), base)
    m = _REPORTEDLY.search(masked)
    if m:
        return _shift(Found(speaker=None, cue=m.group()), base)
    return None


def _outlet_in(masked: str, s: int) -> tuple[int, int] | None:
    m = _OUTLET_AFTER.search(masked, s)
    return m.span("o") if m else None


def _shift(found: Found, base: int) -> Found:
    move = lambda span: (span[0] + base, span[1] + base) if span else None  # noqa: E731
    return Found(move(found.speaker), found.cue, move(found.role), move(found.outlet), found.ref)

