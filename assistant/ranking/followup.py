"""Follow-up questions: decide when a question leans on the previous turn.

"What else did he say?" means nothing alone; after "Who is Gary Coby?" it means
"what else did Gary Coby say". A question is a follow-up when it is short and
refers back (a pronoun, "else", "more", "that"); it is then retrieved together
with the previous question, its speaker preference is the previous top quote's
speaker, and the sentence already quoted is skipped.

Example:
    >>> is_follow_up("What else did he say?")
    True
    >>> is_follow_up("Who is Gary Coby?")
    False
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.errors import HistoryError
from assistant.types import Answer

_BACKREF = re.compile(r"\b(he|she|him|her|his|hers|they|them|their|it|its|this|that|these|those|else|more|again|"
                      r"also|too|further)\b", re.I)


@dataclass(frozen=True)
class Turn:
    """One previous exchange: the question and, when known, the Answer given."""

    question: str
    answer: Answer | None = None


# What ``Assistant.ask(history=...)`` takes: previous answers, turns, questions or Gradio messages.
History = list["Answer | Turn | str | dict"]


def is_follow_up(question: str) -> bool:
    words = re.findall(r"\w+", question)
    return len(words) <= 12 and bool(_BACKREF.search(question))


def normalise_history(history: History | None) -> list[Turn]:
    """Accept ``Answer`` objects, ``Turn``s, plain previous questions, or Gradio
    ``{"role": ..., "content": ...}`` messages; return the user turns in order.
    Any other item raises ``HistoryError``."""
    turns: list[Turn] = []
    for item in history or []:
        if isinstance(item, Turn):
            turns.append(item)
        elif isinstance(item, Answer):
            turns.append(Turn(item.question, item))
        elif isinstance(item, str):
            turns.append(Turn(item))
        elif isinstance(item, dict) and item.get("role") == "user":
            content = item.get("content")
            if isinstance(content, list):
                content = " ".join(str(c.get("text", "")) if isinstance(c, dict) else str(c) for c in content)
            if isinstance(content, str) and content.strip():
                turns.append(Turn(content))
        elif not isinstance(item, dict):
            raise HistoryError(item)
    return turns


def contextual_query(question: str, turns: list[Turn]) -> tuple[str, str | None, set[tuple[str, int]]]:
    """(query text, preferred speaker, (article id, sentence start) to skip) after ``turns``."""
    if not turns or not is_follow_up(question):
        return question, None, set()
    last = turns[-1]
    speaker = None
    skip: set[tuple[str, int]] = set()
    if last.answer and last.answer.quotes:
        top = last.answer.quotes[0]
        speaker = top.attribution.speaker if top.attribution else None
        skip = {(top.article_id, top.highlight[0])}
    query = f"{last.question} {speaker or ''} {question}".strip()
    return query, speaker, skip
