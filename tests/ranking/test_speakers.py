"""Questions about what someone said prefer that speaker's sentences."""

import numpy as np


def test_questions_about_what_someone_said_prefer_their_sentences(fake_bot):
    from assistant.ranking.speakers import prefer_speakers

    state = fake_bot.snapshot
    rows = np.arange(len(state.data.units))
    flat = np.ones(len(rows))
    article = state.data.articles[0]
    speakers = [article.sentences[s].attribution.speaker if article.sentences[s].attribution else None
                for _, s in state.data.units]
    boosted = prefer_speakers(state, rows, flat, "What did Gary Coby say about Facebook?", None)
    assert {speakers[i] for i in np.flatnonzero(boosted > 1)} == {"Gary Coby"}
    # A factoid question naming him is not about his words: nothing is preferred.
    assert np.array_equal(prefer_speakers(state, rows, flat, "Who is Gary Coby?", None), flat)
    writer = prefer_speakers(state, rows, flat, "What does the writer suggest?", None)
    kinds = {article.sentences[state.data.units[i][1]].attribution.kind for i in np.flatnonzero(writer > 1)}
    assert kinds == {"commentary"}
