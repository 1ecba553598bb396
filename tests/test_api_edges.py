"""API edges: follow-ups after answers whose spans start mid-sentence, history types,
method names, and every error the package defines being importable from ``assistant``."""

from __future__ import annotations

import ast

import pytest

import assistant
from assistant import HistoryError, MethodError, QuestionError
from tests.conftest import ROOT


def test_follow_up_after_an_answer_whose_highlight_starts_mid_sentence(fake_bot):
    first = fake_bot.ask("Who is Gary Coby?")
    top = first.quotes[0]
    # An answer from elsewhere (another index version, a hand-made one) may highlight mid-sentence:
    # it used to raise StopIteration; now the sentence holding that offset is the one skipped.
    shifted = top.model_copy(update={"highlight": (top.highlight[0] + 3, top.highlight[1])})
    odd = first.model_copy(update={"quotes": [shifted, *first.quotes[1:]]})
    # "Anything else?" goes through retrieval (no person named), which skips the quoted sentence.
    again = fake_bot.ask("Anything else?", history=[odd])
    assert again.quotes and all(q.highlight != top.highlight for q in again.quotes)
    assert again == fake_bot.ask("Anything else?", history=[first])


def test_follow_up_after_an_answer_from_an_article_not_in_the_index(fake_bot):
    first = fake_bot.ask("Who is Gary Coby?")
    foreign = first.model_copy(update={"quotes": [q.model_copy(update={"article_id": "f" * 16}) for q in first.quotes]})
    assert fake_bot.ask("What else did he say?", history=[foreign]).quotes


@pytest.mark.parametrize("item", [42, 3.5, None, ["Who is Gary Coby?"], object()])
def test_history_items_of_other_types_are_refused_by_name(fake_bot, item):
    with pytest.raises(HistoryError, match=type(item).__name__):
        fake_bot.ask("What else did he say?", history=[item])
    assert issubclass(HistoryError, QuestionError)


def test_history_accepts_answers_questions_and_chat_messages(fake_bot):
    first = fake_bot.ask("Who is Gary Coby?")
    as_text = fake_bot.ask("What else did he say?", history=["Who is Gary Coby?"])
    as_message = fake_bot.ask("What else did he say?", history=[{"role": "user", "content": "Who is Gary Coby?"},
                                                                 {"role": "assistant", "content": "..."}])
    assert as_text == as_message == fake_bot.ask("What else did he say?", history=[first])


def test_unknown_method_is_refused_before_any_work(fake_bot):
    with pytest.raises(MethodError, match="choose one of: hybrid, weighted, dense, bm25, rrf"):
        fake_bot.ask("Who called?", method="foo")
    with pytest.raises(MethodError):
        fake_bot.explain("Who called?", 3, "foo")


def test_every_error_class_the_package_defines_is_exported():
    tree = ast.parse((ROOT / "assistant" / "errors.py").read_text(encoding="utf-8"))
    defined = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    assert len(defined) >= 20
    assert defined <= set(assistant.__all__)
    for name in defined:
        assert issubclass(getattr(assistant, name), assistant.AssistantError)
    # and no module defines an error class outside errors.py
    for path in (ROOT / "assistant").rglob("*.py"):
        classes = [n for n in ast.parse(path.read_text(encoding="utf-8")).body if isinstance(n, ast.ClassDef)]
        stray = [c.name for c in classes if path.name != "errors.py" and c.name.endswith("Error")]
        assert not stray, f"{path}: {stray}"


@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_index_folder_is_refused_before_anything_is_written(blank, fake_settings, tmp_path, monkeypatch):
    from assistant import Assistant, EmptyIndexFolderError, StoreError
    from assistant.embedding.embedder import FakeEmbedder
    from tests.conftest import CORPUS

    monkeypatch.chdir(tmp_path)  # where Path("") would have put the index
    with pytest.raises(EmptyIndexFolderError, match="working directory") as raised:
        Assistant.from_paths([CORPUS], index_dir=blank, settings=fake_settings, embedder=FakeEmbedder())
    assert isinstance(raised.value, StoreError)  # the CLI's exit code 2, as for the other index problems
    assert not list(tmp_path.iterdir())
