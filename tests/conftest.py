"""Shared fixtures: the seed corpus, a fake-embedder assistant, the real model,
and the shared data sets (read from ../shared/data, never copied)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.embedding.embedder import FakeEmbedder

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
SEED = CORPUS / "zuckerberg-trump-call-true-pundit.txt"
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
BBC = DATA / "bbc"
SQUAD = DATA / "squad2" / "dev-visible.json"

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def assert_verbatim(bot: Assistant, answer) -> None:
    """Every quote, highlight and attribution span of ``answer`` is verbatim."""
    for q in answer.quotes:
        text = bot.article(q.article_id).text
        assert text[q.start : q.end] == q.text
        assert q.start <= q.highlight[0] < q.highlight[1] <= q.end
        a = q.attribution
        if a and a.speaker_span:
            assert text[a.speaker_span[0] : a.speaker_span[1]] == a.speaker
        if a and a.role_span:
            assert text[a.role_span[0] : a.role_span[1]] == a.role
        if a and a.outlet_span:
            assert text[a.outlet_span[0] : a.outlet_span[1]] == a.outlet


@pytest.fixture(scope="session")
def fake_settings() -> Settings:
    return Settings(model="fake", progress=False)


@pytest.fixture(scope="session")
def fake_bot(fake_settings) -> Assistant:
    return Assistant.from_paths([CORPUS], settings=fake_settings, embedder=FakeEmbedder())


@pytest.fixture(scope="session")
def real_embedder():
    from assistant.embedding.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder()


@pytest.fixture(scope="session")
def real_bot(real_embedder) -> Assistant:
    return Assistant.from_paths([CORPUS], settings=Settings(progress=False), embedder=real_embedder)


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    """A writable copy of corpus/ in a temporary folder."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


def bbc_files(limit: int | None = None) -> list[Path]:
    files = sorted(BBC.glob("*/*.txt"))
    return files[:limit] if limit else files
