"""The ``Assistant`` facade that the chat, the CLI and the evaluation suite share.

A thin layer: the store (``store.lifecycle``) opens or builds the index, the
pipeline (``ranking.pipeline``) answers, and ``ingest.source`` reads what
``add`` is given. The assistant holds an immutable ``Snapshot`` of the index;
``add`` swaps in a new one, so questions never wait for a writer.

Example:
    >>> bot = Assistant.from_paths(["corpus/"], settings=Settings(model="fake", progress=False))
    >>> answer = bot.ask("Who did Zuckerberg call?")
    >>> (bot.article(answer.quotes[0].article_id).text[answer.quotes[0].start:answer.quotes[0].end]
    ...  == answer.quotes[0].text)
    True
"""

from __future__ import annotations

import threading
from pathlib import Path

from assistant.attribution.roster import speakers_of
from assistant.embedding.embedder import Embedder, embedder_for
from assistant.errors import EmptyIndexFolderError, QuestionError, StoreLocationError
from assistant.ingest.source import read_source
from assistant.ranking import people, pipeline
from assistant.ranking.candidates import Params
from assistant.ranking.followup import History, Turn, normalise_history
from assistant.ranking.reader import reader_for
from assistant.settings import Settings
from assistant.store import lifecycle
from assistant.store.build import IndexData
from assistant.store.location import parse_store
from assistant.store.snapshot import Snapshot
from assistant.store.view import StoreView
from assistant.types import Answer, Article, Speaker


class Assistant:
    """Answers questions with verbatim, attributed quotes from a set of articles."""

    def __init__(self, data: IndexData | StoreView, embedder: Embedder, settings: Settings | None = None,
                 index_dir: str | Path | None = None, params: Params | None = None, store=None):
        self.settings = settings or Settings.from_env()
        self.index_dir = Path(index_dir) if index_dir else None
        params = params or Params(dense_weight=self.settings.dense_weight, candidates=self.settings.candidates)
        self.engine = pipeline.Engine(embedder, params=params, reader=reader_for(self.settings),
                                      top_n=self.settings.reader_top_n)
        # ``data`` is a built local index, or the view of a Milvus store with ``store`` its writer.
        self._snapshot = data if hasattr(data, "backend") else Snapshot.of(data)
        self._store = store
        self._write_lock = threading.Lock()
        self._rosters: dict[tuple[str, str | None], list[Speaker]] = {}

    # ----- construction -------------------------------------------------------------
    @classmethod
    def from_paths(cls, paths: list[str | Path], index_dir: str | Path | None = None,
                   settings: Settings | None = None, embedder: Embedder | None = None,
                   rebuild: bool = False, allow_empty: bool = False, store: str | None = None) -> "Assistant":
        """Articles from files/folders; with ``index_dir``, load the saved index when it
        matches them, else build (reusing unchanged sentences' embeddings) and save
        (see ``store.lifecycle``). ``store`` (default: the ``store`` setting) may name a
        Milvus store instead (``milvus:///abs/path/index.db`` or ``http://host:19530``):
        the same, in Milvus (``store.milvus.lifecycle``). No article at all raises
        ``NoArticlesError`` unless ``allow_empty`` (the web chat, where articles can be uploaded)."""
        EmptyIndexFolderError.check(index_dir)
        settings, embedder = _defaults(settings, embedder, store)
        location = parse_store(settings.store)
        if not location.is_local:
            from assistant.store.milvus import lifecycle as milvus

            writer = milvus.open_or_build(paths, location, settings, embedder, rebuild, allow_empty)
            return cls(writer.view, embedder, settings, store=writer)
        if index_dir is None:
            data = lifecycle.in_memory(paths, settings, embedder, allow_empty)
        else:
            data = lifecycle.open_or_build(paths, index_dir, settings, embedder, rebuild, allow_empty)
        return cls(data, embedder, settings, index_dir)

    @classmethod
    def from_articles(cls, articles: list[Article], embedder: Embedder | None = None,
                      settings: Settings | None = None, store: str | None = None) -> "Assistant":
        """An assistant over already-built ``Article`` objects: in memory, or a new
        generation of a Milvus ``store`` (default: the ``store`` setting)."""
        settings, embedder = _defaults(settings, embedder, store)
        location = parse_store(settings.store)
        if not location.is_local:
            from assistant.store.milvus import lifecycle as milvus

            writer = milvus.of_articles(articles, location, settings, embedder)
            return cls(writer.view, embedder, settings, store=writer)
        return cls(lifecycle.of_articles(articles, settings, embedder), embedder, settings)

    @classmethod
    def from_store(cls, store: str | None = None, settings: Settings | None = None,
                   embedder: Embedder | None = None) -> "Assistant":
        """Serve a Milvus store as it is (no corpus files needed: another process or machine
        built it). A missing store, or one built by another model or version, raises with
        the command that builds it."""
        settings, embedder = _defaults(settings, embedder, store)
        location = parse_store(settings.store)
        if location.is_local:
            raise StoreLocationError(settings.store, "from_store serves a Milvus store; for the local index use "
                                                     "Assistant.from_paths(paths, index_dir=...)")
        from assistant.store.milvus import lifecycle as milvus

        writer = milvus.open_live(location, settings, embedder)
        return cls(writer.view, embedder, settings, store=writer)

    def close(self) -> None:
        """Close the store's connection (a Milvus store; the local index needs nothing)."""
        if self._store is not None:
            self._store.close()

    # ----- the models the pipeline uses (the evaluation suite swaps the ranker) ------
    embedder = property(lambda self: self.engine.embedder)
    params = property(lambda self: self.engine.params)
    ranker = property(lambda self: self.engine.ranker, lambda self, value: setattr(self.engine, "ranker", value))
    answerability = property(lambda self: self.engine.answerability)

    # ----- reading ------------------------------------------------------------------
    @property
    def articles(self) -> list[Article]:
        return list(self._snapshot.articles)

    def article(self, article_id: str) -> Article:
        return self._snapshot.article(article_id)

    def catalog(self) -> list[tuple[str, str, str | None]]:
        """(id, title, publisher) of every article, in order; cheap on any store (the chat's
        picker), where ``articles`` opens every article."""
        return self._snapshot.catalog()

    @property
    def snapshot(self) -> StoreView:
        """The index as it is now (immutable; ``add`` replaces it)."""
        return self._snapshot

    def speakers(self, article_id: str | None = None) -> list[Speaker]:
        """Who is quoted: every speaker of one article (or of all, article by article),
        aliases merged, with the sentences attributed to them (``attribution.roster``)."""
        snapshot = self._snapshot
        articles = [snapshot.article(article_id)] if article_id is not None else snapshot.articles
        return [speaker for article in articles for speaker in self._roster(article)]

    def _roster(self, article: Article) -> list[Speaker]:
        key = (article.id, article.fingerprint)
        if key not in self._rosters:  # articles never change under an id+fingerprint: compute once
            self._rosters[key] = speakers_of(article)
        return self._rosters[key]

    # ----- asking -------------------------------------------------------------------
    def ask(self, question: str, top_k: int | None = None, history: History | None = None,
            article_ids: list[str] | None = None, method: str | None = None) -> Answer:
        """Quotes that answer ``question`` (best first), or ``found=False``. ``history``
        holds the conversation so far (previous ``Answer``s, questions, or chat messages)."""
        question = self.clean(question)
        if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= 50):
            raise QuestionError(f"top_k must be a whole number from 1 to 50, not {top_k!r}.")
        snapshot = self._snapshot
        self.engine.params_for(method)  # an unknown method is refused before any work
        turns = normalise_history(history)
        if turns and turns[-1].answer is None:
            previous = self._answer(snapshot, turns[-1].question, 1, [], article_ids, method)
            turns[-1] = Turn(turns[-1].question, previous)
        return self._answer(snapshot, question, top_k or self.settings.top_k, turns, article_ids, method)

    def explain(self, question: str, top_k: int = 10, method: str | None = None,
                article_ids: list[str] | None = None) -> tuple[Answer, list[float]]:
        """The answer and its answerability features (for evaluation and calibration);
        ``article_ids`` restricts the search as in ``ask``."""
        snapshot = self._snapshot
        query = pipeline.make_query(snapshot, self.embedder, self.clean(question))
        return self.engine.explain(snapshot, query, top_k, method, article_ids)

    def candidates(self, question: str,
                   method: str | None = None) -> tuple[list[tuple[str, int, int]], pipeline.Ranked]:
        """Every candidate sentence as (article id, start, end), aligned with the ranked
        candidates (their scores and, for ``hybrid``, the ranker's feature rows, used to fit it)."""
        snapshot = self._snapshot
        query = pipeline.make_query(snapshot, self.embedder, self.clean(question))
        ranked = self.engine.ranked(snapshot, query, method)
        spans = []
        for row in ranked.candidates.rows.tolist():
            article, s = snapshot.sentence(row)
            spans.append((article.id, article.sentences[s].start, article.sentences[s].end))
        return spans, ranked

    def clean(self, question: object) -> str:
        """``question`` checked and cleaned (see ``pipeline.clean_question``)."""
        return pipeline.clean_question(question, self.settings.max_question_chars)

    def _answer(self, snapshot: Snapshot, question: str, top_k: int, turns: list[Turn],
                article_ids: list[str] | None, method: str | None) -> Answer:
        if method in (None, "hybrid"):  # the baselines stay retrieval alone
            person = people.answer_person(snapshot, article_ids, self._roster, self.embedder, question, turns, top_k)
            if person is not None:
                return person
        query = pipeline.make_query(snapshot, self.embedder, question, turns)
        return self.engine.answer(snapshot, query, top_k, method, article_ids)

    # ----- adding -------------------------------------------------------------------
    def add(self, path_or_url: str | Path) -> Article:
        """Add one article (a ``.txt``/``.md``/``.html`` file or an http(s) URL), update the
        index incrementally (and persist it); the same text twice is added once."""
        article = read_source(path_or_url, self.settings)
        with self._write_lock:
            snapshot = self._snapshot
            if article.id in snapshot.by_id:
                return snapshot.article(article.id)
            if self._store is not None:
                self._snapshot = self._store.add(snapshot, [article], self.embedder)
            else:
                self._snapshot = lifecycle.add_articles(snapshot, [article], self.embedder, self.index_dir)
        return article


def _defaults(settings: Settings | None, embedder: Embedder | None,
              store: str | None = None) -> tuple[Settings, Embedder]:
    settings = settings or Settings.from_env()
    if store is not None:
        settings = settings.model_copy(update={"store": store})
    return settings, embedder or embedder_for(settings)
