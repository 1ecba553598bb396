"""Who says each sentence: rule-based attribution over verbatim spans.

For every sentence we decide a ``kind`` (direct_quote, reported, narration,
commentary) and, where the text names one, the ``speaker`` (a span of the
article), their ``role``, the ``cue`` word and the ``outlet`` spoken to.
Quotations are found first as spans that may run over several sentences
(``quotes``); the cue that attributes a quotation (``cues``) sits before its
opening mark or after its closing mark, and every sentence of the quotation
inherits that speaker; a quotation with no cue of its own continues the
previous speaker's words. A pronoun speaker resolves through ``mentions``: to
the speaker or subject of the sentence before ('Mr A denied it. Mr B "did the
sums," he said' means A), else to the most recent person who spoke, not to a
name quoted or mentioned in between; "Mr X" resolves to an earlier full name
ending in X. Each sentence's people (``subjects``: who acts in its clauses;
``mentions``: everyone it names) are remembered for the next. Sentences with no
speaker that ask a question or speak in the first person are the publisher's
commentary; ``find_excerpt`` finds text reproduced from another outlet.

Example:
    >>> text = '“We won,” Gary Coby told BuzzFeed News.'
    >>> a = attribute_sentences(text, [(0, len(text))], None)[0]
    >>> a.kind, a.speaker, a.cue, a.outlet
    ('direct_quote', 'Gary Coby', 'told', 'BuzzFeed News')
"""

from __future__ import annotations

import re

from assistant.attribution.cues import Found, find_cue
from assistant.attribution.lexicon import DETERMINER, PRONOUN
from assistant.attribution.mentions import ROLE_WORDS, Mentions, description_kind, is_person
from assistant.attribution.quotes import SPACE, is_scare, mask, quotation_spans
from assistant.attribution.subjects import clause_subjects, pronoun_subject
from assistant.types import Attribution

__all__ = ["ATTRIBUTION_VERSION", "attribute_sentences", "find_excerpt", "quotation_spans"]

ATTRIBUTION_VERSION = "rules/4"
_SAID_HE = re.compile(r"\s+(?:that\s+)?(he|she)\b")  # "Ann Lee said she ..." tells Lee's gender
_JOINED = re.compile(r"\b(?:and|but|while|as|after|because|which|whom|that|when|so|though|although|before|since|"
                     r"if|until)\s+$")
_PLURAL_VERB = re.compile(r"\s+(?:were|are|have)\b")
_FIRST_PERSON = re.compile(r"\b(?:I|we|We|my|My|our|Our|us)\b")
_PERSON_HEAD = re.compile(
    r"\b(?:spokes(?:man|woman|person)|director|chairman|chairwoman|manager|minister|boss|coach|chief)\b")

def _resolve(text: str, found: Found, mentions: Mentions, own: tuple[str, int] | None) -> tuple[int, int] | None:
    """The speaker span after following 'he', 'Mr X', 'the company' back to an earlier name;
    ``own`` is the sentence's masked text and offset, whose own subject a later 'he' may mean."""
    span = found.speaker
    if span is None:
        return None
    phrase = text[span[0] : span[1]]
    if found.ref == "pronoun":
        word = phrase.lower()
        before = _subject_before(text, own, span[0], word, mentions) if own and word in ("he", "she") else None
        return before or mentions.resolve(span, pronoun=word) or span  # an unresolved 'they' stays itself
    if found.ref == "description" or found.ref == "name" and DETERMINER.match(phrase):
        kind = description_kind(phrase)  # "The Brazilian" reads as a name but stands for one
        return (mentions.resolve(span, pronoun=kind) or span) if kind else span
    if found.ref == "name":
        return mentions.resolve(span)
    return span


def _subject_before(text: str, own: tuple[str, int], at: int, word: str, mentions: Mentions):
    """'The actor crossed a bridge, which he said was unsafe'; 'Ann Lee lost, but she said ...': a
    pronoun that opens a clause joined to its own sentence's main clause means that clause's subject,
    when the gender allows; not a tag after reported words ('Mr A lied, he said')."""
    masked, base = own
    head = masked[: at - base]
    if not _JOINED.search(head):
        return None
    for span in reversed(clause_subjects(head, base, mentions.surnames)):
        full = mentions.resolve(span) or span
        if is_person(text[full[0] : full[1]], mentions.surnames) and mentions.fits(full, word):
            return full
    described = pronoun_subject(head, base)
    if described and described[1] == "person" and described[0][1] <= at:
        return mentions.resolve(described[0], pronoun="person")
    return None


def _attribution(text: str, found: Found | None, kind: str, mentions: Mentions,
                 own: tuple[str, int] | None = None) -> Attribution:
    if found is None:
        return Attribution(kind=kind)
    speaker = _resolve(text, found, mentions, own)
    piece = lambda span: text[span[0] : span[1]] if span else None  # noqa: E731
    return Attribution(
        kind=kind, speaker=piece(speaker), speaker_span=speaker, role=piece(found.role), role_span=found.role,
        cue=found.cue, outlet=piece(found.outlet), outlet_span=found.outlet,
    )


def _note(text: str, mentions: Mentions, attribution: Attribution, masked: str, base: int,
          people: list[tuple[int, int]], said_at: int) -> None:
    """Remember this sentence's people and organisations: those named ('mention'), the
    subjects of its clauses and the speaker, in that order, so the speaker is the most recent.

    A speaker named by a description counts too: 'the Bishop' and 'a spokesman
    for X' are people a later 'he' can mean; 'the organisation' is not. A
    sentence that starts with 'he', 'she' or 'the singer' has that person as its subject.
    ``said_at`` is where the sentence names its speaker; 'Lee said she ...' tells Lee's gender.
    """
    surnames = mentions.surnames
    subjects: list[tuple[tuple[int, int], int]] = []
    span, speaker = attribution.speaker_span, attribution.speaker or ""
    if attribution.kind in ("narration", "commentary") or not span:
        pronoun = pronoun_subject(masked, base)
        subject = mentions.resolve(pronoun[0], pronoun=pronoun[1]) if pronoun else None
        subjects = [(subject, pronoun[0][0])] if subject and pronoun else []
    subjects += [(one, one[0]) for one in clause_subjects(masked, base, surnames)]
    items = [(one, None, "mention", "", one[0]) for one in people if one not in [x for x, _ in subjects] + [span]]
    # 'Villa were not interested': a name with a plural verb is a team or a firm, not a person.
    items += [(one, False if at == one[0] and _PLURAL_VERB.match(text, one[1]) else None, "subject", "", at)
              for one, at in subjects if one != span]
    if span and attribution.kind != "commentary" and not PRONOUN.match(speaker):
        person = None  # a name: its shape says, or an earlier 'he' that meant it
        if DETERMINER.match(speaker):
            person = _PERSON_HEAD.search(speaker) is not None or speaker.split()[-1] in ROLE_WORDS
        items.append((span, person, "speaker", attribution.role or "", said_at))
    at = masked.find(attribution.cue) if attribution.cue and span else -1
    said = _SAID_HE.match(masked, at + len(attribution.cue)) if at >= 0 else None
    mentions.note_sentence(items, {"he": "m", "she": "f"}[said.group(1)] if said else None)


def attribute_sentences(text: str, spans: list[tuple[int, int]], publisher: str | None) -> list[Attribution]:
    """One ``Attribution`` per sentence span, in order.

    >>> t = 'Ann Lee, a nurse, spoke. "We won," she said. "It was hard."'
    >>> [a.speaker for a in attribute_sentences(t, [(0, 24), (25, 44), (45, 59)], None)]
    [None, 'Ann Lee', 'Ann Lee']
    """
    mentions = Mentions(text)
    if spans:  # the headline's full names ('Ann Lee, a nurse, ...') let a later 'Ms Lee' resolve
        mentions.learn(text[: spans[0][0]], 0)
    quotes = [q for q in quotation_spans(text, spans[0][0], spans[-1][1]) if not is_scare(text, q)] if spans else []
    results: list[Attribution] = []
    quote_owner: dict[tuple[int, int], Attribution] = {}
    previous: Attribution | None = None
    for s, e in spans:
        mine = [q for q in quotes if q[0] < e and q[1] > s]
        masked = mask(text, s, e, mine)
        people = mentions.learn(masked, s)
        found = find_cue(masked, s)
        if mine:
            owner = next((quote_owner[q] for q in mine if q in quote_owner), None)
            if found is not None:
                attribution = _attribution(text, found, "direct_quote", mentions, (masked, s))
            elif owner is not None:
                attribution = owner
            else:
                attribution = _inherit(previous, text, quotes, spans, (s, e), mentions)
            for q in mine:
                quote_owner.setdefault(q, attribution)
        elif found is not None:
            attribution = _attribution(text, found, "reported", mentions, (masked, s))
        elif _is_commentary(text, masked):
            attribution = _commentary(text, publisher)
        else:
            attribution = Attribution(kind="narration")
        # 'According to X, Y did Z': X speaks for the whole sentence, Y acts inside what X says.
        said_at = e if found and found.cue == "according to" else found.speaker[0] if found and found.speaker else s
        _note(text, mentions, attribution, masked, s, people, said_at)
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
            found = find_cue(mask(text, ns, ne, [q for q in quotes if q[0] < ne and q[1] > ns]), ns)
            if found is not None and found.speaker is not None:
                return _attribution(text, found, "direct_quote", mentions)
    if previous is not None:
        return previous.model_copy(update={"kind": "direct_quote"})
    return Attribution(kind="direct_quote")


def _is_commentary(text: str, masked: str) -> bool:
    stripped = masked.rstrip(SPACE + "\x00")
    return stripped.endswith("?") or bool(_FIRST_PERSON.search(masked))


def find_excerpt(text: str, paragraphs, boilerplate, sentences) -> tuple[str, tuple[int, int]] | None:
    """When a "READ MORE" marker links to another outlet's story, the paragraphs
    after it that are not the publisher's commentary reproduce that outlet's
    reporting. The outlet is the one the text before the marker cites most."""
    marker = next((b for b in boilerplate
                   if "READ MORE" in text[b[0] : b[1]].upper() and "©" not in text[b[0] : b[1]]), None)
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
