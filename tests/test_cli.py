"""The command line as a user runs it: real processes, real model, temporary index."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow


def run(*args, cwd=ROOT):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_PROGRESS": "0"}
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_index_build_verify_info_and_ask_json(tmp_path, corpus_copy):
    idx = str(tmp_path / "idx")
    built = run("index", "build", "--corpus", str(corpus_copy), "--index", idx)
    assert built.returncode == 0, built.stderr
    assert "1 article(s), 13 sentences" in built.stdout
    assert run("index", "verify", "--corpus", str(corpus_copy), "--index", idx).returncode == 0
    info = json.loads(run("index", "info", "--corpus", str(corpus_copy), "--index", idx).stdout)
    assert info["counts"] == {"articles": 1, "sentences": 13}
    asked = run("ask", "Who is Gary Coby?", "--json", "--corpus", str(corpus_copy), "--index", idx)
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    text = (corpus_copy / "zuckerberg-trump-call-true-pundit.txt").read_text(encoding="utf-8")
    for q in answer["quotes"]:
        assert text[q["start"] : q["end"]] == q["text"]


def test_errors_print_a_message_and_exit_non_zero(tmp_path):
    missing = run("ask", "Who?", "--corpus", str(tmp_path / "nowhere"), "--index", str(tmp_path / "idx"))
    assert missing.returncode != 0 and "No such file or folder" in missing.stderr and "Traceback" not in missing.stderr
    verify = run("index", "verify", "--index", str(tmp_path / "empty"))
    assert verify.returncode == 2 and "assistant index build" in verify.stderr


def test_empty_question_is_refused(tmp_path, corpus_copy):
    result = run("ask", "   ", "--corpus", str(corpus_copy), "--index", str(tmp_path / "idx"))
    assert result.returncode == 1 and "The question is empty" in result.stderr
