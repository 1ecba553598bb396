"""The people stage: answer questions about a person from the attribution layer.

Scope: a question ``person_questions.parse`` recognises, the articles in scope and
their ``Speaker``s (``attribution.roster``). It runs before retrieval and either
answers or returns None (the ordinary pipeline then answers):

- "What did X say (about Y)?": X's sentences, their direct quotes first, or the ones
  closest to Y (dense + BM25 over X's sentences only). Found.
- X is mentioned but never quoted: not found, with the notice "X is mentioned but not
  quoted in this article." and the sentences that mention X. X absent: not found.
- "What else did she say?": the previous answer's speaker, minus what was quoted;
  none left gives the notice "X has no other quoted sentence in this article."
- "Who is X?" (X a speaker): the sentence that gives X's role, then X's quotes.
- "Who said '...'?": the attributed sentence holding most of those words.
- "What does the writer / <publisher> think?": the outlet's commentary.

Confidence: a found answer's ``confidence`` is ``SPEAKER_CONFIDENCE``, the speaker
accuracy the attribution suite measures on its labelled sentences (the chance the
quote is really X's); for "Who said", times the share of the asked words found.

Example:
    >>> from assistant import Assistant, Settings
    >>> bot = Assistant.from_paths(["corpus/"], settings=Settings(model="fake", progress=False, reader="none"))
    >>> a = bot.ask("What did Katie Harbath say?")
    >>> a.found, a.quotes[0].attribution.speaker
    (True, 'Katie Harbath')
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from assistant.answer.quotes import make_answer, pick_quotes
from assistant.attribution.roster import fullest_name, name_forms, strip_title, surname, word_pattern
from assistant.ranking.features import minmax
from assistant.ranking.followup import Turn
from assistant.ranking.person_questions import OUTLET_WORDS, PRONOUNS, PersonQuestion, is_name, parse
from assistant.store.lexical import tokenize
from assistant.store.view import StoreView
from assistant.types import Answer, Article, Notice, Speaker

SPEAKER_CONFIDENCE = 0.95  # speaker accuracy of direct quotes in `assistant eval --suite attribution`
WHO_SAID_MIN_SHARE = 0.6   # below this share of the asked words, "Who said" falls back to retrieval
CANDIDATE_ROWS, CANDIDATE_ARTICLES = 200, 20  # how far the people stage looks for the person asked about
_KIND_ORDER = {"direct_quote": 0, "commentary": 1, "reported": 2}
_WORD = re.compile(r"[\w’'-]+")


@dataclass(frozen=True)
class Scope:
    """What the people stage reads: the snapshot, the article rows in scope (None: all)
    and ``roster(article) -> list[Speaker]``. Articles are opened only when the words
    asked about occur in them (BM25), so a large lazily loaded index stays unread."""

    snapshot: StoreView
    allowed: np.ndarray | None
    roster: object

    def articles_for(self, text: str) -> list[Article]:
        """The articles in scope whose sentences hold words of ``text``, best match first."""
        positions = self.snapshot.matching_articles(tokenize([text])[0], self.allowed, CANDIDATE_ROWS)
        return [self.snapshot.articles[i] for i in positions[:CANDIDATE_ARTICLES]]

    def speakers_in(self, articles: list[Article]) -> list[Speaker]:
        return [s for a in articles for s in self.roster(a)]

    def small(self) -> list[Article] | None:
        """Every article in scope when there are at most ``CANDIDATE_ARTICLES``, else None."""
        if self.allowed is None:
            n = len(self.snapshot.by_id)
            return list(self.snapshot.articles) if n <= CANDIDATE_ARTICLES else None
        positions = np.unique(self.snapshot.article_positions(self.allowed))
        if len(positions) > CANDIDATE_ARTICLES:
            return None
        return [self.snapshot.articles[int(i)] for i in positions]


def answer_person(snapshot: StoreView, article_ids: list[str] | None, roster, embedder, question: str,
                  turns: list[Turn], top_k: int) -> Answer | None:
    """The answer to a person question about ``article_ids`` (every article when None), or
    None when ``question`` is none (or names nobody this stage can speak for). Only a
    question the grammar recognises costs more than its regular expressions."""
    asked = parse(question)
    if asked is None or not snapshot.n_rows:
        return None
    scope = Scope(snapshot, snapshot.allowed(article_ids), roster)
    ranked_rows = ranked_rows_for(snapshot, embedder)
    if asked.intent == "who_said":
        return _who_said(scope, question, asked, top_k)
    if asked.intent == "who":
        matches = [s for s in scope.speakers_in(scope.articles_for(asked.who)) if _names(asked.who, s)]
        return _who(scope, question, matches, top_k) if matches else None
    return _said(scope, question, asked, turns, top_k, ranked_rows)


def _norm(name: str) -> str:
    return re.sub(r"[’']s$", "", strip_title(name.strip())).lower()


def _names(asked: str, speaker: Speaker) -> bool:
    """Whether ``asked`` ('Ms Harbath', 'Katie Harbath', 'Harbath') names ``speaker``."""
    a = _norm(asked)
    forms = [_norm(f) for f in name_forms(speaker)]
    if a in forms:
        return True
    if not a or (" " in a and any(word_pattern(a).search(f) for f in forms)):
        return bool(a)  # "Helmut Panke" names "the carmaker's chief executive Helmut Panke"
    if speaker.kind != "person":
        return False
    words, full = a.split(), _norm(speaker.name).split()
    return words[-1] == surname(speaker.name).lower() and (len(words) == 1 or words[0] == full[0])


def _outlet_speakers(scope: Scope, asked: str) -> list[Speaker] | None:
    """The outlet's commentary speakers when ``asked`` is 'the writer' or a publisher in a small scope."""
    articles = scope.small()
    if articles is None:
        return None
    if OUTLET_WORDS.match(asked) or any(a.publisher and _norm(a.publisher) == _norm(asked) for a in articles):
        return [s for s in scope.speakers_in(articles) if s.kind == "outlet"]
    return None


def _said(scope: Scope, question: str, asked: PersonQuestion, turns: list[Turn], top_k: int,
          ranked_rows) -> Answer | None:
    skip: set[tuple[str, int]] = set()
    if asked.who.lower() in PRONOUNS:
        speakers, skip = _previous_speaker(scope, turns)
        if not speakers:
            return None
    else:
        speakers = _outlet_speakers(scope, asked.who)
        if speakers is None:
            speakers = [s for s in scope.speakers_in(scope.articles_for(asked.who)) if _names(asked.who, s)]
    if asked.again and turns:
        skip |= {pair for turn in turns for pair in _quoted_before(scope, turn)}
    if not speakers:
        return _not_quoted(scope, question, asked.who, top_k) if is_name(asked.who) else None
    picked = _spoken(scope, speakers, skip)
    if not picked:
        top = speakers[0]
        notice = Notice(kind="no_other_quote", article_id=top.article_id, name=top.name, name_span=top.name_span)
        return Answer(question=question, found=False, confidence=0.0, notice=notice)
    if asked.topic:
        picked = _by_relevance(scope, picked, asked.topic, ranked_rows)
    quotes = pick_quotes(picked, top_k)
    return make_answer(question, quotes, SPEAKER_CONFIDENCE, 0.5)


def _spoken(scope: Scope, speakers: list[Speaker], skip: set[tuple[str, int]]) -> list[tuple[Article, int, float]]:
    """(article, sentence index, score) for the speakers' sentences: direct quotes first, in text order."""
    out = []
    for speaker in speakers:
        article = scope.snapshot.article(speaker.article_id)
        index = {s.start: i for i, s in enumerate(article.sentences)}
        for sentence in speaker.sentences:
            i = index[sentence.start]
            if (article.id, i) not in skip:
                out.append((article, i, _KIND_ORDER.get(sentence.kind, 3), sentence.start))
    out.sort(key=lambda x: (x[2], x[3]))
    return [(article, i, 1.0 - rank / max(len(out), 1)) for rank, (article, i, _, _) in enumerate(out)]


def _by_relevance(scope: Scope, picked, topic: str, ranked_rows) -> list[tuple[Article, int, float]]:
    """``picked`` reordered by how close each sentence is to ``topic`` (dense + BM25)."""
    rows = np.array([_row(scope.snapshot, article, i) for article, i, _ in picked], dtype=np.int64)
    score = ranked_rows(topic, rows)
    order = np.argsort(-score, kind="stable")
    return [(picked[k][0], picked[k][1], float(score[k])) for k in order]


def _row(snapshot: StoreView, article: Article, index: int) -> int:
    return int(snapshot.first_row[snapshot.by_id[article.id]]) + index


def _previous_speaker(scope: Scope, turns: list[Turn]) -> tuple[list[Speaker], set[tuple[str, int]]]:
    """The speaker of the previous answer's first quote, and every sentence quoted so far."""
    if not turns or not turns[-1].answer or not turns[-1].answer.quotes:
        return [], set()
    top = turns[-1].answer.quotes[0]
    span = top.attribution.speaker_span if top.attribution else None
    if top.article_id not in scope.snapshot.by_id:
        return [], set()
    own = scope.roster(scope.snapshot.article(top.article_id))
    speakers = [s for s in own if span is not None and (
        s.name_span == span or any(_norm(f) == _norm(top.attribution.speaker) for f in name_forms(s)))]
    return speakers, {pair for turn in turns for pair in _quoted_before(scope, turn)}


def _quoted_before(scope: Scope, turn: Turn) -> set[tuple[str, int]]:
    """(article id, sentence index) of every sentence inside the previous answer's quotes."""
    out = set()
    for q in turn.answer.quotes if turn.answer else []:
        if q.article_id in scope.snapshot.by_id:
            for i, s in enumerate(scope.snapshot.article(q.article_id).sentences):
                if q.start <= s.start < q.end:
                    out.add((q.article_id, i))
    return out


def _not_quoted(scope: Scope, question: str, who: str, top_k: int) -> Answer:
    """X is mentioned but never speaks (notice + the sentences naming X), or is absent."""
    bare = strip_title(who.strip())
    pattern = word_pattern(bare)
    mentions = []
    for article in scope.articles_for(bare):
        for i, s in enumerate(article.sentences):
            m = pattern.search(article.text, s.start, s.end)
            if m:
                mentions.append((article, i, m.span()))
    if not mentions:
        return make_answer(question, [], 0.0, 1.0)
    article, _, span = mentions[0]
    span = fullest_name(article.text, span)
    notice = Notice(kind="mentioned_not_quoted", article_id=article.id, name=article.text[span[0]:span[1]],
                    name_span=span)
    quotes = pick_quotes([(a, i, 1.0 - k / len(mentions)) for k, (a, i, _) in enumerate(mentions)], top_k)
    return Answer(question=question, found=False, confidence=0.0, quotes=quotes, notice=notice)


def _who(scope: Scope, question: str, speakers: list[Speaker], top_k: int) -> Answer:
    """The sentence that gives the speaker's role first, then their quotes."""
    picked = _spoken(scope, speakers, set())
    for speaker in speakers:
        if speaker.role_span:
            article = scope.snapshot.article(speaker.article_id)
            i = next(i for i, s in enumerate(article.sentences) if s.start <= speaker.role_span[0] < s.end)
            picked = [(article, i, 2.0)] + [p for p in picked if (p[0].id, p[1]) != (article.id, i)]
            break
    return make_answer(question, pick_quotes(picked, top_k), SPEAKER_CONFIDENCE, 0.5)


def _who_said(scope: Scope, question: str, asked: PersonQuestion, top_k: int) -> Answer | None:
    """The attributed sentence that holds the largest share of the asked words."""
    words = [w.lower() for w in _WORD.findall(asked.topic or "")]
    best, best_share = None, 0.0
    for speaker in scope.speakers_in(scope.articles_for(asked.topic or "")):
        article = scope.snapshot.article(speaker.article_id)
        index = {s.start: i for i, s in enumerate(article.sentences)}
        for sentence in speaker.sentences:
            have = {w.lower() for w in _WORD.findall(article.text[sentence.start:sentence.end])}
            share = sum(w in have for w in words) / len(words)
            if share > best_share:
                best, best_share = (article, index[sentence.start]), share
    if best is None or best_share < WHO_SAID_MIN_SHARE:
        return None
    quotes = pick_quotes([(best[0], best[1], best_share)], top_k)
    return make_answer(question, quotes, SPEAKER_CONFIDENCE * best_share, 0.5)


def ranked_rows_for(snapshot: StoreView, embedder):
    """``ranked_rows(text, rows)``: min-max cosine plus half min-max BM25 of ``rows`` against ``text``."""
    def ranked_rows(text: str, rows: np.ndarray) -> np.ndarray:
        dense, bm25 = snapshot.scores(embedder.encode_query(text), tokenize([text])[0], rows)
        return minmax(dense) + 0.5 * minmax(bm25)
    return ranked_rows
