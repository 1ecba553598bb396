"""A quote-only assistant for news articles: every answer is verbatim, attributed text.

Example:
    >>> from assistant import Assistant
    >>> bot = Assistant.from_paths(["corpus/"])          # doctest: +SKIP
    >>> print(bot.ask("Who did Zuckerberg call?").to_markdown())  # doctest: +SKIP
"""

from assistant.api import Assistant
from assistant.errors import (
    AdapterError, ArticleError, AssistantError, EmptyArticleError, EmptyQuestionError, IndexCorruptError, IndexMissingError,
    IndexStaleError, ModelMissingError, NoSuchFileError, QuestionError, SidecarError, UnknownArticleError,
    UnreadableFileError,
)
from assistant.settings import Settings
from assistant.types import Answer, Article, Attribution, Quote, Sentence

__all__ = [
    "AdapterError", "Answer", "Article", "Assistant", "AssistantError", "ArticleError", "Attribution", "EmptyArticleError",
    "EmptyQuestionError", "IndexCorruptError", "IndexMissingError", "IndexStaleError", "ModelMissingError",
    "NoSuchFileError", "Quote", "QuestionError", "Sentence", "Settings", "SidecarError", "UnknownArticleError",
    "UnreadableFileError",
]
