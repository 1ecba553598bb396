"""``MilvusSnapshot``: the ``StoreView`` of one Milvus store generation, as of one manifest.

Candidates come from Milvus: a dense search and a sparse (BM25) search, each
filtered in Milvus by ``id < n_rows`` (rows written after this manifest stay
invisible) and, for ``article_ids``, by ``article in [...]``. The candidate rows
are then fetched in one ``get`` (texts, attributions, sparse vectors, and the
flags and window terms that make neighbours and coverage need no other row),
their same-paragraph neighbours in a second, and the vectors the dense search
did not score in a third; the cosine, BM25, coverage and ranker features are
computed here from those rows, as the local store does.
Rows never change once written, so a bounded cache keeps them across questions.

Example: ``lifecycle.open_live(location, settings, embedder).view`` is one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from assistant.errors import IndexCorruptError, UnknownArticleError
from assistant.store.milvus.connection import fix_command
from assistant.store.milvus.rows import bm25_idf, coverage_idf, term_key
from assistant.store.milvus.schema import Names
from assistant.store.neighbours import with_neighbours
from assistant.store.view import rows_of
from assistant.types import Article, Attribution, Sentence

# What a question reads of a row (its article and index come from the directory's first rows).
ROW_FIELDS = ["para", "prev_same", "next_same", "window", "span_start", "span_end", "text", "attribution", "sparse"]
MAX_LIMIT = 16_384          # Milvus's largest top-k and query window
_SEARCHES = ThreadPoolExecutor(max_workers=4, thread_name_prefix="milvus-search")


class _LRU:
    """A small thread-safe least-recently-used map."""

    def __init__(self, capacity: int):
        self.capacity, self._items, self._lock = capacity, OrderedDict(), threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        return None

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)


class _Row:
    __slots__ = ("para", "prev_same", "next_same", "window", "start", "end", "text", "attribution", "keys", "weights")

    def __init__(self, r: dict):
        self.para = r["para"]
        self.prev_same, self.next_same = bool(r["prev_same"]), bool(r["next_same"])
        self.window = np.array([int(k) for k in r["window"].split()], dtype=np.int64)
        self.start, self.end, self.text, self.attribution = r["span_start"], r["span_end"], r["text"], r["attribution"]
        sparse = r["sparse"] or {}
        self.keys = np.fromiter((int(k) for k in sparse), dtype=np.int64, count=len(sparse))
        self.weights = np.fromiter(sparse.values(), dtype=np.float64, count=len(sparse))


class _Articles(Sequence):
    """The store's articles by position, fetched from Milvus in batches when iterated."""

    def __init__(self, view: "MilvusSnapshot"):
        self._view, self.ids = view, view.ids

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self._view.articles_at(list(range(*i.indices(len(self)))))
        i = i + len(self) if i < 0 else i
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._view.articles_at([i])[0]

    def __iter__(self):
        for start in range(0, len(self), 200):
            yield from self._view.articles_at(list(range(start, min(start + 200, len(self)))))


class MilvusSnapshot:
    """The view of ``names`` as of ``manifest``: article ``ids`` by position, each one's
    ``first_row`` (then the row count) and directory ``records``; caches may be shared."""

    backend = "milvus"

    def __init__(self, conn, names: Names, manifest: dict, ids: list[str], first_row: np.ndarray,
                 records: list[dict], rows: _LRU | None = None, articles: _LRU | None = None,
                 vectors: _LRU | None = None):
        self.conn, self.names, self.manifest = conn, names, manifest
        self.ids, self.first_row, self.records = ids, first_row, records
        self.by_id = {a: i for i, a in enumerate(ids)}
        self._rows = rows or _LRU(50_000)
        self._articles = articles or _LRU(512)
        self._vectors = vectors or _LRU(20_000)
        self._df = _LRU(200_000)  # df per term key changes only with the manifest: a new view, a new cache

    @property
    def n_rows(self) -> int:
        return int(self.manifest["counts"]["sentences"])

    @property
    def articles(self) -> Sequence[Article]:
        return _Articles(self)

    def extended(self, manifest: dict, new: list[Article], records: list[dict]) -> "MilvusSnapshot":
        """The view after ``append`` wrote ``new`` (the row and article caches carry over)."""
        first = np.concatenate([self.first_row[:-1], self.first_row[-1] + np.cumsum([0] + [len(a.sentences)
                                                                                            for a in new])])
        return MilvusSnapshot(self.conn, self.names, manifest, self.ids + [a.id for a in new],
                              first.astype(np.int64), self.records + records, self._rows, self._articles,
                              self._vectors)

    def clear_caches(self) -> None:
        """Forget every fetched row, vector, article and term frequency (the benchmark's cold case)."""
        for cache in (self._rows, self._vectors, self._articles, self._df):
            cache.clear()

    def _damaged(self, what: str) -> IndexCorruptError:
        return IndexCorruptError(self.conn.where, what, fix_command([], self.conn.location))

    def catalog(self) -> list[tuple[str, str, str | None]]:
        """(id, title, publisher) of every article, from the directory: no article is fetched."""
        return [(r["article_id"], r["title"], r["publisher"] or None) for r in self.records]

    # ----- articles and sentences -------------------------------------------------------
    def article(self, article_id: str) -> Article:
        if article_id not in self.by_id:
            raise UnknownArticleError(article_id, self.ids)
        return self.articles_at([self.by_id[article_id]])[0]

    def articles_at(self, positions: list[int]) -> list[Article]:
        """The articles at ``positions`` (one query for those not cached)."""
        found = {p: self._articles.get(p) for p in dict.fromkeys(positions)}
        missing = [p for p, article in found.items() if article is None]
        pieces: dict[int, list] = {}
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            for r in self.conn.call("query", self.names.articles, filter=f"position in {chunk}",
                                    output_fields=["position", "piece", "pieces", "body"], limit=MAX_LIMIT):
                pieces.setdefault(r["position"], []).append(r)
        for p in missing:
            found[p] = self._parse(p, pieces.get(p, []))
            self._articles.put(p, found[p])
        return [found[p] for p in positions]

    def _parse(self, position: int, pieces: list[dict]) -> Article:
        pieces.sort(key=lambda r: r["piece"])
        if not pieces or len(pieces) != pieces[0]["pieces"]:
            raise self._damaged(f"article {self.ids[position]} is missing pieces")
        article = Article.model_validate_json("".join(r["body"] for r in pieces))
        if article.id != self.ids[position]:
            raise self._damaged(f"article {position} is not {self.ids[position]}")
        return article

    def article_positions(self, rows: np.ndarray) -> np.ndarray:
        return (np.searchsorted(self.first_row, np.asarray(rows, dtype=np.int64), side="right") - 1).astype(np.int64)

    def sentence(self, row: int) -> tuple[Article, int]:
        position = int(self.article_positions(np.array([row]))[0])
        return self.articles_at([position])[0], int(row - self.first_row[position])

    def sentence_at(self, row: int) -> Sentence:
        r = self.rows([row])[0]
        if not r.text:  # longer than a Milvus text value: read it from the article
            article, s = self.sentence(row)
            return article.sentences[s]
        attribution = Attribution.model_validate_json(r.attribution) if r.attribution else None
        return Sentence(start=r.start, end=r.end, paragraph=r.para, text=r.text, attribution=attribution)

    # ----- rows ------------------------------------------------------------------------
    def _fetch(self, rows: list[int], cache: _LRU, fields: list[str], make, what: str) -> list:
        """``make(row dict)`` for each of ``rows``: one ``get`` of ``fields`` for those not in ``cache``."""
        missing = [r for r in dict.fromkeys(rows) if cache.get(r) is None]
        got = {}
        for start in range(0, len(missing), MAX_LIMIT):
            for r in self.conn.call("get", self.names.sentences, ids=missing[start : start + MAX_LIMIT],
                                    output_fields=fields):
                got[r["id"]] = make(r)
                cache.put(r["id"], got[r["id"]])
        out = [got[r] if r in got else cache.get(r) for r in rows]
        if any(o is None for o in out):
            raise self._damaged(f"{what} of rows the manifest counts are missing")
        return out

    def rows(self, rows) -> list[_Row]:
        """The fetched rows (one ``get`` for those not cached)."""
        return self._fetch([int(r) for r in rows], self._rows, ROW_FIELDS, _Row, "sentences")

    def vectors(self, rows: list[int]) -> np.ndarray:
        """The dense vectors of ``rows`` (one ``get`` for those not cached)."""
        out = self._fetch(rows, self._vectors, ["vector"], lambda r: np.asarray(r["vector"], dtype=np.float32),
                          "vectors")
        return np.stack(out) if out else np.zeros((0, int(self.manifest["model"]["dim"])), np.float32)

    def adjacent(self, rows: np.ndarray) -> tuple[np.ndarray, ...]:
        """From the rows' own flags: no neighbour has to be fetched to know it is one."""
        rows = np.asarray(rows, dtype=np.int64)
        fetched = self.rows(rows.tolist())
        last = max(self.n_rows - 1, 0)
        same_before = np.array([r.prev_same for r in fetched], dtype=bool)
        same_after = np.array([r.next_same for r in fetched], dtype=bool)
        return np.maximum(rows - 1, 0), same_before, np.minimum(rows + 1, last), same_after

    def _keys(self, rows: np.ndarray, window: bool) -> tuple[np.ndarray, np.ndarray]:
        fetched = self.rows(np.asarray(rows).tolist())
        keys = [r.window if window else r.keys for r in fetched]
        owner = np.repeat(np.arange(len(fetched)), [len(k) for k in keys])
        return owner, (np.concatenate(keys) if keys else np.zeros(0, np.int64))

    def row_tokens(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._keys(rows, window=False)

    def window_tokens(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._keys(rows, window=True)

    # ----- terms -----------------------------------------------------------------------
    def _dfs(self, tokens: list[str]) -> dict[str, int]:
        """Document frequency of each distinct token (0: not in the store)."""
        keys = {t: term_key(t) for t in set(tokens)}
        missing = [k for k in set(keys.values()) if self._df.get(k) is None]
        if missing:
            found = {r["id"]: r["df"] for r in self.conn.call("get", self.names.terms, ids=missing,
                                                              output_fields=["df"])}
            for k in missing:
                self._df.put(k, int(found.get(k, 0)))
        return {t: self._df.get(k) or 0 for t, k in keys.items()}

    def term_weights(self, tokens: list[str]) -> tuple[dict[int, float], float]:
        n, dfs = self.n_rows, self._dfs(tokens)
        idf = {t: coverage_idf(df, n) for t, df in sorted(dfs.items())}
        return {term_key(t): w for t, w in idf.items() if dfs[t] > 0}, sum(idf.values())

    def _query_weights(self, tokens: list[str]) -> dict[int, float]:
        """The question's sparse BM25 vector: idf x count per known term (a repeated token counts again)."""
        dfs, out = self._dfs(tokens), {}
        for t in tokens:
            if dfs[t] > 0:
                k = term_key(t)
                out[k] = out.get(k, 0.0) + bm25_idf(dfs[t], self.n_rows)
        return out

    def _bm25(self, fetched: list[_Row], weights: dict[int, float]) -> np.ndarray:
        """BM25 of fetched rows: their stored weights times the question's, over shared terms."""
        out = np.zeros(len(fetched), dtype=np.float32)
        if weights:
            for i, r in enumerate(fetched):
                out[i] = sum(w * weights[k] for k, w in zip(r.keys.tolist(), r.weights.tolist()) if k in weights)
        return out

    # ----- search ----------------------------------------------------------------------
    def _filter(self, allowed: np.ndarray | None) -> str:
        expression = f"id < {self.n_rows}"
        if allowed is not None:
            positions = np.unique(self.article_positions(allowed)).tolist()
            expression += f" and article in {positions}"
        return expression

    def _search(self, data, field: str, k: int, expression: str) -> dict[int, float]:
        """Row -> score of the top ``k`` rows by ``field`` (best first) that pass ``expression``."""
        params = {"metric_type": "IP", "params": {"nprobe": self.conn.nprobe} if field == "vector" else {}}
        hits = self.conn.call("search", self.names.sentences, data=[data], anns_field=field,
                              limit=min(k, MAX_LIMIT), filter=expression, output_fields=["article"],
                              search_params=params)
        return {int(h["id"]): float(h["distance"]) for h in hits[0]} if hits else {}

    def candidates(self, vector: np.ndarray, tokens: list[str], k: int, allowed: np.ndarray | None,
                   dense: bool = True, lexical: bool = True, neighbours: bool = True):
        if allowed is not None and not len(allowed) or self.n_rows == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.float32)
        expression, weights = self._filter(allowed), self._query_weights(tokens)
        dense_job = _SEARCHES.submit(self._search, vector.astype(np.float32).tolist(), "vector", k,
                                     expression) if dense else None
        sparse_hits = self._search(weights, "sparse", k, expression) if lexical and weights else {}
        dense_hits = dense_job.result() if dense_job is not None else {}
        found = np.unique(np.array(list(dense_hits) + list(sparse_hits), dtype=np.int64))
        self.rows(found.tolist())  # one fetch; then one more for the neighbours their flags name
        rows = with_neighbours(self, found, allowed) if neighbours else found
        cosine, bm25 = self._scores(vector, weights, rows, dense_hits)
        return rows, cosine, bm25

    def _scores(self, vector: np.ndarray, weights: dict[int, float], rows: np.ndarray,
                known: dict[int, float] | None = None):
        """(cosine, BM25) of ``rows``: the dense search's inner products where it found the row
        (exact for FLAT and IVF_FLAT), the others from their fetched vectors."""
        rows = np.asarray(rows).tolist()
        fetched = self.rows(rows)
        if not fetched:
            return np.zeros(0, np.float32), np.zeros(0, np.float32)
        known = known or {}
        cosine = np.array([known.get(r, np.nan) for r in rows], dtype=np.float32)
        unknown = [r for r in rows if r not in known]
        if unknown:
            cosine[np.isnan(cosine)] = self.vectors(unknown) @ vector.astype(np.float32)
        return cosine, self._bm25(fetched, weights)

    def scores(self, vector: np.ndarray, tokens: list[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return self._scores(vector, self._query_weights(tokens), rows)

    def matching_articles(self, tokens: list[str], allowed: np.ndarray | None, rows: int) -> list[int]:
        weights = self._query_weights(tokens)
        if not weights or (allowed is not None and not len(allowed)):
            return []
        found = list(self._search(weights, "sparse", rows, self._filter(allowed)))
        return list(dict.fromkeys(self.article_positions(np.array(found, dtype=np.int64)).tolist()))

    def allowed(self, article_ids: list[str] | None) -> np.ndarray | None:
        """The sentence rows of ``article_ids`` (None: every row); an unknown id raises."""
        return rows_of(self, article_ids)
