"""Faults injected into a persisted index, then a check of what survives: damaged
files (every file, three ways), writes that fail, readers during writes, a
read-only corpus. Process kills are in tests/reliability/test_kill.py.

The repair command printed by a damaged index is run exactly as printed, through
``assistant.cli.main`` with ``ASSISTANT_MODEL=fake``.
"""

import errno
import os
import shlex
import shutil
import sys
import threading
from pathlib import Path

import faiss
import numpy as np
import pytest

from assistant import Assistant, IndexCorruptError
from assistant import cli
from assistant.embedding.embedder import FakeEmbedder
from assistant.errors import IndexWriteError
from assistant.ingest.files import read_article
from assistant.store.files import CURRENT, MANIFEST, current_generation, load_index
from tests.conftest import ROOT, assert_verbatim, bbc_files

QUESTIONS = ["Who did Zuckerberg call?", "What did Gary Coby say?", "Did the company comment?"]


def _bot(corpus, index_dir, settings, **kw):
    return Assistant.from_paths([corpus], index_dir=index_dir, settings=settings, embedder=FakeEmbedder(), **kw)


def _answers(bot):
    return [bot.ask(q).model_dump_json() for q in QUESTIONS]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory, fake_settings):
    """A corpus (seed + 3 BBC articles) and its index, built once; tests copy them and
    compare their answers with these (so with the same settings)."""
    root = tmp_path_factory.mktemp("pristine")
    shutil.copytree(ROOT / "corpus", root / "corpus")
    for i, path in enumerate(bbc_files(3)):
        shutil.copy(path, root / "corpus" / f"bbc-{i}.txt")
    bot = _bot(root / "corpus", root / "idx", fake_settings)
    return root, _answers(bot)


@pytest.fixture()
def index_copy(pristine, tmp_path):
    root, answers = pristine
    shutil.copytree(root / "corpus", tmp_path / "corpus")
    shutil.copytree(root / "idx", tmp_path / "idx")
    # The manifest names the pristine corpus's paths, so the first load of this copy
    # rebuilds (reusing every embedding) and tests start from an index of their own corpus.
    return tmp_path / "corpus", tmp_path / "idx", answers


def _index_files(index_dir: Path) -> list[str]:
    folder = current_generation(index_dir, "fix")
    names = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    return [f"{folder.name}/{n}" for n in names] + [CURRENT]


def _damage(path: Path, how: str) -> None:
    data = bytearray(path.read_bytes())
    if how == "truncate-empty":
        data = bytearray()
    elif how == "truncate-half":
        data = data[: len(data) // 2]
    else:  # flip one bit in the middle
        data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def _run_printed_fix(message: str, monkeypatch) -> None:
    """Run the command after 'with: ' in an error message, as a user would paste it."""
    command = shlex.split(message.split("with: ", 1)[1])
    assert command[:3] == ["assistant", "index", "build"] and "--force" in command
    monkeypatch.setenv("ASSISTANT_MODEL", "fake")
    monkeypatch.setenv("ASSISTANT_PROGRESS", "0")
    assert cli.main(command[1:]) == 0


def test_every_index_file_damaged_three_ways_is_named_and_repaired(pristine, tmp_path, fake_settings, monkeypatch,
                                                                    capsys):
    """Truncate to nothing, truncate to half, flip a bit: in each file of the index."""
    root, answers = pristine
    cases = 0
    for name in _index_files(root / "idx"):
        for how in ("truncate-empty", "truncate-half", "flip-bit"):
            work = tmp_path / f"case{cases}"
            shutil.copytree(root / "idx", work / "idx")
            _damage(work / "idx" / name, how)
            with pytest.raises(IndexCorruptError) as info:
                _bot(root / "corpus", work / "idx", fake_settings)
            message = str(info.value)
            assert Path(name).name in message or name.split("/", 1)[-1] in message, (name, how, message)
            _run_printed_fix(message, monkeypatch)
            repaired = _bot(root / "corpus", work / "idx", fake_settings)
            assert _answers(repaired) == answers, (name, how)
            shutil.rmtree(work)
            cases += 1
    assert cases >= 3 * 12  # every file of a generation, three ways (README: Reliability)
    print(f"\ncorruption cases: {cases} ({cases // 3} files x 3 ways)")


def test_forged_faiss_header_is_refused_even_with_matching_checksums(index_copy, fake_settings):
    """An attacker who rewrites the checksums too: the deserialization limit still stops
    a header that claims a huge vector (FAISS would try to allocate it)."""
    corpus, idx, _ = index_copy
    folder = current_generation(idx, "fix")
    dense = folder / "dense.faiss"
    if not dense.is_file():  # an exact index is rebuilt from vectors.npy; large ones save dense.faiss
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        flat = faiss.IndexFlatIP(vectors.shape[1])
        flat.add(vectors)
        faiss.write_index(flat, str(dense))
        _list_file(folder, "dense.faiss")
    index = faiss.read_index(str(dense))
    data = bytearray(dense.read_bytes())
    # IndexFlat layout: header, then the vectors as (uint64 float count, floats); forge the count.
    count_at = len(data) - index.ntotal * index.d * 4 - 8
    assert int.from_bytes(data[count_at:count_at + 8], "little") == index.ntotal * index.d
    # 32 GiB of floats: under FAISS's default limit (1 TiB), so without ours it would try to allocate it.
    data[count_at:count_at + 8] = (1 << 33).to_bytes(8, "little")
    dense.write_bytes(bytes(data))
    _rewrite_checksums(idx, folder)
    with pytest.raises(IndexCorruptError, match="could not be read.*deserialization_vector_byte_limit"):
        load_index(idx, FakeEmbedder(), "fix")
    assert faiss.get_deserialization_vector_byte_limit() <= max(dense.stat().st_size, 1 << 20)


def _list_file(folder: Path, name: str) -> None:
    import json

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"][name] = ""
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")


def _rewrite_checksums(idx: Path, folder: Path) -> None:
    import json

    from assistant.checksum import file_sha256

    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"] = {n: file_sha256(folder / n) for n in manifest["files"]}
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    (idx / CURRENT).write_text(f"{folder.name} {file_sha256(folder / MANIFEST)}\n", encoding="utf-8")


def test_current_cannot_point_outside_the_index_folder(index_copy, fake_settings):
    corpus, idx, _ = index_copy
    (idx / CURRENT).write_text("../../etc\n", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match="CURRENT is damaged"):
        _bot(corpus, idx, fake_settings)


def _oserror(code):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(args[0]) if args else None)
    return fail


# (what fails, how): each patched call is one the write path really makes.
WRITE_FAULTS = [
    ("numpy.save ENOSPC", "numpy", "save", _oserror(errno.ENOSPC)),
    # No FAISS writer here: an exact index (every corpus under 200,000 sentences) saves no dense.faiss.
    ("manifest write ENOSPC", "pathlib.Path", "write_text", _oserror(errno.ENOSPC)),
    ("fsync EIO", "os", "fsync", _oserror(errno.EIO)),
    ("mkdir EACCES", "os", "mkdir", _oserror(errno.EACCES)),
    ("rename EACCES", "os", "rename", _oserror(errno.EACCES)),
    ("replace CURRENT EACCES", "os", "replace", _oserror(errno.EACCES)),
]


def _patch(monkeypatch, module: str, name: str, fake) -> None:
    if module == "pathlib.Path":
        monkeypatch.setattr(Path, name, fake)
    else:
        monkeypatch.setattr(sys.modules[module], name, fake)


@pytest.mark.parametrize("label, module, name, fake", WRITE_FAULTS, ids=[f[0] for f in WRITE_FAULTS])
@pytest.mark.parametrize("operation", ["rebuild", "add"])
def test_failed_write_gives_clear_error_and_the_old_index_survives(index_copy, fake_settings, monkeypatch, tmp_path,
                                                                  label, module, name, fake, operation):
    corpus, idx, answers = index_copy
    bot = _bot(corpus, idx, fake_settings)
    before = [a.id for a in bot.articles]
    new = tmp_path / "new.txt"
    new.write_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday.", encoding="utf-8")
    with monkeypatch.context() as patch:
        _patch(patch, module, name, fake)
        with pytest.raises(IndexWriteError) as info:
            if operation == "add":
                bot.add(new)
            else:
                shutil.copy(new, corpus / "new.txt")
                _bot(corpus, idx, fake_settings)
    message = str(info.value)
    assert str(idx) in message and "previous index" in message
    if operation == "add":  # the running assistant did not take the article it could not save
        assert [a.id for a in bot.articles] == before and _answers(bot) == answers
        (corpus / "new.txt").unlink(missing_ok=True)
    reloaded = load_index(idx, FakeEmbedder(), "fix")
    assert [a.id for a in reloaded.articles] == before
    assert not [p.name for p in idx.iterdir() if p.name.startswith((".tmp-", f".{CURRENT}."))]
    assert len([p for p in idx.iterdir() if p.name.startswith("gen-")]) == 1
    if operation == "rebuild":  # once the disk is fine again, the same command succeeds
        assert len(_bot(corpus, idx, fake_settings).articles) == len(before) + 1


@pytest.mark.parametrize("operation", ["rebuild", "add"])
def test_failed_faiss_write_of_an_approximate_index_keeps_the_old_one(index_copy, fake_settings, monkeypatch, tmp_path,
                                                                      operation):
    import faiss

    corpus, idx, _ = index_copy
    # This corpus is IVF then: dense.faiss is written.
    settings = fake_settings.model_copy(update={"approximate_above": 20})
    bot = _bot(corpus, idx, settings)
    assert (current_generation(idx, "fix") / "dense.faiss").is_file()
    before, answers = [a.id for a in bot.articles], _answers(bot)
    new = tmp_path / "new.txt"
    new.write_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday.", encoding="utf-8")

    def full_disk(*args, **kwargs):  # what FAISS's C++ writer raises when fopen/fwrite fails
        raise RuntimeError("Error in faiss::FileIOWriter::FileIOWriter: could not open dense.faiss for writing: "
                           "No space left on device")

    with monkeypatch.context() as patch:
        patch.setattr(faiss, "write_index", full_disk)
        with pytest.raises(IndexWriteError, match="previous index"):
            if operation == "add":
                bot.add(new)
            else:
                shutil.copy(new, corpus / "new.txt")
                _bot(corpus, idx, settings)
    if operation == "add":
        assert [a.id for a in bot.articles] == before and _answers(bot) == answers
    reloaded = load_index(idx, FakeEmbedder(), "fix")
    assert [a.id for a in reloaded.articles] == before and "IVF" in type(reloaded.dense).__name__
    assert not [p.name for p in idx.iterdir() if p.name.startswith((".tmp-", f".{CURRENT}."))]
    assert len([p for p in idx.iterdir() if p.name.startswith("gen-")]) == 1


def test_real_permission_denied_and_index_path_that_is_a_file(index_copy, fake_settings, tmp_path):
    corpus, _, _ = index_copy
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(IndexWriteError, match="a-file"):
        _bot(corpus, tmp_path / "a-file", fake_settings)
    if not Path("/sys/kernel").is_dir():
        pytest.skip("no sysfs here")
    with pytest.raises(IndexWriteError, match="Operation not permitted|Permission denied|Read-only"):
        _bot(corpus, "/sys/kernel/assistant-index", fake_settings)  # sysfs refuses even root


def test_a_load_racing_a_rebuild_that_deletes_its_generation_reads_the_new_one(index_copy, fake_settings, monkeypatch,
                                                                                  tmp_path):
    """Deterministically, the race the threaded test below can only hit by chance: a
    writer switches CURRENT and deletes the generation a reader is verifying."""
    import assistant.store.files as index_module

    corpus, idx, _ = index_copy
    bot = _bot(corpus, idx, fake_settings)
    old = current_generation(idx, "fix")
    new = tmp_path / "bridge.txt"
    new.write_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday.", encoding="utf-8")
    real, raced = index_module.file_sha256, []

    def racing_sha256(path):
        if not raced and Path(path).parent == old:
            raced.append(path)
            bot.add(new)  # writes a new generation, switches CURRENT, removes the old one
            assert not old.exists()
        return real(path)

    monkeypatch.setattr(index_module, "file_sha256", racing_sha256)
    data = load_index(idx, FakeEmbedder(), "fix")
    assert raced and [a.id for a in data.articles] == [a.id for a in bot.articles]


def test_readers_keep_answering_while_articles_are_added_and_the_index_rebuilt(index_copy, fake_settings, tmp_path):
    """In-process readers of one Assistant and readers loading from disk, while a
    writer adds five articles and then rebuilds: no errors, every answer verbatim,
    and every index a reader loads is one the writer completed."""
    corpus, idx, _ = index_copy
    bot = _bot(corpus, idx, fake_settings)
    complete = [frozenset(a.id for a in bot.articles)]
    errors, answers, loads = [], [0], [0]
    stop = threading.Event()

    def ask_loop():
        while not stop.is_set():
            try:
                answer = bot.ask("When did the mayor open the bridge?")
                assert_verbatim(bot, answer)
                answers[0] += 1
            except Exception as exc:  # the test's point: count every failure
                errors.append(repr(exc))

    def load_loop():
        while not stop.is_set():
            try:
                data = load_index(idx, FakeEmbedder(), "fix")
                ids = frozenset(a.id for a in data.articles)
                seen = Assistant(data, FakeEmbedder(), fake_settings).ask("Who did Zuckerberg call?")
                assert seen.quotes
                loads[0] += 1
                if ids not in complete and ids not in writes_in_flight():
                    errors.append(f"loaded an index that was never completed: {len(ids)} articles")
            except Exception as exc:
                errors.append(repr(exc))

    pending: list[frozenset] = []

    def writes_in_flight():
        return pending

    threads = [threading.Thread(target=ask_loop) for _ in range(4)]
    threads += [threading.Thread(target=load_loop) for _ in range(2)]
    for t in threads:
        t.start()
    try:
        for i in range(5):
            path = tmp_path / f"added-{i}.txt"
            path.write_text(f"Bridge {i}\n\nThe mayor opened bridge number {i} on Tuesday. Crowds cheered {i} times.",
                            encoding="utf-8")
            pending.append(complete[-1] | {read_article(path).id})
            bot.add(path)
            complete.append(frozenset(a.id for a in bot.articles))
        shutil.copy(bbc_files(5)[4], corpus / "bbc-extra.txt")  # a changed corpus: a full rebuild
        pending.append(complete[-1] | {read_article(corpus / "bbc-extra.txt").id})
        _bot(corpus, idx, fake_settings)
        complete.append(frozenset(a.id for a in load_index(idx, FakeEmbedder(), "fix").articles))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors, errors[:5]
    assert answers[0] > 10 and loads[0] > 2


def test_read_only_corpus_and_index_elsewhere(index_copy, fake_settings, tmp_path):
    """Nothing is ever opened for writing under the corpus (audit hook: it sees every
    open, rename and delete Python makes, root or not), and loading an index that is
    up to date writes nothing into the index folder either (it may live on read-only media)."""
    corpus, idx, answers = index_copy
    mode = corpus.stat().st_mode
    for p in [corpus, *corpus.rglob("*")]:
        p.chmod(0o555 if p.is_dir() else 0o444)
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in corpus.rglob("*") if p.is_file()}
    writes = _watch_writes()
    try:
        other_index = tmp_path / "elsewhere" / "index"
        bot = _bot(corpus, other_index, fake_settings)
        assert _answers(bot) == answers
        extra = tmp_path / "extra.txt"
        extra.write_text("Extra\n\nThe mayor opened a new bridge on Tuesday.", encoding="utf-8")
        bot.add(extra)
        writes.clear()
        again = _bot(corpus, other_index, fake_settings)  # up to date: load only
        assert len(again.articles) == len(bot.articles)
        assert not [w for w in writes if str(other_index) in w], writes
    finally:
        _WATCH.clear()
        for p in [corpus, *corpus.rglob("*")]:
            p.chmod(mode if p.is_dir() else 0o644)
    assert not [w for w in _SEEN if str(corpus) in w], _SEEN
    assert before == {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in corpus.rglob("*") if p.is_file()}


_WATCH: list[bool] = []
_SEEN: list[str] = []
_HOOKED: list[bool] = []


def _watch_writes() -> list[str]:
    """Record every write-like operation Python performs (an audit hook cannot be removed,
    so one is installed once and switched on and off with ``_WATCH``)."""
    _SEEN.clear()
    _WATCH.append(True)
    if not _HOOKED:
        def hook(event, args):
            if not _WATCH:
                return
            if event == "open" and args[1] is not None and any(c in str(args[1]) for c in "wax+"):
                _SEEN.append(f"open {args[0]} {args[1]}")
            elif event == "open" and isinstance(args[2], int) and args[2] & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
                _SEEN.append(f"open {args[0]} flags={args[2]}")
            elif event in ("os.rename", "os.replace", "os.remove", "os.rmdir", "os.mkdir", "shutil.rmtree", "os.chmod"):
                _SEEN.append(f"{event} {args[0]}")
        sys.addaudithook(hook)
        _HOOKED.append(True)
    return _SEEN


def test_cli_runs_from_another_folder_with_read_only_corpus_and_index_elsewhere(index_copy, tmp_path):
    import subprocess

    corpus, _, _ = index_copy
    for p in corpus.rglob("*"):
        p.chmod(0o444)
    corpus.chmod(0o555)
    env = {**os.environ, "ASSISTANT_MODEL": "fake", "ASSISTANT_PROGRESS": "0", "PYTHONPATH": str(ROOT)}
    run = tmp_path / "cwd"
    run.mkdir()
    try:
        for args in (["index", "build"], ["index", "verify"], ["ask", "Who did Zuckerberg call?"]):
            command = [sys.executable, "-m", "assistant", *args, "--corpus", str(corpus),
                       "--index", str(tmp_path / "idx2")]
            out = subprocess.run(command, cwd=run, env=env, capture_output=True, text=True, timeout=120)
            assert out.returncode == 0, out.stderr
        assert "Trump" in out.stdout and not list(run.iterdir())  # nothing written in the working folder
    finally:
        corpus.chmod(0o755)
