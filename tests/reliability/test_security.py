"""Security, checked on behaviour: hostile article text is shown literally (the
answer's Markdown, the web chat's cards, reader pane, messages and export), a
saved index that was tampered with is refused, ``CURRENT`` cannot point outside
the index folder, and a pickle planted in an index or an adapter file is refused
without being run. (A forged FAISS header: tests/reliability/test_faults.py.)"""

import ast
import json
import os
import re
import shutil

import numpy as np
import pytest
from lxml import html as lxml_html
from markdown_it import MarkdownIt

from assistant import Assistant, IndexCorruptError
from assistant.answer.render import answer_markdown
from assistant.embedding.adapter import load_adapter
from assistant.checksum import file_sha256
from assistant.embedding.embedder import FakeEmbedder
from assistant.errors import AdapterError
from assistant.ingest.files import Sidecar, article_from_text
from assistant.store.files import CURRENT, MANIFEST, current_generation, load_index
from assistant.ui.views import added_message, answer_message, error_message, export_markdown, reader_html, user_message
from tests.conftest import ROOT, random_adapter

# Every paragraph mentions the budget, so one question quotes them all.
HOSTILE = """Budget <script>alert('title')</script> <!-- title comment --> news

The mayor said <script>alert(document.cookie)</script> the budget passed on Monday.

A critic wrote <!-- a hidden budget comment --> in the council's budget notes.

An economist wrote $$\\frac{a}{b}$$ and $x^2$ when explaining the budget deficit.

The blogger linked [the budget](javascript:alert(1)) and ![pixel](http://evil.invalid/p.png) in a budget post.

See https://evil.invalid/budget or <https://evil.invalid/x> for the budget details, said the clerk.

The treasurer wrote `rm -rf` and *very* __bold__ budget notes with &amp; and &lt;b&gt; in them.

Template text {{constructor}} and ${window.__pwned=4} appeared in the budget draft <img src=x onerror=alert(2)>.
"""
# What must never appear unescaped in any Markdown made from HOSTILE.
RAW_MARKUP = ["<script", "<!--", "<img", "<https", "](", "$$"]


@pytest.fixture(scope="module")
def hostile():
    """The hostile article, and an answer quoting every one of its paragraphs."""
    meta = Sidecar(publisher="Evil <b>Press</b> [x](javascript:1)", author="$$ A. <i>Uthor</i>")
    article = article_from_text(HOSTILE, meta=meta)
    bot = Assistant.from_articles([article], FakeEmbedder())
    answer = bot.ask("What did the budget say?", top_k=len(article.paragraphs))
    assert {q.paragraph for q in answer.quotes} == set(range(1, len(article.paragraphs) + 1))  # precondition
    return article, answer


def _commonmark(markdown: str):
    """Markdown as a permissive client renders it: CommonMark with raw HTML allowed."""
    return lxml_html.fragment_fromstring(MarkdownIt("commonmark").render(markdown), create_parent="div")


def _no_markup_from_the_article(tree, code: set[str] = frozenset()) -> None:
    """No element the article's text could have made; links and code spans only our own."""
    assert not tree.xpath("//script|//img|//iframe|//style|//comment()")
    assert all(a.get("href", "").startswith("#para-") for a in tree.iter("a"))  # only the cards' own links
    assert {c.text_content() for c in tree.iter("code")} <= code


def _no_unescaped_dollar_or_backtick(text: str) -> None:
    """A '$' that a LaTeX renderer (Gradio's KaTeX) could read, or a '`' opening code,
    must be backslash-escaped or an entity."""
    assert not re.search(r"(?<!\\)[$`]", text), text


def test_answer_markdown_shows_hostile_text_literally(hostile):
    article, answer = hostile
    for found in (True, False):
        md = answer_markdown(answer.model_copy(update={"found": found}))
        for raw in RAW_MARKUP:
            assert raw not in md, raw
        _no_unescaped_dollar_or_backtick(md)
        tree = _commonmark(md)
        _no_markup_from_the_article(tree)
        assert not tree.xpath("//a")  # the plain Markdown has no links of its own
        cards = tree.findall("blockquote")
        assert len(cards) == len(answer.quotes)
        for card, quote in zip(cards, answer.quotes):
            # The reader sees exactly the article's characters: <script>, $$, [..](..) and all.
            assert card.findall("p")[0].text_content() == quote.text
    shown = "".join(q.text for q in answer.quotes)
    assert "<script>alert(document.cookie)</script>" in shown and "$$\\frac{a}{b}$$" in shown and "<!--" in shown


def test_chat_cards_show_hostile_text_literally(hostile):
    article, answer = hostile
    for found in (True, False):
        message = answer_message(answer.model_copy(update={"found": found}))
        for raw in [r for r in RAW_MARKUP if r != "]("] + ["http://", "https://"]:  # ':' is an entity: no autolinks
            assert raw not in message, raw
        assert re.findall(r"\]\((?!#para-)", message) == []  # the only Markdown links are the cards' own
        _no_unescaped_dollar_or_backtick(message)
        tree = _commonmark(message)
        _no_markup_from_the_article(tree)
        cards = tree.findall("blockquote")
        assert [c.text_content().strip() for c in cards] == [q.text for q in answer.quotes]
        assert [a.get("href") for a in tree.iter("a")] == [f"#para-{q.article_id}-{q.paragraph}" for q in answer.quotes]
        # Only our own markup inside a card: the answer sentence in <strong>.
        assert {e.tag for c in cards for e in c.iter()} <= {"blockquote", "p", "strong"}
        assert [s.text_content() for c in cards for s in c.iter("strong")] == [q.highlight_text for q in answer.quotes]


def test_reader_pane_shows_hostile_text_literally(hostile):
    article, answer = hostile
    html = reader_html(article, answer.quotes)
    for raw in ("<script", "<img", "<!--", "{", "}", "$", "`"):  # nor anything a template engine could evaluate
        assert raw not in html, raw
    page = lxml_html.fragment_fromstring(html, create_parent="div")
    assert not page.xpath("//script|//img|//iframe|//style|//a|//b|//i|//comment()")
    paragraphs = [article.text[s:e] for s, e in article.paragraphs]
    assert [p.text_content() for p in page.find_class("para-text")] == paragraphs
    title_line = article.text.split("\n", 1)[0]
    assert title_line in [d.text_content() for d in page.find_class("reader-extra")]
    facts = page.find_class("reader-facts")[0].text_content()
    assert facts == "Evil <b>Press</b> [x](javascript:1) · $$ A. <i>Uthor</i>"
    marked = "".join(m.text_content() for m in page.iter("mark"))
    assert all(q.highlight_text in marked for q in answer.quotes)


@pytest.mark.parametrize("url, linked", [
    ("javascript:alert(1)", False),
    ("data:text/html,<script>alert(1)</script>", False),
    ('https://example.invalid/a?b="><script>alert(1)</script>', True),
])
def test_reader_links_only_http_addresses_and_keeps_them_literal(url, linked):
    article = article_from_text("Title\n\nThe mayor opened a bridge.", meta=Sidecar(url=url))
    page = lxml_html.fragment_fromstring(reader_html(article), create_parent="div")
    assert not page.xpath("//script")
    links = page.xpath("//a")
    if linked:
        assert [(a.get("href"), a.text_content()) for a in links] == [(url, url)]
        assert "noopener" in links[0].get("rel")
    else:
        assert links == [] and "alert" not in page.text_content()  # neither a link nor shown


def test_messages_and_export_escape_titles_questions_and_errors(hostile):
    article, answer = hostile
    for markdown in (added_message(article), user_message(HOSTILE), error_message(HOSTILE)):
        for raw in RAW_MARKUP:
            assert raw not in markdown, raw
        _no_unescaped_dollar_or_backtick(markdown)
        _no_markup_from_the_article(_commonmark(markdown))
    assert _commonmark(user_message(HOSTILE)).text_content().split() == HOSTILE.split()
    turn = answer.model_copy(update={"question": "<script>alert(3)</script> $$q$$ [a](javascript:1)?"})
    exported = export_markdown([turn])
    for raw in RAW_MARKUP:
        assert raw not in exported, raw
    tree = _commonmark(exported)
    _no_markup_from_the_article(tree, code={article.id})  # the export names each quote's article id as code
    assert tree.find("h2").text_content() == "1. <script>alert(3)</script> $$q$$ [a](javascript:1)?"


# ----- the saved index ------------------------------------------------------------------------
@pytest.fixture()
def saved(tmp_path, corpus_copy, fake_settings):
    """A corpus and its saved index (fake embedder), and the index's generation folder."""
    index = tmp_path / "idx"
    Assistant.from_paths([corpus_copy], index_dir=index, settings=fake_settings, embedder=FakeEmbedder())
    return corpus_copy, index, current_generation(index, "fix")


def _open(corpus, index, settings):
    return Assistant.from_paths([corpus], index_dir=index, settings=settings, embedder=FakeEmbedder())


def _reseal(index, folder, names) -> None:
    """What an attacker who knows the format does: fix the checksums of ``names`` in the
    manifest, and the manifest's checksum in CURRENT."""
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    for name in names:
        manifest["files"][name] = file_sha256(folder / name)
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    (index / CURRENT).write_text(f"{folder.name} {file_sha256(folder / MANIFEST)}\n", encoding="utf-8")


def test_words_put_in_a_speakers_mouth_are_refused(saved, fake_settings):
    """Editing an indexed article's text (what the assistant would quote as verbatim)."""
    corpus, index, folder = saved
    articles = folder / "articles.jsonl"
    forged = articles.read_bytes().replace(b"Facebook loved us", b"Facebook hated us")
    assert forged != articles.read_bytes()
    articles.write_bytes(forged)
    with pytest.raises(IndexCorruptError, match="articles.jsonl does not match its checksum"):
        _open(corpus, index, fake_settings)
    # Updating the manifest's checksum too is caught by CURRENT's checksum of the manifest.
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    manifest["files"]["articles.jsonl"] = file_sha256(articles)
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=f"{MANIFEST} does not match its checksum in {CURRENT}"):
        load_index(index, FakeEmbedder(), "fix")


def test_a_manifest_that_stops_listing_a_file_is_refused(saved, fake_settings):
    corpus, index, folder = saved
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    del manifest["files"]["vectors.npy"]  # so that its checksum would not be checked
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    _reseal(index, folder, [])
    with pytest.raises(IndexCorruptError, match="does not list vectors.npy"):
        _open(corpus, index, fake_settings)


@pytest.mark.parametrize("pointer", [
    "../outside/{gen}", "../outside/{gen} {sha}", "../../etc", "/etc", "{gen}/../../outside/{gen}",
    "gen-x/../../outside", "..", "gen-../outside", "{gen}\n../outside/{gen}",
])
def test_current_cannot_point_outside_the_index_folder(saved, fake_settings, tmp_path, pointer):
    """CURRENT is rewritten to reach a complete, valid index outside the index folder:
    it is refused, not loaded."""
    corpus, index, _ = saved
    outside = tmp_path / "outside"
    (outside / "c").mkdir(parents=True)
    (outside / "c" / "planted.txt").write_text("Planted\n\nThe planted index says the mayor resigned.",
                                               encoding="utf-8")
    planted = Assistant.from_paths([outside / "c"], index_dir=outside / "idx", settings=fake_settings,
                                   embedder=FakeEmbedder())
    gen = current_generation(outside / "idx", "fix")
    shutil.move(str(gen), str(outside / gen.name))  # outside/gen-...: a loadable generation outside the index
    sha = file_sha256(outside / gen.name / MANIFEST)
    (index / CURRENT).write_text(pointer.format(gen=gen.name, sha=sha) + "\n", encoding="utf-8")
    with pytest.raises(IndexCorruptError, match=f"{CURRENT} is damaged|{MANIFEST} is missing"):
        load_index(index, FakeEmbedder(), "fix")
    with pytest.raises(IndexCorruptError):
        _open(corpus, index, fake_settings)
    assert planted.articles[0].title == "Planted"  # the planted index itself was valid


class _Payload:
    """Unpickling this creates the folder ``marker``: proof that a pickle was run."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.mkdir, (self.marker,)


def _pickle_npy(path, marker) -> None:
    np.save(path, np.array([_Payload(marker)], dtype=object), allow_pickle=True)


def test_the_payload_is_live(tmp_path):
    """The planted files below would run code if loaded with pickles allowed."""
    _pickle_npy(tmp_path / "p.npy", tmp_path / "ran")
    np.load(tmp_path / "p.npy", allow_pickle=True)
    assert (tmp_path / "ran").is_dir()


def test_a_pickle_planted_in_any_index_array_is_refused_and_never_run(saved, fake_settings, tmp_path):
    corpus, index, folder = saved
    arrays = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.npy"))
    assert {"units.npy", "vectors.npy", "paragraphs.npy"} <= set(arrays)
    assert any(a.startswith("lexical/") for a in arrays)
    pristine = tmp_path / "pristine"
    shutil.copytree(index, pristine)
    for name in arrays:
        shutil.rmtree(index)
        shutil.copytree(pristine, index)
        marker = tmp_path / f"ran-{name.replace('/', '-')}"
        _pickle_npy(folder / name, marker)
        _reseal(index, folder, [name])  # checksums match: only the refusal to unpickle stops it
        with pytest.raises(IndexCorruptError, match="could not be read"):
            load_index(index, FakeEmbedder(), "fix")
        with pytest.raises(IndexCorruptError):
            _open(corpus, index, fake_settings)
        # The fix the error prints (a forced rebuild) reads what it can of the old index: still nothing is run.
        rebuilt = Assistant.from_paths([corpus], index_dir=index, settings=fake_settings, embedder=FakeEmbedder(),
                                       rebuild=True)
        assert rebuilt.ask("Who is Gary Coby?").quotes
        assert not marker.exists(), name


def test_a_pickle_planted_in_an_adapter_file_is_refused_and_never_run(tmp_path):
    import zipfile

    good = tmp_path / "good.npz"
    random_adapter().save(good)
    assert load_adapter(str(good))[0].scale == 2.0
    _pickle_npy(tmp_path / "meta.npy", tmp_path / "ran")
    bad = tmp_path / "bad.npz"
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(bad, "w") as target:
        for info in source.infolist():
            data = (tmp_path / "meta.npy").read_bytes() if info.filename == "meta.npy" else source.read(info)
            target.writestr(info, data)
    with pytest.raises(AdapterError, match="bad.npz"):
        load_adapter(str(bad))
    assert not (tmp_path / "ran").exists()


def test_saved_index_holds_no_pickled_object(saved):
    _, _, folder = saved
    for path in folder.rglob("*"):
        if path.suffix == ".npy":
            assert np.load(path, allow_pickle=False).dtype != object
        elif path.is_file():
            assert not path.read_bytes().startswith(b"\x80"), f"{path.name} looks like a pickle"


UNSAFE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "shelve", "joblib", "marshal"}


def test_library_imports_no_pickle_like_module():
    for path in sorted((ROOT / "assistant").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not {n.split(".")[0] for n in names} & UNSAFE_MODULES, f"{path.name}: {names}"


def test_every_np_load_refuses_pickles_and_torch_load_is_not_used():
    """A static guard beside the behavioural ones above: every ``np.load`` in the
    library passes ``allow_pickle=False`` literally, and nothing calls ``torch.load``."""
    for path in sorted((ROOT / "assistant").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("np.load", "numpy.load"):
                pickles = [k.value for k in node.keywords if k.arg == "allow_pickle"]
                assert len(pickles) == 1 and isinstance(pickles[0], ast.Constant) and pickles[0].value is False, \
                    f"{path.name}:{node.lineno}: {ast.unparse(node)}"
        assert "allow_pickle=True" not in text and "torch.load(" not in text, path.name
