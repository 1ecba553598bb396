"""Noun phrases that name a speaker: the pieces of a clause and the name or description in each.

``cues`` splits the words before a speech cue into comma pieces and reads
them back from the cue; this module says what one piece holds: a name and the
job words around it (``name_in_part``), a description that can speak
('a spokeswoman for X', 'Sources familiar with the deal': ``description``),
or an appositive that describes a neighbouring name (``is_appositive``).

Example:
    >>> t = 'aviation analyst Mike Powell of Dresdner Kleinwort Wasserstein'
    >>> name, role = name_in_part(t, 0, len(t))
    >>> t[name[0]:name[1]], t[role[0]:role[1]]
    ('Mike Powell', 'of Dresdner Kleinwort Wasserstein')
    >>> description('Sources familiar with the deal', 0, 30).ref, speaks('a spokeswoman for the RAD')
    ('description', True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.attribution.lexicon import DETERMINER
from assistant.attribution.mentions import NOT_NAMES, is_person, name_at_end
from assistant.attribution.quotes import SPACE

__all__ = ["DESCRIPTION_WORDS", "OBJECT_OF", "ROLE_NOUN", "SOURCE_NOUN", "VERB_WORD", "Found", "cut_from_run",
           "description", "ends_in_name", "ends_in_person", "is_appositive", "name_in_part", "pieces", "speaks", "trim"]

_AFFILIATION = re.compile(r"\s+(?:of|from|at|for|with|in)\s+(?:the\s+)?[A-Z][^,]*$")
_ACRONYM_TAIL = re.compile(r"\s*\([A-Z]{2,}\)$")
OBJECT_OF = re.compile(r"^(?:in|at|on|to|of|for|from|by|with|about|into|over|than|like|between)$", re.I)
_INTRO = re.compile(
    r"^(?:in|at|on|after|before|during|speaking|writing|asked|earlier|later|meanwhile|however|yesterday|today)\b", re.I)
SOURCE_NOUN = re.compile(
    r"\b(?:sources?|officials?|spokes(?:man|woman|person)|people|documents?|report|analysts?|experts?|company|firm|"
    r"police|critics|government|ministers?|aides?|insiders?|organisers|organizers|campaigners|researchers|"
    r"scientists|judges|doctors|residents|witnesses|investigators|prosecutors|observers|MPs|statement|economists|"
    r"lawyers|unions|diplomats|traders|dealers|academics|magazine|newspaper|tabloid|website)\b", re.I)
DESCRIPTION_WORDS = 8
VERB_WORD = re.compile(r"\s(?:[a-z]{2,}ed(?=\s+(?:to|the|a|an|that|his|her|its|their|by|on|in|with|it)\b)|"
                       r"is|are|was|were|has|have|had|will|would|can|could|did|does)\b")
ROLE_NOUN = re.compile(r"\b(?:executive|director|chairman|chairwoman|president|manager|officer|head|chief|boss|"
                       r"spokes(?:man|woman|person)|secretary|minister|leader|member)$", re.I)
_POSTMODIFIER = re.compile(r"\s(?:of|for|at|from|with|in|close to|familiar with|involved in|who|which)\s")


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


def trim(text: str, s: int, e: int) -> tuple[int, int]:
    while s < e and (text[s] in SPACE + ",;:—–-\x00"):
        s += 1
    while e > s and text[e - 1] in SPACE + ",;:—–-.\x00":
        e -= 1
    return s, e


def pieces(masked: str, s: int, e: int) -> list[tuple[int, int]]:
    """Pieces of ``masked[s:e]`` between commas and spaced dashes, trimmed, as spans."""
    parts, cursor = [], s
    for m in re.finditer(r",(?!\d)|\s[-–—]\s|$", masked[s:e]):  # not the comma in "100,000"
        ps, pe = trim(masked, cursor, s + m.start())
        if ps < pe:
            parts.append((ps, pe))
        cursor = s + m.end()
    return parts


def name_in_part(masked: str, ps: int, pe: int) -> tuple[tuple[int, int], tuple[int, int] | None] | None:
    """The name a comma piece ends with, and the role words around it.

    'aviation analyst Mike Powell of Dresdner Kleinwort Wasserstein' -> Mike Powell
    (role: the affiliation); 'A spokeswoman for the RAD' -> the whole piece, since
    the spokeswoman, not the RAD, speaks.
    """
    pe = pe - len(_ACRONYM_TAIL.search(masked[ps:pe]).group()) if _ACRONYM_TAIL.search(masked[ps:pe]) else pe
    affiliation = _AFFILIATION.search(masked, ps, pe)
    if affiliation:
        inner = name_at_end(masked, ps, affiliation.start())
        if inner and not DETERMINER.match(masked[ps:inner[0]]) and masked[inner[0] : inner[1]] not in NOT_NAMES:
            return inner, trim(masked, affiliation.start(), pe)
        if DETERMINER.match(masked[ps:pe]) and name_at_end(masked, ps, pe):
            return (ps, pe), None
    name = name_at_end(masked, ps, pe)
    if name is None:
        return None
    prefix = trim(masked, ps, name[0])
    role = prefix if prefix[0] < prefix[1] and not _INTRO.match(masked[prefix[0] : prefix[1]]) else None
    return name, role


def ends_in_person(masked: str, s: int, e: int) -> bool:
    """'company spokesman Gus Whitcomb': job words, then a person's name; not 'spokesman for firm X'."""
    name = name_at_end(masked, s, e)
    return (name is not None and is_person(masked[name[0] : name[1]]) and not DETERMINER.match(masked[s:e])
            and not any(OBJECT_OF.match(w) for w in masked[s : name[0]].split()))


def ends_in_name(phrase: str) -> bool:
    """'A spokesman for X (Apacs)', 'Ann Lee': a name, not a clause, before a relative pronoun."""
    last = phrase.split()[-1] if phrase.split() else ""
    return last[:1].isupper() or last.endswith(")")


def cut_from_run(masked: str, s: int, name: tuple[int, int]) -> bool:
    """Whether ``name`` is the tail of a capitalised run after a determiner that is not a person's
    ('the British Bankers' Association' -> 'Association'), unlike 'his wife Sharon'."""
    det = DETERMINER.match(masked[s : name[0]])  # the patterns are anchored with ^: match a slice
    between = masked[s + det.end() : name[0]].split() if det else []
    return (det is not None and all(w[:1].isupper() for w in between)
            and not is_person(masked[name[0] : name[1]]))  # also "the Conservatives", "the Bishop"


def is_appositive(phrase: str) -> bool:
    """A piece that describes a neighbouring name: 'the party's Treasury spokesman', '23',
    'Tory shadow work and pensions secretary'."""
    words = phrase.split()
    return (not phrase[:1].isupper() or bool(DETERMINER.match(phrase)) or words[0].endswith(("'s", "’s", "s'", "s’"))
            or phrase[:1].isdigit() or (words[-1].islower() and bool(ROLE_NOUN.search(words[-1]))))


def speaks(phrase: str) -> bool:
    """A noun phrase whose head names who speaks: 'a spokeswoman for X', 'Sources close to Y', 'analysts'."""
    head = _POSTMODIFIER.split(phrase, 1)[0].split()
    return bool(head) and bool(SOURCE_NOUN.search(head[-1]) or ROLE_NOUN.search(head[-1]))


def description(masked: str, s: int, e: int) -> Found | None:
    """A short noun phrase as subject: 'organisers', 'the alliance', 'The Labour party',
    'Sources familiar with the deal', 'the chief executive of a leading car maker'."""
    phrase = masked[s:e]
    words = phrase.split()
    head = _POSTMODIFIER.split(phrase, 1)[0].split()  # the words before 'of', 'for', 'familiar with' ...
    longer = speaks(phrase)
    if not words or "\x00" in phrase or len(words) > DESCRIPTION_WORDS + 4 * longer:
        return None
    if VERB_WORD.search(phrase):
        return None  # "The group has a list of actions" is a clause, not who speaks
    if (DETERMINER.match(phrase) or words[0].endswith(("'s", "’s")) or SOURCE_NOUN.search(words[-1])
            or (head and SOURCE_NOUN.search(head[-1]) and len(head) < len(words))):
        return Found(speaker=(s, e), cue=None, ref="description")
    return None
