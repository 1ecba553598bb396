"""Recognise questions about a person: what they said, who they are, who said something.

Scope: the question's words only (no article): ``parse`` returns a
``PersonQuestion`` or None, and the people stage (``ranking.people``) decides
what the articles say about that person. Recognised shapes:

- "What did X say (about Y)?", "What does X think of Y?", "How did X respond?",
  "What else did she say?", "What did X have to say about Y?" -> ``said``
- "What does the writer think?" -> ``said`` with ``who="the writer"`` (the outlet)
- "Who is X?" -> ``who``
- "Who said 'six words of a quote'?" -> ``who_said``

Example:
    >>> parse("What did Katie Harbath say about the campaign?")
    PersonQuestion(intent='said', who='Katie Harbath', topic='the campaign', again=False)
    >>> parse("Who said Facebook loved the campaign?").intent
    'who_said'
    >>> parse("What is the capital of Australia?") is None
    True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

_VERBS = (r"say|said|tell|told|think|thought|feel|felt|respond|responded|react|reacted|reply|replied|claim|claimed|"
          r"argue|argued|comment|commented|mean|meant|believe|believed|add|added|write|wrote|suggest|suggested|"
          r"want|wanted|insist|insisted|warn|warned|admit|admitted|deny|denied|reveal|revealed|announce|announced")
_SAID = re.compile(
    rf"^(?:what|how)\s+(?P<else>else\s+)?(?:did|does|do|has|have|had|was|is|were|would|will)\s+(?P<who>.+?)"
    rf"(?:\s+have\s+to)?\s+(?:(?P<else2>else|also)\s+)?(?:{_VERBS})(?:\s+else)?"
    r"(?:\s+(?:about|of|on|regarding|concerning|to|over)\b)?(?:\s+(?P<topic>.+?))?\s*[?.!]*$", re.I)
_POSSESSIVE_VIEW = re.compile(
    r"^what\s+(?:is|was|are|were)\s+(?P<who>.+?)[’']s?\s+(?:view|views|opinion|response|reaction|position|stance|"
    r"comment|comments|statement)(?:\s+(?:on|of|about|to)\s+(?P<topic>.+?))?\s*[?.!]*$", re.I)
_WHO = re.compile(r"^who\s+(?:is|was|’s|'s)\s+(?P<who>.+?)\s*[?.!]*$", re.I)
_WHO_SAID = re.compile(
    r"^who\s+(?:said|says|told|claimed|stated|wrote|declared|insisted|warned|added|described)\s*[,:]?\s*"
    r"(?:that\s+)?(?P<quote>.+?)\s*[?.!]*$", re.I)
_QUOTES = "\"“”‘’'«»"
PRONOUNS = {"he", "she", "they", "him", "her"}
OUTLET_WORDS = re.compile(r"^(?:the\s+)?(?:writer|author|columnist|journalist|reporter|article|piece|story|editorial|"
                          r"outlet|publisher|website|site|paper|newspaper)$", re.I)
# Lower-case words allowed inside a name ("Nick Van den Brul", "Charles de Gaulle").
_PARTICLES = {"de", "van", "von", "da", "al", "bin", "du", "le", "la", "den", "der", "di", "del", "dos", "ter", "of"}


@dataclass(frozen=True)
class PersonQuestion:
    """``intent`` and its parts: ``who`` (as asked: a name, a pronoun, 'the writer'),
    ``topic`` (what about, or the quoted words for ``who_said``), ``again`` ("what else")."""

    intent: Literal["said", "who", "who_said"]
    who: str
    topic: str | None = None
    again: bool = False


def is_name(phrase: str) -> bool:
    """Capitalised words (particles allowed), an optional leading 'the': 'True Pundit', 'the BBC'.

    >>> is_name("Katie Harbath"), is_name("the report"), is_name("the BBC")
    (True, False, True)
    """
    words = phrase.split()
    if words and words[0].lower() == "the":
        words = words[1:]
    return bool(words) and len(words) <= 6 and words[0][:1].isupper() and all(
        w[:1].isupper() or w in _PARTICLES or w == "&" for w in words)


def _who_ok(who: str) -> bool:
    return who.lower() in PRONOUNS or bool(OUTLET_WORDS.match(who)) or is_name(who) or (
        who.lower().startswith(("the ", "a ")) and len(who.split()) <= 4)


def parse(question: str) -> PersonQuestion | None:
    """The person question ``question`` asks, or None when it is not one."""
    q = question.strip()
    m = _WHO_SAID.match(q)
    if m:
        quote = m.group("quote").strip(_QUOTES + " ")
        return PersonQuestion("who_said", "", quote) if len(re.findall(r"\w+", quote)) >= 3 else None
    m = _WHO.match(q)
    if m:
        who = m.group("who").strip()
        return PersonQuestion("who", who) if is_name(who) and not who.lower().startswith("the ") else None
    m = _SAID.match(q) or _POSSESSIVE_VIEW.match(q)
    if not m:
        return None
    who = m.group("who").strip()
    if not _who_ok(who):
        return None
    again = bool(m.groupdict().get("else") or m.groupdict().get("else2")) or bool(re.search(r"\belse\b", q, re.I))
    topic = (m.group("topic") or "").strip() or None
    return PersonQuestion("said", who, topic, again)
