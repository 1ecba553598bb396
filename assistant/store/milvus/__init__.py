"""The Milvus store: the same index in Milvus collections (Milvus Lite or a server).

``connection`` (client, timeouts, errors), ``schema`` (collections of one
generation), ``rows`` (what a sentence, an article and a term become),
``write`` (build a generation, switch the alias, append), ``view`` (the
``StoreView`` the pipeline reads) and ``lifecycle`` (open or build, ``add``).
pymilvus is imported only here, so the local store never loads it.
"""
