"""Speaker rules on short made-up news texts, one shape of English news prose per test.

Each text's first paragraph is its headline; the assertions name the speaker
the rules must find, and that every span stays verbatim.
"""

from assistant.attribution.cues import find_cue
from assistant.ingest.files import article_from_text


def _speakers(body: str) -> dict[str, str | None]:
    """Sentence text -> speaker, after checking every span is verbatim."""
    art = article_from_text("Headline\n\n" + body)
    out = {}
    for s in art.sentences:
        a = s.attribution
        for value, span in ((a.speaker, a.speaker_span), (a.role, a.role_span), (a.outlet, a.outlet_span)):
            if span is not None:
                assert art.text[span[0] : span[1]] == value
        out[s.text] = a.speaker
    return out


def _speaker(body: str, prefix: str) -> str | None:
    speakers = _speakers(body)
    return next(v for k, v in speakers.items() if k.startswith(prefix))


# pronoun-intervening-name: "he said" means the subject or speaker before, not a name in between


def test_pronoun_after_quote_skips_the_name_before_the_quote():
    body = ("Former bank chief Alan Reed has denied fraud.\n\n"
            "Speaking in court, Mr Reed rejected claims he pressured finance head Tom Vale to change the books. "
            'Mr Vale "did the sums," he told the court.')
    assert _speaker(body, "Mr Vale") == "Alan Reed"


def test_pronoun_skips_a_name_inside_the_quotation_and_an_object():
    body = ("Mr Reed told jurors he met Tom Vale rarely. However on Tuesday Mr Reed denied the claims. "
            '"I was never told by Tom Vale of anything wrong," he told the court.')
    assert _speaker(body, '"I was never') == "Mr Reed"


def test_pronoun_keeps_the_gender_of_a_titled_name():
    body = ('Labour MSP Jane Orr had said Mr Kerr was "very clever" to ask for advice. '
            '"He was bound to get the answer he wanted," she said.')
    assert _speaker(body, '"He was bound') == "Jane Orr"


def test_pronoun_means_the_last_clause_subject_of_the_sentence_before():
    body = ("Ivan Petrov won last week and then claimed the race was his, but Sam Reid is unfazed. "
            'He said: "I never write myself off."')
    assert _speaker(body, "He said") == "Sam Reid"


def test_according_to_speaks_for_its_whole_sentence():
    body = ('"I am surprised," Bob Hale said. According to Hale, Tim Cook vowed he would stay. '
            '"I told Tim not to go, and he told me he would not," he said.')
    assert _speaker(body, '"I told Tim') == "Bob Hale"


def test_according_to_a_quoted_title_names_no_speaker():
    """'according to "A Book Title"': the title is a quotation, not a speaker (once an empty
    speaker span here crashed ingest of SQuAD's Richard Feynman article)."""
    body = ('In the 1980s, according to "Richard Feynman and the Connection Machine", Feynman played a '
            "crucial role in developing the first massively parallel computer. He liked it.")
    assert _speaker(body, "In the 1980s") is None


def test_an_empty_name_span_is_no_entity():
    """Noting an empty span (whatever rule produced it) records nothing instead of failing."""
    from assistant.attribution.mentions import Mentions

    m = Mentions("Ann Lee spoke. Then it rained.")
    assert m.note((15, 15), spoke=True) == (15, 15) and m.entities == []
    assert m.note((0, 7), spoke=True) == (0, 7) and len(m.entities) == 1


def test_pronoun_after_a_possessive_subject():
    body = ("Tom Bell's ex-wife Ann Cole voted against both of them. "
            'She said: "He is a difficult man. There is something wrong with him."')
    assert _speaker(body, "She said") == "Ann Cole"


def test_one_word_name_introduced_by_its_club_is_a_person():
    body = ("Chelsea's Zico has spoken about the row. The Brazilian said tempers had flared. "
            '"I saw people pushing and shouting," he told the club website.')
    speakers = _speakers(body)
    assert speakers["The Brazilian said tempers had flared."] == "Zico"
    assert speakers['"I saw people pushing and shouting," he told the club website.'] == "Zico"


# colon-quote and colon-quote-continuation


def test_colon_quote_after_name_with_role_and_its_continuations():
    body = ('Gina Moss, the union\'s president, said: "We will fight this. We will win.\n\n'
            '"Nobody will stop us."')
    speakers = _speakers(body)
    assert speakers["Gina Moss, the union's president, said: \"We will fight this."] == "Gina Moss"
    assert speakers['We will win.'] == "Gina Moss"
    assert speakers['"Nobody will stop us."'] == "Gina Moss"


def test_colon_quote_after_an_opening_place_phrase_and_a_titled_name():
    body = ('Charles Kane has unveiled a slogan. Speaking in Leeds Mr Kane said: "People want change." '
            'Only his party opposed the war, he said. He said: "Your vote was wasted."')
    speakers = _speakers(body)
    assert speakers['Speaking in Leeds Mr Kane said: "People want change."'] == "Charles Kane"
    assert speakers['He said: "Your vote was wasted."'] == "Charles Kane"


def test_participle_before_colon_names_the_subject_after_job_words():
    body = 'Lib Dem chairman John Pike has written to the board saying: "Such calls are illegal."'
    assert _speaker(body, "Lib Dem chairman") == "John Pike"


# said-after-role-earlier and name-said


def test_inverted_cue_with_job_before_the_comma_and_name_after():
    body = ('"We asked ourselves if we should cancel," said the festival\'s executive director, Ann Webb. '
            '"The focus changed," she continued.')
    speakers = _speakers(body)
    assert speakers['"We asked ourselves if we should cancel," said the festival\'s executive director, Ann Webb.'] \
        == "Ann Webb"
    assert speakers['"The focus changed," she continued.'] == "Ann Webb"


def test_inverted_cue_name_followed_by_relative_clause_or_time():
    assert _speaker('"It works," said Tom Hart who runs the pilot.', '"It works,"') == "Tom Hart"
    assert _speaker('"It works," said Culture Secretary Ann Webb after the meeting.', '"It works,"') == "Ann Webb"


def test_inverted_cue_without_comma_before_it():
    body = "Banks are turning to new systems said Dan Roe, director of a research firm."
    assert _speaker(body, "Banks are turning") == "Dan Roe"


def test_speech_verbs_beyond_said():
    assert _speaker("Real losses have been suffered, observed Jack Hale, an adviser.", "Real losses") == "Jack Hale"
    assert _speaker("Mr Tim Pole praised the new car as the best yet.", "Mr Tim Pole") == "Mr Tim Pole"
    body = 'Mr Dale Ford, who grew up in Leeds, agreed. "I will think twice before I save."'
    assert _speaker(body, '"I will think twice') == "Mr Dale Ford"


# role-only and role-then-pronoun


def test_role_only_speakers_and_their_pronouns():
    body = ("A spokesman for the Federation of Small Traders (FST) which represents shops said the risk was small. "
            '"There is no danger," he said.')
    speakers = _speakers(body)
    assert speakers['"There is no danger," he said.'].startswith("A spokesman for the Federation of Small Traders")
    assert _speaker("Sources familiar with the talks said a deal was close.", "Sources") \
        == "Sources familiar with the talks"
    body = '"The dollar will rise," the chief executive of a large European car maker told reporters.'
    assert _speaker(body, '"The dollar') == "the chief executive of a large European car maker"


def test_they_means_the_group_that_just_spoke():
    body = "Police said the man was tall. They believe he fled in a van. Police think two men were involved."
    speakers = _speakers(body)
    assert speakers["They believe he fled in a van."] == "Police"
    assert speakers["Police think two men were involved."] == "Police"


def test_the_spokesman_is_the_earlier_spokesman_or_stands_alone():
    body = ("Ann Webb resigned last week. Later the minister's spokesman was asked about her. "
            'The spokesman said: "She speaks for herself."')
    assert _speaker(body, "The spokesman said") == "The spokesman"


def test_subject_with_adverb_and_scare_quote_before_the_cue():
    assert _speaker("For years, Saab has consistently said it can compete.", "For years") == "Saab"
    assert _speaker('A Tory spokesman "totally refuted" any wrongdoing.', "A Tory") == "A Tory spokesman"


# narration stays without a speaker


def test_narration_and_passive_sentences_get_no_speaker():
    speakers = _speakers("The company has agreed to pay $5m. He was asked about the deal. "
                         "Profits were said to have risen. The think tank opened in 2001.")
    assert speakers["The company has agreed to pay $5m."] is None
    assert speakers["He was asked about the deal."] is None
    assert speakers["Profits were said to have risen."] is None
    assert speakers["The think tank opened in 2001."] is None


def test_first_person_opinion_is_not_a_cue():
    assert find_cue("I think the plan will fail.", 0) is None
    found = find_cue("Ministers believe the plan will work, our correspondent added.", 0)
    assert found.cue == "added"


# rules/4: shapes of news prose found on articles outside the labelled set


def test_and_between_names_joins_a_list_not_two_clauses():
    body = 'Max Reed beat rivals including Tom Hale and Sam Cole to the title. "I am thrilled," he said.'
    assert _speaker(body, '"I am thrilled') == "Max Reed"
    body = 'Fans cheered at Carrow Park and Max Reed thanked them. "It was loud," he said.'
    assert _speaker(body, '"It was loud') == "Max Reed"


def test_subject_with_a_possessive_appositive_acts():
    body = "Jon Pike, Acme's deputy head, made the remarks at a dinner. He denied any offence."
    assert _speaker(body, "He denied") == "Jon Pike"


def test_the_seat_holder_description_means_the_member_named_before():
    body = 'Jane Orr said the rules were fair. "They protect us all," the Leeds MP told the committee.'
    assert _speaker(body, '"They protect') == "Jane Orr"


def test_description_after_the_reported_clause_speaks():
    body = "People in towns are more likely to be stopped and searched by police, a Home Office minister has said."
    assert _speaker(body, "People in towns") == "a Home Office minister"


def test_calls_with_a_quotation_and_a_job_word_opening_the_sentence():
    assert _speaker('In a letter, Tom Hale calls it "a plan that cannot work."', "In a letter") == "Tom Hale"
    assert _speaker("Striker Tom Hale said he was fit.", "Striker") == "Tom Hale"
    body = '"This picture was the story", said the paper\'s picture editor, Ann Webb.'
    assert _speaker(body, '"This picture') == "Ann Webb"


def test_relative_clause_cues_and_hypothetical_speech_leave_narration():
    speakers = _speakers("The firm is closing sites which it says are idle. Many might think the plan is odd. "
                         "This habit explains the rise of cheap phones.")
    assert set(speakers.values()) == {None}
    body = 'Ann Reed met Tom Hale at the summit, which she called "a waste of everyone\'s time."'
    assert _speaker(body, "Ann Reed") == "Ann Reed"


def test_pronoun_opening_a_joined_clause_means_its_own_sentence_subject():
    body = 'Ann Webb spoke to Bo Ray. Tom Hale lost the vote but he said: "We will be back."'
    assert _speaker(body, "Tom Hale") == "Tom Hale"
    body = 'Tom Hale spoke first. Mr Bo Ray had failed the town, he said.'
    assert _speaker(body, "Mr Bo Ray") == "Tom Hale"


def test_a_name_with_a_plural_verb_is_a_team_not_who_he_means():
    body = ('Lee Cole sold the club to Dan Rovers last year, the trust said. Dan Rovers were not keen at first. '
            '"I had no choice," he said.')
    assert _speaker(body, '"I had no choice') == "Lee Cole"
