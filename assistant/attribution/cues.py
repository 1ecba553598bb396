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

from assistant.attribution.lexicon import CUE, DETERMINER, LEADING_FILLER, PRONOUN
from assistant.attribution.mentions import NAME, NOT_NAMES, clean_name, is_person, name_at_end
from assistant.attribution.phrases import (
    DESCRIPTION_WORDS, OBJECT_OF, ROLE_NOUN, SOURCE_NOUN, VERB_WORD, Found, cut_from_run, description, ends_in_name,
    ends_in_person, is_appositive, name_in_part, pieces, speaks, trim)
from assistant.attribution.subjects import clause_subjects, opening_phrase_end

__all__ = ["CUE", "DETERMINER", "LEADING_FILLER", "PRONOUN", "Found", "find_cue"]

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
# Words between a subject and its cue: "Ms Hewitt also stressed", "X has said", "is quoted as saying",
# "has consistently said", 'A spokesman "totally refuted"'.
_AUX_TAIL = re.compile(
    r"(?:[ ,]+[\"“]?(?:has|have|had|also|later|earlier|previously|then|further|again|now|today|yesterday|recently|"
    r"repeatedly|publicly|privately|would|will|is|was|are|were|been|quoted|as|once|still|too|just|only|however|"
    r"subsequently|initially|always|never|apparently|both|"
    r"(?-i:(?!(?:family|ally|rally|assembly|supply|reply|monopoly|anomaly)\b)[a-z]+ly)))+[ ,]*$", re.I)
_CONJUNCTION = re.compile(r"\b(?:and|but|while|because|although|though|so|when|where|after|that|as|which|whom)\s+")
_RELATIVE = re.compile(r"^(?:who|which|whose|where)\b")
_VERBISH = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|can|could|should|may|might|did|does)\b")
# Cues that need not report speech: 'Ann Lee, who wrote the musical, ...'.
_NOT_SPEECH = {"wrote", "writes", "described", "accused", "blamed", "blames", "praised", "dismissed", "details",
               "reveals", "found", "read", "called", "calls", "reported", "rejected", "refuted"}
_TIME_OR_PLACE = re.compile(
    r" (?:after|at|on|in|during|when|while|last|yesterday|today|this|following|before|earlier|later)\b")
_WHO = re.compile(r"who(?:\s+(?:also|later|then|has|had|(?-i:[a-z]+ly)))*")
# A description of who speaks at the start of a sentence: 'A Labour party spokesman', 'The Tory co-chairman',
# 'A spokeswoman for the Home Office'.
_DESCRIBED_SPEAKER = re.compile(
    r"(?:[Aa]n?|[Tt]he|[Ii]ts|[Hh]is|[Hh]er|[Tt]heir)\s+(?:[\w'’-]+\s+){0,3}?"
    r"(?:[\w]+-)?(?:spokes(?:man|woman|person)|chairman|chairwoman|director|executive|president|secretary|minister|"
    r"leader|officials?|sources?|analysts?|lawyers?)\b"
    r"(?:\s+(?:for|of|at)\s+(?:the\s+)?[A-Z][\w'’&-]*(?:\s+(?:of\s+)?[A-Z][\w'’&-]*)*)?")
_PASSIVE = re.compile(r"\b(?:was|were|been|being|be|is|are)(?:\s+(?:also|then|later|previously|(?-i:[a-z]+ly)))?$")
# A cue inside a relative clause with its own subject: '..., which it says', 'which the Tories believe',
# 'which critics have said'; not 'a spokesman for X which represents shops said'.
_RELATIVE_CUE = re.compile(
    r"\b(?:which|whom)\s+(?:he|she|it|they|we|I|(?:the|a|an|its|his|her|their|some|many)\s+(?:[\w'’-]+\s+){0,2}?"
    r"[\w'’-]+|[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*){0,2}|[a-z]+s)(?:\s+(?:also|later|now|has|had|have))?$")
_HYPOTHETICAL = re.compile(r"\b(?:might|may|could|should|must)\s+(?:[a-z]+ly\s+)?$")
_OPINION = {"think", "thinks", "believe", "believes"}
_FIRST = (["I"], ["we"], ["We"], ["you"], ["You"])
_COORDINATED = re.compile(r"(?:,|\s)\s*(?:and|but)(?:\s+(?:also|then|later|has|have|had))?$")
# A relative clause with no comma: "A spokesman for X which represents Y said" -> "A spokesman for X";
# not "a list which it says" (the clause has its own subject).
_RELATIVE_INSIDE = re.compile(
    r"\s(?:who|which|whose)\s(?!(?:he|she|it|they|we|I|you|the|a|an|his|her|its|their)\b)")


def _subject(masked: str, s: int, e: int, speech: bool = True) -> Found | None:
    """Speaker and role in the clause ``masked[s:e]`` that ends right before a cue.

    Pieces (split at commas and dashes) are read back from the cue: a pronoun
    ends the search; appositives ('the party's Treasury spokesman') and
    relative clauses ('who has taught ballet for 48 years') are stepped over to
    the name they describe; a person's name wins over an organisation's. With
    no name, a short noun phrase ('organisers', 'the alliance') speaks. A
    ``speech`` verb after 'X, who' has X as its speaker ('rejected by Mr Blair, who said:').
    """
    s, e = trim(masked, s, e)
    tail = _AUX_TAIL.search(masked, s, e)
    e = trim(masked, s, tail.start())[1] if tail else e
    filler = LEADING_FILLER.match(masked[s:e])
    parts = pieces(masked, opening_phrase_end(masked, s + filler.end() if filler else s, e), e)
    if not parts:
        return None
    relative = _RELATIVE_INSIDE.search(masked, *parts[-1])
    if relative and relative.start() > parts[-1][0] and ends_in_name(masked[parts[-1][0] : relative.start()]):
        parts[-1] = (parts[-1][0], relative.start())
    last, names, k = len(parts) - 1, [], len(parts) - 1
    while k >= 0:
        ps, pe = parts[k]
        conj = list(_CONJUNCTION.finditer(masked, ps, pe))
        cs = conj[-1].end() if conj else ps
        if k == last and PRONOUN.match(masked[cs:pe]):
            return Found(speaker=(cs, pe), cue=None, ref="pronoun")
        who = _who_said(masked, parts) if speech and k == last and k > 0 and _WHO.fullmatch(masked[ps:pe]) else None
        if who:
            return who
        if k == 0 and not names and DETERMINER.match(masked[cs:pe]) and speaks(masked[cs:pe]):
            return description(masked, cs, pe)  # "the chairman of the X of England and Wales"
        if _RELATIVE.match(masked[ps:pe]):
            names = []  # names inside "which includes the X, Y and Z" are not the subject
        elif not (k > 0 and is_appositive(masked[ps:pe]) and not (k == last and _CONJUNCTION.match(masked, ps))
                  and not ends_in_person(masked, ps, pe)):  # "..., company spokesman Gus Whitcomb said"
            found = name_in_part(masked, cs, pe)
            if found and cut_from_run(masked, cs, found[0]):
                found = ((cs, found[0][1]), None)  # "the British Bankers' Association" speaks as a whole
            if found is not None and k > 0 and not _subject_like(masked, cs, found[0][0]):
                k -= 1  # "Ann Lee, chief economist at X Bank, said": a job at a place describes the name before
                continue
            if found is None or not _subject_like(masked, cs, found[0][0]):
                break
            names.append((found[0], found[1] or _role_beside(masked, parts, k)))
        k -= 1
    return _pick(masked, names) if names else _described(masked, parts[max(k, 0)], parts[last])


def _who_said(masked: str, parts: list[tuple[int, int]]) -> Found | None:
    """'rejected by Mr Blair, who said:'; 'by Ann Lee of X, the daughter of Y, who said': the name
    the relative pronoun before the cue stands for, past its appositives."""
    j = len(parts) - 2
    while j > 0 and is_appositive(masked[parts[j][0] : parts[j][1]]):
        j -= 1
    named = name_in_part(masked, *parts[j])
    return Found(speaker=named[0], cue=None, ref="name") if named else None


def _described(masked: str, piece: tuple[int, int], last: tuple[int, int]) -> Found | None:
    """With no name, the description where the search stopped, or the one right before the cue
    ('..., but analysts say'); where the search stopped at the reported clause itself ('people are
    more likely to be stopped by police, a minister has said'), the one right before the cue."""
    ps, pe = piece
    if piece != last and VERB_WORD.search(masked, ps, pe) and description(masked, *last):
        return description(masked, *last)
    conj = list(_CONJUNCTION.finditer(masked, ps, pe))
    ls, le = last
    ls = _CONJUNCTION.match(masked, ls).end() if _CONJUNCTION.match(masked, ls) else ls
    return description(masked, conj[-1].end() if conj else ps, pe) or description(masked, ls, le)


def _role_beside(masked: str, parts: list[tuple[int, int]], k: int) -> tuple[int, int] | None:
    """The appositive after the name ('Gary Coby, the 2016 ... director,') or,
    when the name ends the clause, the one before it ('Facebook's ... director, Katie Harbath')."""
    if k + 1 < len(parts):
        return parts[k + 1]
    if k > 0 and is_appositive(masked[parts[k - 1][0] : parts[k - 1][1]]):
        return parts[k - 1]
    return None


def _subject_like(masked: str, s: int, name_start: int) -> bool:
    """Is the name starting at ``name_start`` the subject of its piece? Not when a
    verb comes before it ('were based in Iran') or it is a preposition's object
    ('Writing in the Northern Echo'); 'In a statement Google' is fine."""
    before = masked[s:name_start].split()
    if before and before[-1].lower() == "the":
        before.pop()
    return not (_VERBISH.search(masked, s, name_start) or (before and OBJECT_OF.match(before[-1])))


def _pick(masked: str, names) -> Found | None:
    """The name nearest the cue that is a person's, else the nearest name."""
    person = next((n for n in names if is_person(masked[n[0][0] : n[0][1]])), names[0])
    return Found(speaker=person[0], cue=None, role=person[1], ref="name")


def _after_cue(masked: str, s: int, e: int) -> Found | None:
    """'..., said music director Charles Hazlewood.' / '..., said a Fifa spokesman.':
    the speaker right after an inverted cue, up to the next comma or relative
    pronoun ('said Ann Lee who runs the pilot'); a job before a comma and a
    name after it ('said the festival's director, Ann Lee') is the name with its role."""
    end = masked.find(",", s, e)
    relative = _RELATIVE_INSIDE.search(masked, s, end if end >= 0 else e)
    ps, pe = trim(masked, s, relative.start() if relative else end if end >= 0 else e)
    phrase = masked[ps:pe]
    if not phrase or len(phrase.split()) > DESCRIPTION_WORDS + 2:
        return None
    if PRONOUN.match(phrase):
        return Found(speaker=(ps, pe), cue=None, ref="pronoun")
    if _VERBISH.search(phrase) or PRONOUN.match(phrase.split()[0]):
        return None  # "..., suggested they should get Ann Lee to ...": a clause, not who speaks
    found = name_in_part(masked, ps, pe)
    after = None  # the piece after the comma: a role ('..., the director') or a name
    if end >= 0 and not relative:
        after = trim(masked, end + 1, (masked.find(",", end + 1, e) + 1 or e + 1) - 1)
        after = after if after[0] < after[1] else None
    if found and (found[0][0] == ps or not DETERMINER.match(phrase)):
        return Found(speaker=found[0], cue=None, role=found[1] or after, ref="name")
    lead = _leading_name(masked, ps, pe)
    if lead:
        return lead
    name = name_at_end(masked, *after) if after else None
    job = ROLE_NOUN.search(phrase) or phrase.split()[-1].islower()  # "the paper's picture editor, Ann Lee"
    if name and name == after and is_person(masked[name[0] : name[1]]) and job:
        return Found(speaker=name, cue=None, role=(ps, pe), ref="name")
    return description(masked, ps, pe)


def _leading_name(masked: str, ps: int, pe: int) -> Found | None:
    """'said Culture Secretary Ann Lee after the meeting': a person's name, after job words,
    followed by a time or place phrase."""
    for m in NAME.finditer(masked, ps, pe):
        s, e = clean_name(masked, m.start(), m.end())
        if is_person(masked[s:e]) and _TIME_OR_PLACE.match(masked, e, pe) and len(masked[ps:s].split()) <= 4:
            role = trim(masked, ps, s)
            return Found(speaker=(s, e), cue=None, role=role if role[0] < role[1] else None, ref="name")
        break
    return None


def _main_subject(masked: str, e: int) -> Found | None:
    """The pronoun or name a sentence starts with, or its first clause's subject
    ('Lib Dem chairman Ann Lee wrote to them saying: ...'), for participle cues."""
    filler = LEADING_FILLER.match(masked)
    s = filler.end() if filler else 0
    word = re.match(r"(?:he|she|it|they)\b", masked[s:], re.I)
    if word:
        return Found(speaker=(s, s + word.end()), cue=None, ref="pronoun")
    described = _DESCRIBED_SPEAKER.match(masked, s, e)
    if described:  # "A Labour party spokesman played down ... and said"
        return Found(speaker=trim(masked, *described.span()), cue=None, ref="description")
    subject = next((span for span in clause_subjects(masked[:e], 0) if span[0] < e), None)
    if subject:
        return Found(speaker=subject, cue=None, ref="name")
    verb = VERB_WORD.search(masked, s, e)
    if verb and DETERMINER.match(masked[s:]) and speaks(masked[s : verb.start()]):
        # "A spokesman for the firm refused to comment, but said" -> "A spokesman for the firm"
        return description(masked, *trim(masked, s, verb.start()))
    m = NAME.match(masked, s)
    if m and m.group() not in NOT_NAMES:
        return Found(speaker=clean_name(masked, m.start(), m.end()), cue=None, ref="name")
    return None


def _coordinated(masked: str, cue: re.Match) -> Found | None:
    """'..., but his lawyer, Ann Lee, told reporters it was absurd and added: ...': the subject of
    the nearest cue before, else of the sentence ('A spokesman refused to comment, but said')."""
    earlier = [c for c in CUE.finditer(masked, 0, cue.start()) if c.end() <= cue.start()]
    if earlier:
        found = _subject(masked, masked.rfind("\x00", 0, earlier[-1].start()) + 1, earlier[-1].start())
        if found is not None:
            return found
    return _main_subject(masked, cue.start())


def _inverted(masked: str, s: int) -> Found | None:
    """'... turn to Windows said Ann Lee, managing director of X': a person's
    name right after the cue, then a comma or the end, speaks even with no comma before the cue."""
    m = NAME.match(masked, s + 1) if masked[s : s + 1] == " " else None
    if m is None or not is_person(masked[m.start() : m.end()]) or masked[m.end() : m.end() + 1] not in (",", ".", ""):
        return None
    return _after_cue(masked, s, len(masked))


def _ranked_cues(masked: str) -> list[re.Match]:
    """Cues in order, except that one introducing a quotation with a colon
    ('Wenger added: "..."') comes first: it, not an earlier 'called', owns the quote; and
    opinion verbs come last ('ministers believe X, our correspondent added' -> the correspondent)."""
    cues = [c for c in CUE.finditer(masked)
            if not (c.group() in _OPINION and masked[max(0, c.start() - 4) : c.start()].split()[-1:] in _FIRST)]
    return sorted(cues, key=lambda c: (not re.match(r"\s*:\s*\x00", masked[c.end() :]), c.group() in _OPINION))


def find_cue(masked: str, base: int) -> Found | None:
    """The attribution in one sentence's unquoted text (``masked`` starts at ``base``)."""
    for cue in _ranked_cues(masked):
        word = cue.group()
        before = masked[: cue.start()].rstrip()
        if masked.startswith(" by ", cue.end()) or _PASSIVE.search(before) and not word.endswith("ing"):
            continue  # passive: "confirmed by three people" names its source after "by"; "he was asked"
        if _HYPOTHETICAL.search(masked, 0, cue.start()):
            continue  # 'Many might think ...', 'he might say': what someone could say, not what they said
        if word in _PARTICIPLES and not before.endswith(" as"):  # but "X is quoted as saying"
            opens = before.endswith(",") or re.match(r"\s*:", masked[cue.end() :])  # "wrote to them saying:"
            found = _main_subject(masked, cue.start()) if opens else None
        else:
            # "A spokesman refused to comment, but said ...": the subject of the verb before speaks.
            found = _coordinated(masked, cue) if _COORDINATED.search(before) else None
            # The subject stands after any quotation before the cue: 'Ann Lee "did it," he said' -> he.
            lo = masked.rfind("\x00", 0, cue.start()) + 1
            found = found or _subject(masked, lo, cue.start(), word not in _NOT_SPEECH)
            if found is None and (not before or before.endswith((",", "\x00"))):
                found = _after_cue(masked, cue.end(), len(masked))
            elif found is None:
                found = _inverted(masked, cue.end())
        if found is None or (word in _DOCUMENT_CUES and found.ref != "description"):
            continue
        if _RELATIVE_CUE.search(before) and "\x00" not in masked:
            continue  # '..., which the firm says is idle': the main clause is the reporter's
        found.cue = word
        out = _OUTLET_AFTER.match(masked, cue.start()) if word in ("told", "tells") else None
        if out:
            found.outlet = out.span("o")
        return _shift(found, base)
    return _sourced(masked, base)


def _sourced(masked: str, base: int) -> Found | None:
    """Claims with a source but no speech verb: 'according to X', 'confirmed by X', 'reportedly'."""
    m = _ACCORDING.search(masked)
    s, e = trim(masked, *m.span("src")) if m else (0, 0)
    if s < e:  # 'according to "A Book Title", ...': the masked quote trims to nothing, and names no one
        name = NAME.match(masked, s, e)
        if (name and name.end() < e and masked[name.end()] == " "
                and not masked[name.end() + 1 : name.end() + 3].isalpha()):
            e = name.end()  # "According to Jupiter Research 40% of homes ..." -> Jupiter Research
        ref = "name" if name and name.end() == e else "source"
        return _shift(Found(speaker=(s, e), cue="according to", outlet=_outlet_in(masked, m.start()), ref=ref), base)
    m = _BY_SOURCE.search(masked)
    if m and SOURCE_NOUN.search(m.group("src")):
        return _shift(Found(speaker=trim(masked, *m.span("src")), cue=m.group().split()[0] + " by"), base)
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

