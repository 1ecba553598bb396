"""A full chat queue answers "busy" at once; nobody waits without end."""

import socket
import threading
import time

import pytest

from assistant.ui import app as ui
from assistant.api import Assistant
from assistant.embedding.embedder import FakeEmbedder
from assistant.settings import Settings
from tests.conftest import CORPUS

pytestmark = pytest.mark.slow


class SlowEmbedder(FakeEmbedder):
    """A fake model that takes half a second per question, so the queue fills."""

    def encode_query(self, text):
        time.sleep(0.5)
        return super().encode_query(text)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_full_queue_says_busy_instead_of_hanging():
    from gradio_client import Client
    from gradio_client.utils import QueueError

    settings = Settings(model="fake", progress=False, ui_concurrency=1, ui_queue_size=2)
    bot = Assistant.from_paths([CORPUS], settings=settings, embedder=SlowEmbedder())
    port = _free_port()
    demo = ui.launch(bot, port=port, block=False, quiet=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        outcomes: list[str] = []

        def one(i: int) -> None:
            client = Client(url, verbose=False)
            try:
                client.predict(f"Who is Gary Coby? ({i})", [], "__all__", api_name="/ask")
                outcomes.append("answered")
            except QueueError as exc:
                outcomes.append("busy" if "Queue is full" in str(exc) else f"other: {exc}")

        threads = [threading.Thread(target=one, args=(i,)) for i in range(10)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "a client hung"
        assert outcomes.count("busy") >= 1 and outcomes.count("answered") >= 1, outcomes
        assert set(outcomes) <= {"busy", "answered"}, outcomes
        assert time.perf_counter() - started < 60
    finally:
        demo.close()
