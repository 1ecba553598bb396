"""Child process for tests/reliability/test_kill.py: rebuild an index or add an article, and
SIGKILL itself at write step N (every file open for writing, np.save, FAISS write,
mkdir, fsync, rename, replace, rmtree, unlink counts as a step), or never (N=0).

    python tests/reliability/crash_driver.py build|add CORPUS INDEX NEW_ARTICLE KILL_AT

Prints ``steps=<count> ready`` once the first write step is reached (the parent
can then kill at a random moment inside the write window) and ``steps=<count>
done`` at the end. Uses the fake embedder (set ASSISTANT_MODEL=fake).
"""

from __future__ import annotations

import builtins
import io
import os
import shutil
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root (tests/reliability/ is two below)

import faiss  # noqa: E402
import numpy as np  # noqa: E402

from assistant import Assistant, Settings  # noqa: E402

STEPS = [0]


def _counted(fn, kill_at: int, writes_only: bool = False):
    def step(*args, **kwargs):
        if writes_only:
            mode = args[1] if len(args) > 1 else kwargs.get("mode", "r")
            if not any(c in str(mode) for c in "wax+"):
                return fn(*args, **kwargs)
        STEPS[0] += 1
        if STEPS[0] == 1:
            print(f"steps={STEPS[0]} ready", flush=True)
        if STEPS[0] == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return fn(*args, **kwargs)
    return step


def install(kill_at: int) -> None:
    builtins.open = _counted(builtins.open, kill_at, writes_only=True)
    io.open = _counted(io.open, kill_at, writes_only=True)  # pathlib's write_text goes through io.open
    np.save = _counted(np.save, kill_at)
    faiss.write_index = _counted(faiss.write_index, kill_at)
    for name in ("mkdir", "fsync", "rename", "replace", "unlink"):
        setattr(os, name, _counted(getattr(os, name), kill_at))
    shutil.rmtree = _counted(shutil.rmtree, kill_at)


def main(mode: str, corpus: str, index: str, new: str, kill_at: int) -> None:
    settings = Settings(model="fake", progress=False)
    if mode == "add":
        bot = Assistant.from_paths([corpus], index_dir=index, settings=settings)  # up to date: no writes
        install(kill_at)
        bot.add(new)
    else:
        install(kill_at)
        Assistant.from_paths([corpus], index_dir=index, settings=settings)  # corpus changed: rebuild and save
    print(f"steps={STEPS[0]} done", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
