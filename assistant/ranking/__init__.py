"""Ranking: the ask path, stage by stage (query, candidates, features, ranker, rerank, answerability)."""
