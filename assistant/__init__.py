"""A quote-only assistant for news articles: every answer is verbatim, attributed text.

Example:
    >>> from assistant import Assistant
    >>> bot = Assistant.from_paths(["corpus/"])          # doctest: +SKIP
    >>> print(bot.ask("Who did Zuckerberg call?").to_markdown())  # doctest: +SKIP
"""

import importlib

from assistant.errors import (
    AdapterError, ArticleError, AssistantError, DatasetError, EmptyArticleError, EmptyIndexFolderError,
    EmptyQuestionError, FetchError,
    FileTooLargeError, HistoryError, IndexCorruptError, IndexMissingError, IndexStaleError, IndexWriteError,
    MethodError, ModelMissingError, NoArticlesError, NoSuchFileError, QuestionError, ReaderError, SettingsError,
    SidecarError, StoreError, StoreLocationError, StoreRequestError, StoreUnavailableError, TrainingOptionError,
    UnknownArticleError, UnreadableFileError,
)

# Imported on first use, so that a command which needs none of them (``assistant train reader``,
# on a machine with only torch and sentence-transformers) does not import pydantic, FAISS and BM25.
_LAZY = {"Assistant": "assistant.api", "Settings": "assistant.settings",
         **{name: "assistant.types" for name in ("Answer", "Article", "Attribution", "Notice", "Quote", "Sentence",
                                                 "Speaker", "SpokenSentence")}}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'assistant' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AdapterError", "Answer", "Article", "ArticleError", "Assistant", "AssistantError", "Attribution", "DatasetError",
    "EmptyArticleError", "EmptyIndexFolderError", "EmptyQuestionError", "FetchError", "FileTooLargeError",
    "HistoryError", "IndexCorruptError",
    "IndexMissingError", "IndexStaleError", "IndexWriteError", "MethodError", "ModelMissingError", "NoArticlesError",
    "NoSuchFileError", "Notice", "Quote", "QuestionError", "ReaderError", "Sentence", "Settings", "SettingsError",
    "SidecarError", "Speaker", "SpokenSentence", "StoreError", "StoreLocationError", "StoreRequestError",
    "StoreUnavailableError", "TrainingOptionError",
    "UnknownArticleError", "UnreadableFileError",
]
