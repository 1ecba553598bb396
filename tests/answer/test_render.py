"""Answers as Markdown: fixed templates around escaped verbatim text."""

from assistant.answer.render import escape_markdown


def test_markdown_shows_hostile_text_literally():
    hostile = '<script>alert(1)</script> ![x](http://evil/x.png) $$x$$ [link](javascript:alert(1)) *em* _u_'
    escaped = escape_markdown(hostile)
    assert "<script>" not in escaped and "](" not in escaped and "$$" not in escaped
    assert "\\*em\\*" in escaped


def test_markdown_answer_contains_only_quotes_and_templates(fake_bot):
    answer = fake_bot.ask("Who is Gary Coby?")
    md = answer.to_markdown()
    assert md.count("> — ") == len(answer.quotes)
    assert "¶6" in md and "True Pundit" in md
