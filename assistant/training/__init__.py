"""Training: the commands' code that fits the shipped models (adapter, ranker, answerability)."""
