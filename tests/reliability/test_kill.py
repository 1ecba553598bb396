"""SIGKILL while an index is rebuilt or an article is added, at every write step
(or an even sample of them) and at random moments inside the write window; after
each kill the index must load, be exactly the old or exactly the new one, answer a
question verbatim, and the next writer must clean up what the dead one left.

``ASSISTANT_KILL_RUNS`` (default 24) is the number of kills per test run, split
between the two operations; ``ASSISTANT_KILL_RUNS=all`` kills at every step and
adds 20 random-moment kills per operation (README: Reliability).
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

from assistant import Assistant
from assistant.embedding.embedder import FakeEmbedder
from assistant.store.files import CURRENT, LOCK, load_index
from assistant.ingest.files import read_article
from tests.conftest import ROOT, assert_verbatim, bbc_files

DRIVER = ROOT / "tests" / "reliability" / "crash_driver.py"
ENV = {**os.environ, "ASSISTANT_MODEL": "fake", "ASSISTANT_PROGRESS": "0", "PYTHONPATH": str(ROOT)}


@pytest.fixture(scope="module")
def world(tmp_path_factory, fake_settings):
    """Corpus A (seed + 20 BBC articles) with its index, corpus B = A + one article."""
    root = tmp_path_factory.mktemp("kill")
    a, b = root / "corpus-a", root / "corpus-b"
    for folder in (a, b):
        shutil.copytree(ROOT / "corpus", folder)
        for i, path in enumerate(bbc_files(200)[::10]):
            shutil.copy(path, folder / f"bbc-{i}.txt")
    new = root / "new.txt"
    new.write_text("Bridge opens\n\nThe mayor opened a new bridge on Tuesday. Crowds cheered.", encoding="utf-8")
    shutil.copy(new, b / "new.txt")
    old = Assistant.from_paths([a], index_dir=root / "pristine", settings=fake_settings, embedder=FakeEmbedder())
    old_ids = frozenset(x.id for x in old.articles)
    return {"root": root, "a": a, "b": b, "new": new, "old": old_ids, "new_ids": old_ids | {read_article(new).id}}


def _driver(mode, world, idx, kill_at):
    corpus = world["b"] if mode == "build" else world["a"]
    return subprocess.Popen([sys.executable, str(DRIVER), mode, str(corpus), str(idx), str(world["new"]), str(kill_at)],
                            env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _fresh_index(world, name):
    idx = world["root"] / name
    shutil.rmtree(idx, ignore_errors=True)
    shutil.copytree(world["root"] / "pristine", idx)
    return idx


def _dry_run(mode, world):
    """(number of write steps, seconds from the first write step to the end)."""
    idx = _fresh_index(world, "dry")
    proc = _driver(mode, world, idx, 0)
    assert proc.stdout.readline().endswith("ready\n")
    started = time.perf_counter()
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return int(out.split("steps=")[1].split()[0]), time.perf_counter() - started


def _check_survivor(world, idx, fake_settings) -> str:
    """The index loads, is all-old or all-new, answers; then a writer cleans up."""
    data = load_index(idx, FakeEmbedder(), "fix")
    ids = frozenset(a.id for a in data.articles)
    assert ids in (world["old"], world["new_ids"]), f"{len(ids)} articles: neither the old nor the new index"
    bot = Assistant(data, FakeEmbedder(), fake_settings)
    answer = bot.ask("When did the mayor open the bridge?")
    assert answer.quotes
    assert_verbatim(bot, answer)
    outcome = "new" if ids == world["new_ids"] else "old"
    # The next writer finishes the job; its save removes what the dead one left
    # (temp folders, pointer files, a generation renamed but never switched to).
    after = Assistant.from_paths([world["b"]], index_dir=idx, settings=fake_settings, embedder=FakeEmbedder(),
                                 rebuild=True)
    assert frozenset(a.id for a in after.articles) == world["new_ids"]
    names = sorted(p.name for p in idx.iterdir())
    assert len(names) == 3 and names[:2] == [LOCK, CURRENT] and names[2].startswith("gen-"), names
    return outcome


def _plan(steps: int, budget: int | None, rng) -> tuple[list[int], int]:
    """Which steps to kill at, and how many random-moment kills."""
    if budget is None:
        return list(range(1, steps + 1)), 20
    at_steps = max(2, budget * 2 // 3)
    picks = sorted({1 + round(i * (steps - 1) / (at_steps - 1)) for i in range(at_steps)})
    return picks, budget - len(picks)


@pytest.mark.parametrize("mode", ["build", "add"])
def test_sigkill_during_write_leaves_old_or_new_index(world, fake_settings, mode):
    raw = os.environ.get("ASSISTANT_KILL_RUNS", "24")
    budget = None if raw == "all" else max(4, int(raw) // 2)
    rng = random.Random(int(os.environ.get("ASSISTANT_KILL_SEED", "7")))
    steps, window = _dry_run(mode, world)
    at_steps, at_random = _plan(steps, budget, rng)
    outcomes = {"old": 0, "new": 0}
    kills = 0
    for kill_at in at_steps:
        idx = _fresh_index(world, f"{mode}-step")
        proc = _driver(mode, world, idx, kill_at)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == -signal.SIGKILL, f"step {kill_at} of {steps}: {err[-500:]}"
        kills += 1
        outcomes[_check_survivor(world, idx, fake_settings)] += 1
    for _ in range(at_random):
        idx = _fresh_index(world, f"{mode}-random")
        proc = _driver(mode, world, idx, 0)
        proc.stdout.readline()  # the first write step: the window starts
        time.sleep(rng.uniform(0, window))
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=120)
        kills += proc.returncode == -signal.SIGKILL
        outcomes[_check_survivor(world, idx, fake_settings)] += 1
    print(f"\n{mode}: {steps} write steps, {kills} SIGKILLs survived "
          f"({len(at_steps)} at steps, {at_random} at random moments in a {window * 1000:.0f} ms window), "
          f"outcome old={outcomes['old']} new={outcomes['new']}")
    assert outcomes["old"] and outcomes["new"] or budget is not None
