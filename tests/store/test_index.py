import json

import numpy as np
import pytest

from assistant import Assistant, IndexCorruptError
from assistant.embedding.embedder import FakeEmbedder
from assistant.store.files import CURRENT, LOCK, MANIFEST, current_generation, verify_index
from tests.conftest import CountingEmbedder, assert_verbatim

QUESTIONS = ["Who did Zuckerberg call?", "What did Gary Coby say?", "Did the company comment?"]


def _bot(corpus, index_dir, settings, embedder=None):
    return Assistant.from_paths([corpus], index_dir=index_dir, settings=settings, embedder=embedder or FakeEmbedder())


def test_save_load_round_trip_gives_same_answers(tmp_path, corpus_copy, fake_settings):
    built = _bot(corpus_copy, tmp_path / "idx", fake_settings)
    loaded = _bot(corpus_copy, tmp_path / "idx", fake_settings)
    for q in QUESTIONS:
        a, b = built.ask(q), loaded.ask(q)
        assert a.model_dump() == b.model_dump()
        assert_verbatim(loaded, b)


def test_manifest_lists_files_model_and_articles(tmp_path, corpus_copy, fake_settings):
    _bot(corpus_copy, tmp_path / "idx", fake_settings)
    manifest = verify_index(tmp_path / "idx", "fix")
    folder = current_generation(tmp_path / "idx", "fix")
    assert manifest["model"]["id"] == "fake-bow-64" and manifest["counts"]["articles"] == 1
    assert {"articles.jsonl", "vectors.npy", "units.npy", "lexical/col_weights.npy"} <= set(manifest["files"])
    assert json.loads((folder / MANIFEST).read_text())["files"] == manifest["files"]
    # No pickle: every .npy loads with allow_pickle=False.
    for path in folder.rglob("*.npy"):
        np.load(path, allow_pickle=False)


@pytest.mark.parametrize("victim", ["vectors.npy", "articles.jsonl", "lexical/col_weights.npy", "lexical/vocab.json"])
def test_corruption_is_detected_and_named(tmp_path, corpus_copy, fake_settings, victim):
    _bot(corpus_copy, tmp_path / "idx", fake_settings)
    path = current_generation(tmp_path / "idx", "fix") / victim
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(IndexCorruptError) as info:
        _bot(corpus_copy, tmp_path / "idx", fake_settings)
    assert victim in str(info.value) and "assistant index build" in str(info.value)
    # The fix command's effect: a forced rebuild repairs it.
    Assistant.from_paths([corpus_copy], index_dir=tmp_path / "idx", settings=fake_settings, embedder=FakeEmbedder(),
                         rebuild=True)
    verify_index(tmp_path / "idx", "fix")


def test_changed_corpus_rebuilds_reusing_embeddings(tmp_path, corpus_copy, fake_settings):
    first = CountingEmbedder()
    _bot(corpus_copy, tmp_path / "idx", fake_settings, first)
    assert first.encoded == 13
    (corpus_copy / "new.txt").write_text("New story\n\nA council approved the budget. It passed easily.")
    second = CountingEmbedder()
    bot = _bot(corpus_copy, tmp_path / "idx", fake_settings, second)
    assert second.encoded == 2 and len(bot.articles) == 2
    third = CountingEmbedder()
    _bot(corpus_copy, tmp_path / "idx", fake_settings, third)
    assert third.encoded == 0  # unchanged corpus: loaded, nothing embedded


def test_generations_switch_atomically(tmp_path, corpus_copy, fake_settings):
    _bot(corpus_copy, tmp_path / "idx", fake_settings)
    old = (tmp_path / "idx" / CURRENT).read_text()
    (corpus_copy / "new.txt").write_text("New\n\nBody sentence here.")
    _bot(corpus_copy, tmp_path / "idx", fake_settings)
    new = (tmp_path / "idx" / CURRENT).read_text()
    assert old != new
    leftovers = [p.name for p in (tmp_path / "idx").iterdir() if p.name not in (CURRENT, LOCK)]
    assert leftovers == [new.split()[0]]  # CURRENT: "<generation> <manifest sha256>"


def test_other_model_index_is_rebuilt_not_misused(tmp_path, corpus_copy, fake_settings):
    _bot(corpus_copy, tmp_path / "idx", fake_settings, FakeEmbedder(dim=64))
    bot = _bot(corpus_copy, tmp_path / "idx", fake_settings, FakeEmbedder(dim=32))
    assert bot.ask("Who is Gary Coby?").quotes
    assert verify_index(tmp_path / "idx", "fix")["model"]["id"] == "fake-bow-32"


def _mark_older_schema(index_dir):
    """Make the saved index look written by an older version (it must be rebuilt)."""
    manifest_path = current_generation(index_dir, "fix") / MANIFEST
    manifest = json.loads(manifest_path.read_text())
    manifest["schema_version"] = 1
    manifest_path.write_text(json.dumps(manifest))
    (index_dir / CURRENT).write_text(manifest_path.parent.name + "\n")


@pytest.mark.parametrize("how", ["force", "older schema"])
def test_rebuild_keeps_articles_added_from_outside_the_corpus(tmp_path, corpus_copy, fake_settings, how):
    # An upload's file is gone after the chat added it: the index holds the only copy.
    upload = tmp_path / "upload" / "bridge.txt"
    upload.parent.mkdir()
    upload.write_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday. Crowds cheered.", encoding="utf-8")
    bot = _bot(corpus_copy, tmp_path / "idx", fake_settings)
    added = bot.add(upload)
    before = bot.ask("Who opened the bridge?")
    upload.unlink()
    if how == "older schema":
        _mark_older_schema(tmp_path / "idx")
    rebuilt = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "idx", settings=fake_settings,
                                   embedder=FakeEmbedder(), rebuild=how == "force")
    assert [a.id for a in rebuilt.articles] == [a.id for a in bot.articles]
    assert rebuilt.articles[-1].model_dump() == added.model_dump()
    after = rebuilt.ask("Who opened the bridge?")
    assert after.model_dump() == before.model_dump() and after.quotes[0].article_id == added.id
    assert_verbatim(rebuilt, after)
    # ...and the next start loads the rebuilt index as current, the added article included.
    assert [a.id for a in _bot(corpus_copy, tmp_path / "idx", fake_settings).articles] == [a.id for a in bot.articles]


@pytest.mark.parametrize("rebuild", [True, False])
def test_building_over_another_corpus_drops_the_old_corpus_but_keeps_added(tmp_path, corpus_copy, fake_settings,
                                                                          rebuild):
    old = tmp_path / "old"
    old.mkdir()
    (old / "story.txt").write_text("Old story\n\nThe council closed the library. Readers protested.", encoding="utf-8")
    added = tmp_path / "bridge.txt"
    added.write_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday. Crowds cheered.", encoding="utf-8")
    bot = _bot(old, tmp_path / "idx", fake_settings)
    bot.add(added)
    moved = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "idx", settings=fake_settings,
                                 embedder=FakeEmbedder(), rebuild=rebuild)
    titles = [a.title for a in moved.articles]
    assert "Old story" not in titles and "Bridge opens" in titles and len(titles) == 2


def test_rebuild_over_damaged_articles_file_drops_only_what_is_lost(tmp_path, corpus_copy, fake_settings, caplog):
    other = tmp_path / "bridge.txt"
    other.write_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday. Crowds cheered.", encoding="utf-8")
    bot = _bot(corpus_copy, tmp_path / "idx", fake_settings)
    bot.add(other)
    path = current_generation(tmp_path / "idx", "fix") / "articles.jsonl"
    path.write_bytes(path.read_bytes().replace(b"mayor", b"mayer"))
    with caplog.at_level("WARNING", logger="assistant.store.files"):
        rebuilt = Assistant.from_paths([corpus_copy], index_dir=tmp_path / "idx", settings=fake_settings,
                                       embedder=FakeEmbedder(), rebuild=True)
    assert [a.id for a in rebuilt.articles] == [bot.articles[0].id]
    assert "articles.jsonl does not match its checksum" in caplog.text and "are lost" in caplog.text
    verify_index(tmp_path / "idx", "fix")
