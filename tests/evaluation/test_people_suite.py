"""The people suite: its checks read labels only, and it runs on the real labelled set."""

import json

import pytest

from assistant import Assistant, Settings
from assistant.embedding.embedder import FakeEmbedder
from assistant.evaluation.attribution import same_speaker
from assistant.evaluation.datasets import AttributionCase
from assistant.evaluation.people import _quote_words, _verdict, named_people, run_people
from assistant.ingest.files import article_from_text
from tests.conftest import DATA, ROOT, SEED

TEXT = "Rail\n\n\"We waited an hour,\" Ann Lee said. \"Trains ran on time,\" Bo Ray said. Nobody else spoke."


def test_a_top_quote_is_judged_by_the_labels_not_by_the_rules(fake_settings):
    bot = Assistant.from_articles([article_from_text(TEXT)], embedder=FakeEmbedder(), settings=fake_settings)
    art = bot.articles[0]
    answer = bot.ask("What did Ann Lee say?")
    start = art.text.index("\"We waited an hour,\" Ann Lee said.")  # labels are keyed by their sentence's start
    label = lambda speaker: {(art.id, start): AttributionCase(  # noqa: E731
        file="x", sentence="", speaker=speaker, kind="direct_quote")}
    assert _verdict(bot, answer, ["Ann Lee"], label(["Ann Lee"])) == "by"
    assert _verdict(bot, answer, ["Ann Lee"], label(["Bo Ray"])) == "other"  # the labels win over the rules
    assert _verdict(bot, answer, ["Ann Lee"], {}) == "unverified"
    assert _verdict(bot, bot.ask("What did Zed Quill say?"), ["Zed Quill"], {}) == "not_found"


def test_people_and_quote_words_come_from_the_labels():
    cases = [AttributionCase(file="f", sentence="“We won the cup at last,” Ann Lee said.", speaker=["Ann Lee", "Lee"],
                             kind="direct_quote"),
             AttributionCase(file="f", sentence="A spokesman said so.", speaker=["a spokesman"], kind="reported")]
    assert named_people(cases) == {("f", "Ann Lee"): ["Ann Lee", "Lee"]}
    assert _quote_words(cases[0].sentence) == "We won the cup at last"
    assert _quote_words("“Too short,” she said.") is None
    assert same_speaker("Mr Lee", ["Ann Lee", "Lee"]) and not same_speaker("she", ["Ann Lee"])


@pytest.mark.slow
def test_people_suite_on_the_labelled_set_with_the_real_model(tmp_path):
    settings = Settings(progress=False)
    seed_bot = Assistant.from_paths([SEED], settings=settings)
    result = run_people(str(ROOT / "eval/attribution.jsonl"), str(ROOT / "eval/people.jsonl"), [ROOT, DATA],
                        settings, seed_bot)
    summary = result["summary"]
    seed_rows = [r for r in result["rows"] if r["kind"] == "seed"]
    assert summary["seed_all_correct"], json.dumps(seed_rows, indent=1)
    assert summary["people"] > 100 and summary["who_said_questions"] == 100


def test_attribution_suite_reports_batches_and_blind_patterns(tmp_path):
    from assistant.evaluation.attribution import run_attribution

    (tmp_path / "a.txt").write_text("Rail\n\n\"We waited,\" Ann Lee said. The train came. \"Late again,\" she said.\n")
    rows = [{"file": "a.txt", "sentence": "\"We waited,\" Ann Lee said.", "speaker": ["Ann Lee"],
             "kind": "direct_quote", "pattern": "name-said"},
            {"file": "a.txt", "sentence": "The train came.", "speaker": None, "kind": "narration",
             "pattern": "narration", "batch": "x-test"},
            {"file": "a.txt", "sentence": "\"Late again,\" she said.", "speaker": ["Bo Ray"], "kind": "direct_quote",
             "pattern": "pronoun-speaker", "batch": "x-test"}]  # deliberately mislabelled: must count as wrong
    (tmp_path / "labels.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    summary = run_attribution(str(tmp_path / "labels.jsonl"), [tmp_path])["summary"]
    assert summary["speaker_accuracy_by_batch"] == {"first": 1.0, "x-test": 0.5}
    assert summary["speaker_accuracy_new"] == 0.5
    assert summary["speaker_accuracy_by_pattern_x-test"] == {"narration": {"n": 1, "accuracy": 1.0},
                                                             "pronoun-speaker": {"n": 1, "accuracy": 0.0}}
