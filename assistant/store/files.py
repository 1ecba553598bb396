"""The index on disk: atomic generations of plain files, a manifest, verified loads.

A built index is a folder of plain files (JSONL, ``.npy`` without pickle,
FAISS's own format, bm25s's folder) and a ``manifest.json`` written last with
versions, the model, each article's id and each file's sha256. Saving is
atomic: the files go into a fresh generation folder, are fsynced, and only then
does ``CURRENT`` (replaced atomically) point at it, so a crash leaves either the
old or the new index, never a mix. Loading verifies everything.

Example:
    >>> import tempfile
    >>> from assistant.embedding.embedder import FakeEmbedder
    >>> from assistant.ingest.files import article_from_text
    >>> from assistant.store.build import build_index
    >>> folder = tempfile.mkdtemp()
    >>> _ = save_index(build_index([article_from_text("T\\n\\nA cat sat.")], FakeEmbedder(), progress=False), folder)
    >>> load_index(folder, FakeEmbedder(), "assistant index build --force").dense.ntotal
    1
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
import uuid
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import faiss
import numpy as np

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; a single writer is assumed there
    fcntl = None

from assistant.store.articles import ArticleStore
from assistant.attribution.speakers import ATTRIBUTION_VERSION
from assistant.store.build import IndexData, paragraph_ids, sentence_key
from assistant.store.dense import make_dense
from assistant.checksum import file_sha256
from assistant.embedding.embedder import Embedder
from assistant.errors import IndexCorruptError, IndexMissingError, IndexStaleError, IndexWriteError
from assistant.store.lexical import Lexicon
from assistant.ingest.segment import SEGMENTER_VERSION

log = logging.getLogger(__name__)
SCHEMA_VERSION = 3  # 2: lexicon stores term counts and its own BM25 arrays; 3: paragraphs.npy
MANIFEST = "manifest.json"
CURRENT = "CURRENT"
LOCK = ".write-lock"
# Files a generation must list in its manifest: a manifest that lost its "files" entry
# must not make loading skip the checksums.
REQUIRED_FILES = ("articles.jsonl", "units.npy", "vectors.npy")
# CURRENT holds "<generation folder> <sha256 of its manifest>" (older indexes: the name only).
_POINTER = re.compile(r"(gen-[A-Za-z0-9-]+)(?: ([0-9a-f]{64}))?")


def _fsync_tree(folder: Path) -> None:
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
    for path in [folder, *[p for p in folder.rglob("*") if p.is_dir()]]:
        _fsync_dir(path)


def _library_versions() -> dict[str, str]:
    return {name: version(name) for name in ("faiss-cpu", "bm25s", "numpy", "sentencex", "pydantic")}


def _write_files(data: IndexData, folder: Path) -> dict:
    stored = isinstance(data.articles, ArticleStore)
    with open(folder / "articles.jsonl", "wb") as handle:
        handle.write(data.articles.raw_lines() if stored else b"")  # unchanged lines are copied, not re-serialised
        for article in data.articles.appended() if stored else data.articles:
            handle.write(article.model_dump_json().encode("utf-8") + b"\n")
    np.save(folder / "units.npy", data.units, allow_pickle=False)
    np.save(folder / "paragraphs.npy",
            data.paragraphs if data.paragraphs is not None else paragraph_ids(list(data.articles)),
            allow_pickle=False)
    np.save(folder / "vectors.npy", data.vectors, allow_pickle=False)
    if not isinstance(data.dense, faiss.IndexFlat):  # an exact index is rebuilt from vectors.npy on load:
        faiss.write_index(data.dense, str(folder / "dense.faiss"))  # writing it twice made add() slow
    data.lexicon.save(folder / "lexical")
    files = {str(p.relative_to(folder)): file_sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "libraries": _library_versions(),
        "model": {"id": data.model_id, "weights_sha256": data.weights_sha256, "dim": int(data.dense.d)},
        "segmenter": SEGMENTER_VERSION,
        "attribution": ATTRIBUTION_VERSION,
        "articles": [
            {
                "id": a.id, "sha256": sentence_key(a.text), "source_path": a.source_path,
                "fingerprint": a.fingerprint, "sentences": len(a.sentences),
            }
            for a in data.articles
        ],
        "aliases": data.aliases,
        "added": data.added,
        "counts": {"articles": len(data.articles), "sentences": int(len(data.units))},
        "files": files,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest


def save_index(data: IndexData, index_dir: str | Path) -> Path:
    """Write a new generation and switch ``CURRENT`` to it atomically.

    Until ``os.replace`` swaps ``CURRENT``, readers and a crash see the previous
    index; a failed write (disk full, permission denied) raises ``IndexWriteError``
    and leaves no trace. Writers of one folder take turns (an advisory lock).
    Example: ``save_index(build_index(articles, FakeEmbedder()), "index/")``.
    """
    root = Path(index_dir)
    name = f"gen-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}"
    tmp = root / f".tmp-{name}"
    try:
        root.mkdir(parents=True, exist_ok=True)
        with _write_lock(root):
            try:
                tmp.mkdir()
                data.manifest = _write_files(data, tmp)
                _fsync_tree(tmp)
                os.rename(tmp, root / name)
                _switch_current(root, name)
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                (root / f".{CURRENT}.{name}").unlink(missing_ok=True)
                if _read_pointer_name(root) != name:
                    shutil.rmtree(root / name, ignore_errors=True)
                raise
            _remove_old_generations(root, keep=name)
    except (OSError, RuntimeError) as exc:  # RuntimeError: FAISS's C++ writer
        raise IndexWriteError(str(root), _why(exc)) from None
    return root / name


def _switch_current(root: Path, name: str) -> None:
    """Point ``CURRENT`` at generation ``name`` (and its manifest's sha256) atomically."""
    pointer = root / f".{CURRENT}.{name}"
    pointer.write_text(f"{name} {file_sha256(root / name / MANIFEST)}\n", encoding="utf-8")
    with open(pointer, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer, root / CURRENT)
    try:
        _fsync_dir(root)
    except OSError as exc:  # the switch is done and visible; only power-loss durability is unsure
        log.warning("could not fsync %s after switching CURRENT: %s", root, exc)


class _write_lock:
    """An exclusive ``flock`` on ``root/.write-lock``, so two writers (say ``assistant
    index build`` and a running server's ``add``) never clean up each other's files.
    The kernel drops it when a process dies, so a killed writer never blocks others."""

    def __init__(self, root: Path):
        self.path = root / LOCK

    def __enter__(self):
        self.handle = open(self.path, "a+b")
        if fcntl is not None:
            fcntl.flock(self.handle.fileno(), fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc) -> None:
        self.handle.close()  # closing releases the lock


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.strerror} ({exc.filename})" if exc.filename else exc.strerror
    return str(exc) or type(exc).__name__


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_old_generations(root: Path, keep: str) -> None:
    """Other generations, and what killed writers left (temp folders, pointer files)."""
    for path in root.iterdir():
        if path.is_dir() and path.name != keep and (path.name.startswith("gen-") or path.name.startswith(".tmp-gen-")):
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.name.startswith(f".{CURRENT}."):
            path.unlink(missing_ok=True)


def _read_pointer(root: Path, fix: str) -> tuple[str, str | None]:
    """(generation folder name, its manifest's sha256 or None) from ``CURRENT``."""
    pointer = root / CURRENT
    if not pointer.is_file():
        raise IndexMissingError(str(root), fix)
    try:
        raw = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(str(root), f"file {CURRENT} cannot be read ({exc})", fix) from None
    match = _POINTER.fullmatch(raw)  # also keeps a tampered CURRENT from pointing outside the folder
    if match is None:
        raise IndexCorruptError(str(root),
                                f"file {CURRENT} is damaged (it holds {raw[:60]!r}, not a generation name)", fix)
    return match.group(1), match.group(2)


def _read_pointer_name(root: Path) -> str | None:
    try:
        return _read_pointer(root, "")[0]
    except (IndexMissingError, IndexCorruptError):
        return None


def current_generation(index_dir: str | Path, fix: str) -> Path:
    """The folder ``CURRENT`` names; ``IndexMissingError`` when there is no index yet."""
    root = Path(index_dir)
    folder = root / _read_pointer(root, fix)[0]
    if not (folder / MANIFEST).is_file():
        raise IndexCorruptError(str(root), f"file {CURRENT} names {folder.name}, whose {MANIFEST} is missing", fix)
    return folder


def verify_index(index_dir: str | Path, fix: str) -> dict:
    """Check the manifest and every file's sha256; return the manifest."""
    return _verify_generation(current_generation(index_dir, fix), index_dir, fix,
                              _read_pointer(Path(index_dir), fix)[1])


def _verify_generation(folder: Path, index_dir: str | Path, fix: str, manifest_sha256: str | None = None) -> dict:
    if manifest_sha256 is not None and file_sha256(folder / MANIFEST) != manifest_sha256:
        raise IndexCorruptError(str(index_dir), f"file {MANIFEST} does not match its checksum in {CURRENT}", fix)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexCorruptError(str(index_dir), f"file {MANIFEST} is not valid JSON ({exc})", fix) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise IndexCorruptError(str(index_dir), f"file {MANIFEST} has no list of files", fix)
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise IndexStaleError(str(index_dir),
                              f"schema version {manifest.get('schema_version')} != {SCHEMA_VERSION}", fix)
    missing = [name for name in REQUIRED_FILES if name not in manifest["files"]]
    if missing:
        raise IndexCorruptError(str(index_dir), f"file {MANIFEST} does not list {', '.join(missing)}", fix)
    for name, expected in manifest.get("files", {}).items():
        path = folder / name
        if not path.is_file():
            raise IndexCorruptError(str(index_dir), f"file {name} is missing", fix)
        if file_sha256(path) != expected:
            raise IndexCorruptError(str(index_dir), f"file {name} does not match its checksum", fix)
    for key, want in (("segmenter", SEGMENTER_VERSION), ("attribution", ATTRIBUTION_VERSION)):
        if manifest.get(key) != want:
            raise IndexStaleError(str(index_dir),
                                  f"it was built with {key} {manifest.get(key)!r}, this version uses {want!r}", fix)
    return manifest


def _read_dense(folder: Path, vectors: np.ndarray) -> faiss.Index:
    """The saved approximate index, or an exact one over ``vectors`` when none was saved."""
    if (folder / "dense.faiss").is_file():
        _limit_faiss_reads(folder / "dense.faiss")
        return faiss.read_index(str(folder / "dense.faiss"))
    return make_dense(vectors, approximate_above=len(vectors))


def load_index(index_dir: str | Path, embedder: Embedder, fix: str) -> IndexData:
    """Load and verify a saved index for ``embedder``'s model.

    A writer may switch ``CURRENT`` and delete the generation being read; then the
    read fails, ``CURRENT`` has moved, and the new generation is read instead.
    Example: ``load_index("index/", FakeEmbedder(), "assistant index build --force")``.
    """
    for attempt in range(3):
        pointer = _read_pointer(Path(index_dir), fix)
        try:
            return _load_generation(index_dir, pointer, embedder, fix)
        except IndexCorruptError:
            if attempt == 2 or _read_pointer(Path(index_dir), fix) == pointer:
                raise  # damaged for real, not replaced under our feet
            log.info("%s changed while loading; loading the new generation", CURRENT)
    raise AssertionError("unreachable")


def _load_generation(index_dir: str | Path, pointer: tuple[str, str | None], embedder: Embedder, fix: str) -> IndexData:
    # One generation throughout, so a rebuild switching CURRENT meanwhile cannot mix two.
    folder = Path(index_dir) / pointer[0]
    if not (folder / MANIFEST).is_file():
        raise IndexCorruptError(str(index_dir), f"file {CURRENT} names {folder.name}, whose {MANIFEST} is missing", fix)
    try:
        manifest = _verify_generation(folder, index_dir, fix, pointer[1])
    except OSError as exc:  # e.g. a writer removed this generation after switching CURRENT: load_index retries
        raise IndexCorruptError(str(index_dir), f"a file could not be read ({exc})", fix) from None
    model = manifest["model"]
    if model["id"] != embedder.model_id or model["weights_sha256"] != embedder.weights_sha256:
        raise IndexStaleError(str(index_dir),
                              f"it was built with model {model['id']!r}, not {embedder.model_id!r}", fix)
    try:
        articles = ArticleStore.open(folder / "articles.jsonl", [a["id"] for a in manifest["articles"]])
        units = np.load(folder / "units.npy", allow_pickle=False)
        paragraphs = np.load(folder / "paragraphs.npy", allow_pickle=False)
        vectors = np.load(folder / "vectors.npy", allow_pickle=False, mmap_mode="r")
        dense = _read_dense(folder, vectors)
        lexicon = Lexicon.load(folder / "lexical", mmap=True)
    except (ValueError, OSError, RuntimeError, MemoryError) as exc:  # MemoryError: FAISS's bad_alloc on a forged size
        raise IndexCorruptError(str(index_dir), f"a file could not be read ({exc})", fix) from None
    if dense.ntotal != len(units) or len(units) != manifest["counts"]["sentences"] or dense.d != model["dim"] \
            or len(paragraphs) != len(units):
        raise IndexCorruptError(str(index_dir), "row counts of the files disagree", fix)
    return IndexData(articles, units, vectors, dense, lexicon, model["id"], model["weights_sha256"], manifest,
                     dict(manifest.get("aliases", {})), list(manifest.get("added", [])), paragraphs)


def _saved_generation(index_dir: str | Path, names: tuple[str, ...]) -> tuple[Path, dict]:
    """The current generation's folder and manifest, when the files ``names`` match
    their checksums; it need not be loadable by this version (older schema,
    segmenter or attribution). Raises what reading raises when it is not usable."""
    folder = current_generation(index_dir, "")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    _check_files(folder, manifest, names)
    return folder, manifest


def _check_files(folder: Path, manifest: dict, names: tuple[str, ...]) -> None:
    for name in names:
        if file_sha256(folder / name) != manifest["files"][name]:
            raise ValueError(f"{name} does not match its checksum")


_UNUSABLE = (OSError, ValueError, KeyError, IndexError, TypeError, IndexMissingError, IndexCorruptError)


def stale_embeddings(index_dir: str | Path, embedder: Embedder) -> dict[str, np.ndarray]:
    """Sentence hash -> vector from a saved index that can no longer be loaded as it
    is (older schema, segmenter or attribution), when the same model built it: a
    version upgrade then re-embeds nothing that it already embedded. Empty when
    there is nothing usable; damaged files are skipped here (a full build follows)."""
    try:
        folder, manifest = _saved_generation(index_dir, ("articles.jsonl", "units.npy", "vectors.npy"))
        model = manifest["model"]
        if model["id"] != embedder.model_id or model["weights_sha256"] != embedder.weights_sha256:
            return {}
        with open(folder / "articles.jsonl", encoding="utf-8") as handle:
            sentences = [[x["text"] for x in json.loads(line)["sentences"]] for line in handle if line.strip()]
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        units = np.load(folder / "units.npy", allow_pickle=False)
        return {sentence_key(sentences[a][s]): vectors[i] for i, (a, s) in enumerate(units.tolist())}
    except _UNUSABLE:
        return {}


def saved_articles(index_dir: str | Path, pick: Callable[[dict], list[int]]) -> list[dict]:
    """The records (``articles.jsonl`` lines) at the positions ``pick(manifest)`` of a
    saved index that may be stale or about to be rebuilt; only those lines are
    parsed, and only when some are picked. Empty when there is no index, and with a
    warning when one is there but cannot be read back. A rebuild uses it to keep the
    articles added with ``add``, which live nowhere else.

    Example: ``saved_articles("index/", lambda manifest: [0])[0]["text"]``
    """
    try:
        folder, manifest = _saved_generation(index_dir, ())
        wanted = set(pick(manifest))
        if not wanted:
            return []
        _check_files(folder, manifest, ("articles.jsonl",))
        with open(folder / "articles.jsonl", encoding="utf-8") as handle:
            records = [json.loads(line) for i, line in enumerate(handle) if i in wanted]
        if len(records) != len(wanted):
            raise ValueError("articles.jsonl has fewer lines than the manifest has articles")
        return records
    except IndexMissingError:
        return []
    except _UNUSABLE as exc:
        log.warning("cannot read the articles of the old index in %s (%s): articles added to it with add() "
                    "or from the chat, if any, are lost; the corpus files are indexed again", index_dir, exc)
        return []


def _limit_faiss_reads(path: Path) -> None:
    """Bound FAISS's deserializer before it reads ``path``: no vector and no loop may be
    larger than the file itself, so a forged header cannot make it allocate or spin
    without end (defence in depth: the file's checksum was verified already)."""
    size = max(path.stat().st_size, 1 << 20)
    faiss.set_deserialization_vector_byte_limit(size)
    faiss.set_deserialization_loop_limit(size)


