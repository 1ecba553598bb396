"""Opening, building and adding to a Milvus store.

``open_live`` serves what the store's alias points at (a second process or
machine needs nothing on local disk but the model); ``open_or_build`` is what
``Assistant.from_paths`` does with a Milvus store: the live generation when it
was built from the same files with this model and version, else a new
generation (articles added with ``add`` from elsewhere are carried over), made
live by one alias switch. ``MilvusStore.add`` appends to the live generation.

Example (needs the ``milvus`` extra):
    >>> import tempfile, os
    >>> from assistant.embedding.embedder import FakeEmbedder
    >>> from assistant.settings import Settings
    >>> from assistant.store.location import parse_store
    >>> where = parse_store("milvus://" + os.path.join(tempfile.mkdtemp(), "index.db"))
    >>> store = open_or_build(["corpus/"], where, Settings(model="fake", progress=False), FakeEmbedder())
    >>> store.view.n_rows > 0, open_live(where, Settings(model="fake"), FakeEmbedder(), store.conn).view.n_rows
    (True, ...)
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np

from assistant.embedding.embedder import Embedder
from assistant.errors import AssistantError, IndexCorruptError, IndexMissingError, IndexStaleError, NoArticlesError
from assistant.ingest.files import Sidecar, article_files, article_from_text
from assistant.settings import Settings
from assistant.store import lifecycle as local
from assistant.store.location import StoreLocation
from assistant.store.milvus import write
from assistant.store.milvus.connection import Connection, connect, fix_command
from assistant.store.milvus.rows import directory_entry
from assistant.store.milvus.schema import Names
from assistant.store.milvus.view import MAX_LIMIT, MilvusSnapshot
from assistant.types import Article

log = logging.getLogger(__name__)
DIRECTORY_FIELDS = ["position", "article_id", "first_row", "n_rows", "source_path", "fingerprint", "added", "title",
                    "publisher"]


class MilvusStore:
    """The connection, the live generation's names and the current view; ``add`` appends."""

    def __init__(self, conn: Connection, view: MilvusSnapshot):
        self.conn, self.view = conn, view
        self._lock = threading.Lock()

    def add(self, view: MilvusSnapshot, new: list[Article], embedder: Embedder) -> MilvusSnapshot:
        """``view`` plus ``new`` articles, written to the live generation (manifest last)."""
        with self._lock:
            manifest = write.append(self.conn, view.names, view.manifest, new, embedder, {a.id for a in new})
            firsts = view.n_rows + np.cumsum([0] + [len(a.sentences) for a in new[:-1]])
            records = [directory_entry(a, int(row), True) for a, row in zip(new, firsts)]
            self.view = view.extended(manifest, new, records)
            return self.view

    def close(self) -> None:
        self.conn.close()


def _directory(conn: Connection, names: Names, manifest: dict) -> tuple[list[str], np.ndarray, list[dict]]:
    """Every article's id, first row and source, by position (read in windows of positions)."""
    n = manifest["counts"]["articles"]
    found: dict[int, dict] = {}
    for start in range(0, n, MAX_LIMIT):
        window = f"piece == 0 and position >= {start} and position < {start + MAX_LIMIT}"
        for r in conn.call("query", names.articles, filter=window, output_fields=DIRECTORY_FIELDS, limit=MAX_LIMIT):
            found[int(r["position"])] = r
    if len(found) != n:
        raise IndexCorruptError(conn.where, f"the store lists {len(found)} of its {n} articles",
                                fix_command([], conn.location))
    records = [found[p] for p in range(n)]
    first = np.array([r["first_row"] for r in records] + [manifest["counts"]["sentences"]], dtype=np.int64)
    return [r["article_id"] for r in records], first, records


def _why_unusable(manifest: dict | None, embedder: Embedder) -> str | None:
    """Why this version cannot read a store's manifest (model, schema, segmenter, rules), or None."""
    if manifest is None:
        return "its manifest is missing"
    base = write.base_manifest(embedder, {})
    if manifest.get("schema_version") != base["schema_version"]:
        return f"store schema {manifest.get('schema_version')} != {base['schema_version']}"
    model = manifest.get("model", {})
    if model.get("id") != embedder.model_id or model.get("weights_sha256") != embedder.weights_sha256:
        return f"it was built with model {model.get('id')!r}, not {embedder.model_id!r}"
    for key in ("segmenter", "attribution"):
        if manifest.get(key) != base[key]:
            return f"it was built with {key} {manifest.get(key)!r}, this version uses {base[key]!r}"
    return None


def _open(conn: Connection, embedder: Embedder, fix: str) -> tuple[MilvusSnapshot | None, str | None]:
    """(the live view, None), or (None, why it cannot be used) when stale; missing raises."""
    names = write.live_generation(conn, conn.prefix)
    if names is None:
        raise IndexMissingError(f"{conn.where} (collections {conn.prefix}_*)", fix)
    for name in names.all():  # a reopened store's collections start released
        conn.call("load_collection", name)
    manifest = write.read_manifest(conn, names)
    why = _why_unusable(manifest, embedder)
    if why is not None:
        return None, why
    ids, first, records = _directory(conn, names, manifest)
    return MilvusSnapshot(conn, names, manifest, ids, first, records), None


def open_live(location: StoreLocation, settings: Settings, embedder: Embedder,
              conn: Connection | None = None) -> MilvusStore:
    """The store as its alias has it; a missing or stale store raises with the fix command."""
    conn = conn or connect(location, settings)
    fix = fix_command([], location)
    view, why = _open(conn, embedder, fix)
    if view is None:
        raise IndexStaleError(str(location), why, fix)
    return MilvusStore(conn, view)


def _as_manifest(view: MilvusSnapshot) -> dict:
    """The directory in the local manifest's shape, for ``stale_reason`` and ``added_elsewhere``."""
    return {"articles": [{"id": r["article_id"], "source_path": r["source_path"] or None,
                          "fingerprint": r["fingerprint"] or None} for r in view.records],
            "aliases": view.manifest.get("aliases", {}),
            "added": [r["article_id"] for r in view.records if r["added"]]}


def _carried(view: MilvusSnapshot, positions: list[int]) -> list[Article]:
    """Articles added with ``add`` from elsewhere, read back and ingested again by this version."""
    kept = []
    for article in view.articles_at(positions):
        try:
            meta = Sidecar(title=article.title, publisher=article.publisher, author=article.author,
                           published=article.published, url=article.url)
            kept.append(article_from_text(article.text, meta, article.source_path, article.fingerprint))
        except AssistantError as exc:
            log.warning("dropping added article %r from the old store: %s", article.title, exc)
    return kept


def open_or_build(paths: list[str | Path], location: StoreLocation, settings: Settings, embedder: Embedder,
                  rebuild: bool = False, allow_empty: bool = False) -> MilvusStore:
    """The live store when it matches the files under ``paths``, else a new generation (see module doc)."""
    conn = connect(location, settings)
    files = article_files(list(paths))
    fix = fix_command([str(p) for p in paths], location)
    try:
        old, why = _open(conn, embedder, fix)
    except IndexMissingError:
        old, why = None, None
    if why:
        log.warning("the Milvus store is stale (%s); building a new generation", why)
    built = _as_manifest(old) if old is not None else None
    extras = _carried(old, local.added_elsewhere(built, paths)) if old is not None else []
    if not files and not extras and not allow_empty:
        raise NoArticlesError([str(p) for p in paths])
    if old is not None and not rebuild and local.stale_reason(built, local.corpus_sources(files, extras)) is None:
        return MilvusStore(conn, old)
    aliases: dict[str, str] = {}
    articles = local.dedupe(local.read_all(files, settings) + extras, aliases)
    cache = stored_vectors(old) if old is not None else None  # same model: unchanged sentences are not re-embedded
    return build(conn, articles, embedder, settings, aliases, {a.id for a in extras}, cache)


def stored_vectors(view: MilvusSnapshot) -> dict:
    """Sentence sha256 -> vector of every row of ``view`` (read in windows of rows), so a
    rebuild embeds only new sentences, as a rebuild of the local index does."""
    from assistant.store.build import sentence_key

    cache = {}
    for start in range(0, view.n_rows, MAX_LIMIT):
        window = f"id >= {start} and id < {min(start + MAX_LIMIT, view.n_rows)}"
        for r in view.conn.call("query", view.names.sentences, filter=window, output_fields=["text", "vector"],
                                limit=MAX_LIMIT):
            if r["text"]:
                cache[sentence_key(r["text"])] = np.asarray(r["vector"], dtype=np.float32)
    return cache


def build(conn: Connection, articles: list[Article], embedder: Embedder, settings: Settings,
          aliases: dict[str, str] | None = None, added: set[str] | None = None,
          cache: dict | None = None) -> MilvusStore:
    """A new generation of ``articles``, made live (``cache``: vectors by sentence sha256 to reuse)."""
    names, manifest = write.write_generation(conn, articles, embedder, aliases or {}, added or set(),
                                             settings.approximate_above, cache, progress=settings.progress)
    ids, first, records = _directory(conn, names, manifest)
    return MilvusStore(conn, MilvusSnapshot(conn, names, manifest, ids, first, records))


def of_articles(articles: list[Article], location: StoreLocation, settings: Settings,
                embedder: Embedder) -> MilvusStore:
    """A new generation of already-built articles (the same text twice is indexed once)."""
    return build(connect(location, settings), local.dedupe(articles), embedder, settings)


def verify(location: StoreLocation, settings: Settings, embedder: Embedder) -> dict:
    """Check that the live generation is usable by this version and that Milvus holds every
    row its manifest counts (sentences, articles); returns the manifest."""
    store = open_live(location, settings, embedder)
    try:
        view, conn = store.view, store.conn
        counts = view.manifest["counts"]
        held = write.count(conn, view.names.sentences, f"id < {counts['sentences']}")
        if held != counts["sentences"]:
            raise IndexCorruptError(str(location), f"Milvus holds {held} of the {counts['sentences']} sentences "
                                                   "its manifest counts", fix_command([], location))
        return view.manifest
    finally:
        store.close()
