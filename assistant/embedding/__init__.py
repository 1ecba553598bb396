"""Embedding: the ``Embedder`` protocol, the sentence-transformers model, its numpy query encoder and the adapter."""
