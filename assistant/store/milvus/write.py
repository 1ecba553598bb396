"""Writing a Milvus store: a new generation and its alias switch, or an append.

``write_generation`` embeds and tokenizes every sentence, fills the four
collections of a fresh generation in batches, checks the row counts, writes the
manifest (last), and only then points the alias at it and drops generations
older than the previous one. Readers therefore see the old store or the new
one, never a half-written one, and a failed build leaves the old one live.
``append`` adds articles to the live generation: rows numbered after the
manifest's counts, so readers holding the old manifest (which filter
``id < n_rows``) never see them until the new manifest is written, last.

Example: ``write_generation(conn, articles, embedder, manifest_base)`` (see ``lifecycle``).
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from importlib.metadata import version


from assistant.attribution.speakers import ATTRIBUTION_VERSION
from assistant.embedding.embedder import Embedder
from assistant.errors import IndexWriteError, StoreError
from assistant.ingest.segment import SEGMENTER_VERSION
from assistant.store.build import embed_texts
from assistant.store.lexical import tokenize
from assistant.store.milvus import rows as R
from assistant.store.milvus.schema import Names, create_generation, dense_index
from assistant.types import Article

log = logging.getLogger(__name__)
SCHEMA_VERSION = 1
BATCH = 1_000  # rows per insert: well under gRPC's message limit with 384-d vectors and text


def _insert(conn, collection: str, rows: list[dict], progress, label: str, method: str = "insert") -> None:
    bar = None
    if progress and len(rows) > 5 * BATCH:
        from tqdm import tqdm

        bar = tqdm(total=len(rows), desc=label, unit="row")
    for start in range(0, len(rows), BATCH):
        conn.call(method, collection, rows[start : start + BATCH])
        if bar is not None:
            bar.update(min(BATCH, len(rows) - start))
    if bar is not None:
        bar.close()


def base_manifest(embedder: Embedder, aliases: dict[str, str]) -> dict:
    return {"schema_version": SCHEMA_VERSION, "segmenter": SEGMENTER_VERSION, "attribution": ATTRIBUTION_VERSION,
            "model": {"id": embedder.model_id, "weights_sha256": embedder.weights_sha256, "dim": embedder.dim},
            "libraries": {name: version(name) for name in ("pymilvus", "bm25s", "numpy", "pydantic")},
            "aliases": aliases}


def write_generation(conn, articles: list[Article], embedder: Embedder, aliases: dict[str, str], added: set[str],
                     approximate_above: int, cache: dict | None = None, progress: bool = True) -> tuple[Names, dict]:
    """Build a new generation of ``articles`` and make it the live one (see the module doc)."""
    names = Names(conn.prefix, f"g{time.strftime('%Y%m%dt%H%M%S')}{uuid.uuid4().hex[:6]}")
    texts = [s.text for a in articles for s in a.sentences]
    vectors = embed_texts(texts, embedder, cache, progress)
    weights, lengths = R.sentence_weights(tokenize(texts))
    n = len(weights)
    dense = dense_index(n, approximate_above)
    manifest = {**base_manifest(embedder, aliases), "generation": names.generation,
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "avg_length": float(lengths.mean()) if n and lengths.mean() > 0 else 1.0, "dense_index": dense,
                "counts": {"articles": len(articles), "sentences": n}}
    try:
        create_generation(conn, names, embedder.dim, dense)
        _fill(conn, names, articles, 0, 0, vectors, weights, added, R.document_frequencies(weights), progress)
        flush(conn, names)
        _check_counts(conn, names, len(articles), n)
        conn.call("upsert", names.meta, [R.meta_row(manifest)])
        switch_alias(conn, names)
    except BaseException as exc:
        _drop(conn, names)  # nothing of a failed build stays behind; the live alias never moved
        if isinstance(exc, ValueError):
            raise IndexWriteError(conn.where, str(exc)) from None
        raise
    drop_old_generations(conn, keep=names)
    return names, manifest


def _fill(conn, names: Names, articles, first_position: int, first_row: int, vectors, weights,
          added: set[str], df: dict, progress: bool, method: str = "insert") -> None:
    """Sentences, then articles, then terms. An append upserts (``method``): rows keep their
    numbers, so a retry after a crash rewrites the same rows instead of duplicating them."""
    _insert(conn, names.sentences, R.sentence_rows(articles, first_position, first_row, vectors, weights),
            progress, "Writing sentences to Milvus", method)
    _insert(conn, names.articles, R.article_rows(articles, first_position, first_row, added), progress,
            "Writing articles to Milvus", method)
    _insert(conn, names.terms, R.term_rows(df), progress, "Writing terms to Milvus", method)


def flush(conn, names: Names) -> None:
    """Seal what was written into indexed segments: rows left in Milvus's write buffer are
    searched by brute force on every question (Milvus Lite: seconds per search at BBC size)."""
    for name in names.all():
        conn.call("flush", name)


def count(conn, collection: str, expression: str = "") -> int:
    """Rows of ``collection`` that pass ``expression`` (all when empty)."""
    return conn.call("query", collection, filter=expression, output_fields=["count(*)"])[0]["count(*)"]


def _check_counts(conn, names: Names, articles: int, sentences: int) -> None:
    """Verify the rows landed before anything points at them."""
    got, heads = count(conn, names.sentences), count(conn, names.articles, "piece == 0")
    if got != sentences or heads != articles:
        raise IndexWriteError(conn.where, f"Milvus holds {got} of {sentences} sentences and {heads} of {articles} "
                                          "articles after the build; the previous store stays live")


def switch_alias(conn, names: Names) -> None:
    """Point the alias at ``names``' meta collection: the moment the new generation goes live."""
    for name in names.all():
        conn.call("load_collection", name)
    if live_generation(conn, names.prefix) is None:
        conn.call("create_alias", names.meta, names.alias)
    else:
        conn.call("alter_alias", names.meta, names.alias)


def live_generation(conn, prefix: str) -> Names | None:
    """The generation the alias ``prefix`` points at, or None when there is none."""
    listed = conn.call("list_aliases")
    aliases = listed.get("aliases", []) if isinstance(listed, dict) else list(listed)
    if prefix not in aliases:
        return None
    return Names.of_meta(prefix, conn.call("describe_alias", prefix)["collection_name"])


def read_manifest(conn, names: Names) -> dict | None:
    rows = conn.call("get", names.meta, ids=[0], output_fields=["manifest"])
    return json.loads(rows[0]["manifest"]) if rows else None


def drop_old_generations(conn, keep: Names) -> None:
    """Drop every generation of ``keep.prefix`` but ``keep`` and the one before it (a
    reader that opened the previous generation a moment ago can still finish)."""
    mine = sorted({c[len(keep.prefix) + 1:].split("_")[0] for c in conn.call("list_collections")
                   if c.startswith(keep.prefix + "_g")})
    older = [g for g in mine if g < keep.generation]
    for generation in older[:-1]:
        _drop(conn, Names(keep.prefix, generation))


def _drop(conn, names: Names) -> None:
    for name in names.all():
        try:
            if conn.call("has_collection", name):
                conn.call("drop_collection", name)
        except StoreError as exc:  # e.g. the server went away mid-cleanup: the next build drops it
            log.warning("could not drop %s: %s", name, exc)


def append(conn, names: Names, manifest: dict, articles: list[Article], embedder: Embedder,
           added: set[str]) -> dict:
    """Add ``articles`` to the live generation; returns the new manifest (written last)."""
    counts = manifest["counts"]
    first_position, first_row = counts["articles"], counts["sentences"]
    texts = [s.text for a in articles for s in a.sentences]
    vectors = embed_texts(texts, embedder, progress=False)
    weights, _ = R.sentence_weights(tokenize(texts), manifest["avg_length"])
    delta = R.document_frequencies(weights)
    known = {r["id"]: r["df"] for r in conn.call("get", names.terms, ids=list(delta), output_fields=["df"])} \
        if delta else {}
    df = {k: known.get(k, 0) + v for k, v in delta.items()}
    _fill(conn, names, articles, first_position, first_row, vectors, weights, added, df, False, "upsert")
    n_new = sum(len(a.sentences) for a in articles)
    new = {**manifest, "counts": {"articles": first_position + len(articles), "sentences": first_row + n_new}}
    flush(conn, names)
    conn.call("upsert", names.meta, [R.meta_row(new)])
    return new
