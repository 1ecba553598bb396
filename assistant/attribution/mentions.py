"""Names in news text and who a pronoun or short reference points back to.

Attribution needs two things from the words around a cue: the proper name in
a phrase ("Constitutional Affairs Minister David Lammy" -> "David Lammy") and,
for "he said" / "Mr Lammy said" / "the company said" / "the 28-year-old
said", the earlier mention the reference stands for. ``Mentions`` keeps the
people and organisations seen so far, in order, and resolves such references
to the span of the fullest earlier name. Everything is a span of the article
text, so resolved speakers stay verbatim.

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

TITLES = ("Mr|Mrs|Ms|Miss|Dr|Lord|Lady|Sir|Dame|Prof|Professor|Baroness|Rev|Reverend|Judge|Senator|Governor|"
          "President|Chancellor|Sheriff")
_MALE, _FEMALE = {"Mr", "Lord", "Sir", "Rev", "Reverend"}, {"Mrs", "Ms", "Miss", "Lady", "Dame", "Baroness"}
# A capitalised word or initials ("J.K."); a full stop ends a sentence unless a letter follows it.
_TOKEN = r"(?:(?:[A-Z]\.)+(?![\w’'-])|[A-Z](?:[\w’'-]|\.(?=\w))*)"
_PARTICLES = {"de", "van", "von", "da", "al", "bin", "du", "le", "la", "den", "der", "di", "del", "dos", "ter"}
_JOIN = rf"[ \u00a0]+(?:(?:{'|'.join(sorted(_PARTICLES))}|&)[ \u00a0]+)*"
NAME = re.compile(rf"(?:(?:{TITLES})\.?[ \u00a0]+)?{_TOKEN}(?:{_JOIN}{_TOKEN})*")
# Capitalised words that start sentences but never names ("During the game ...", "Some of ...").
NOT_NAMES = set(
    "A An The During After Before Despite Since Until With Without Under Over Following Although Though While When If "
    "As At In On For From By Of To Into Some Many Most All Both Each Other Others Several One Two Three Any No None "
    "Such Every More Few It He She They We I You There This That These Those His Her Its Their Our My Your What Which "
    "Who Where Why How But And So Yet Also Then Now Today Yesterday However Meanwhile Instead Earlier Later "
    "Currently Last Next First Second Asked Speaking Reminded".split()
)
_SUFFIXES = {"MP", "MEP", "QC", "Jr", "Jr.", "Sr"}
_TITLE = re.compile(rf"^(?:{TITLES})\.?\s+(?P<rest>.+)$")
# Capitalised words that name a job, not a person: a name run is cut after the
# last of them ("Trade and Industry Secretary Patricia Hewitt" -> "Patricia Hewitt").
ROLE_WORDS = {
    "Secretary", "Minister", "Chairman", "Chairwoman", "Leader", "Director", "Executive", "Officer", "Manager",
    "Coach", "Boss", "Commissioner", "Spokesman", "Spokeswoman", "Spokesperson", "Ambassador", "Mayor", "Editor",
    "Chief", "Captain", "Analyst", "Correspondent", "Prosecutor", "Attorney", "General", "Premier", "Speaker",
    "Founder", "Head", "Dutchman", "Russian", "MP", "MEP", "Bishop", "Archbishop", "Pope", "Queen", "King", "Prince",
    "Princess", "President", "Duke", "Duchess",
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
_PERSON_NOUNS = re.compile(
    r"^(?:actor|actress|singer|star|player|striker|midfielder|defender|goalkeeper|keeper|champion|runner|athlete|"
    r"boss|manager|coach|minister|secretary|chancellor|president|chairman|chairwoman|director|executive|"
    r"spokesman|spokeswoman|leader|winner|veteran|author|writer|artist|musician|comedian|presenter|rapper|"
    r"founder|premier|captain|international|forward|skipper|commissioner|businessman|businesswoman|lawyer)$"
)
_DOC_NOUNS = re.compile(r"\b(?:report|study|survey|research|poll|figures|documents?|statement|review|analysis|"
                        r"data|letter|paper)$")


def clean_name(text: str, s: int, e: int) -> tuple[int, int]:
    """The person's name inside a capitalised run: drops an owner ("Britain's
    Jason Gardener") and job words before the name ("Industry Secretary Ann Lee").

    >>> t = "Britain's Jason Gardener"; s, e = clean_name(t, 0, len(t)); t[s:e]
    'Jason Gardener'
    """
    words = [(m.start() + s, m.end() + s) for m in re.finditer(r"\S+", text[s:e])]
    cut = 0
    for i, (ws, we) in enumerate(words[:-1]):
        word = text[ws:we]
        if word.endswith(("'s", "’s", "s'", "s’")) or word.strip(".") in ROLE_WORDS:
            cut = i + 1
    if cut and not _TITLE.match(text[words[cut - 1][0] : e]):
        s = words[cut][0]
    elif len(words) > 1 and text[words[0][0] : words[0][1]] in NOT_NAMES - {"The"}:
        s = words[1][0]  # "In Mumbai" -> "Mumbai"; "The Making Decisions Alliance" keeps its "The"
    return s, e


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
    if _TITLE.match(phrase):
        return True
    words = [w for w in phrase.split() if w not in _SUFFIXES]
    if not words:
        return False
    if len(words) == 1:
        return words[0] in surnames
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


@dataclass
class Mentions:
    """People and organisations seen so far in one article, most recent last."""

    text: str
    entities: list[_Entity] = field(default_factory=list)
    surnames: dict[str, tuple[int, int]] = field(default_factory=dict)

    def note(self, span: tuple[int, int], person: bool | None = None, spoke: bool = False) -> tuple[int, int]:
        """Record a name (resolved first, so 'Mr Lee' counts as 'Ann Lee') and return the resolved span;
        ``spoke`` marks a speaker, the only kind 'the company' may refer back to."""
        span = self.resolve(span)
        phrase = self.text[span[0] : span[1]]
        if person is None:
            person = is_person(phrase, set(self.surnames))
        gender = gender_of(phrase) or self._gender(span)
        spoke = spoke or any(x.spoke for x in self.entities if x.span == span)
        if person and len(phrase.split()) >= 2 and not phrase.isupper():
            surname = phrase.split()[-1]
            self.surnames[surname] = span
        self.entities = [x for x in self.entities if x.span != span] + [_Entity(span, person, gender, spoke)]
        return span

    def learn(self, masked: str, base: int) -> None:
        """Learn the surnames of full names mentioned anywhere in a sentence
        (``masked`` starts at ``base``), so a later bare 'Ferguson' or 'Mr
        Ferguson' resolves to 'Sir Alex Ferguson' even if he was only an object."""
        for m in NAME.finditer(masked):
            s, e = clean_name(masked, m.start(), m.end())
            phrase = masked[s:e]
            if len(phrase.split()) >= 2 and is_person(phrase) and phrase.split()[-1] not in self.surnames:
                self.surnames[phrase.split()[-1]] = (s + base, e + base)

    def _gender(self, span: tuple[int, int]) -> str | None:
        return next((x.gender for x in self.entities if x.span == span), None)

    def resolve(self, span: tuple[int, int], pronoun: str | None = None) -> tuple[int, int] | None:
        """The earlier full mention that ``span`` (a title+surname, a bare
        surname, or a pronoun/description when ``pronoun`` is given: 'he',
        'she', 'it', 'person', or 'org' for 'the company') refers to; the span
        itself if none (None for a pronoun with no antecedent)."""
        if pronoun:
            return self._antecedent(pronoun)
        phrase = self.text[span[0] : span[1]]
        m = _TITLE.match(phrase)
        rest = m.group("rest") if m else phrase
        if " " not in rest and rest in self.surnames:
            full = self.surnames[rest]
            return full if full != span else span
        return span

    def _antecedent(self, pronoun: str) -> tuple[int, int] | None:
        want = {"he": "m", "she": "f"}.get(pronoun.lower())
        for x in reversed(self.entities):
            if pronoun.lower() in ("it", "org"):
                if not x.person and (x.spoke or pronoun == "it"):
                    return x.span
            elif x.person and (want is None or x.gender in (None, want)):
                if want and x.gender is None:
                    x.gender = want  # "he said" after "David Frost" tells us Frost's pronoun
                return x.span
        return None


def description_kind(phrase: str) -> str | None:
    """'person', 'org' or None for a definite description standing for an earlier
    name: 'the 28-year-old' -> person, 'the company' -> org, 'the report' -> None."""
    words = phrase.split()
    if not words or words[0].lower() not in ("the", "this") or len(words) > 5 or "'s" in phrase or "’s" in phrase:
        return None
    head = words[-1].lower()
    if _DOC_NOUNS.search(head) or not head.isalpha() and "-old" not in head:
        return None
    if words[-1][:1].isupper():
        return None  # "the Bishop" is how the text names him; keep it
    if _ORG_NOUNS.search(phrase.lower()):
        return None if any(w[:1].isupper() for w in words[1:]) else "org"  # "the Labour party" is a name
    if _PERSON_NOUNS.search(head) or head.endswith("-old"):
        return "person"
    return None  # "the Labour party", "the judges": they name themselves
