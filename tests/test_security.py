"""No pickle anywhere, checked on the source (ruff's S301/S302 run in `make test` too)
and on a saved index; FAISS reads are bounded (see tests/test_faults.py for a forged header)."""

import ast
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

from assistant import Assistant
from assistant.embedding.embedder import FakeEmbedder
from assistant.store.files import current_generation
from tests.conftest import ROOT

UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "shelve", "joblib", "marshal"}


def _library_sources():
    return sorted((ROOT / "assistant").rglob("*.py"))


def test_library_imports_no_pickle_like_module():
    for path in _library_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not {n.split(".")[0] for n in names} & UNSAFE_MODULES, f"{path.name}: {names}"


def test_every_np_load_refuses_pickles_and_torch_load_is_not_used():
    for path in _library_sources():
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("np.load", "numpy.load"):
                pickles = [k.value for k in node.keywords if k.arg == "allow_pickle"]
                assert len(pickles) == 1 and isinstance(pickles[0], ast.Constant) and pickles[0].value is False, \
                    f"{path.name}:{node.lineno}: {ast.unparse(node)}"
        assert "allow_pickle=True" not in text and "torch.load(" not in text, path.name


def test_ruff_enforces_the_no_pickle_rules():
    config = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert all(rule in config for rule in ('"S301"', '"S302"'))
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test:.*\blint\b", makefile, re.M)  # make test runs ruff first
    probe = subprocess.run([str(Path(sys.executable).parent / "ruff"), "check", "--select", "S301",
                            "--stdin-filename", "x.py", "-"], input="import pickle\npickle.loads(b'')\n",
                           capture_output=True, text=True)
    assert probe.returncode == 1 and "S301" in probe.stdout  # the rule really fires


def test_saved_index_holds_no_pickled_object(tmp_path, corpus_copy, fake_settings):
    Assistant.from_paths([corpus_copy], index_dir=tmp_path / "idx", settings=fake_settings, embedder=FakeEmbedder())
    folder = current_generation(tmp_path / "idx", "fix")
    for path in folder.rglob("*"):
        if path.suffix == ".npy":
            assert np.load(path, allow_pickle=False).dtype != object
        elif path.is_file():
            assert not path.read_bytes().startswith(b"\x80"), f"{path.name} looks like a pickle"
