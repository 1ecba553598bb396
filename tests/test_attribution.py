from assistant.attribution import attribute_sentences, quotation_spans
from assistant.ingest import article_from_text, read_article
from tests.conftest import SEED, bbc_files


def _by_start(art, prefix):
    return next(s for s in art.sentences if s.text.startswith(prefix))


def test_seed_named_speakers_roles_and_outlets():
    art = read_article(SEED)
    harbath = _by_start(art, "“While we offer").attribution
    assert (harbath.kind, harbath.speaker, harbath.cue, harbath.outlet) == ("direct_quote", "Katie Harbath", "told", "BuzzFeed News")
    assert harbath.role == "Facebook’s global politics and government outreach director"
    coby = _by_start(art, "“Facebook loved us").attribution
    assert coby.speaker == "Gary Coby" and coby.role.startswith("the 2016 Trump campaign director")
    # The second sentence of Coby's quotation inherits his attribution.
    assert _by_start(art, "“Their team").attribution.speaker == "Gary Coby"


def test_seed_reported_and_commentary():
    art = read_article(SEED)
    sources = _by_start(art, "Many CEOs").attribution
    assert sources.kind == "reported" and sources.cue == "according to" and "three anonymous sources" in sources.speaker
    question = _by_start(art, "Or does this just prove").attribution
    assert question.kind == "commentary" and question.speaker == "True Pundit"
    assert _by_start(art, "The White House press office").attribution.kind == "narration"


def test_excerpt_of_other_outlet():
    art = read_article(SEED)
    assert art.excerpt_of == "BuzzFeed News"
    excerpt = art.text[art.excerpt_span[0] : art.excerpt_span[1]]
    assert excerpt.startswith("In the days following") and excerpt.endswith("request for comment.")


def test_pronoun_and_title_backref():
    text = ('T\n\nPatricia Hewitt unveiled the plan. "It will help families," she said.\n\n'
            'Ms Hewitt said: "We are going to extend the pay."')
    art = article_from_text(text)
    pronoun = art.sentences[1].attribution
    assert pronoun.kind == "direct_quote" and pronoun.speaker == "Patricia Hewitt"
    assert art.sentences[2].attribution.speaker == "Patricia Hewitt"


def test_quotation_spans_cover_multi_sentence_quotes():
    text = '"One. Two," he said.'
    assert quotation_spans(text, 0, len(text)) == [(0, 11)]


def test_every_attribution_span_is_verbatim_on_bbc():
    for path in bbc_files()[::15]:
        art = read_article(path)
        for s in art.sentences:
            a = s.attribution
            for value, span in ((a.speaker, a.speaker_span), (a.role, a.role_span), (a.outlet, a.outlet_span)):
                if span is not None:
                    assert art.text[span[0] : span[1]] == value


def test_empty_input():
    assert attribute_sentences("", [], None) == []
