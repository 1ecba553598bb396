"""The index's lifecycle: open a saved index or build one, rebuild, add articles.

``open_or_build`` is what ``Assistant.from_paths`` does with an ``index_dir``:
load and verify the saved index when it matches the corpus files, else build
(reusing the vectors of unchanged sentences) and save. Articles added earlier
with ``add`` (uploads, URLs) live only in the index, so a rebuild carries them
over. ``add_articles`` appends to a snapshot and persists the result.

Example:
    >>> import tempfile
    >>> from assistant.embedding.embedder import FakeEmbedder
    >>> from assistant.settings import Settings
    >>> folder = tempfile.mkdtemp()
    >>> data = open_or_build(["corpus/"], folder, Settings(model="fake", progress=False), FakeEmbedder())
    >>> (open_or_build(["corpus/"], folder, Settings(model="fake", progress=False), FakeEmbedder()).manifest
    ...  == data.manifest)
    True
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from assistant.embedding.embedder import Embedder
from assistant.errors import AssistantError, IndexMissingError, IndexStaleError, NoArticlesError
from assistant.ingest.files import Sidecar, article_files, article_from_text, read_article, source_fingerprint
from assistant.settings import Settings
from assistant.store.build import IndexData, append_articles, build_index, embedding_cache
from assistant.store.files import load_index, save_index, saved_articles, stale_embeddings
from assistant.store.snapshot import Snapshot
from assistant.types import Article

log = logging.getLogger(__name__)


def fix_command(paths: list[str], index_dir: str | None) -> str:
    """The command that rebuilds the index, quoted in every index error."""
    corpus = " ".join(f"--corpus {p}" for p in paths) or "--corpus corpus/"
    # --force: without it the build first loads the damaged index, fails again, and repairs nothing.
    return f"assistant index build {corpus} --index {index_dir or 'index/'} --force"


def open_or_build(paths: list[str | Path], index_dir: str | Path, settings: Settings, embedder: Embedder,
                  rebuild: bool = False, allow_empty: bool = False) -> IndexData:
    """The saved index in ``index_dir`` when it matches the files under ``paths``,
    else a new one built and saved there; ``rebuild`` ignores the saved one (but
    keeps its added articles and, for the same model, its vectors). No article at
    all raises ``NoArticlesError`` unless ``allow_empty``."""
    files = article_files(list(paths))
    fix = fix_command([str(p) for p in paths], str(index_dir))
    old = None if rebuild else _load_if_possible(index_dir, embedder, fix)
    extras = [old.articles[i] for i in added_elsewhere(old.manifest, paths)] if old is not None \
        else _recover_added(index_dir, paths)
    if not files and not extras and not allow_empty:
        raise NoArticlesError([str(p) for p in paths])
    sources = corpus_sources(files, extras)
    if old is not None and stale_reason(old.manifest, sources) is None:
        return old
    aliases: dict[str, str] = {}
    articles = dedupe(read_all(files, settings) + extras, aliases)
    cache = embedding_cache(old) if old is not None else (stale_embeddings(index_dir, embedder)
                                                          if not rebuild else None)
    data = build_index(articles, embedder, cache, progress=settings.progress,
                       approximate_above=settings.approximate_above)
    data.aliases = aliases
    kept = {a.id for a in articles}
    data.added = [a.id for a in extras if a.id in kept]
    save_index(data, index_dir)
    return data


def in_memory(paths: list[str | Path], settings: Settings, embedder: Embedder, allow_empty: bool = False) -> IndexData:
    """An index of the files under ``paths``, built in memory and never saved."""
    files = article_files(list(paths))
    if not files and not allow_empty:
        raise NoArticlesError([str(p) for p in paths])
    return of_articles([read_article(f, settings.max_file_bytes) for f in files], settings, embedder)


def of_articles(articles: list[Article], settings: Settings, embedder: Embedder) -> IndexData:
    """An in-memory index of already-built articles (the same text twice is indexed once)."""
    return build_index(dedupe(articles), embedder, progress=settings.progress,
                       approximate_above=settings.approximate_above)


def add_articles(snapshot: Snapshot, new: list[Article], embedder: Embedder, index_dir: str | Path | None) -> Snapshot:
    """``snapshot`` plus ``new`` articles: only their sentences are embedded and
    tokenized, and the result is saved to ``index_dir`` (when given) before it is returned."""
    data = append_articles(snapshot.data, new, embedder)
    if index_dir is not None:
        save_index(data, index_dir)
    return snapshot.extended(data, new)


def stale_reason(manifest: dict, sources: dict[str, str]) -> str | None:
    """Why an index no longer matches the corpus files (path -> fingerprint), or None."""
    built = {a["source_path"]: a.get("fingerprint") for a in manifest.get("articles", []) if a.get("source_path")}
    built.update(manifest.get("aliases", {}))
    if built == sources:
        return None
    new = sum(1 for p in sources if p not in built)
    edited = sum(1 for p in sources if p in built and built[p] != sources[p])
    gone = sum(1 for p in built if p not in sources)
    return f"the corpus changed ({new} new, {edited} edited, {gone} removed file(s))"


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


def added_elsewhere(manifest: dict, paths: list[str | Path]) -> list[int]:
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
    for record in saved_articles(index_dir, lambda manifest: added_elsewhere(manifest, paths)):
        try:
            meta = Sidecar(**{k: record.get(k) for k in ("title", "publisher", "author", "published", "url")})
            kept.append(article_from_text(record["text"], meta, record.get("source_path"), record.get("fingerprint")))
        except (AssistantError, KeyError, TypeError, ValueError) as exc:  # e.g. nothing quotable under a new segmenter
            log.warning("dropping added article %r from the old index: %s", record.get("title"), exc)
    if kept:
        log.info("keeping %d article(s) added with add() from outside the corpus", len(kept))
    return kept


def corpus_sources(files: list[Path], extras: list[Article]) -> dict[str, str]:
    """Source path -> fingerprint of the corpus files and the carried-over added articles:
    what ``stale_reason`` compares a built index (local or Milvus) with."""
    sources = {os.path.normpath(str(f)): source_fingerprint(f) for f in files}
    sources.update({a.source_path: a.fingerprint for a in extras if a.source_path})
    return sources


def read_all(files: list[Path], settings: Settings) -> list[Article]:
    """Read and segment every file, with a progress bar where a person waits for many."""
    if not settings.progress or len(files) < 100:
        return [read_article(f, settings.max_file_bytes) for f in files]
    from tqdm import tqdm

    return [read_article(f, settings.max_file_bytes) for f in tqdm(files, desc="Reading articles", unit="file")]


def dedupe(articles: list[Article], aliases: dict[str, str] | None = None) -> list[Article]:
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
