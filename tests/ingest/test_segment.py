from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ingest.files import article_from_text, read_article
from assistant.ingest.segment import sentence_spans
from tests.conftest import SEED, bbc_files


def _check_invariants(art):
    previous_end = -1
    for s in art.sentences:
        assert art.text[s.start : s.end] == s.text
        ps, pe = art.paragraphs[s.paragraph - 1]
        assert ps <= s.start < s.end <= pe
        assert s.start >= previous_end
        previous_end = s.end


def test_invariants_on_seed_and_bbc():
    for path in [SEED, *bbc_files()[::10]]:
        _check_invariants(read_article(path))


def test_seed_sentences():
    texts = [s.text for s in read_article(SEED).sentences]
    assert len(texts) == 13
    # A quote straddling a sentence boundary: the attributing sentence ends at "News."
    assert any(t.startswith("“Facebook loved us") and t.endswith("told BuzzFeed News.") for t in texts)
    assert ("“Their team was heavily involved because it was a great learning experience and Hillary’s team "
            "was not doing much.”") in texts
    # "— shocker! —" does not end a sentence.
    assert any("shocker! — covering" in t for t in texts)


def test_abbreviations_and_straight_quotes():
    text = ('Title\n\nMr. Smith of the U.S. Treasury met Dr. Jones. '
            'Ms Hewitt said: "It works. "We will extend it." She left.')
    got = [s.text for s in article_from_text(text).sentences]
    assert got[0] == "Mr. Smith of the U.S. Treasury met Dr. Jones."
    assert '"We will extend it."' in got
    assert got[-1] == "She left."


def test_stray_quote_earlier_in_a_paragraph_does_not_stop_splitting():
    # BBC sport/199: 'read:"We want ...' (no space before the quote) threw sentencex's quotation state off.
    sport_199 = next(p for p in bbc_files() if p.parts[-2:] == ("sport", "199.txt"))
    texts = [s.text for s in read_article(sport_199).sentences]
    assert any(t.endswith("said a Fifa spokesman.") and t.startswith('"Fifa is not') for t in texts)
    assert "Chelsea's move won backing from drug-testing expert Michelle Verroken." in texts
    # A closing quote before the full stop leaves no sentence of punctuation alone.
    got = [s.text for s in article_from_text('T\n\nThe result was "amazing". He said: "We hoped for it."').sentences]
    assert got == ['The result was "amazing".', 'He said: "We hoped for it."']


def test_ellipsis_and_dash():
    got = [s.text for s in article_from_text("T\n\nHe paused... and went on. Then — suddenly! — it rained.").sentences]
    assert got == ["He paused... and went on.", "Then — suddenly! — it rained."]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400))
def test_spans_stay_inside_and_in_order_for_any_text(text):
    spans = sentence_spans(text, [(0, len(text))], [])
    last = 0
    for s, e in spans:
        assert last <= s < e <= len(text)
        last = e
