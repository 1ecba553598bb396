from assistant.attribution.speakers import attribute_sentences, quotation_spans
from assistant.ingest.files import article_from_text, read_article
from tests.conftest import BBC, SEED, bbc_files


def _by_start(art, prefix):
    return next(s for s in art.sentences if s.text.startswith(prefix))


def test_seed_named_speakers_roles_and_outlets():
    art = read_article(SEED)
    harbath = _by_start(art, "“While we offer").attribution
    assert (harbath.kind, harbath.speaker, harbath.cue, harbath.outlet) == \
        ("direct_quote", "Katie Harbath", "told", "BuzzFeed News")
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


def _bbc(name, prefix):
    """The attribution of the sentence starting with ``prefix`` in a BBC file,
    after checking that every span it carries is verbatim."""
    art = read_article(BBC / name)
    sentence = _by_start(art, prefix)
    a = sentence.attribution
    for value, span in ((a.speaker, a.speaker_span), (a.role, a.role_span), (a.outlet, a.outlet_span)):
        if span is not None:
            assert art.text[span[0] : span[1]] == value
    return a


def test_name_then_appositive_then_cue():
    a = _bbc("politics/001.txt", "But David Frost, director general")
    assert (a.kind, a.speaker, a.cue) == ("reported", "David Frost", "warned")
    assert a.role == "director general of the British Chambers of Commerce"
    # An organisation named inside the appositive does not win over the person.
    assert _bbc("tech/003.txt", "Stephen Toulouse, a security").speaker == "Stephen Toulouse"


def test_pronoun_resolves_to_the_last_person_who_spoke_not_a_place():
    assert _bbc("politics/001.txt", '"While the majority of any salary').speaker == "David Frost"
    assert _bbc("politics/003.txt", '"It is simply wrong').speaker == "Patricia Hewitt"
    # "she" skips "Mr"-titled men; "it" goes to an organisation.
    assert _bbc("business/026.txt", "This could allow hydraulic fluid").speaker == "The NHTSA"


def test_adverb_between_subject_and_cue_and_title_backref():
    a = _bbc("politics/001.txt", "Ms Hewitt also stressed")
    assert (a.speaker, a.cue) == ("Patricia Hewitt", "stressed")


def test_name_of_org_and_relative_clause():
    assert _bbc("politics/068.txt", "Peter Saunders of the CMF").speaker == "Peter Saunders"
    assert _bbc("entertainment/022.txt", "Dance teacher Eve Trew, who has").speaker == "Eve Trew"
    a = _bbc("politics/068.txt", "The Making Decisions Alliance, which includes")
    assert a.speaker == "The Making Decisions Alliance"


def test_inverted_cue_with_job_words_and_descriptions():
    a = _bbc("entertainment/042.txt", "\"It's the first time any opera")
    assert (a.kind, a.speaker, a.cue) == ("direct_quote", "Charles Hazlewood", "said")
    assert a.role == "music director"
    # A quotation whose cue is in its last sentence: every sentence before inherits it.
    assert _bbc("tech/005.txt", '"What we are trying to do').speaker == "Frank Stone"
    assert _bbc("tech/005.txt", '"The river was integral').speaker == "the artists"


def test_colon_quote_and_its_continuations_inherit():
    a = _bbc("sport/009.txt", "The world indoor champion said:")
    assert (a.kind, a.speaker) == ("direct_quote", "Jason Gardener")  # "the champion" refers back
    assert _bbc("politics/054.txt", "Paul Boateng MP, Labour's").speaker == "Paul Boateng MP"
    assert _bbc("politics/054.txt", '"They can have no credibility').speaker == "Paul Boateng MP"
    # A colon cue owns the quotation even after an earlier 'called "a disgrace"'.
    assert _bbc("sport/235.txt", "Reminded that Ferguson called him").speaker == "Arsene Wenger"


def test_continuation_does_not_borrow_the_next_paragraphs_speaker():
    # The quotation closes before "The BBC's correspondent ... Rachel Harvey, told ...".
    assert _bbc("business/012.txt", '"We are still considering').speaker == "Sri Mulyani Indrawati"


def test_participle_statement_and_according_to():
    a = _bbc("politics/068.txt", "The British Medical Association also backs")
    assert (a.speaker, a.cue) == ("The British Medical Association", "saying")
    assert _bbc("tech/010.txt", "In a statement Google said").speaker == "Google"
    assert _bbc("tech/010.txt", 'It said: "The user').speaker == "Google"
    assert _bbc("tech/005.txt", "The partnership between artists").speaker == "Frank Stone"


def test_descriptions_refer_back_or_stand():
    assert _bbc("entertainment/012.txt", "The Oscar-nominated actor").speaker in ("Liam Neeson", "Mr Neeson")
    assert _bbc("politics/054.txt", "The Labour party said").speaker == "The Labour party"
    assert _bbc("politics/068.txt", '"It will not change the current law').speaker == "The Making Decisions Alliance"
