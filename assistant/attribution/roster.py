"""Who is quoted in an article: the sentences' speakers gathered into ``Speaker``s.

Scope: one article at a time, from the ``Attribution`` every sentence already
carries. The forms a person goes by ("Katie Harbath", "Ms Harbath", "Harbath")
merge under the fullest one: a short form (a surname, with or without a title)
joins the most recent full name ending in that surname, so "Tony Blair" and
"Cherie Blair" stay two people. Pronouns the attribution layer resolved are
already names; an unresolved "he" or "they" names nobody and is left out.
Organisations, roles and descriptions ("a spokesman", "the Treasury") are
``group`` speakers keyed by their words; the publisher's commentary is the
``outlet`` speaker.

Example:
    >>> from assistant.ingest.files import article_from_text
    >>> art = article_from_text('Ann Lee, a nurse, spoke.\\n\\n"We won," Ms Lee said. "It was hard," she said.')
    >>> [(s.name, s.aliases, s.quoted) for s in speakers_of(art)]
    [('Ann Lee', ['Ms Lee', 'Lee'], 2)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.attribution.cues import DETERMINER, PRONOUN
from assistant.attribution.mentions import NAME, ROLE_WORDS, SUFFIXES, TITLES, clean_name, is_person
from assistant.types import Article, Speaker, SpokenSentence

__all__ = ["fullest_name", "name_forms", "person_core", "speakers_of", "strip_title", "surname", "word_pattern"]

_TITLE = re.compile(rf"^(?:{TITLES})\.?\s+")
_POSSESSIVE = re.compile(r"[’']s$")
_JOB_WORDS = ROLE_WORDS | set(TITLES.split("|")) | {"Inspector", "Detective", "Superintendent", "Sergeant",
                                                    "Constable", "Supt", "Officer", "Colonel", "General", "Major"}
_AFTER_PREPOSITION = re.compile(r"\b(?:for|of|from|at|with|by|to|on behalf of)\s+(?:the\s+)?$", re.I)


def strip_title(name: str) -> str:
    """``name`` without a leading title: 'Ms Harbath' -> 'Harbath', 'Rev Dr Tom Wright' -> 'Dr Tom Wright'."""
    return _TITLE.sub("", name)


def word_pattern(phrase: str) -> re.Pattern:
    """``phrase`` as whole words: 'Lee' matches in 'Ms Lee said', not in 'Leeds'.

    >>> bool(word_pattern("Lee").search("Ms Lee said")), bool(word_pattern("Lee").search("Leeds"))
    (True, False)
    """
    return re.compile(rf"(?<![\w’'-]){re.escape(phrase)}(?![\w’'-])")


def surname(form: str) -> str:
    """The last word of a personal name, title and possessive dropped: 'Ms Harbath' -> 'Harbath'."""
    words = strip_title(form).split()
    return _POSSESSIVE.sub("", words[-1]) if words else ""


def name_forms(speaker: Speaker) -> list[str]:
    """Every way the article names ``speaker``: its name, aliases, and a person's surname."""
    forms = [speaker.name, *speaker.aliases]
    if speaker.kind == "person":
        forms.append(surname(speaker.name))
    return list(dict.fromkeys(f for f in forms if f))


@dataclass
class _Group:
    kind: str
    forms: dict[str, tuple[int, int]] = field(default_factory=dict)  # name form -> first span
    phrases: dict[str, tuple[int, int]] = field(default_factory=dict)  # whole speaker phrases around a name
    sentences: list[SpokenSentence] = field(default_factory=list)
    role: tuple[str, tuple[int, int]] | None = None
    outlets: list[str] = field(default_factory=list)


def _kind(speaker: str, attribution_kind: str, surnames: set[str]) -> str:
    if attribution_kind == "commentary":
        return "outlet"
    if DETERMINER.match(speaker) or not speaker[:1].isupper():
        return "group"
    return "person" if is_person(speaker, surnames) else "group"


def person_core(text: str, span: tuple[int, int],
                surnames: set[str] | frozenset = frozenset()) -> tuple[int, int] | None:
    """The person's name inside a speaker phrase, without the role around it:
    'Vice-President Dick Cheney' -> 'Dick Cheney', 'Paul Boateng MP' -> 'Paul Boateng',
    'the carmaker's chief executive Helmut Panke' -> 'Helmut Panke'. Not a name after
    'for'/'of'/...: 'a spokesman for Tony Blair' is not Tony Blair.

    >>> t = "Democratic Senator Kent Conrad"; s = person_core(t, (0, len(t))); t[s[0]:s[1]]
    'Kent Conrad'
    """
    for m in NAME.finditer(text, span[0], span[1]):
        s, e = clean_name(text, m.start(), m.end())
        words = strip_title(text[s:e]).split()
        while words and words[-1] in SUFFIXES:
            words.pop()
        cut = max((i + 1 for i, w in enumerate(words[:-1]) if w.split("-")[-1] in _JOB_WORDS), default=0)
        words = words[cut:]  # "Democratic Senator Kent Conrad" -> "Kent Conrad"
        if len(words) < 2 or _AFTER_PREPOSITION.search(text, span[0], s) or not is_person(" ".join(words), surnames):
            continue
        core_start = text.index(words[0], s)
        return core_start, core_start + len(" ".join(words))
    return None


def _described(text: str, phrase: str, before: int) -> tuple[int, int] | None:
    """The name a description speaker ('the Bishop', 'the artists') stands for: the name the
    text gave right after that description earlier on ('Bafta-winning artists Langlands & Bell',
    'The Bishop of Durham, the Rt Rev Dr Tom Wright,').

    >>> t = "The Bishop of Durham, the Rt Rev Dr Tom Wright, spoke. Later the Bishop said so."
    >>> s = _described(t, "the Bishop", 56); t[s[0]:s[1]]
    'Tom Wright'
    """
    words = phrase.split()
    if len(words) > 3 or words[0].lower() != "the" or not words[-1].isalpha():
        return None
    intro = rf"\b{re.escape(words[-1])}(?:\s+of\s+[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*,)?\s+(?:the\s+)?"
    for m in re.finditer(intro, text[:before]):
        name = NAME.match(text, m.end())
        if name is None:
            continue
        s, e = clean_name(text, name.start(), name.end())
        core = person_core(text, (s, e))
        if core:
            return core
        if "&" in text[s:e]:  # a duo's name ("Langlands & Bell") is not a person's, but names them
            return s, e
    return None


def _name_words(text: str) -> set[str]:
    """First and last words of the people's full names in ``text``: a speaker called just
    'Sharon' or 'Eastwood' is then a person, not a group."""
    words = set()
    for m in NAME.finditer(text):
        s, e = clean_name(text, m.start(), m.end())
        parts = strip_title(text[s:e]).split()
        if 2 <= len(parts) <= 3 and is_person(text[s:e]):
            words |= {parts[0], _POSSESSIVE.sub("", parts[-1])}
    return words


def _key(speaker: str, kind: str, full_names: dict[str, str]) -> str:
    """Which group a form joins: a person's full name, or the surname's latest full name."""
    if kind != "person":
        return f"{kind}:{DETERMINER.sub('', speaker.lower()).strip()}"
    last = surname(speaker)
    bare = strip_title(speaker)
    if " " in bare:  # a full name: its own person, and the one its surname now means
        full_names[last] = bare
        return f"person:{bare}"
    return f"person:{full_names.get(last, last)}"


def speakers_of(article: Article) -> list[Speaker]:
    """The article's speakers in order of first appearance, each with every sentence
    attributed to them (direct quotes, reported speech, commentary)."""
    groups: dict[str, _Group] = {}
    full_names: dict[str, str] = {}
    surnames = _name_words(article.text) | {
        surname(s.attribution.speaker) for s in article.sentences
        if s.attribution and s.attribution.speaker and len(s.attribution.speaker.split()) >= 2}
    for sentence in article.sentences:
        a = sentence.attribution
        if not a or not a.speaker or not a.speaker_span or a.kind == "narration" or PRONOUN.match(a.speaker):
            continue
        core = person_core(article.text, a.speaker_span, surnames) if a.kind != "commentary" else None
        form, span = (article.text[core[0]:core[1]], core) if core else (a.speaker, a.speaker_span)
        kind = "person" if core else _kind(a.speaker, a.kind, surnames)
        named = _described(article.text, a.speaker, sentence.start) if kind == "group" else None
        if named:  # "the Bishop" ... introduced as "The Bishop of Durham, the Rt Rev Dr Tom Wright"
            form, span, kind = article.text[named[0]:named[1]], named, "person"
        if kind == "group" and " " not in a.speaker and fullest_name(article.text, a.speaker_span) != a.speaker_span:
            kind = "person"  # "Eastwood", whom the text also calls "Clint Eastwood"
        group = groups.setdefault(_key(form, kind, full_names), _Group(kind))
        group.forms.setdefault(form, span)
        if form != a.speaker:
            group.phrases.setdefault(a.speaker, a.speaker_span)
        group.sentences.append(SpokenSentence(start=sentence.start, end=sentence.end,
                                              paragraph=sentence.paragraph, kind=a.kind))
        if a.role and a.role_span and group.role is None:
            group.role = (a.role, a.role_span)
        if a.outlet and a.outlet not in group.outlets and a.outlet not in a.speaker:
            group.outlets.append(a.outlet)
    return [_speaker(article, group) for group in _merge_one_word_names(groups).values()]


def _short_forms(text: str, last: str) -> list[str]:
    """'Ms Harbath' and 'Harbath' as the text prints them (titled forms first)."""
    titled = re.findall(rf"\b(?:{TITLES})\.?\s+{re.escape(last)}\b", text)
    bare = [last] if word_pattern(last).search(text) else []
    return list(dict.fromkeys(titled + bare))


def _merge_one_word_names(groups: dict[str, _Group]) -> dict[str, _Group]:
    """A one-word name ("Harbath" seen before "Katie Harbath", or "Sharon" beside
    "Sharon Osbourne") joins the one full name that ends or starts with it."""
    for key in [k for k in groups if k.startswith("person:") and " " not in k]:
        word = key.split(":", 1)[1]
        fulls = [k for k in groups if k.startswith("person:") and " " in k
                 and word in (surname(k), k.split(":", 1)[1].split()[0])]
        if len(fulls) == 1:
            early, full = groups.pop(key), groups[fulls[0]]
            full.forms = {**full.forms, **{f: s for f, s in early.forms.items() if f not in full.forms}}
            full.phrases = {**full.phrases, **{f: s for f, s in early.phrases.items() if f not in full.phrases}}
            full.sentences = sorted(full.sentences + early.sentences, key=lambda s: s.start)
            full.role = full.role or early.role
            full.outlets += [o for o in early.outlets if o not in full.outlets]
    return groups


def fullest_name(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """The longest person's name in ``text`` that ends with the name at ``span``
    ('Eastwood' -> 'Clint Eastwood', also inside "Clint Eastwood's Million Dollar Baby");
    ``span`` itself when there is none.

    >>> t = "Clint Eastwood's film won. Eastwood said so."; s = fullest_name(t, (27, 35)); t[s[0]:s[1]]
    'Clint Eastwood'
    """
    best, short = span, text[span[0]:span[1]]
    pattern = rf"(?<![\w’'-])(?:(?:{TITLES})\.?\s+)?(?:[A-Z][\w’'.-]*\s+){{1,2}}{re.escape(short)}(?![\w-])"
    for m in re.finditer(pattern, text):
        s, e = clean_name(text, m.start(), m.end())
        if e == m.end() and e - s > best[1] - best[0] and is_person(text[s:e]):
            best = (s, e)
    return best


def _speaker(article: Article, group: _Group) -> Speaker:
    # The fullest form names them: most words without a title, then first seen.
    order = list(group.forms)
    name = max(order, key=lambda f: (len(strip_title(f).split()), -order.index(f)))
    name_span = group.forms[name]
    if group.kind == "person" and " " not in strip_title(name):
        name_span = fullest_name(article.text, name_span)  # only ever quoted as "Eastwood": name him in full
        name = article.text[name_span[0]:name_span[1]]
    aliases = [f for f in [*order, *group.phrases] if f != name]
    if group.kind == "person" and " " in strip_title(name):
        aliases += [f for f in _short_forms(article.text, surname(name)) if f not in aliases and f != name]
    return Speaker(article_id=article.id, name=name, name_span=name_span,
                   aliases=list(dict.fromkeys(aliases)), kind=group.kind,
                   role=group.role[0] if group.role else None, role_span=group.role[1] if group.role else None,
                   outlets=group.outlets, sentences=group.sentences)
