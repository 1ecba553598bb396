"""The Gradio chat: a thin face over ``Assistant``.

``respond(message, history)`` is a plain function, testable without a browser;
``build(bot)`` makes the ``gr.ChatInterface``; ``launch`` starts it bound to
127.0.0.1 with sharing, analytics and monitoring off.
"""

from __future__ import annotations

import os

from assistant.api import Assistant
from assistant.errors import AssistantError

EXAMPLES = [
    "Who did Zuckerberg call after the 2016 election?",
    "What did Facebook's politics director say?",
    "Who is Gary Coby?",
    "What else did he say?",
]


def make_respond(bot: Assistant):
    def respond(message: str, history: list) -> str:
        """Markdown for one chat turn: quote cards, or the error's message."""
        try:
            return bot.ask(message, history=history).to_markdown()
        except AssistantError as exc:
            return f"⚠️ {exc}".replace("<", "&lt;")

    return respond


def build(bot: Assistant):
    import gradio as gr

    chatbot = gr.Chatbot(latex_delimiters=[], sanitize_html=True, render_markdown=True, height=560)
    return gr.ChatInterface(
        make_respond(bot), chatbot=chatbot, title="Quote-only news assistant",
        description="Every answer is quoted verbatim from the articles, with who said it and where.",
        examples=EXAMPLES, cache_examples=False, flagging_mode="never", fill_height=True,
    )


def launch(bot: Assistant, host: str = "127.0.0.1", port: int = 7860, block: bool = True):
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    demo = build(bot)
    demo.queue(default_concurrency_limit=4)
    demo.launch(server_name=host, server_port=port, share=False, enable_monitoring=False,
                prevent_thread_lock=not block, max_file_size="5mb", show_error=False)
    return demo
