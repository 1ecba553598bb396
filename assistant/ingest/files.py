"""Read article files into ``Article``: decoding, paragraphs, boilerplate, metadata.

The text is kept verbatim: only newlines are normalised to ``\\n`` (and a byte
order mark is dropped). Boilerplate (WordPress shortcodes, "READ MORE" markers,
copyright footers) is recorded as spans, never deleted. Metadata comes from an
optional JSON sidecar beside the file (``story.txt`` -> ``story.json``), else
from the text: the title is the first non-empty line and the publisher is read
from a "© Publisher" footer. Unknown fields stay ``None``.

Example:
    >>> art = article_from_text("Title\\n\\nBody one.\\n\\n2021 © Acme. All rights reserved.")
    >>> art.title, art.publisher, [art.text[s:e] for s, e in art.paragraphs]
    ('Title', 'Acme', ['Body one.'])
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.attribution.speakers import attribute_sentences, find_excerpt
from assistant.errors import EmptyArticleError, FileTooLargeError, NoSuchFileError, SidecarError, UnreadableFileError
from assistant.ingest.segment import sentence_spans
from assistant.types import Article, Sentence

ARTICLE_SUFFIXES = (".txt", ".md")
DEFAULT_MAX_BYTES = 20_000_000
_BINARY_MAGIC = {b"%PDF": "a PDF", b"\x89PNG": "a PNG image", b"PK\x03\x04": "a zip archive",
                 b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image"}

_SHORTCODE = re.compile(r"\[/?[A-Za-z_][\w-]*(?:\s[^\[\]\n]*=[^\[\]\n]*)?\](?!\()")
_READ_MORE = re.compile(r"[ \t\u00a0]*(?:[–—-][ \t\u00a0]*)?\b(?:READ MORE|Read More|Read more)\b"
                        r"[ \t\u00a0]*[:.…»>]*[ \t\u00a0]*$", re.M)
_FOOTER_LINE = re.compile(r"^[^\n]{0,200}?(?:©|\(c\)|\bCopyright\b|\bAll rights reserved\b)[^\n]{0,200}$", re.M | re.I)
_PUBLISHER = re.compile(r"©\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?\s*)?([^\n.,©]+?)\s*(?:[.,]|\bAll rights\b|$)")


class Sidecar(BaseModel):
    """The optional JSON metadata beside an article file."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = None
    publisher: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None


def article_id(text: str) -> str:
    """Content address: the first 16 hex digits of the text's sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def decode_bytes(data: bytes, name: str) -> str:
    """Bytes to text: BOMs, then strict UTF-8, then the best single-byte guess."""
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise UnreadableFileError(name, f"it is {what}, not text; convert it to .txt first")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError as exc:
                raise UnreadableFileError(name, f"it starts with a {codec} mark "
                                                f"but does not decode ({exc.reason})") from None
    if b"\x00" in data:
        raise UnreadableFileError(name, "it contains NUL bytes, so it is binary, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _decode_legacy(data, name)


def _decode_legacy(data: bytes, name: str) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=["cp1252", "latin_1", "iso8859_15", "utf_16", "mac_roman"]).best()
    if best is None:
        raise UnreadableFileError(name, "its encoding is not UTF-8 and could not be detected; save it as UTF-8")
    return str(best)


def normalize_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def find_boilerplate(text: str) -> list[tuple[int, int]]:
    """Spans of shortcodes, "READ MORE" markers and copyright footer lines."""
    spans = [m.span() for m in _SHORTCODE.finditer(text)]
    spans += [m.span() for m in _READ_MORE.finditer(text) if m.end() > m.start()]
    spans += [m.span() for m in _FOOTER_LINE.finditer(text)]
    return _merge_spans(spans)


def _merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(e, out[-1][1]))
        else:
            out.append((s, e))
    return out


def _blocks(text: str) -> list[tuple[int, int]]:
    """Non-blank runs of lines (blocks between blank lines), trimmed of whitespace."""
    blocks = []
    for m in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
        s, e = m.span()
        while e > s and text[e - 1].isspace():
            e -= 1
        while s < e and text[s].isspace():
            s += 1
        blocks.append((s, e))
    return blocks


def _is_covered(span: tuple[int, int], text: str, boilerplate: list[tuple[int, int]]) -> bool:
    """True when nothing but whitespace in ``span`` lies outside boilerplate."""
    chars = list(text[span[0] : span[1]])
    for bs, be in boilerplate:
        for i in range(max(bs, span[0]), min(be, span[1])):
            chars[i - span[0]] = " "
    return not "".join(chars).strip()


def split_title_and_paragraphs(text: str,
                               boilerplate: list[tuple[int, int]]) -> tuple[tuple[int, int], list[tuple[int, int]]]:
    """The title line's span and the body paragraphs' spans."""
    blocks = _blocks(text)
    if not blocks:
        return (0, 0), []
    first_s, first_e = blocks[0]
    line_end = text.find("\n", first_s, first_e)
    if line_end == -1:
        title, rest = (first_s, first_e), blocks[1:]
    else:
        title = (first_s, line_end)
        rest = [(line_end + 1 + (len(text[line_end + 1 : first_e]) - len(text[line_end + 1 : first_e].lstrip())),
                 first_e)] + blocks[1:]
    body = [b for b in rest if not _is_covered(b, text, boilerplate)]
    return title, body


def publisher_from_footer(text: str, boilerplate: list[tuple[int, int]]) -> str | None:
    for s, e in boilerplate:
        m = _PUBLISHER.search(text[s:e])
        if m and m.group(1).strip():
            return m.group(1).strip()
    return None


def article_from_text(
    text: str, meta: Sidecar | None = None, source_path: str | None = None, fingerprint: str | None = None
) -> Article:
    """Build a full ``Article`` (paragraphs, sentences, attribution) from its text."""
    text = normalize_newlines(text)
    # Zero-width, control and punctuation-only text is not whitespace to str.strip(), yet holds nothing to quote.
    if not re.search(r"\w", text):
        raise EmptyArticleError(source_path or "<text>", "it is empty, whitespace only, or has no letters or digits")
    meta = meta or Sidecar()
    boilerplate = find_boilerplate(text)
    (ts, te), paragraphs = split_title_and_paragraphs(text, boilerplate)
    title = meta.title or text[ts:te].lstrip("#").strip()
    publisher = meta.publisher or publisher_from_footer(text, boilerplate)
    spans = sentence_spans(text, paragraphs, boilerplate)
    if not spans:  # an article nobody could ever be quoted from would sit in the index unseen
        raise EmptyArticleError(source_path or "<text>",
                                "it has no sentence to quote besides its title line and boilerplate")
    attributions = attribute_sentences(text, spans, publisher)
    sentences = []
    for (s, e), attribution in zip(spans, attributions):
        number = next(i for i, (ps, pe) in enumerate(paragraphs, 1) if ps <= s < pe)
        sentences.append(Sentence(start=s, end=e, paragraph=number, text=text[s:e], attribution=attribution))
    excerpt = find_excerpt(text, paragraphs, boilerplate, sentences)
    return Article(
        id=article_id(text), text=text, title=title, publisher=publisher, author=meta.author,
        published=meta.published, url=meta.url, source_path=source_path, fingerprint=fingerprint, paragraphs=paragraphs,
        boilerplate=boilerplate, sentences=sentences,
        excerpt_of=excerpt[0] if excerpt else None, excerpt_span=excerpt[1] if excerpt else None,
    )


def read_sidecar(path: Path) -> Sidecar | None:
    """The sidecar ``path.with_suffix('.json')`` if it exists, validated."""
    side = path.with_suffix(".json")
    if not side.is_file():
        return None
    try:
        raw = json.loads(side.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SidecarError(str(side), f"it cannot be read ({exc.strerror or exc})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SidecarError(str(side), f"it is not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise SidecarError(str(side), "it must be a JSON object like {\"title\": \"...\", \"publisher\": \"...\"}")
    try:
        return Sidecar(**raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        raise SidecarError(str(side), f"field {field!r}: {err['msg']} "
                                      f"(allowed fields: {', '.join(Sidecar.model_fields)})") from None


def read_article(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> Article:
    """One ``.txt``/``.md`` file (plus sidecar) as an ``Article``.

    Files over ``max_bytes`` (``Settings.max_file_bytes``, 20 MB by default) are
    refused with ``FileTooLargeError``; bad bytes, sidecars and empty texts raise
    other ``ArticleError``s, never a bare ``OSError`` or ``UnicodeError``.
    Example: ``read_article("corpus/story.txt", max_bytes=1_000_000)``.
    """
    path = Path(path)
    if not path.is_file():
        raise NoSuchFileError(str(path))
    if path.suffix.lower() not in ARTICLE_SUFFIXES:
        raise UnreadableFileError(str(path), f"only {', '.join(ARTICLE_SUFFIXES)} files are articles")
    data = _read_bounded(path, max_bytes)
    meta = read_sidecar(path)
    return article_from_text(decode_bytes(data, str(path)), meta, os.path.normpath(path), source_fingerprint(path))


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, reading at most ``max_bytes + 1`` so a file that grows
    after ``stat`` (or a FIFO or /dev/zero) cannot exhaust memory."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FileTooLargeError(str(path), size, max_bytes)
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise UnreadableFileError(str(path), exc.strerror or str(exc)) from None
    if len(data) > max_bytes:
        raise FileTooLargeError(str(path), len(data), max_bytes)
    return data


def source_fingerprint(path: Path) -> str:
    """sha256 of a file's bytes and its sidecar's: changes when either is edited.
    Streamed, so a huge file is hashed in constant memory (it is refused later)."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        side = path.with_suffix(".json")
        if side.is_file():
            digest.update(b"\0sidecar\0" + side.read_bytes())
    except OSError as exc:
        raise UnreadableFileError(str(path), exc.strerror or str(exc)) from None
    return digest.hexdigest()


def article_files(paths: list[str | Path]) -> list[Path]:
    """Expand files and folders (recursively; README files in folders are skipped)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES and not p.name.upper().startswith("README")
            )
        elif path.is_file():
            found.append(path)
        else:
            raise NoSuchFileError(str(path))
    return found
