"""The web chat's event handlers: plain functions of (inputs, session state) -> outputs.

Scope: each method takes what a Gradio event passes (the question, the chat's
messages, the picker's value, the session's ``Answer`` list and the id of the
article in the reader) and returns the new values, so tests call them without a
browser. They only call ``Assistant``, ``views`` (chat, reader) and ``people``
(the People view): any error becomes a message in the chat, and a failed upload
or fetch leaves the index as it was.

Example:
    >>> from assistant import Settings
    >>> from assistant.embedding.embedder import FakeEmbedder
    >>> bot = Assistant.from_paths(["corpus/"], settings=Settings(model="fake", progress=False),
    ...                            embedder=FakeEmbedder())
    >>> chat, box, reader, answers, shown = Handlers(bot).ask("   ", [], ALL, [], None)
    >>> chat[-1]["content"].startswith("⚠️ The question is empty")
    True
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path

import gradio as gr

from assistant.ui import people as people_view
from assistant.ui import views as render
from assistant.api import Assistant
from assistant.errors import AssistantError
from assistant.types import Answer

log = logging.getLogger(__name__)
ALL = "__all__"
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm")
EXAMPLES = [
    "Who did Zuckerberg call after the 2016 election?",
    "What did Facebook's politics director say?",
    "Who is Gary Coby?",
    "What else did he say?",
    "How much did the Trump campaign spend on Facebook ads?",
]
UNEXPECTED = ("Something went wrong on our side (it is logged). "
              "Your articles and this chat are unchanged; please try again.")


class Handlers:
    """Event handlers bound to one ``Assistant`` (shared by every session)."""

    def __init__(self, bot: Assistant):
        self.bot = bot

    # ----- helpers ------------------------------------------------------------------
    def choices(self) -> list[tuple[str, str]]:
        """Picker entries: all articles, then each one as 'Title — Publisher'."""
        entries = [("All articles", ALL)]
        for article_id, title, publisher in self.bot.catalog():
            entries.append((title[:90] + (f" — {publisher}" if publisher else ""), article_id))
        return entries

    def refresh(self, scope: str):
        """On page load: the picker lists articles other sessions added since the app started."""
        return gr.update(choices=self.choices(), value=scope if scope in self.bot.snapshot.by_id else ALL)

    def default_article_id(self) -> str | None:
        catalog = self.bot.catalog()
        return catalog[0][0] if catalog else None

    def reader_for(self, article_id: str | None, answers: list[Answer], focus: int | None = None,
                   spoken: list[tuple[int, int]] = ()) -> str:
        """Reader HTML of ``article_id`` with the latest answer's quotes (and ``spoken`` spans) marked."""
        article = self.bot.article(article_id) if article_id in self.bot.snapshot.by_id else None
        quotes = answers[-1].quotes if answers else []
        return render.reader_html(article, quotes, focus, spoken)

    def multi(self, scope: str | None) -> bool:
        """More than one article in scope: "All articles" picked over a corpus of several."""
        return scope in (None, "", ALL) and len(self.bot.snapshot.by_id) > 1

    @staticmethod
    def _say(chat: list, user: str | None, reply: str) -> list:
        chat = list(chat or [])
        if user is not None:
            chat.append({"role": "user", "content": user})
        chat.append({"role": "assistant", "content": reply})
        return chat

    # ----- asking -------------------------------------------------------------------
    def ask(self, message: str, chat: list, scope: str, answers: list[Answer], shown: str | None):
        """One question: (chat, cleared box, reader, answers, shown article)."""
        answers = list(answers or [])
        try:
            article_ids = None if scope in (None, "", ALL) else [scope]
            answer = self.bot.ask(message, history=answers, article_ids=article_ids)
        except AssistantError as exc:
            return self._say(chat, render.user_message(message or ""), render.error_message(str(exc))), message, \
                self.reader_for(shown, answers), answers, shown
        except Exception:
            log.exception("answering %r failed", message)
            return self._say(chat, render.user_message(message or ""), render.error_message(UNEXPECTED)), message, \
                self.reader_for(shown, answers), answers, shown
        answers.append(answer)
        if answer.quotes:
            shown = answer.quotes[0].article_id if article_ids is None else article_ids[0]
        chat = self._say(chat, render.user_message(answer.question), render.answer_message(answer, self.multi(scope)))
        return chat, "", self.reader_for(shown, answers), answers, shown

    def ask_example(self, sample: list, chat: list, scope: str, answers: list[Answer], shown: str | None):
        """A click on an example question asks it."""
        return self.ask(sample[0] if sample else "", chat, scope, answers, shown)

    def clear(self, scope: str):
        """Empty chat and history; the reader keeps the picked article, unmarked."""
        shown = scope if scope not in (None, "", ALL) else self.default_article_id()
        return [], self.reader_for(shown, []), [], shown, None

    def export(self, answers: list[Answer]):
        """Two files, ``chat.md`` and ``chat.json``, in a fresh temporary folder."""
        folder = Path(tempfile.mkdtemp(prefix="chat-export-"))
        (folder / "chat.md").write_text(render.export_markdown(answers or []), encoding="utf-8")
        (folder / "chat.json").write_text(render.export_json(answers or []), encoding="utf-8")
        return [str(folder / "chat.md"), str(folder / "chat.json")]

    # ----- articles -----------------------------------------------------------------
    def add_file(self, file, chat: list, shown: str | None):
        """An uploaded .txt/.md/.html file becomes an article (indexed and persisted)."""
        path = getattr(file, "name", file)
        name = os.path.basename(str(path or ""))
        return self._add(lambda: self._checked_upload(path), f"Upload: {name}", chat, shown)[:4]

    def add_url(self, url: str, chat: list, shown: str | None):
        """A pasted URL is fetched (see ``fetch``) and added; the box is cleared on success."""
        url = (url or "").strip()
        *outputs, added = self._add(lambda: self._checked_url(url), f"Fetch: {url}", chat, shown)
        return (*outputs, "" if added else url)

    def _checked_upload(self, path):
        if not path:
            raise AssistantError("No file arrived. Choose a .txt, .md or .html file to upload.")
        suffix = Path(str(path)).suffix.lower()
        if suffix not in UPLOAD_SUFFIXES:
            raise AssistantError(f"{Path(str(path)).name} is not an article file; upload a .txt, .md or .html file.")
        size = os.path.getsize(path)
        if size > self.bot.settings.upload_max_bytes:
            raise AssistantError(f"The file is {size:,} bytes, over the {self.bot.settings.upload_max_bytes:,}-byte "
                                 "upload limit (raise ASSISTANT_UPLOAD_MAX_BYTES to allow it).")
        return self.bot.add(path)

    def _checked_url(self, url: str):
        if not url:
            raise AssistantError("The address is empty. Paste the article's address, e.g. https://example.com/story.")
        return self.bot.add(url)

    def _add(self, adding, label: str, chat: list, shown: str | None):
        """(chat, picker update, reader, shown, added?) after trying ``adding()``."""
        try:
            article = adding()
        except AssistantError as exc:
            reply = render.error_message(str(exc))
            return self._say(chat, render.user_message(label), reply), gr.update(), gr.update(), shown, False
        except Exception:
            log.exception("%s failed", label)
            reply = render.error_message(UNEXPECTED)
            return self._say(chat, render.user_message(label), reply), gr.update(), gr.update(), shown, False
        chat = self._say(chat, render.user_message(label), render.added_message(article))
        choices = gr.update(choices=self.choices(), value=article.id)
        return chat, choices, self.reader_for(article.id, []), article.id, True

    def pick(self, scope: str, answers: list[Answer], shown: str | None):
        """The picker changed: show that article (or, for all, keep the current one)."""
        shown = scope if scope not in (None, "", ALL) else (shown or self.default_article_id())
        return self.reader_for(shown, answers or []), shown

    # ----- people -------------------------------------------------------------------
    def people_samples(self, scope: str | None) -> tuple[list[list[str]], list[tuple[str, int]], str, str]:
        """(list entries, their speaker keys, the list's label, the hint below it) for ``scope``."""
        ids = list(self.bot.snapshot.by_id)
        try:
            speakers = self.bot.speakers(None if scope in (None, "", ALL) else scope)
        except AssistantError:  # an article id no longer in the index
            speakers = []
        chosen = people_view.ranked(speakers, ids)[: people_view.MAX_PEOPLE]
        titles = {i: title for i, title, _ in self.bot.catalog()} if self.multi(scope) else {}
        samples = [[people_view.person_html(s, titles.get(s.article_id))] for s in chosen]
        hint = people_view.HINT if chosen else people_view.NOBODY
        return samples, [people_view.speaker_key(s) for s in chosen], people_view.people_label(
            len(chosen), len(speakers)), hint

    def people(self, scope: str | None):
        """The People list for the picked scope: (list, its keys, the cards pane reset to the hint)."""
        samples, keys, label, hint = self.people_samples(scope)
        return gr.Dataset(samples=samples, label=label), keys, hint

    def pick_speaker(self, index: int | None, keys: list, scope: str | None, answers: list[Answer]):
        """A person chosen in the list: (their sentences as cards, the reader marking them, shown article)."""
        keys = keys or []
        if not isinstance(index, int) or not 0 <= index < len(keys):
            return gr.update(), gr.update(), gr.update()
        article_id = keys[index][0]
        try:
            speaker = people_view.find_speaker(self.bot.speakers(article_id), keys[index])
        except AssistantError:
            speaker = None
        if speaker is None:
            return render.error_message("That article is no longer in the index; pick another."), gr.update(), \
                gr.update()
        cards = people_view.person_cards(speaker, self.bot.article(article_id), self.multi(scope))
        return cards, self.reader_for(article_id, answers or [], spoken=people_view.spans(speaker)), article_id

    def show_paragraph(self, answers: list[Answer], evt: gr.SelectData):
        """A card's '¶N' link for an article not in the reader: show it, paragraph N flagged."""
        article_id, paragraph = str(evt.value or ""), evt.index
        if article_id not in self.bot.snapshot.by_id:
            return gr.update(), gr.update()
        number = paragraph if isinstance(paragraph, int) else None
        return self.reader_for(article_id, answers or [], focus=number), article_id
