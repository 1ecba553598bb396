"""A quote-only assistant for news articles: every answer is verbatim, attributed text.

Example:
    >>> from assistant import Assistant
    >>> bot = Assistant.from_paths(["corpus/"])          # doctest: +SKIP
    >>> print(bot.ask("Who did Zuckerberg call?").to_markdown())  # doctest: +SKIP
"""

from assistant.api import Assistant
from assistant.errors import (
    AdapterError, ArticleError, AssistantError, DatasetError, EmptyArticleError, EmptyQuestionError, FetchError,
    FileTooLargeError, HistoryError, IndexCorruptError, IndexMissingError, IndexStaleError, IndexWriteError,
    MethodError, ModelMissingError, NoArticlesError, NoSuchFileError, QuestionError, ReaderError, SettingsError,
    SidecarError, StoreError, StoreLocationError, StoreRequestError, StoreUnavailableError, UnknownArticleError,
    UnreadableFileError,
)
from assistant.settings import Settings
from assistant.types import Answer, Article, Attribution, Notice, Quote, Sentence, Speaker, SpokenSentence

__all__ = [
    "AdapterError", "Answer", "Article", "ArticleError", "Assistant", "AssistantError", "Attribution", "DatasetError",
    "EmptyArticleError", "EmptyQuestionError", "FetchError", "FileTooLargeError", "HistoryError", "IndexCorruptError",
    "IndexMissingError", "IndexStaleError", "IndexWriteError", "MethodError", "ModelMissingError", "NoArticlesError",
    "NoSuchFileError", "Notice", "Quote", "QuestionError", "ReaderError", "Sentence", "Settings", "SettingsError",
    "SidecarError", "Speaker", "SpokenSentence", "StoreError", "StoreLocationError", "StoreRequestError",
    "StoreUnavailableError",
    "UnknownArticleError", "UnreadableFileError",
]
