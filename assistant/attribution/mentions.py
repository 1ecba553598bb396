"""Names in news text and who a pronoun or short reference points back to.

Attribution needs two things from the words around a cue: the proper name in
a phrase ("Constitutional Affairs Minister David Lammy" -> "David Lammy") and,
for "he said" / "Mr Lammy said" / "the company said" / "the 28-year-old
said", the earlier mention the reference stands for. ``Mentions`` keeps the
people and organisations seen so far, in order, with what each did (spoke,
acted as a clause's subject, or was only named), and resolves such references
to the span of the fullest earlier name: a pronoun to the previous sentence's
speaker or subject first, then to the most recent speaker of that gender.
Everything is a span of the article text, so resolved speakers stay verbatim.

Example:
    >>> text = 'Ms Ann Lee spoke. Mr Bo Ray left. Ms Lee said'
    >>> m = Mentions(text)
    >>> m.note((0, 10)), m.note((18, 27))
    ((0, 10), (18, 27))
    >>> span = m.resolve((34, 40)); text[span[0]:span[1]]
    'Ms Ann Lee'
    >>> span = m.resolve((0, 0), pronoun='she'); text[span[0]:span[1]]
    'Ms Ann Lee'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

TITLES = ("Mr|Mrs|Ms|Miss|Dr|Lord|Lady|Sir|Dame|Prof|Professor|Baroness|Rev|Reverend|Judge|Senator|Governor|"
          "President|Chancellor|Sheriff")
_MALE, _FEMALE = {"Mr", "Lord", "Sir", "Rev", "Reverend"}, {"Mrs", "Ms", "Miss", "Lady", "Dame", "Baroness"}
_HONORIFICS = _MALE | _FEMALE | {"Dr", "Prof"}
# A capitalised word or initials ("J.K."); a full stop ends a sentence unless a letter follows it.
_TOKEN = r"(?:(?:[A-Z]\.)+(?![\w’'-])|[A-Z](?:[\w’'-]|\.(?=\w))*)"
_PARTICLES = {"de", "van", "von", "da", "al", "bin", "du", "le", "la", "den", "der", "di", "del", "dos", "ter"}
_JOIN = rf"[ \u00a0]+(?:(?:{'|'.join(sorted(_PARTICLES))}|&)[ \u00a0]+)*"
NAME = re.compile(rf"(?=[A-Z])(?:(?:{TITLES})\.?[ \u00a0]+)?{_TOKEN}(?:{_JOIN}{_TOKEN})*")
# Capitalised words that start sentences but never names ("During the game ...", "Some of ...").
NOT_NAMES = set(
    "A An The During After Before Despite Since Until With Without Under Over Following Although Though While When If "
    "As At In On For From By Of To Into Some Many Most All Both Each Other Others Several One Two Three Any No None "
    "Such Every More Few It He She They We I You There This That These Those His Her Its Their Our My Your What Which "
    "Who Where Why How But And So Yet Also Then Now Today Yesterday However Meanwhile Instead Earlier Later "
    "Currently Last Next First Second Asked Speaking Reminded Monday Tuesday Wednesday Thursday Friday Saturday "
    "Sunday Like Unlike Amid Among Against Between Beyond Through Throughout Within Including".split()
)
_LEADING_NOT_NAMES = NOT_NAMES - {"The"}
SUFFIXES = {"MP", "MEP", "MSP", "QC", "Jr", "Jr.", "Sr"}  # after a name, never part of it
SEAT_HOLDERS = {"MP", "MEP", "MSP", "AM"}  # written in capitals, yet the head of a person's description
_TITLE = re.compile(rf"^(?:{TITLES})\.?\s+(?P<rest>.+)$")
# Capitalised words that name a job, not a person: a name run is cut after the
# last of them ("Trade and Industry Secretary Patricia Hewitt" -> "Patricia Hewitt").
ROLE_WORDS = {
    "Secretary", "Minister", "Chairman", "Chairwoman", "Leader", "Director", "Executive", "Officer", "Manager",
    "Coach", "Boss", "Commissioner", "Spokesman", "Spokeswoman", "Spokesperson", "Ambassador", "Mayor", "Editor",
    "Chief", "Captain", "Analyst", "Correspondent", "Prosecutor", "Attorney", "General", "Premier", "Speaker",
    "Founder", "Head", "Dutchman", "Russian", "MP", "MEP", "MSP", "AM", "Bishop", "Archbishop", "Pope", "Queen",
    "King", "Prince", "Princess", "President", "Duke", "Duchess",
}
# Words that make a capitalised phrase an organisation rather than a person.
_ORG_WORDS = {
    "Airways", "Airlines", "Association", "Administration", "Alliance", "Authority", "Bank", "Board", "Commission",
    "Committee", "Company", "Corporation", "Council", "Department", "Federation", "Fellowship", "Forum", "Foundation",
    "Group", "Institute", "Ministry", "Office", "Organisation", "Organization", "Party", "Service", "Services",
    "Society", "Trust", "Union", "University", "Agency", "Bureau", "Club", "Court", "Government", "Inc", "Ltd",
    "plc", "Motors", "News", "Media", "Research", "Network", "Fund", "Academy", "League", "Police", "Radio",
    "Championship", "Championships", "Cup", "Games", "Festival", "Street", "Road", "House", "Parliament",
}
# Class nouns a text uses to refer back to a named organisation ("the company said").
# Not "the government", "the police", "the court": those name their own referent.
_ORG_NOUNS = re.compile(
    r"\b(?:company|firm|group|organisation|organization|alliance|airline|carmaker|car maker|bank|club|agency|"
    r"charity|body|watchdog|regulator|giant|retailer|network|broadcaster|corporation)$"
)
# Heads of descriptions that stand for a person named earlier ("the Oscar-nominated actor said").
PERSON_NOUNS = re.compile(
    r"^(?:[a-z]+-)?(?:actor|actress|singer|star|player|striker|midfielder|defender|goalkeeper|keeper|champion|runner|athlete|"
    r"boss|manager|coach|minister|secretary|chancellor|president|chairman|chairwoman|director|executive|"
    r"spokesman|spokeswoman|leader|winner|veteran|author|writer|artist|musician|comedian|presenter|rapper|"
    r"founder|premier|captain|international|forward|skipper|commissioner|businessman|businesswoman|lawyer|"
    r"counterpart|colleague|team-mate|wife|husband|widow|daughter|son|mother|father|partner|sister|brother|"
    r"attorney|prosecutor|analyst|economist|editor|correspondent|spokesperson|official)$"
)
_DEMONYM = re.compile(r"[a-z](?:ian|ean|an|ese|man|ard|ish|ch)$")
_DOC_NOUNS = re.compile(r"\b(?:report|study|survey|research|poll|figures|documents?|statement|review|analysis|"
                        r"data|letter|paper)$")


def clean_name(text: str, s: int, e: int) -> tuple[int, int]:
    """The person's name inside a capitalised run: drops an owner ("Britain's
    Jason Gardener") and job words before the name ("Industry Secretary Ann Lee").

    >>> t = "Britain's Jason Gardener"; s, e = clean_name(t, 0, len(t)); t[s:e]
    'Jason Gardener'
    """
    if " " not in text[s:e] and "\u00a0" not in text[s:e]:
        return s, e  # one word: nothing to drop
    words = [(m.start() + s, m.end() + s) for m in re.finditer(r"\S+", text[s:e])]
    texts = [text[ws:we] for ws, we in words]
    cut = 0
    for i, word in enumerate(texts[:-1]):
        if word.endswith(("'s", "’s", "s'", "s’")) or word.strip(".") in ROLE_WORDS:
            cut = i + 1
        elif i == 0 and PERSON_NOUNS.match(word.lower()):
            cut = 1  # "Striker Ann Lee" opening a sentence: a job, then the name
    honorific = next((i for i in range(1, len(words) - 1) if texts[i].rstrip(".") in _HONORIFICS), 0)
    if cut and not _TITLE.match(text[words[cut - 1][0] : e]):
        s = words[cut][0]
    elif honorific:
        s = words[honorific][0]  # "Speaking in Harrogate Mr Kennedy" -> "Mr Kennedy"
    else:  # "In Mumbai" -> "Mumbai", "On Tuesday Mitsubishi" -> "Mitsubishi"; "The Making Decisions Alliance" stays
        s = words[next((i for i, word in enumerate(texts) if word not in _LEADING_NOT_NAMES), len(words) - 1)][0]
    return s, e


def possessive(phrase: str) -> int:
    """How many characters of ``phrase`` mark an owner: 2 for "Lee's", 1 for "Williams'", else 0."""
    return 2 if phrase.endswith(("'s", "’s")) else 1 if phrase.endswith(("s'", "s’")) else 0


def name_at_end(text: str, s: int, e: int) -> tuple[int, int] | None:
    """The proper-name phrase ending exactly at ``e`` ('teacher Eve Trew' -> 'Eve Trew')."""
    best = None
    for m in NAME.finditer(text, s, e):
        if m.end() == e:
            best = clean_name(text, m.start(), m.end())
    return best


def is_person(phrase: str, surnames: set[str] | frozenset = frozenset()) -> bool:
    """A person's name by its shape: a title, a known surname, or 2-4 capitalised
    words (not all capitals) with no organisation word and no leading 'The'.

    >>> is_person('David Frost'), is_person('British Chambers of Commerce'), is_person('BBC Radio')
    (True, False, False)
    """
    shape = _person_shape(phrase)
    return shape in surnames if isinstance(shape, str) else shape


@lru_cache(maxsize=1 << 16)
def _person_shape(phrase: str) -> bool | str:
    """``is_person`` without the known surnames: a bool, or the one word to look up among them."""
    if _TITLE.match(phrase):
        return True
    words = [w for w in phrase.split() if w not in SUFFIXES]
    if not words:
        return False
    if len(words) == 1:
        return words[0]
    if words[0] in ("The", "the") or not 2 <= len(words) <= 4:
        return False
    if any(w.islower() and w not in _PARTICLES for w in words):
        return False
    caps = [w for w in words if w[:1].isupper()]
    return all(not w.isupper() and w.strip(".,") not in _ORG_WORDS and not any(c.isdigit() for c in w) for w in caps)


def gender_of(phrase: str) -> str | None:
    m = _TITLE.match(phrase)
    title = phrase.split()[0].rstrip(".") if m else None
    return "m" if title in _MALE else "f" if title in _FEMALE else None


@dataclass
class _Entity:
    span: tuple[int, int]
    person: bool
    gender: str | None = None
    spoke: bool = False
    salient: bool = False  # has spoken or been a clause's subject, not only mentioned
    maybe: bool = False  # a single capitalised word ('Edu'): a person once 'he' or 'the Brazilian' points to it
    role: str = ""


# After these words a name is a place or a thing, not a person a later 'he' can mean.
_PLACE_WORDS = set("in at from to near into across around throughout outside inside via toward towards".split())


@dataclass
class Mentions:
    """People and organisations seen so far in one article, most recent last.

    ``previous`` holds the last sentence's speaker, subjects and other mentions:
    a pronoun looks there first ('Mr A denied it. Mr B "did the sums," he said'
    means A, the subject before, not B or a name quoted in between), then at
    the most recent person who spoke or acted, then at other people named.
    """

    text: str
    entities: list[_Entity] = field(default_factory=list)
    surnames: dict[str, tuple[int, int]] = field(default_factory=dict)
    previous: list[tuple[str, _Entity]] = field(default_factory=list)
    _by_span: dict[tuple[int, int], _Entity] = field(default_factory=dict, repr=False)

    def note(self, span: tuple[int, int], person: bool | None = None, spoke: bool = False,
             how: str = "subject", role: str = "", gender: str | None = None) -> tuple[int, int]:
        """Record a name (resolved first, so 'Mr Lee' counts as 'Ann Lee') and return the resolved span;
        ``spoke`` marks a speaker, the only kind 'the company' may refer back to; ``gender`` what
        the text says of it ('Lee said she ...')."""
        said = gender  # 'X said she ...' speaks of X only when X can be a person ('Downing Street said she ...')
        gender = gender_of(self.text[span[0] : span[1]])
        span = self.resolve(span)
        phrase = self.text[span[0] : span[1]]
        if not phrase.split():  # an empty span names no one (a cue whose source trimmed to nothing)
            return span
        if said and (is_person(phrase, self.surnames) or _maybe_person(phrase)):
            gender = gender or said
        old = self._by_span.get(span)
        if old is None:
            old = self._by_span[span] = _Entity(span, False)
        else:
            self.entities.remove(old)
        if person is None:
            person = old.person or is_person(phrase, self.surnames) or gender is not None
        surname = phrase.split()[-1]
        fresh = how != "mention" or surname not in self.surnames  # 'Cherie Blair' speaks after 'Tony Blair'
        if person and len(phrase.split()) >= 2 and not phrase.isupper() and fresh:
            self.surnames[surname] = span
        old.person, old.gender = person, gender or gender_of(phrase) or old.gender
        old.spoke, old.salient = old.spoke or spoke, old.salient or how != "mention"
        old.maybe = old.maybe or _maybe_person(phrase) and _introduced_as_person(self.text, span[0])
        old.role = role or old.role
        self.entities.append(old)
        return span

    def note_sentence(self, items: list[tuple[tuple[int, int], bool | None, str, str, int]],
                      gender: str | None = None) -> None:
        """Record one sentence's (span, person, how, role, position) items, ``how`` being 'speaker',
        'subject' or 'mention' and ``position`` where the sentence names it (``gender`` is the
        speaker's, when the sentence says it: 'Lee admitted she ...'), and keep them as the
        previous sentence for the next pronoun: its speaker and subjects, the last named first
        ('X claimed ..., but Y is unfazed. He said' means Y), then the other people named."""
        previous = []
        for span, person, how, role, position in items:
            span = self.note(span, person, spoke=how == "speaker", how=how, role=role,
                             gender=gender if how == "speaker" else None)
            previous.append((how == "mention", -position, how, self.entities[-1]))
        if previous:  # a sentence that names nobody ('It is his 15th award.') keeps the one before
            self.previous = [(how, x) for *_, how, x in sorted(previous, key=lambda p: p[:2])]

    def learn(self, masked: str, base: int) -> list[tuple[int, int]]:
        """Learn the surnames of full names mentioned anywhere in a sentence
        (``masked`` starts at ``base``), so a later bare 'Ferguson' or 'Mr
        Ferguson' resolves to 'Sir Alex Ferguson' even if he was only an object.
        Returns the spans of the people named, possessives dropped ('Mr Lee's' -> 'Mr Lee')."""
        people = []
        for m in NAME.finditer(masked):
            if m.group() in NOT_NAMES:
                continue  # "The", "But", "It" opening a sentence
            s, e = clean_name(masked, m.start(), m.end())
            owner = possessive(masked[s:e])
            e -= owner
            phrase = masked[s:e]
            words = phrase.split()
            before = masked[max(0, s - 14) : s].split() if s and masked[s - 1] == " " else []
            if not words or before and before[-1] in ("the", "The") and not _TITLE.match(phrase):
                continue  # "the Zurich Premiership" is a thing; "the Reverend Ann Lee" is a person
            person = is_person(phrase, self.surnames)
            if len(words) >= 2 and person and words[-1] not in self.surnames and not owner:
                self.surnames[words[-1]] = (s + base, e + base)
            if before and before[-1] in _PLACE_WORDS or owner and not self._known(phrase):
                continue  # "in Hong Kong", "Manchester United's win": a place or a thing, not who a 'he' means
            if person:
                people.append((s + base, e + base))
        return people

    def fits(self, span: tuple[int, int], pronoun: str) -> bool:
        """Whether what is known of the gender of the name at ``span`` allows 'he' or 'she'."""
        x = self._by_span.get(span)
        gender = (x.gender if x else None) or gender_of(self.text[span[0] : span[1]])
        return gender in (None, {"he": "m", "she": "f"}.get(pronoun, gender))

    def _text(self, x: _Entity) -> str:
        return self.text[x.span[0] : x.span[1]]

    def _known(self, phrase: str) -> bool:
        """A titled name or the surname of a person met before."""
        return bool(_TITLE.match(phrase)) or phrase.split()[-1] in self.surnames

    def resolve(self, span: tuple[int, int], pronoun: str | None = None) -> tuple[int, int] | None:
        """The earlier full mention that ``span`` (a title+surname, a bare
        surname, or a pronoun/description when ``pronoun`` is given: 'he',
        'she', 'it', 'they', 'person', or 'org' for 'the company') refers to; the span
        itself if none (None for a pronoun with no antecedent)."""
        if pronoun:
            return self._antecedent(pronoun, self.text[span[0] : span[1]])
        phrase = self.text[span[0] : span[1]]
        m = _TITLE.match(phrase)
        rest = m.group("rest") if m else phrase
        if " " not in rest and rest in self.surnames:
            full = self.surnames[rest]
            return full if full != span else span
        full = self.surnames.get(rest.split()[-1]) if m else None  # "Mr Baez Silva" -> "Carlos Baez Silva"
        if full and full != span and self.text[full[0] : full[1]].endswith(" " + rest):
            return full
        if " " not in phrase:  # a one-word name met before ('Edu') is the same one
            return next((x.span for x in reversed(self.entities) if self.text[x.span[0] : x.span[1]] == phrase), span)
        return span

    def _antecedent(self, pronoun: str, phrase: str = "") -> tuple[int, int] | None:
        word = pronoun.lower()
        if word in ("it", "org"):  # the organisation that spoke last sentence, then the most recent named one
            fits = lambda x: not x.person and x.salient and (x.spoke or word == "it")  # noqa: E731
            x = (next((x for how, x in self.previous if how == "speaker" and fits(x)), None)
                 or next((x for how, x in self.previous if how == "speaker" and x.gender is None
                          and not _DESCRIBED.match(self._text(x))), None)  # 'Krispy Kreme said' looks like a name
                 or next((x for x in reversed(self.entities) if fits(x) and not _DESCRIBED.match(self._text(x))), None)
                 or next((x for x in reversed(self.entities) if fits(x)), None))
            return x.span if x else None
        if word == "they":  # 'Police said ... They believe': a group that has just spoken
            x = next((x for how, x in self.previous if how == "speaker" and not x.person), None)
            return x.span if x else None
        if word == "person":
            head = phrase.split()[-1].lower() if phrase.split() else ""
            x = next((x for x in reversed(self.entities) if x.person and _has_word(x, self.text, head)
                      and (_ROLE_ONLY.match(head) or not _DESCRIBED.match(self.text, x.span[0]))), None)
            if x is not None or _ROLE_ONLY.match(head):
                return x.span if x else None  # "the spokesman" is the earlier spokesman, or stands alone
        want = {"he": "m", "she": "f"}.get(word)
        x = self._person(want)
        if x is None:
            return None
        x.person, x.gender = True, x.gender or want  # "he said" after "David Frost" tells us Frost's pronoun
        return x.span

    def _person(self, want: str | None) -> _Entity | None:
        """The person a pronoun of gender ``want`` means: the previous sentence's speaker or subject;
        else the most recent person who spoke, then who acted; else one the previous sentence named
        ('... echoed by Ann Lee. "...," she said'); else any person; else a one-word name."""
        fits = lambda x: x.gender in (None, want) or want is None  # noqa: E731
        recent = list(reversed(self.entities))
        acted = [x for how, x in self.previous if how != "mention"]
        return (next((x for x in acted if x.person and fits(x)), None)
                or next((x for x in acted if x.maybe and fits(x)), None)
                or next((x for x in recent if x.person and x.spoke and fits(x)), None)
                or next((x for x in recent if x.person and x.salient and fits(x)), None)
                or next((x for _, x in self.previous if x.person and fits(x)), None)
                or next((x for x in recent if x.person and fits(x)), None)
                or next((x for x in recent if (x.maybe or x.spoke and _maybe_person(self._text(x))) and fits(x)), None))


_OPENING_JOB = re.compile(r"(?:^|\n|[.!?]\s)\s*([A-Z][a-z-]+) $")
_ROLE_ONLY = re.compile(r"^spokes(?:man|woman|person)$")
_DESCRIBED = re.compile(r"(?:(?:[Aa]n?|[Tt]he|[Tt]his|[Ii]ts|[Tt]heir)\s|[a-z])")  # named only by a description


def _has_word(x: _Entity, text: str, word: str) -> bool:
    """Whether an entity's name or role contains ``word`` ('A spokesman for X' for 'the spokesman')."""
    opening = _OPENING_JOB.search(text, max(0, x.span[0] - 30), x.span[0])  # "Actor Ann Lee" starts a sentence
    before = [opening.group(1)] if opening else []
    words = (text[x.span[0] : x.span[1]] + " " + x.role + " " + " ".join(before)).lower().split()
    return bool(word) and word in words


def _introduced_as_person(text: str, at: int) -> bool:
    """A one-word name after an owner or a job ("Arsenal's Edu", "striker Edu") is a person's."""
    before = text[max(0, at - 30) : at].split()
    return bool(before) and (before[-1].endswith(("'s", "’s")) or bool(PERSON_NOUNS.match(before[-1])))


def _maybe_person(phrase: str) -> bool:
    words = phrase.split()
    return (len(words) == 1 and phrase[:1].isupper() and not phrase.isupper() and phrase not in NOT_NAMES
            and phrase not in _ORG_WORDS)


def description_kind(phrase: str) -> str | None:
    """'person', 'org' or None for a definite description standing for an earlier
    name: 'the 28-year-old' -> person, 'the company' -> org, 'the report' -> None."""
    words = phrase.split()
    if not words or words[0].lower() not in ("the", "this") or len(words) > 6 or "'s" in phrase or "’s" in phrase:
        return None
    head = words[-1].lower()
    if _DOC_NOUNS.search(head) or not head.isalpha() and "-old" not in head:
        return None
    if words[-1] in SEAT_HOLDERS:
        return "person"  # "the Salford MP": the member for a seat, named before
    if words[-1][:1].isupper():
        # "the Brazilian", "the Dutchman" stand for a person named before; "the Bishop" is how the text names him
        return "person" if len(words) == 2 and _DEMONYM.search(words[-1]) else None
    if _ORG_NOUNS.search(phrase.lower()):
        return None if any(w[:1].isupper() for w in words[1:]) else "org"  # "the Labour party" is a name
    if PERSON_NOUNS.search(head) or head.endswith("-old"):
        return "person"
    return None  # "the Labour party", "the judges": they name themselves
