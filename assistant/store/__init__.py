"""Store: the built index (FAISS vectors, BM25, articles) in memory and as verified files on disk, and its lifecycle."""
