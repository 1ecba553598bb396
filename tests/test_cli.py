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
    return subprocess.run([sys.executable, "-m", "assistant", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


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
    for command in (("index", "build"), ("eval", "--suite", "news")):  # news indexes under INDEX/eval-news
        blank = run(*command, "--corpus", str(tmp_path / "nowhere"), "--index", " ", cwd=tmp_path)
        assert blank.returncode == 2 and "working directory" in blank.stderr and "Traceback" not in blank.stderr
    assert not list(tmp_path.iterdir())  # nothing written where it ran


def test_settings_from_the_environment_and_their_errors(tmp_path, corpus_copy):
    # A retrieval question: "Who is Gary Coby?" is answered by the people stage as one whole quote.
    args = ("ask", "Who did Zuckerberg call?", "--json", "--corpus", str(corpus_copy), "--index", str(tmp_path / "idx"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_PROGRESS": "0"}
    one = subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, capture_output=True, text=True,
                         timeout=300, env={**env, "ASSISTANT_TOP_K": "1"})
    assert one.returncode == 0 and len(json.loads(one.stdout)["quotes"]) == 1, one.stderr
    two = run(*args, "--top-k", "2")  # the flag wins over the default
    assert len(json.loads(two.stdout)["quotes"]) == 2
    for bad in ("abc", "0", "99"):
        done = subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, capture_output=True, text=True,
                              timeout=300, env={**env, "ASSISTANT_TOP_K": bad})
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        assert f"ASSISTANT_TOP_K={bad!r}" in done.stderr and "Bad setting" in done.stderr
    done = subprocess.run([sys.executable, "-m", "assistant", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300, env={**env, "ASSISTANT_READER_BACKEND": "gpu"})
    assert done.returncode == 1 and "ASSISTANT_READER_BACKEND='gpu'" in done.stderr, done.stderr


def test_only_a_one_shot_ask_reads_in_numpy_unless_the_backend_is_set(monkeypatch):
    from argparse import Namespace

    from assistant.cli import _settings

    monkeypatch.delenv("ASSISTANT_READER_BACKEND", raising=False)
    assert _settings(Namespace(command="ask")).reader_backend == "numpy"
    for command in ("serve", "eval", "bench", "index", "speakers"):
        assert _settings(Namespace(command=command)).reader_backend == "torch", command
    monkeypatch.setenv("ASSISTANT_READER_BACKEND", "torch")
    assert _settings(Namespace(command="ask")).reader_backend == "torch"
    monkeypatch.setenv("ASSISTANT_READER_BACKEND", "numpy")
    assert _settings(Namespace(command="serve")).reader_backend == "numpy"


def test_empty_corpus_folder_and_cases_without_path_are_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    empty = run("ask", "Who?", "--corpus", str(tmp_path / "empty"), "--index", str(tmp_path / "idx"))
    assert empty.returncode == 1 and "No article files" in empty.stderr and "Traceback" not in empty.stderr
    cases = run("eval", "--suite", "cases", "--reports", str(tmp_path / "reports"))
    assert cases.returncode == 2 and "--suite cases needs --path" in cases.stderr
    assert not (tmp_path / "reports").exists()


def test_eval_cases_writes_its_own_report_with_valid_json(tmp_path, corpus_copy):
    import time

    cases = tmp_path / "mine.jsonl"
    cases.write_text('{"question": "Who is Gary Coby?", "answerable": true, "gold": ["Gary Coby"]}\n', encoding="utf-8")
    done = run("eval", "--suite", "cases", "--path", str(cases), "--corpus", str(corpus_copy),
               "--index", str(tmp_path / "idx"), "--reports", str(tmp_path / "reports"))
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "reports" / f"cases-{time.strftime('%Y-%m-%d')}-mine"
    def refuse(constant):
        raise ValueError(f"{constant} is not JSON")
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"), parse_constant=refuse)
    assert summary["questions"] == 1
    assert summary["auroc_answerable_vs_unanswerable"] is None  # one class: nothing to rank
    assert (folder / "report.md").is_file() and (folder / "accuracy_coverage.png").is_file()
    assert (folder / "reliability.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_news_indexes_the_articles_its_questions_name(tmp_path):
    """The news suite reads the BBC articles its questions name from --data-root, indexes them
    apart from the main index, asks each question of its own article, and reports found with
    the right quote first; a data root without them is a clear error."""
    import time

    from tests.conftest import BBC, DATA

    if not BBC.is_dir():
        pytest.skip("the BBC articles are not at ../shared/data/bbc")
    lines = (ROOT / "eval" / "news.jsonl").read_text(encoding="utf-8").splitlines()
    news = tmp_path / "news.jsonl"
    news.write_text("\n".join(lines[:10] + lines[-10:]) + "\n", encoding="utf-8")  # two articles, 20 questions
    args = ("eval", "--suite", "news", "--path", str(news), "--index", str(tmp_path / "idx"),
            "--reports", str(tmp_path / "reports"))
    done = run(*args, "--data-root", str(DATA))
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "reports" / f"news-{time.strftime('%Y-%m-%d')}" / "summary.json").read_text())
    assert summary["questions"] == 20 and summary["answerable"] == 14 and summary["verbatim_rate"] == 1.0
    assert summary["found_right_first"] <= min(summary["found_rate_answerable"], summary["quote_hit@1"])
    assert (tmp_path / "idx" / "eval-news").is_dir() and not (tmp_path / "idx" / "CURRENT").exists()
    missing = run(*args, "--data-root", str(tmp_path / "nowhere"))
    assert missing.returncode != 0 and "pass --data-root" in missing.stderr and "Traceback" not in missing.stderr


def test_output_into_a_closed_pipe_ends_quietly(tmp_path, corpus_copy):
    idx = str(tmp_path / "idx")
    assert run("index", "build", "--corpus", str(corpus_copy), "--index", idx).returncode == 0
    command = [sys.executable, "-m", "assistant", "ask", "Who is Gary Coby?", "--json", "--corpus", str(corpus_copy),
               "--index", idx]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_PROGRESS": "0"}
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    child.stdout.close()  # the reader is gone before anything is written, as `| head -1` can be
    err = child.stderr.read().decode()
    assert child.wait(timeout=300) == 141 and "Traceback" not in err and "BrokenPipeError" not in err, err


def test_empty_question_is_refused(tmp_path, corpus_copy):
    result = run("ask", "   ", "--corpus", str(corpus_copy), "--index", str(tmp_path / "idx"))
    assert result.returncode == 1 and "The question is empty" in result.stderr


def test_ask_imports_no_transformers_gradio_or_sentence_transformers(tmp_path, corpus_copy):
    """A cold ``assistant ask`` reads in float32 numpy: torch (1.1 s), transformers and
    sentence-transformers (5 s) and gradio stay out. With ``ASSISTANT_READER_BACKEND=torch``
    it loads torch, for the reader's bfloat16 products, and nothing heavier; without the reader,
    nothing. (A retrieval question: a question about a person is answered without the reader.)"""
    idx = str(tmp_path / "idx")
    assert run("index", "build", "--corpus", str(corpus_copy), "--index", idx).returncode == 0
    code = (
        "import sys, contextlib, io\n"
        "from assistant.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    rc = main(['ask', 'Who did Zuckerberg call?', '--corpus', {str(corpus_copy)!r}, '--index', {idx!r}])\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'sentence_transformers', 'gradio') if m in sys.modules)\n"
        "print(rc, bool(out.getvalue().strip()), heavy)\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_PROGRESS": "0"}
    for extra, heavy in (({}, "[]"), ({"ASSISTANT_READER_BACKEND": "torch"}, "['torch']"),
                         ({"ASSISTANT_READER": "none"}, "[]")):
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                              env={**env, **extra})
        assert done.stdout.strip() == f"0 True {heavy}", (extra, done.stderr)


def test_bench_quick_reports_every_measurement(tmp_path):
    out = tmp_path / "bench.json"
    done = run("bench", "--quick", "--work", str(tmp_path), "--json", str(out), "--quiet")
    assert done.returncode == 0, done.stderr
    (seed,) = json.loads(out.read_text())
    assert seed["articles"] == 1 and seed["sentences"] == 13 and seed["build_s"] > 0
    assert set(seed["stages_ms"]) == {"query", "candidates", "rank", "rerank", "quotes", "answerability"}
    assert seed["warm"]["questions"] == 36 and seed["add_s"]["n"] == 2 and seed["cold_s"]["n"] == 2
    assert 50 < seed["serving_peak_mb"] < 10_000
    for label in ("index build", "warm ask", "add one article", "cold `assistant ask`", "peak RSS serving"):
        assert label in done.stdout


def test_bad_adapter_setting_is_a_message_not_a_traceback(tmp_path, corpus_copy):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ASSISTANT_PROGRESS": "0",
           "ASSISTANT_ADAPTER": str(tmp_path / "no.npz")}
    asked = subprocess.run([sys.executable, "-m", "assistant", "ask", "Who?", "--corpus", str(corpus_copy), "--index",
                            str(tmp_path / "idx")], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert asked.returncode == 3 and "ASSISTANT_ADAPTER" in asked.stderr and "Traceback" not in asked.stderr


def test_speakers_lists_who_is_quoted_and_round_trips_as_json(tmp_path, corpus_copy):
    idx = str(tmp_path / "idx")
    listed = run("speakers", "--corpus", str(corpus_copy), "--index", idx)
    assert listed.returncode == 0, listed.stderr
    harbath = "Katie Harbath, Facebook’s global politics and government outreach director [person]: 1 quoted"
    assert harbath in listed.stdout
    speakers = json.loads(run("speakers", "--json", "--corpus", str(corpus_copy), "--index", idx).stdout)
    text = (corpus_copy / "zuckerberg-trump-call-true-pundit.txt").read_text(encoding="utf-8")
    assert {s["name"] for s in speakers} >= {"Katie Harbath", "Gary Coby"}
    for s in speakers:
        assert text[s["name_span"][0] : s["name_span"][1]] == s["name"]
    missing = run("speakers", "--article", "nope", "--corpus", str(corpus_copy), "--index", idx)
    assert missing.returncode != 0 and "No article with id 'nope'" in missing.stderr


def test_train_reader_prepare_caches_the_examples_and_names_a_missing_source(tmp_path):
    """``--prepare`` builds and caches each source's examples, nothing more; a source that is
    neither a file nor cached is an error message, not a traceback."""
    from tests.conftest import CORPUS

    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"question": "Who ran the digital ads?", "answerable": True,
                                 "gold": ["director of digital advertising"],
                                 "article": "zuckerberg-trump-call-true-pundit.txt"}) + "\n", encoding="utf-8")
    work = tmp_path / "work"
    done = run("train", "reader", "--prepare", "--data", str(cases), "--data-root", str(CORPUS), "--negatives", "2",
               "--work", str(work))
    assert done.returncode == 0, done.stderr
    assert f"{cases}: 1 examples cached in {work}" in done.stdout
    assert len(list(work.glob("examples-*.jsonl.xz"))) == 1 and not (work / "checkpoint").exists()
    missing = run("train", "reader", "--prepare", "--data", str(tmp_path / "none.json"), "--work", str(work))
    assert missing.returncode != 0 and "No training file" in missing.stderr and "Traceback" not in missing.stderr
