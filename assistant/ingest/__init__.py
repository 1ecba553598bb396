"""Ingest: files, HTML pages and URLs become ``Article``s (verbatim text, paragraphs, boilerplate spans, sentences)."""
