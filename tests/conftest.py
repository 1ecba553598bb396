"""Shared fixtures: the seed corpus, a fake-embedder assistant, the real model,
and the shared data sets (read from ../shared/data, never copied)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.embedding.adapter import Adapter
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
    return Settings(model="fake", progress=False, reader="none")  # unit tests: today's path, no reader


@pytest.fixture(scope="session")
def fake_bot(fake_settings) -> Assistant:
    return Assistant.from_paths([CORPUS], settings=fake_settings, embedder=FakeEmbedder())


@pytest.fixture(scope="module", params=["local", "milvus"])
def store(request, tmp_path_factory) -> str:
    """The ``store`` setting of each backend the backend-neutral tests run on: the local
    index, and Milvus Lite (the ``milvus`` extra, which ``make test`` installs) in a fresh folder."""
    if request.param == "local":
        return "local"
    return f"milvus://{tmp_path_factory.mktemp('milvus')}/index.db"


@pytest.fixture(scope="session")
def real_embedder():
    from assistant.embedding.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(torch_queries=True)  # as embedder_for gives it with the reader in torch


@pytest.fixture(scope="session")
def real_bot(real_embedder) -> Assistant:
    return Assistant.from_paths([CORPUS], settings=Settings(progress=False), embedder=real_embedder)


@pytest.fixture()
def corpus_copy(tmp_path) -> Path:
    """A writable copy of corpus/ in a temporary folder."""
    target = tmp_path / "corpus"
    shutil.copytree(CORPUS, target)
    return target


class CountingEmbedder(FakeEmbedder):
    """The fake embedder, counting the texts it was asked to encode (what a build re-embeds)."""

    def __init__(self):
        super().__init__()
        self.encoded = 0

    def encode(self, texts, progress=False):
        self.encoded += len(texts)
        return super().encode(texts, progress)


ADAPTER_LAYER = "encoder.layer.0.output.dense"  # a MiniLM layer whose weight is (384, 1536)


def random_adapter(trained_on=(), seed=0, scale=2.0) -> Adapter:
    """A small random rank-4 adapter for ``ADAPTER_LAYER`` (no model needed to build it)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 0.01, (4, 1536)).astype(np.float32)
    b = rng.normal(0, 0.01, (384, 4)).astype(np.float32)
    return Adapter({ADAPTER_LAYER: (a, b)}, scale, tuple(trained_on), {"rank": 4})


def bbc_files(limit: int | None = None) -> list[Path]:
    files = sorted(BBC.glob("*/*.txt"))
    return files[:limit] if limit else files
