"""The Gradio web chat: a thin face over ``Assistant`` (``assistant serve``, ``make run``).

Scope: layout, event wiring and launch hardening. What is shown is built by
``views`` (chat cards, reader pane) and ``people`` (the People view) from
``Answer``/``Quote``/``Article``/``Speaker``; the handlers in ``handlers`` are
plain functions of (inputs, session state) that tests call directly. The chat,
the People view and the reader sit side by side and size themselves to the
window's height. ``build(bot)`` returns the ``gr.Blocks``; ``launch`` serves it on
127.0.0.1 with sharing, analytics, monitoring and flagging off, an upload cap,
the index and model folders blocked from file serving, and a queue whose
concurrency limit is ``Settings.ui_concurrency`` and whose length is capped at
``Settings.ui_queue_size`` (past it, a visitor gets Gradio's "Queue is full!
Please try again." at once instead of waiting without end).

Example:
    >>> from assistant.embedding.embedder import FakeEmbedder
    >>> bot = Assistant.from_paths(["corpus/"], settings=Settings(model="fake", progress=False),
    ...                            embedder=FakeEmbedder())
    >>> demo = build(bot)              # nothing is served until launch()
    >>> sorted(d["api_name"] for d in demo.config["dependencies"] if d["api_name"] in ("ask", "add_url"))
    ['add_url', 'ask']
"""

from __future__ import annotations

import os
from pathlib import Path

from assistant.api import Assistant
from assistant.store.location import parse_store
from assistant.settings import Settings
from assistant.ui import people as people_view
from assistant.ui.handlers import ALL, EXAMPLES, Handlers

CSS = """
#head h2 { margin: 0; font-size: 1.25rem; }
#head p { margin: .1rem 0 0; opacity: .8; }
.reader-scroll { position: relative; height: max(320px, calc(100vh - 190px)); overflow-y: auto; padding-right: .5rem; }
.reader-head { font-size: .85rem; opacity: .8; margin-bottom: .5rem; }
.reader-title { font-weight: 600; font-size: 1.05rem; }
.reader-extra { white-space: pre-wrap; margin: .4rem 0 .8rem; }
.reader-extra:first-child { font-weight: 600; font-size: 1.1rem; }
.reader-para { white-space: pre-wrap; margin: 0 0 .8rem 2.2rem; position: relative; }
.reader-para::before { content: attr(data-para); position: absolute; left: -2.2rem; width: 1.8rem;
  text-align: right; opacity: .55; font-size: .8rem; }
.reader-para.flash, .reader-para.focus { outline: 2px solid #f5b800; outline-offset: 3px; border-radius: 2px; }
.reader mark.q { background: #fff3b0; color: inherit; }
.reader mark.hl { background: #ffd84d; color: inherit; }
.reader mark.spk { background: #cfe6ff; color: inherit; box-shadow: 0 2px 0 #3b82f6; }
.reader .boiler { opacity: .45; }
#examples .gallery-item { font-size: .85rem; }
#chat blockquote { border-left: 4px solid #f5b800; margin: .6rem 0 .3rem; padding: .2rem .8rem; }
#chat details.more:not([open]) ~ * { display: none; }
#chat details.more summary { cursor: pointer; opacity: .8; margin: .3rem 0; }
#chat .conf, #chat .who { text-decoration: underline dotted; cursor: help; }
#people .gallery { display: flex; flex-direction: column; flex-wrap: nowrap; gap: .3rem;
  max-height: max(200px, calc(50vh - 130px)); overflow-y: auto; }
#people .gallery-item { width: 100%; text-align: left; flex-shrink: 0; }
#people .gallery-item:focus-visible { outline: 3px solid #3b82f6; outline-offset: 1px; }
#people .pp-name { font-weight: 600; }
#people .pp-count, #people .pp-article { font-size: .8rem; opacity: .75; }
#people .pp-article { display: block; font-style: italic; }
#people .pp-role { font-size: .8rem; opacity: .8; display: -webkit-box; -webkit-line-clamp: 2;
  -webkit-box-orient: vertical; overflow: hidden; }
#person { max-height: max(200px, calc(50vh - 110px)); overflow-y: auto; }
#person blockquote { border-left: 4px solid #3b82f6; margin: .5rem 0 .2rem; padding: .2rem .7rem; }
"""

# Runs once when the reader pane mounts: scroll the paragraph a card asked for (or the first
# highlight) into view after every update, and turn clicks on a card's "¶N" link into either
# a local scroll (that article is shown) or a 'select' event the server answers. Positions come
# from getBoundingClientRect: a mark's offsetTop counts from its paragraph, not from the box.
READER_JS = """
const box = () => element.querySelector('.reader-scroll');
const show = (target) => {
  const b = box(); if (!b || !target) return;
  const top = target.getBoundingClientRect().top - b.getBoundingClientRect().top + b.scrollTop;
  b.scrollTop = Math.max(0, top - 24);
  const para = target.closest('.reader-para') || target;
  para.classList.add('flash'); setTimeout(() => para.classList.remove('flash'), 1500);
};
const settle = () => { const b = box(); if (b) show(b.querySelector('.reader-para.focus') || \
b.querySelector('mark.first') || b.querySelector('mark')); };
watch('value', settle); settle();
if (window.__readerClick) document.removeEventListener('click', window.__readerClick, true);
window.__readerClick = (ev) => {
  const link = ev.target.closest ? ev.target.closest('a[href^="#para-"]') : null;
  if (!link) return;
  ev.preventDefault(); ev.stopPropagation();
  const m = link.getAttribute('href').match(/^#para-([0-9a-f]+)-([0-9]+)$/);
  if (!m) return;
  const here = element.querySelector('#para-' + m[1] + '-' + m[2]);
  if (here) show(here); else trigger('select', {index: Number(m[2]), value: m[1]});
};
document.addEventListener('click', window.__readerClick, true);
"""


def build(bot: Assistant):
    """The app: picker and chat on the left, the People view in the middle, the reader on the right."""
    import gradio as gr

    h = Handlers(bot)
    with gr.Blocks(title="Quote-only news assistant", analytics_enabled=False, fill_width=True) as demo:
        c = {"demo": demo, "answers": gr.State([]), "shown": gr.State(h.default_article_id())}
        gr.Markdown("## Quote-only news assistant\nEvery answer is quoted verbatim from the articles, "
                    "with who said it and where. Nothing in the chat is written by a model.", elem_id="head")
        with gr.Row(equal_height=False):
            with gr.Column(scale=5, min_width=420):
                c.update(_chat_column(h))
            with gr.Column(scale=3, min_width=240):
                c.update(_people_column(h))
            with gr.Column(scale=5, min_width=380):
                c["reader"] = gr.HTML(h.reader_for(h.default_article_id(), []), elem_id="reader",
                                      js_on_load=READER_JS, container=True, padding=True)
        _wire(h, c)
    return demo


def _chat_column(h: Handlers) -> dict:
    """Picker, chat, question box, examples, clear/export and adding articles."""
    import gradio as gr

    c = {"picker": gr.Dropdown(h.choices(), value=ALL, label="Ask about", interactive=True)}
    c["chat"] = gr.Chatbot(elem_id="chat", label="Chat", height="max(360px, calc(100vh - 330px))",
                           latex_delimiters=[], sanitize_html=True, render_markdown=True, line_breaks=False,
                           allow_tags=False, feedback_options=None, buttons=["copy"],
                           placeholder="Ask a question about the articles.")
    with gr.Row():
        c["box"] = gr.Textbox(placeholder="Ask a question, e.g. Who did Zuckerberg call?", show_label=False,
                              scale=5, max_length=h.bot.settings.max_question_chars, submit_btn=False)
        c["send"] = gr.Button("Ask", variant="primary", scale=1, min_width=80)
    c["examples"] = gr.Dataset(components=[c["box"]], samples=[[q] for q in EXAMPLES],
                               label="Example questions (seed article)", type="values", elem_id="examples",
                               samples_per_page=len(EXAMPLES))
    with gr.Row():
        c["clear"] = gr.Button("Clear chat", size="sm")
        c["export"] = gr.Button("Export chat (Markdown + JSON)", size="sm")
    # Shown once there is an export to download; "Clear chat" hides it again.
    c["files"] = gr.File(label="Exported chat", file_count="multiple", interactive=False, height=160,
                         visible=False)
    with gr.Accordion("Add an article", open=False):
        c["upload"] = gr.UploadButton("Upload .txt, .md or .html", file_types=[".txt", ".md", ".html", ".htm"],
                                      size="sm")
        with gr.Row():
            c["url"] = gr.Textbox(placeholder="https://… (an article page)", show_label=False, scale=5)
            c["fetch"] = gr.Button("Fetch", size="sm", scale=1, min_width=80)
    return c


def _people_column(h: Handlers) -> dict:
    """Every speaker in scope as a button (Tab reaches each, Enter or Space chooses), then the chosen one's cards."""
    import gradio as gr

    samples, keys, label, hint = h.people_samples(ALL)
    people = gr.Dataset(components=["html"], samples=samples, type="index", label=label,
                        elem_id="people", samples_per_page=people_view.MAX_PEOPLE)
    return {"people": people, "people_keys": gr.State(keys), "person": gr.Markdown(hint, elem_id="person")}


def _wire(h: Handlers, c: dict) -> None:
    """Connect events; each event has an ``api_name`` so gradio_client can drive the app."""
    ask_out = [c["chat"], c["box"], c["reader"], c["answers"], c["shown"]]
    ask_in = [c["box"], c["chat"], c["picker"], c["answers"], c["shown"]]
    people = ([c["picker"]], [c["people"], c["people_keys"], c["person"]])
    c["box"].submit(h.ask, ask_in, ask_out, api_name="ask")
    c["send"].click(h.ask, ask_in, ask_out, api_name=False)
    c["examples"].click(h.ask_example, [c["examples"], *ask_in[1:]], ask_out, api_name=False)
    c["clear"].click(h.clear, [c["picker"]], [c["chat"], c["reader"], c["answers"], c["shown"], c["files"]],
                     api_name="clear").then(_visibility(False), None, [c["files"]], api_name=False)
    c["export"].click(h.export, [c["answers"]], [c["files"]], api_name="export").then(
        _visibility(True), None, [c["files"]], api_name=False)
    add_out = [c["chat"], c["picker"], c["reader"], c["shown"]]
    c["upload"].upload(h.add_file, [c["upload"], c["chat"], c["shown"]], add_out, api_name="add_file").then(
        h.people, *people, api_name=False)
    c["url"].submit(h.add_url, [c["url"], c["chat"], c["shown"]], [*add_out, c["url"]], api_name=False).then(
        h.people, *people, api_name=False)
    c["fetch"].click(h.add_url, [c["url"], c["chat"], c["shown"]], [*add_out, c["url"]],
                     api_name="add_url").then(h.people, *people, api_name=False)
    c["picker"].input(h.pick, [c["picker"], c["answers"], c["shown"]], [c["reader"], c["shown"]],
                      api_name="pick").then(h.people, *people, api_name="speakers")
    c["demo"].load(h.refresh, [c["picker"]], [c["picker"]], api_name=False).then(h.people, *people, api_name=False)
    c["reader"].select(h.show_paragraph, [c["answers"]], [c["reader"], c["shown"]], api_name=False)
    c["people"].click(h.pick_speaker, [c["people"], c["people_keys"], c["picker"], c["answers"]],
                      [c["person"], c["reader"], c["shown"]], api_name="pick_speaker")


def _visibility(visible: bool):
    """An event step that shows or hides a component (the export box: shown once
    there is an export, hidden again by "Clear chat"); the API results stay plain."""
    import gradio as gr

    return lambda: gr.update(visible=visible)


def blocked_paths(bot: Assistant) -> list[str]:
    """Folders the web server must never serve: the index (a Milvus Lite folder too) and the model."""
    paths = [bot.index_dir] if bot.index_dir else []
    location = parse_store(bot.settings.store)
    if location.kind == "lite":
        paths.append(Path(location.uri))
    try:
        from assistant.embedding.embedder import bundled_model_dir

        paths.append(bundled_model_dir())
    except Exception:  # the bundled model package is optional when another model is configured
        pass
    if os.path.isdir(bot.settings.model):
        paths.append(Path(bot.settings.model))
    return [str(Path(p).resolve()) for p in paths]


def launch(bot: Assistant, host: str = "127.0.0.1", port: int = 7860, block: bool = True,
           auth: tuple[str, str] | None = None, quiet: bool = False):
    """Serve the app (hardened defaults); with ``block=False`` return at once (tests, loadcheck)."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # also stops the version check against the internet
    import gradio as gr

    settings: Settings = bot.settings
    demo = build(bot)
    demo.queue(default_concurrency_limit=settings.ui_concurrency, max_size=settings.ui_queue_size)
    theme = gr.themes.Default(font=["system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])  # no web fonts
    demo.launch(server_name=host, server_port=port, share=False, enable_monitoring=False, prevent_thread_lock=not block,
                max_file_size=settings.upload_max_bytes, show_error=False, auth=auth, blocked_paths=blocked_paths(bot),
                mcp_server=False, ssr_mode=False, pwa=False, run_history=False, quiet=quiet, footer_links=["api"],
                theme=theme, css=CSS)
    return demo
