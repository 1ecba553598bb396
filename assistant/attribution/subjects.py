"""Who acts in a sentence: the names that are subjects of its clauses.

A later 'he said' most often means the subject of the sentence before, not a
name that sits in it as an object, so ``speakers`` remembers subjects apart
from other mentions. ``clause_subjects`` reads a sentence's unquoted text
(quotations masked) and returns the spans of the names that act: the first
name of each clause, stepping over an opening phrase that ends in a comma
('Speaking in court, Mr Ebbers rejected ...'), over job words between a place
or an owner and a name ('Northern Ireland man James McIlroy', "Stallone's
ex-wife Brigitte Nielsen"). A possessive ('Mr Campbell's e-mail') is not a
subject. ``pronoun_subject`` finds a sentence that starts with 'he' or 'she'.

Example:
    >>> t = "At a press conference on Tuesday, Ann Lee gave details, but Bo Ray is unfazed."
    >>> [t[s:e] for s, e in clause_subjects(t, 0)]
    ['Ann Lee', 'Bo Ray']
"""

from __future__ import annotations

import re

from assistant.attribution.lexicon import CUE, LEADING_FILLER
from assistant.attribution.mentions import (
    NAME, NOT_NAMES, PERSON_NOUNS, clean_name, description_kind, is_person, possessive)

__all__ = ["clause_subjects", "opening_phrase_end", "pronoun_subject"]

# A full stop inside a sentence span ('... Malcolm X. Ann Lee, his daughter, recalled') starts a clause too.
_CLAUSE_START = re.compile(
    r"(?:;\s+|\.\s+|\b(?:but|and|while|although|though|because|when|after|since)\s+)(?=[A-Z])")
# Words that end a subject noun phrase: a name after them is an object, not who acts.
# One or two job words between names: "Northern Ireland man James McIlroy"; not verbs ("Wenger later accused X").
_ROLE_GAP = re.compile(
    r" (?:(?!(?:later|also|now|then|has|had|is|was|beat|won|met|hit|led|got|made|took|gave|and|or|but|of|in|at|to)\b)"
    r"[a-z-]+(?<!ed)(?<!ing) ){1,2}")
# An opening phrase before the subject: 'At a press conference on Tuesday, ', 'Speaking in court, ',
# 'According to the paper, ', 'For years, '. A comma must close it within a few words.
_OPENING = re.compile(
    r"(?:(?:in|at|on|for|after|before|during|following|despite|since|under|with|without|by|from|over|unlike|"
    r"according|amid|last|this|born)\b|[A-Za-z]+ing\s+(?:in|at|on|to|for|about|after|with|from|the|a|his|her|their)\b)"
    r"[^,\x00;:]{0,60}?,\s+", re.I)
_PRONOUN_START = re.compile(r"(?:he|she)\b", re.I)
_NAMED_AFTER_ROLE = re.compile(rf" (?:[a-z-]+ ){{0,2}}(?P<job>[a-z]+), (?P<name>{NAME.pattern}),")
_OWNER = re.compile(r"[’']s?(?:\s|$)")  # "Wenger's Bayern counterpart Felix Magath"
# After a subject: a verb, or an appositive ('Ann Lee, 23, ...', 'Ann Lee, the head, ...', "Ann Lee, X's deputy").
_ACTS_AFTER = re.compile(r" [a-z]|, [a-z0-9]|, [A-Z][\w-]*['’]s [a-z]")
# 'Ann Lee and Bo Ray to the final', 'British and Irish Lions': 'and' between capitalised words joins names,
# unless a verb follows the second ('... at Carrow Road and Keegan sympathised').
_NAME_AND = re.compile(r"[A-Z][\w'’.-]* and $")
_VERB_NEXT = re.compile(
    r"\s+(?:[a-z]+ed|[a-z]+[^s\W]s|is|was|are|were|has|had|have|will|would|can|could|may|might|must|should|said|"
    r"told|won|lost|made|took|gave|got|led|left|beat|felt|went|came|saw|thought|kept|met|ran|put|hit|also|then|"
    r"later|now)\b")
_COMMA_CAPITAL = re.compile(r",\s+(?=[A-Z])")
_FINITE = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|can|could|did|does)\b")
_APPOSITIVE_START = re.compile(r"(?:a|an|the|its|his|her|their)\s+[a-z]|[a-z]")


def opening_phrase_end(masked: str, s: int = 0, e: int | None = None) -> int:
    """Where the subject of the clause starting at ``s`` may begin, after up to two opening phrases.
    Not when a name ends the phrase and a description follows the comma: in 'On Tuesday
    Mitsubishi, the only firm in the red, confirmed' the comma opens an appositive."""
    for _ in range(2):
        m = _OPENING.match(masked, s, len(masked) if e is None else e)
        if (m is None or CUE.search(m.group()) or _FINITE.search(m.group())
                or (m.group().rstrip(", ").split()[-1][:1].isupper() and _APPOSITIVE_START.match(masked, m.end()))):
            break  # "In a statement Google said the feature was in beta, ..." opens with no phrase
        s = m.end()
    return s


def _name_then_cue(masked: str, at: int) -> bool:
    """'..., Bellamy insisted': a name right before a cue opens a main clause after a comma."""
    m = NAME.match(masked, at)
    return m is not None and masked[m.end() : m.end() + 1] == " " and CUE.match(masked, m.end() + 1) is not None


def _subject_in(masked: str, at: int, surnames) -> re.Match | None:
    """The name that acts at the start of ``masked[at:]``: the first name, or a later
    one when only job words lead to it from an owner or a word that is not a
    person's name ('Edwards himself kept Idowu off' stops at Edwards)."""
    if not masked[at : at + 1].isupper():
        return None  # the clause starts with something other than a name
    best = None
    for m in NAME.finditer(masked, at):
        if best is None and m.group() in ("The", "A", "An"):
            return None  # "The tribunal upheld Ms Lee's claim": a description acts, not the name after it
        between = masked[best.end() : m.start()] if best else masked[at : m.start()]
        if (best is None and between.strip()
                or best is not None and (not _ROLE_GAP.fullmatch(between) or CUE.search(between))):
            break
        gap = between.split()
        if (best is not None and is_person(best.group(), surnames) and not _OWNER.search(best.group())
                and not PERSON_NOUNS.match(gap[-1])):
            break  # but "Lib Dem chairman Ann Lee": a job word leads on to the name
        best = m
    return best


def _joins_names(masked: str, s: int, e: int) -> bool:
    """Whether the 'and' at ``masked[s:e]`` joins two names rather than two clauses."""
    if not _NAME_AND.search(masked, max(0, s - 40), e):
        return False
    name = NAME.match(masked, e)
    return name is None or not _VERB_NEXT.match(masked, name.end())


def clause_subjects(masked: str, base: int, surnames=frozenset()) -> list[tuple[int, int]]:
    """Names that act in a clause: 'Hazel Gilbert, 23, ... gave up ballet',
    'Northern Ireland man James McIlroy is confident', '... but McIlroy is unfazed'.
    The clause's first name, or a later one when only job words lead to it
    from a word that is not a person's name (``surnames`` are known people)."""
    filler = LEADING_FILLER.match(masked)
    first = filler.end() if filler else 0
    starts = [first] + [m.end() for m in _CLAUSE_START.finditer(masked, first)
                        if m.end() > first and not _joins_names(masked, m.start(), m.end())]
    starts += [m.end() for m in _COMMA_CAPITAL.finditer(masked, first) if _name_then_cue(masked, m.end())]
    spans = []
    for start in starts:
        at = opening_phrase_end(masked, start)
        best = _subject_in(masked, at, surnames)
        named = _NAMED_AFTER_ROLE.match(masked, best.end()) if best else None
        if named and PERSON_NOUNS.match(named.group("job")):
            best = NAME.match(masked, named.start("name"))  # "X's Holyrood leader, Ann Lee, welcomed"
        if (best and best.group() not in NOT_NAMES and not best.group().endswith("ly")
                and _ACTS_AFTER.match(masked, best.end())):
            s, e = clean_name(masked, best.start(), best.end() - possessive(best.group()))
            spans.append((s + base, e + base))
    return spans


def pronoun_subject(masked: str, base: int) -> tuple[tuple[int, int], str] | None:
    """The span of 'he' or 'she', or of a description standing for a person ('The Tory leader was
    asked', 'The 28-year-old has been'), when a sentence (after fillers and an opening phrase)
    starts with one, with the word to resolve it by: 'he', 'she' or 'person'."""
    filler = LEADING_FILLER.match(masked)
    at = opening_phrase_end(masked, filler.end() if filler else 0)
    m = _PRONOUN_START.match(masked, at)
    if m:
        return (m.start() + base, m.end() + base), m.group().lower()
    words = list(re.finditer(r"\S+", masked[at : at + 80]))[:8] if masked.startswith(("The ", "This "), at) else []
    for i in range(1, len(words) - 1):  # 'The Tory', 'The Tory leader', ... followed by a lowercase word
        end = words[i].end()
        if words[i + 1].group()[:1].islower() and description_kind(masked[at : at + end]) == "person":
            return (at + base, at + end + base), "person"
    return None
