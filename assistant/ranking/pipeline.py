"""The ask path, stage by stage. ``Assistant.ask``, ``explain``, ``candidates``
and the benchmark's stage timing all call these functions.

    question ─► make_query ─► Query (cleaned text, search text, tokens, IDF terms, vector, follow-up context)
             ─► gather     ─► Candidates (dense + BM25 rows, their scores, the ranker's features)
             ─► rank       ─► Ranked (ranker or baseline score, speaker preference, order)
             ─► rerank     ─► Ranked (the reader reads the top N; its logit and the ranker's score are mixed)
             ─► quote      ─► verbatim Quotes, each span checked
             ─► decide     ─► Answer with a calibrated confidence, and its answerability features

Example:
    >>> from assistant.embedding.embedder import FakeEmbedder
    >>> from assistant.ingest.files import article_from_text
    >>> from assistant.store.build import build_index
    >>> from assistant.store.snapshot import Snapshot
    >>> snap = Snapshot.of(build_index([article_from_text("T\\n\\nThe cat sat. A dog ran.")], FakeEmbedder(),
    ...                                progress=False))
    >>> engine = Engine(FakeEmbedder())
    >>> engine.answer(snap, make_query(snap, engine.embedder, "Where did the cat sit?"), top_k=1).quotes[0].text
    'The cat sat.'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from assistant.answer.quotes import make_answer, pick_quotes
from assistant.errors import EmptyQuestionError, MethodError, QuestionError
from assistant.ranking import answerability as ans
from assistant.ranking.candidates import METHODS, Params, fuse, with_neighbours
from assistant.ranking.features import QuestionTerms, candidate_features, coverage, question_type
from assistant.ranking.followup import Turn, contextual_query
from assistant.ranking.ranker import Ranker, shipped_ranker
from assistant.ranking.reader import LazyReader, RerankWeights, shipped_weights
from assistant.ranking.speakers import prefer_speakers
from assistant.store.lexical import tokenize
from assistant.store.neighbours import neighbour_rows
from assistant.store.view import StoreView
from assistant.types import Answer, Quote

# Control, zero-width and lone surrogate characters (a surrogate cannot be encoded, so the
# tokenizer and the JSON answer would fail on it) become spaces before a question is used.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff\ud800-\udfff]")


@dataclass(frozen=True)
class Query:
    """A question ready to search: ``question`` as asked (cleaned), ``text`` what is
    searched (for a follow-up, with the previous question and speaker), its BM25
    ``tokens`` and IDF ``terms``, its ``vector``, the asked-for ``kind`` (number,
    time, person), the follow-up's ``speaker`` and the (article id, sentence index)
    pairs already quoted (``skip``)."""

    question: str
    text: str
    tokens: list[str]
    terms: QuestionTerms
    vector: np.ndarray
    kind: str | None = None
    speaker: str | None = None
    skip: frozenset[tuple[str, int]] = frozenset()


@dataclass(frozen=True)
class Candidates:
    """Candidate sentence ``rows`` with their aligned cosine (``dense``) and ``bm25``
    scores, and for ``hybrid`` the ranker's ``features`` (one row each)."""

    method: str
    rows: np.ndarray
    dense: np.ndarray
    bm25: np.ndarray
    features: np.ndarray | None = None


@dataclass(frozen=True)
class Ranked:
    """``candidates`` with the method's ``score`` per candidate and ``order`` (positions,
    best first) after the speaker preference and the rerank; ``final`` is the score each
    position is shown with; ``read`` the reader's logit per candidate (NaN: not read;
    None: no reader)."""

    candidates: Candidates
    score: np.ndarray
    final: np.ndarray
    order: np.ndarray
    read: np.ndarray | None = None


def clean_question(question: object, max_chars: int) -> str:
    """The question with control characters blanked and ends stripped; empty,
    non-text or over-long questions raise ``QuestionError``s that say what to do."""
    if not isinstance(question, str):
        raise QuestionError(f"The question must be text, not {type(question).__name__}.")
    question = _CONTROL.sub(" ", question).strip()
    if not question:
        raise EmptyQuestionError()
    if len(question) > max_chars:
        raise QuestionError(f"The question is {len(question):,} characters long; the limit is {max_chars:,}. "
                            "Ask a shorter question (one sentence is best).")
    return question


def make_query(snapshot: StoreView, embedder, question: str, turns: list[Turn] = ()) -> Query:
    """Stage 1: the ``Query`` for a cleaned ``question`` after the previous ``turns``."""
    text, speaker, skip = contextual_query(question, list(turns))
    tokens = tokenize([text])[0]
    return Query(question, text, tokens, QuestionTerms.of(snapshot, tokens), embedder.encode_query(text),
                 question_type(text), speaker, frozenset(_skipped(snapshot, skip)))


def _skipped(snapshot: StoreView, skip: set[tuple[str, int]]) -> set[tuple[str, int]]:
    """(article id, sentence index) of each (article id, offset) already quoted; an
    offset inside a sentence counts for that sentence, one outside every sentence is dropped."""
    out = set()
    for article_id, offset in skip:
        if article_id in snapshot.by_id:
            sentences = snapshot.article(article_id).sentences
            out |= {(article_id, i) for i, s in enumerate(sentences) if s.start <= offset < s.end}
    return out


def gather(snapshot: StoreView, query: Query, params: Params, allowed: np.ndarray | None = None) -> Candidates:
    """Stage 2: the candidate rows (dense and BM25 top ``params.candidates``, with their
    same-paragraph neighbours), their raw scores and, for ``hybrid``, their features."""
    rows, dense, bm25 = snapshot.candidates(query.vector, query.tokens, params.candidates, allowed,
                                            dense=params.method != "bm25", lexical=params.method != "dense",
                                            neighbours=params.method in ("hybrid", "weighted"))
    if not len(rows):
        return Candidates(params.method, rows, np.zeros(0), np.zeros(0))
    features = None
    if params.method == "hybrid":
        features = candidate_features(snapshot, query.terms, query.kind, rows, dense, bm25,
                                      _neighbour_positions(snapshot, rows))
    return Candidates(params.method, rows, dense, bm25, features)


def _neighbour_positions(snapshot: StoreView, rows: np.ndarray) -> list[list[int]]:
    """Each row's same-paragraph neighbours that are candidates too, as positions in ``rows``."""
    position = {r: i for i, r in enumerate(rows.tolist())}
    return [[position[n] for n in group if n in position] for group in neighbour_rows(snapshot, rows)]


def rank(snapshot: StoreView, query: Query, candidates: Candidates, params: Params, ranker: Ranker) -> Ranked:
    """Stage 3: the method's score per candidate (the ranker's for ``hybrid``), then
    the speaker preference, and the order they give (stable: ties keep row order)."""
    c = candidates
    if not len(c.rows):
        score = np.zeros(0)
    elif c.method == "hybrid":
        score = ranker.scores(c.features)
    elif c.method == "weighted":
        fused = fuse(c.dense, c.bm25, "weighted", params.dense_weight)
        score = with_neighbours(fused, _neighbour_positions(snapshot, c.rows), params.neighbour_weight)
    else:
        score = fuse(c.dense, c.bm25, c.method, params.dense_weight, params.rrf_k)
    final = prefer_speakers(snapshot, c.rows, score, query.question, query.speaker)
    return Ranked(c, score, final, np.argsort(-final, kind="stable"))


def rerank(snapshot: StoreView, query: Query, ranked: Ranked, reader: LazyReader | None = None,
           weights: RerankWeights = RerankWeights(), top_n: int = 10) -> Ranked:
    """Stage 4: the ``reader`` reads the question against the ``top_n`` best candidates
    (one batch); their order and score become ``weights``' mix of the ranker's score and
    the reader's logit, and they stay ahead of the rest. Without a reader: unchanged."""
    if reader is None or not len(ranked.order):
        return ranked
    top = ranked.order[:top_n]
    texts = []
    for row in ranked.candidates.rows[top].tolist():
        texts.append(snapshot.sentence_at(row).text)
    logits = reader.scores(query.text, texts)
    mixed = weights.mix(ranked.final[top], logits)
    final, read = ranked.final.astype(np.float64).copy(), np.full(len(ranked.final), np.nan)
    final[top], read[top] = mixed, logits
    order = np.concatenate([top[np.argsort(-mixed, kind="stable")], ranked.order[top_n:]])
    return replace(ranked, final=final, order=order, read=read)


def quote(snapshot: StoreView, query: Query, ranked: Ranked, top_k: int) -> list[Quote]:
    """Stage 5: non-overlapping verbatim quotes around the best candidates, every span checked."""
    rows, final = ranked.candidates.rows, ranked.final
    best = ((*snapshot.sentence(int(rows[pos])), float(final[pos])) for pos in ranked.order.tolist())
    return pick_quotes(best, top_k, set(query.skip))  # lazily: only the articles it quotes are opened


def answer_features(snapshot: StoreView, query: Query, ranked: Ranked) -> list[float]:
    """The answerability features of the top-ranked sentence (see ``answerability``)."""
    c, order = ranked.candidates, ranked.order
    top = int(order[0])
    own, window = coverage(snapshot, query.terms, c.rows[top : top + 1].astype(np.int64))
    margin = float(ranked.score[top] - ranked.score[int(order[1])]) if len(order) > 1 else 1.0
    read = reader_features(ranked)
    names = ans.name_features(query.question, snapshot.sentence(int(c.rows[top]))[0].text) if read else ans.NO_NAMES
    return ans.features(float(c.dense[top]), float(window[0]), float(own[0]), margin, query.terms.total,
                        read, names)


def reader_features(ranked: Ranked) -> tuple[float, float, float] | None:
    """(the reader's logit for the top candidate, its margin over the next read one, whether
    the ranker's own first choice is the top one), or None when no reader read them."""
    if ranked.read is None:
        return None
    positions = ranked.order[~np.isnan(ranked.read[ranked.order])]  # the read ones, best first
    logits = ranked.read[positions]
    margin = float(logits[0] - logits[1]) if len(logits) > 1 else 0.0
    agrees = int(positions[np.argmax(ranked.score[positions])]) == int(positions[np.argmax(logits)])
    return float(logits[0]), margin, float(agrees)


def decide(snapshot: StoreView, query: Query, ranked: Ranked, quotes: list[Quote],
           model: ans.AnswerabilityModel) -> tuple[Answer, list[float]]:
    """Stage 6: the ``Answer``: found when the calibrated probability that the first
    quote answers reaches the model's threshold; also the features behind it."""
    feats = answer_features(snapshot, query, ranked) if quotes else []
    confidence = model.probability(feats) if feats else 0.0
    return make_answer(query.question, quotes, confidence, model.threshold), feats


@dataclass
class Engine:
    """The models the stages use: the ``embedder``, the ``ranker``, the ``reader`` (None:
    none) with its ``weights`` and ``top_n``, the answerability models (``retrieval_model``
    over the retrieval features, ``reader_model`` also over the reader's) and the
    retrieval ``params``."""

    embedder: object
    ranker: Ranker = field(default_factory=shipped_ranker)
    params: Params = field(default_factory=Params)
    reader: LazyReader | None = None
    weights: RerankWeights = field(default_factory=shipped_weights)
    top_n: int = 10
    retrieval_model: ans.AnswerabilityModel = field(default_factory=ans.shipped_model)
    reader_model: ans.AnswerabilityModel = field(default_factory=lambda: ans.shipped_model(with_reader=True))

    @property
    def answerability(self) -> ans.AnswerabilityModel:
        """The model that decides "found": the reader's when there is a reader."""
        return self.reader_model if self.reader is not None else self.retrieval_model

    def model_for(self, ranked: Ranked) -> ans.AnswerabilityModel:
        """The reader's model when the reader read these candidates (never for the baselines)."""
        return self.reader_model if ranked.read is not None else self.retrieval_model

    def params_for(self, method: str | None) -> Params:
        """The retrieval params with ``method`` (None: the default); an unknown method raises."""
        if method is None:
            return self.params
        if method not in METHODS:
            raise MethodError(method, METHODS)
        return replace(self.params, method=method)

    def ranked(self, snapshot: StoreView, query: Query, method: str | None = None,
               article_ids: list[str] | None = None) -> Ranked:
        """Stages 2-4 for ``query``."""
        params = self.params_for(method)
        candidates = gather(snapshot, query, params, snapshot.allowed(article_ids))
        ranked = rank(snapshot, query, candidates, params, self.ranker)
        if params.method != "hybrid":  # the baselines stay what they are: retrieval alone
            return ranked
        return rerank(snapshot, query, ranked, self.reader, self.weights, self.top_n)

    def answer(self, snapshot: StoreView, query: Query, top_k: int, method: str | None = None,
               article_ids: list[str] | None = None) -> Answer:
        return self.explain(snapshot, query, top_k, method, article_ids)[0]

    def explain(self, snapshot: StoreView, query: Query, top_k: int, method: str | None = None,
                article_ids: list[str] | None = None) -> tuple[Answer, list[float]]:
        """Stages 2-6: the answer to ``query`` and its answerability features."""
        if snapshot.n_rows == 0:
            return make_answer(query.question, [], 0.0, 1.0), []
        ranked = self.ranked(snapshot, query, method, article_ids)
        quotes = quote(snapshot, query, ranked, top_k)
        return decide(snapshot, query, ranked, quotes, self.model_for(ranked))
