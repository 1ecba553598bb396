"""The ``Assistant`` facade that the chat, the CLI and the evaluation suite share.

Example:
    >>> bot = Assistant.from_paths(["corpus/"], settings=Settings(model="fake", progress=False))
    >>> answer = bot.ask("Who did Zuckerberg call?")
    >>> bot.article(answer.quotes[0].article_id).text[answer.quotes[0].start:answer.quotes[0].end] == answer.quotes[0].text
    True
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.ranking import answerability as ans
from assistant.answer.quotes import make_answer, pick_quotes
from assistant.store.articles import article_ids
from assistant.embedding.embedder import Embedder, embedder_for
from assistant.errors import (
    AssistantError, EmptyQuestionError, IndexMissingError, IndexStaleError, NoArticlesError, QuestionError,
    UnknownArticleError,
)
from assistant.ranking.followup import Turn, contextual_query, normalise_history
from assistant.store.files import (
    IndexData, append_articles, build_index, embedding_cache, load_index, paragraph_ids, save_index, saved_articles,
    stale_embeddings, stale_reason,
)
from assistant.ingest.files import Sidecar, article_files, article_from_text, decode_bytes, read_article, source_fingerprint
from assistant.ranking.ranker import question_type, shipped_ranker, type_match
from assistant.ranking.candidates import Params, Scored, adjacent, search
from assistant.settings import Settings
from assistant.types import Answer, Article

log = logging.getLogger(__name__)
# Control, zero-width and lone surrogate characters (a surrogate cannot be encoded, so the
# tokenizer and the JSON answer would fail on it) become spaces before a question is used.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff\ud800-\udfff]")
SPEAKER_BOOST = 0.25
# Questions about what someone said, thinks or claims.
_SPEECH = re.compile(r"\b(say|says|said|saying|tell|tells|told|claim\w*|according|think\w*|thought|view|views|opinion|"
                     r"describ\w*|characteri[sz]\w*|call|called|comment\w*|respon\w*|react\w*|warn\w*|argu\w*|"
                     r"add|added|quot\w*|insist\w*|believ\w*|suggest\w*|repl\w*|statement|interview|remark\w*|"
                     r"speak\w*|spoke|explain\w*|admit\w*|deni\w*|deny)\b", re.I)
# Questions about the outlet's own view ("what does the writer suggest ...").
_WRITER = re.compile(r"\b(writer|author|columnist|editorial|op-ed|the (outlet|publisher)(’s|'s) (own )?(view|opinion))\b",
                     re.I)


@dataclass(frozen=True)
class _State:
    """An immutable snapshot; ``add`` swaps in a new one, so readers never lock."""

    data: IndexData
    by_id: dict[str, int]
    paragraph_of_row: np.ndarray
    first_row: np.ndarray

    @classmethod
    def of(cls, data: IndexData) -> "_State":
        counts = np.bincount(data.units[:, 0], minlength=len(data.articles)) if len(data.units) else np.zeros(len(data.articles))
        paragraphs = data.paragraphs if data.paragraphs is not None else paragraph_ids(list(data.articles))
        return cls(data, {a: i for i, a in enumerate(article_ids(data.articles))}, paragraphs,
                   np.concatenate([[0], np.cumsum(counts)]).astype(np.int64))

    def extended(self, data: IndexData, new: list[Article]) -> "_State":
        """The state of ``data`` = this state's index plus the ``new`` articles (appended)."""
        by_id = {**self.by_id, **{a.id: len(self.by_id) + i for i, a in enumerate(new)}}
        first = np.concatenate([self.first_row, self.first_row[-1] + np.cumsum([len(a.sentences) for a in new])])
        return _State(data, by_id, data.paragraphs, first)


def _fix_command(paths: list[str], index_dir: str | None) -> str:
    corpus = " ".join(f"--corpus {p}" for p in paths) or "--corpus corpus/"
    # --force: without it the build first loads the damaged index, fails again, and repairs nothing.
    return f"assistant index build {corpus} --index {index_dir or 'index/'} --force"


class Assistant:
    """Answers questions with verbatim, attributed quotes from a set of articles."""

    def __init__(self, data: IndexData, embedder: Embedder, settings: Settings | None = None,
                 index_dir: str | Path | None = None, params: Params | None = None):
        self.settings = settings or Settings.from_env()
        self.embedder = embedder
        self.index_dir = Path(index_dir) if index_dir else None
        self.params = params or Params(dense_weight=self.settings.dense_weight, candidates=self.settings.candidates)
        self.answerability = ans.shipped_model()
        self.ranker = shipped_ranker()
        self._state = _State.of(data)
        self._write_lock = threading.Lock()

    # ----- construction -------------------------------------------------------------
    @classmethod
    def from_paths(cls, paths: list[str | Path], index_dir: str | Path | None = None,
                   settings: Settings | None = None, embedder: Embedder | None = None,
                   rebuild: bool = False, allow_empty: bool = False) -> "Assistant":
        """Articles from files/folders; with ``index_dir``, load the saved index when it
        matches them, else build (reusing unchanged sentences' embeddings) and save.
        Articles added earlier with ``add`` from outside ``paths`` stay in the index.
        No article at all raises ``NoArticlesError`` unless ``allow_empty`` (the web
        chat, where articles can be uploaded)."""
        settings, embedder = _defaults(settings, embedder)
        files = article_files(list(paths))
        if index_dir is None:
            if not files and not allow_empty:
                raise NoArticlesError([str(p) for p in paths])
            return cls.from_articles([read_article(f, settings.max_file_bytes) for f in files], embedder, settings)
        fix = _fix_command([str(p) for p in paths], str(index_dir))
        old = None if rebuild else _load_if_possible(index_dir, embedder, fix)
        extras = [old.articles[i] for i in _added_elsewhere(old.manifest, paths)] if old is not None \
            else _recover_added(index_dir, paths)
        if not files and not extras and not allow_empty:
            raise NoArticlesError([str(p) for p in paths])
        sources = {os.path.normpath(str(f)): source_fingerprint(f) for f in files}
        sources.update({a.source_path: a.fingerprint for a in extras if a.source_path})
        if old is not None and stale_reason(old.manifest, sources) is None:
            return cls(old, embedder, settings, index_dir)
        aliases: dict[str, str] = {}
        articles = _dedupe(_read_all(files, settings) + extras, aliases)
        cache = embedding_cache(old) if old is not None else (stale_embeddings(index_dir, embedder) if not rebuild else None)
        data = build_index(articles, embedder, cache, progress=settings.progress,
                           approximate_above=settings.approximate_above)
        data.aliases = aliases
        kept = {a.id for a in articles}
        data.added = [a.id for a in extras if a.id in kept]
        save_index(data, index_dir)
        return cls(data, embedder, settings, index_dir)

    @classmethod
    def from_articles(cls, articles: list[Article], embedder: Embedder | None = None,
                      settings: Settings | None = None) -> "Assistant":
        """An in-memory assistant over already-built ``Article`` objects."""
        settings, embedder = _defaults(settings, embedder)
        data = build_index(_dedupe(articles), embedder, progress=settings.progress, approximate_above=settings.approximate_above)
        return cls(data, embedder, settings)

    # ----- reading ------------------------------------------------------------------
    @property
    def articles(self) -> list[Article]:
        return list(self._state.data.articles)

    def article(self, article_id: str) -> Article:
        state = self._state
        if article_id not in state.by_id:
            raise UnknownArticleError(article_id, list(state.by_id))
        return state.data.articles[state.by_id[article_id]]

    # ----- asking -------------------------------------------------------------------
    def ask(self, question: str, top_k: int | None = None, history: list | None = None,
            article_ids: list[str] | None = None, method: str | None = None) -> Answer:
        """Quotes that answer ``question`` (best first), or ``found=False``."""
        question = self._clean_question(question)
        if top_k is not None and (not isinstance(top_k, int) or isinstance(top_k, bool) or not 1 <= top_k <= 50):
            raise QuestionError(f"top_k must be a whole number from 1 to 50, not {top_k!r}.")
        state = self._state
        turns = normalise_history(history)
        if turns and turns[-1].answer is None:
            previous = self._ask(state, turns[-1].question, 1, [], article_ids, method)[0]
            turns[-1] = Turn(turns[-1].question, previous)
        return self._ask(state, question, top_k or self.settings.top_k, turns, article_ids, method)[0]

    def explain(self, question: str, top_k: int = 10, method: str | None = None) -> tuple[Answer, list[float]]:
        """The answer and its answerability features (for evaluation and calibration)."""
        return self._ask(self._state, self._clean_question(question), top_k, [], None, method)

    def candidates(self, question: str, method: str | None = None) -> tuple[list[tuple[str, int, int]], Scored]:
        """Every candidate sentence as (article id, start, end), aligned with the
        retrieval scores and, for ``hybrid``, the ranker's feature rows (used to fit it)."""
        state = self._state
        _, scored = self._search(state, self._clean_question(question), method, None)
        spans = []
        for row in scored.rows.tolist():
            a, s = state.data.units[row]
            sentence = state.data.articles[a].sentences[s]
            spans.append((state.data.articles[a].id, sentence.start, sentence.end))
        return spans, scored

    def _search(self, state: _State, query: str, method: str | None,
                article_ids: list[str] | None) -> tuple[ans.QuestionTerms, Scored]:
        data = state.data
        params = self.params if method is None else Params(**{**self.params.__dict__, "method": method})
        tokens = data.lexicon.tokenize(query)
        terms = ans.QuestionTerms.of(data.lexicon, tokens)
        scored = search(data.dense, data.vectors, state.paragraph_of_row, self.embedder.encode_query(query),
                        data.lexicon.scores(tokens), params, self._allowed(state, article_ids), self.ranker,
                        describer(data, terms, query, state.paragraph_of_row))
        return terms, scored

    def _clean_question(self, question: str) -> str:
        if not isinstance(question, str):
            raise QuestionError(f"The question must be text, not {type(question).__name__}.")
        question = _CONTROL.sub(" ", question).strip()
        if not question:
            raise EmptyQuestionError()
        if len(question) > self.settings.max_question_chars:
            raise QuestionError(
                f"The question is {len(question):,} characters long; the limit is {self.settings.max_question_chars:,}. "
                "Ask a shorter question (one sentence is best)."
            )
        return question

    def _allowed(self, state: _State, article_ids: list[str] | None) -> np.ndarray | None:
        if not article_ids:
            return None
        rows = []
        for article_id in article_ids:
            if article_id not in state.by_id:
                raise UnknownArticleError(article_id, list(state.by_id))
            i = state.by_id[article_id]
            rows.append(np.arange(state.first_row[i], state.first_row[i + 1]))
        return np.unique(np.concatenate(rows)).astype(np.int64)  # an id given twice must not count its rows twice

    def _ask(self, state: _State, question: str, top_k: int, turns: list[Turn],
             article_ids: list[str] | None, method: str | None) -> tuple[Answer, list[float]]:
        query, speaker, skip = contextual_query(question, turns)
        data = state.data
        if len(data.units) == 0:
            return make_answer(question, [], 0.0, 1.0), []
        terms, scored = self._search(state, query, method, article_ids)
        score = self._prefer_speakers(state, scored.rows, scored.score, question, speaker)
        order = np.argsort(-score, kind="stable")
        ranked = []
        for pos in order.tolist():
            a, s = data.units[scored.rows[pos]]
            ranked.append((data.articles[a], int(s), float(score[pos])))
        skip_idx = {(aid, next(i for i, x in enumerate(data.articles[state.by_id[aid]].sentences) if x.start == st))
                    for aid, st in skip if aid in state.by_id}
        quotes = pick_quotes(ranked, top_k, skip_idx)
        feats = answer_features(state, terms, scored, order) if quotes else []
        confidence = self.answerability.probability(feats) if feats else 0.0
        return make_answer(question, quotes, confidence, self.answerability.threshold), feats

    def _prefer_speakers(self, state: _State, rows: np.ndarray, score: np.ndarray, question: str,
                         speaker: str | None) -> np.ndarray:
        """Boost sentences spoken by a person the question names (or the follow-up's
        speaker), and the outlet's commentary when the question asks what the writer thinks."""
        # Only questions about what someone said: a factoid question naming an
        # entity ("Who ruled the Normans?") must not prefer sentences it "speaks".
        names = set(re.findall(r"\b[A-Z][a-z’'-]{2,}\b", question)) if _SPEECH.search(question) else set()
        if speaker:
            names |= set(speaker.split())
        writer = bool(_WRITER.search(question))
        if not (names or writer) or not len(rows):
            return score
        boost = np.zeros(len(rows))
        for i, row in enumerate(rows.tolist()):
            a, s = state.data.units[row]
            attribution = state.data.articles[a].sentences[s].attribution
            if not attribution:
                continue
            if writer and attribution.kind == "commentary":
                boost[i] = SPEAKER_BOOST
            elif attribution.speaker and attribution.kind in ("direct_quote", "reported"):
                if names & set(re.findall(r"[\w’'-]+", attribution.speaker)):
                    boost[i] = SPEAKER_BOOST
        return score + boost * (float(score.max()) if len(score) else 0.0)

    # ----- adding -------------------------------------------------------------------
    def add(self, path_or_url: str | Path) -> Article:
        """Add one article (a ``.txt``/``.md``/``.html`` file or an http(s) URL), update the
        index incrementally (and persist it); the same text twice is added once."""
        article = self._read_new(path_or_url)
        with self._write_lock:
            state = self._state
            if article.id in state.by_id:
                return state.data.articles[state.by_id[article.id]]
            # Only the new article is embedded and tokenized; existing vectors are appended to.
            data = append_articles(state.data, [article], self.embedder)
            if self.index_dir is not None:
                save_index(data, self.index_dir)
            self._state = state.extended(data, [article])
        return article

    def _read_new(self, path_or_url: str | Path) -> Article:
        """The ``Article`` behind a file path or URL (HTML goes through ``html_ingest``)."""
        text = str(path_or_url)
        if re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I):
            from assistant.ingest.fetch import fetch
            from assistant.ingest.html import article_from_html

            page = fetch(text, self.settings)
            if page.content_type == "text/plain":
                return article_from_text(decode_bytes(page.body, text), Sidecar(url=page.url))
            return article_from_html(page.body, url=page.url, charset=page.charset)
        if Path(text).suffix.lower() in (".html", ".htm"):
            from assistant.ingest.html import read_html_article

            return read_html_article(text, self.settings.max_file_bytes)
        return read_article(path_or_url, self.settings.max_file_bytes)


def coverage(data: IndexData, terms: ans.QuestionTerms, paragraph_of_row: np.ndarray,
             rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the share of the question's IDF mass it contains, alone and together
    with its same-paragraph neighbours (a ranker feature each, and two answerability
    features of the top row)."""
    before, same_before, after, same_after = adjacent(paragraph_of_row, rows)
    own = terms.hits(data.lexicon, rows)
    window = own | (terms.hits(data.lexicon, before) & same_before) | (terms.hits(data.lexicon, after) & same_after)
    return terms.shares(own), terms.shares(window)


def describer(data: IndexData, terms: ans.QuestionTerms, question: str, paragraph_of_row: np.ndarray):
    """The ranker's per-row facts for this question: does the sentence hold the
    asked-for type, how much of the question's IDF mass it covers (alone, and with
    its same-paragraph neighbours), its length."""
    kind = question_type(question)

    def describe(rows: np.ndarray):
        matches, lengths = np.zeros(len(rows)), np.zeros(len(rows))
        for i, row in enumerate(rows.tolist()):
            a, s = data.units[row]
            article = data.articles[a]
            sentence = article.sentences[s]
            matches[i] = kind is not None and type_match(kind, article.text[sentence.start:sentence.end])
            lengths[i] = sentence.end - sentence.start
        own, window = coverage(data, terms, paragraph_of_row, rows)
        return matches, own, lengths, window

    return describe


def answer_features(state: _State, terms: ans.QuestionTerms, scored: Scored, order: np.ndarray) -> list[float]:
    """Answerability features of the top-ranked sentence (see ``answerability``)."""
    top = int(order[0])
    own, window = coverage(state.data, terms, state.paragraph_of_row, scored.rows[top : top + 1].astype(np.int64))
    margin = float(scored.score[top] - scored.score[int(order[1])]) if len(order) > 1 else 1.0
    return ans.features(float(scored.dense[top]), float(window[0]), float(own[0]), margin, terms.total)


def _load_if_possible(index_dir, embedder: Embedder, fix: str) -> IndexData | None:
    """The saved index, or None when there is none or it is stale (it is rebuilt);
    a damaged index raises, because silently replacing it could hide a problem."""
    try:
        return load_index(index_dir, embedder, fix)  # verifies every checksum itself
    except IndexMissingError:
        return None
    except IndexStaleError as exc:
        log.warning("%s; rebuilding", exc)
        return None


def _defaults(settings: Settings | None, embedder: Embedder | None) -> tuple[Settings, Embedder]:
    settings = settings or Settings.from_env()
    return settings, embedder or embedder_for(settings)


def _added_elsewhere(manifest: dict, paths: list[str | Path]) -> list[int]:
    """Positions of a saved index's articles that were added with ``add`` (the manifest's
    ``added`` ids, or no source file: a URL) and whose source is not inside ``paths``.
    Read from the manifest, so no article is parsed for it. Articles that came from
    other corpus files are not among them: a build over other paths drops them."""
    roots = [os.path.abspath(p) for p in paths]
    added = set(manifest.get("added", []))

    def inside(path: str | None) -> bool:
        full = os.path.abspath(path) if path else ""
        return bool(path) and any(full == r or full.startswith(r.rstrip(os.sep) + os.sep) for r in roots)

    return [i for i, a in enumerate(manifest.get("articles", []))
            if (a.get("id") in added or not a.get("source_path")) and not inside(a.get("source_path"))]


def _recover_added(index_dir: str | Path, paths: list[str | Path]) -> list[Article]:
    """Articles added with ``add`` from outside ``paths`` (URLs, uploads), read back from
    a saved index that is stale or being rebuilt, and ingested again by this version:
    the index is their only copy, so a rebuild must not drop them. Nothing when the
    index's ``articles.jsonl`` is damaged or missing (``saved_articles`` warns)."""
    kept = []
    for record in saved_articles(index_dir, lambda manifest: _added_elsewhere(manifest, paths)):
        try:
            meta = Sidecar(**{k: record.get(k) for k in ("title", "publisher", "author", "published", "url")})
            kept.append(article_from_text(record["text"], meta, record.get("source_path"), record.get("fingerprint")))
        except (AssistantError, KeyError, TypeError, ValueError) as exc:  # e.g. nothing quotable under a new segmenter
            log.warning("dropping added article %r from the old index: %s", record.get("title"), exc)
    if kept:
        log.info("keeping %d article(s) added with add() from outside the corpus", len(kept))
    return kept


def _read_all(files: list[Path], settings: Settings) -> list[Article]:
    """Read and segment every file, with a progress bar where a person waits for many."""
    if not settings.progress or len(files) < 100:
        return [read_article(f, settings.max_file_bytes) for f in files]
    from tqdm import tqdm

    return [read_article(f, settings.max_file_bytes) for f in tqdm(files, desc="Reading articles", unit="file")]


def _dedupe(articles: list[Article], aliases: dict[str, str] | None = None) -> list[Article]:
    """The first article of each text; the others' source path -> fingerprint go to ``aliases``."""
    seen: dict[str, Article] = {}
    for article in articles:
        if article.id in seen:
            log.info("skipping %s: same text as %s", article.source_path, seen[article.id].source_path)
            if aliases is not None and article.source_path:
                aliases[article.source_path] = article.fingerprint
            continue
        seen[article.id] = article
    return list(seen.values())
