"""Answer: ranked sentences become checked verbatim ``Quote``s and an ``Answer``, rendered as Markdown or text."""
