"""Which sentences a quote spans: one voice is quoted whole, narration is not grown."""


def test_one_voice_is_quoted_whole(fake_bot):
    from assistant.answer.quotes import quote_span

    article = fake_bot.articles[0]
    sentences = [article.text[s.start:s.end] for s in article.sentences]
    coby = next(i for i, s in enumerate(sentences) if s.startswith("“Facebook loved us"))
    musk = next(i for i, s in enumerate(sentences) if "Elon Musk" in s)
    harbath = next(i for i, s in enumerate(sentences) if "Katie Harbath" in s)
    assert quote_span(article, coby) == quote_span(article, coby + 1) == (coby, coby + 1)  # Coby's two sentences
    assert quote_span(article, musk) == quote_span(article, musk + 1) == (musk, musk + 1)  # the outlet's commentary
    assert quote_span(article, harbath) == (harbath, harbath)
    declined = next(i for i, s in enumerate(sentences) if s.startswith("The company declined"))
    assert quote_span(article, declined) == (declined, declined)  # narration is not grown
