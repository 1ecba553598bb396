"""The chat: the handler directly, the launched app through gradio_client, and a real browser."""

import shutil
import socket

import pytest

from assistant import ui
from tests.conftest import ROOT


def test_respond_returns_quotes_and_errors(fake_bot):
    respond = ui.make_respond(fake_bot)
    reply = respond("Who is Gary Coby?", [])
    assert reply.startswith(">") or reply.startswith("Not found")
    assert "¶" in reply and "True Pundit" in reply
    assert "question is empty" in respond("   ", [])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def served(real_bot):
    port = _free_port()
    demo = ui.launch(real_bot, port=port, block=False)
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.mark.slow
def test_gradio_client_asks(served, real_bot):
    from gradio_client import Client

    client = Client(served, verbose=False)
    reply = client.predict("Who is Gary Coby?", api_name="/respond")
    assert "Gary Coby" in reply and "¶6" in reply


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("chromium") is None, reason="make test installs Debian's chromium")
def test_browser_shows_quote_card(served):
    from playwright.sync_api import sync_playwright

    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page()
        page.goto(served)
        box = page.get_by_role("textbox").first
        box.fill("Who is Gary Coby?")
        box.press("Enter")
        page.wait_for_selector("blockquote", timeout=60000)
        text = page.locator("blockquote").first.text_content()
        assert "Gary Coby" in text
        page.screenshot(path=str(artifacts / "chat-seed.png"), full_page=True)
        browser.close()
