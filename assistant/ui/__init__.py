"""The Gradio web chat: layout and launch (``app``), event handlers (``handlers``), HTML views (``views``)."""
