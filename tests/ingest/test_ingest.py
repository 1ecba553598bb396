import json

import pytest

from assistant.errors import NoSuchFileError, SidecarError, UnreadableFileError
from assistant.ingest.files import article_files, article_from_text, decode_bytes, read_article
from tests.conftest import BBC, CORPUS, SEED, SHARED


def test_seed_is_byte_for_byte_the_shared_seed():
    assert SEED.read_bytes() == (SHARED / "seed" / "000_9730d8f2a0f590a6.txt").read_bytes()


def test_seed_metadata_comes_from_the_text_only():
    art = read_article(SEED)
    assert art.title == SEED.read_text(encoding="utf-8").splitlines()[0]
    assert art.publisher == "True Pundit"
    assert art.published is None and art.url is None and art.author is None
    assert art.text == SEED.read_text(encoding="utf-8")


def test_seed_boilerplate_is_recorded_not_removed():
    art = read_article(SEED)
    pieces = [art.text[s:e] for s, e in art.boilerplate]
    assert any("READ MORE" in p for p in pieces)
    assert any(p.startswith("[give_form") for p in pieces)
    assert any("All rights reserved" in p for p in pieces)
    for sentence in art.sentences:
        for s, e in art.boilerplate:
            assert sentence.end <= s or sentence.start >= e, sentence.text
    # The sentence before the READ MORE marker is content and is kept whole.
    assert any(s.text.endswith("Hillary’s team was not doing much.”") for s in art.sentences)


def test_paragraphs_are_body_blocks_without_title_or_pure_boilerplate():
    art = read_article(SEED)
    paragraphs = [art.text[s:e] for s, e in art.paragraphs]
    assert len(paragraphs) == 9
    assert paragraphs[0].startswith("Facebook founder and CEO")
    assert not any(p.startswith("[give_form") or "©" in p for p in paragraphs)


def test_publisher_from_footer_without_sidecar():
    art = article_from_text("Title\n\nBody text here.\n\n© 2020 Daily Planet. All rights reserved.")
    assert art.publisher == "Daily Planet"


def test_cp1252_file_decodes():
    raw = (BBC / "sport" / "199.txt").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    art = read_article(BBC / "sport" / "199.txt")
    assert art.sentences and "\ufffd" not in art.text


def test_newlines_normalised_and_bom_dropped(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes("\ufeffHead\r\n\r\nLine one.\rLine two.\r\n".encode("utf-8"))
    art = read_article(path)
    assert art.text == "Head\n\nLine one.\nLine two.\n"


def test_utf16_with_bom(tmp_path):
    path = tmp_path / "u.txt"
    path.write_bytes("Titre\n\nLe café est prêt.".encode("utf-16"))
    assert read_article(path).sentences[0].text == "Le café est prêt."


def test_missing_path_and_wrong_suffix(tmp_path):
    with pytest.raises(NoSuchFileError):
        read_article(tmp_path / "nope.txt")
    (tmp_path / "x.pdf").write_text("hi")
    with pytest.raises(UnreadableFileError, match=".txt"):
        read_article(tmp_path / "x.pdf")


def test_size_limit(tmp_path):
    path = tmp_path / "big.txt"
    path.write_text("Title\n\n" + "word " * 1000)
    with pytest.raises(UnreadableFileError, match="limit"):
        read_article(path, max_bytes=100)


@pytest.mark.parametrize("sidecar, field", [('{"title": 3}', "title"), ('{"publisher": "x", "date": "2020"}', "date"),
                                            ("{not json", "JSON"), ("[1, 2]", "object")])
def test_bad_sidecar_names_the_problem(tmp_path, sidecar, field):
    (tmp_path / "a.txt").write_text("Title\n\nBody.")
    (tmp_path / "a.json").write_text(sidecar)
    with pytest.raises(SidecarError, match=field):
        read_article(tmp_path / "a.txt")


def test_sidecar_overrides_text_metadata(tmp_path):
    (tmp_path / "a.txt").write_text("Title line\n\nBody.\n\n© Acme")
    (tmp_path / "a.json").write_text(json.dumps({"publisher": "Other", "url": "https://example.org/a"}))
    art = read_article(tmp_path / "a.txt")
    assert (art.publisher, art.url, art.title) == ("Other", "https://example.org/a", "Title line")


def test_folder_expansion_skips_readme(tmp_path):
    (tmp_path / "README.md").write_text("# Not an article")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.md").write_text("B\n\nBody.")
    (tmp_path / "a.txt").write_text("A\n\nBody.")
    assert [p.name for p in article_files([tmp_path])] == ["a.txt", "b.md"]
    assert [p.name for p in article_files([CORPUS])] == [SEED.name]


def test_article_id_is_content_address():
    a = article_from_text("T\n\nSame body.", source_path="x")
    b = article_from_text("T\n\nSame body.", source_path="y")
    assert a.id == b.id and len(a.id) == 16


def test_decode_rejects_nul_bytes():
    with pytest.raises(UnreadableFileError, match="binary"):
        decode_bytes(b"abc\x00def", "f.txt")
