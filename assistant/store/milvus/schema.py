"""The collections of one store generation, and the alias that names the live one.

A generation ``g`` is four collections: ``<prefix>_<g>_sentences`` (one row per
sentence: article position, paragraph, whether the sentences before and after
share its paragraph, the term keys of that window, offsets, text, attribution,
the dense vector and the sparse BM25 vector), ``<prefix>_<g>_articles`` (each article's
JSON in pieces, plus its directory entry), ``<prefix>_<g>_terms`` (document
frequency per term key) and ``<prefix>_<g>_meta`` (the manifest, one row). The
alias ``<prefix>`` points at the live generation's meta collection, so switching
it is the one atomic step of a rebuild. Milvus wants a vector field in every
collection: the three without one carry a 2-dimensional placeholder ``_v``.

Example:
    >>> Names("assistant", "g20261129t120000abcd").sentences
    'assistant_g20261129t120000abcd_sentences'
    >>> Names.of_meta("assistant", "assistant_g1_meta").generation
    'g1'
"""

from __future__ import annotations

from dataclasses import dataclass

VARCHAR_BYTES = 65_535      # Milvus's limit for one VARCHAR value
PIECE_CHARS = 16_000        # an article's JSON is stored in pieces of at most this many characters (<= 64 KB)
PIECES = 1 << 16            # primary key of a piece: position * PIECES + piece number
PLACEHOLDER = [1.0, 0.0]    # the _v value of rows of collections that need no vector
NLIST = 1024                # IVF lists per segment above approximate_above (see dense_index)


@dataclass(frozen=True)
class Names:
    """Collection names of generation ``generation`` under ``prefix``."""

    prefix: str
    generation: str

    @classmethod
    def of_meta(cls, prefix: str, meta: str) -> "Names":
        """The names of the generation whose meta collection is ``meta``."""
        inner = meta[len(prefix) + 1 : -len("_meta")]
        return cls(prefix, inner)

    @property
    def alias(self) -> str:
        return self.prefix

    def _name(self, what: str) -> str:
        return f"{self.prefix}_{self.generation}_{what}"

    sentences = property(lambda self: self._name("sentences"))
    articles = property(lambda self: self._name("articles"))
    terms = property(lambda self: self._name("terms"))
    meta = property(lambda self: self._name("meta"))

    def all(self) -> tuple[str, str, str, str]:
        """Data first, meta last: a generation counts as written only when its meta exists."""
        return self.sentences, self.articles, self.terms, self.meta


def _schema(fields: list[tuple]):
    from pymilvus import DataType, MilvusClient

    schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
    for name, kind, extra in fields:
        schema.add_field(name, getattr(DataType, kind), is_primary=name == "id", **extra)
    return schema


def sentence_fields(dim: int) -> list[tuple]:
    text = {"max_length": VARCHAR_BYTES}
    return [("id", "INT64", {}), ("article", "INT64", {}), ("sentence", "INT64", {}), ("para", "INT64", {}),
            ("prev_same", "BOOL", {}), ("next_same", "BOOL", {}), ("window", "VARCHAR", text),
            ("span_start", "INT64", {}), ("span_end", "INT64", {}),
            ("text", "VARCHAR", text), ("speaker", "VARCHAR", {"max_length": 1024}),
            ("kind", "VARCHAR", {"max_length": 32}), ("attribution", "VARCHAR", text),
            ("vector", "FLOAT_VECTOR", {"dim": dim}), ("sparse", "SPARSE_FLOAT_VECTOR", {})]


def article_fields() -> list[tuple]:
    return [("id", "INT64", {}), ("position", "INT64", {}), ("piece", "INT64", {}), ("pieces", "INT64", {}),
            ("article_id", "VARCHAR", {"max_length": 128}), ("first_row", "INT64", {}), ("n_rows", "INT64", {}),
            ("source_path", "VARCHAR", {"max_length": 4096}), ("fingerprint", "VARCHAR", {"max_length": 256}),
            ("added", "BOOL", {}), ("title", "VARCHAR", {"max_length": 1024}),
            ("publisher", "VARCHAR", {"max_length": 512}), ("body", "VARCHAR", {"max_length": VARCHAR_BYTES}),
            ("_v", "FLOAT_VECTOR", {"dim": 2})]


def term_fields() -> list[tuple]:
    return [("id", "INT64", {}), ("df", "INT64", {}), ("_v", "FLOAT_VECTOR", {"dim": 2})]


def meta_fields() -> list[tuple]:
    return [("id", "INT64", {}), ("manifest", "VARCHAR", {"max_length": VARCHAR_BYTES}),
            ("_v", "FLOAT_VECTOR", {"dim": 2})]


def dense_index(n_rows: int, approximate_above: int) -> dict:
    """The dense index for ``n_rows``: exact (FLAT) up to ``approximate_above`` rows, like the
    local store, else IVF_FLAT (inner product on unit vectors) with ``NLIST`` lists. Milvus
    builds one index per segment (Milvus Lite: at most 100,000 rows; a server: about 1 GB), so
    the lists are sized for a segment, not for the collection: 4 x sqrt(rows per segment) is
    1,265 for Lite's. ``assistant bench --scale N --store milvus:///...`` measures the recall."""
    if n_rows <= approximate_above:
        return {"index_type": "FLAT", "metric_type": "IP", "params": {}}
    return {"index_type": "IVF_FLAT", "metric_type": "IP", "params": {"nlist": NLIST}}


def create_generation(conn, names: Names, dim: int, dense: dict) -> None:
    """Create the four empty collections of ``names`` with their indexes."""
    specs = ((names.sentences, sentence_fields(dim)), (names.articles, article_fields()),
             (names.terms, term_fields()), (names.meta, meta_fields()))
    for name, fields in specs:
        index = conn.client.prepare_index_params()
        if name == names.sentences:
            index.add_index(field_name="vector", **dense)
            index.add_index(field_name="sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
        else:
            index.add_index(field_name="_v", index_type="FLAT", metric_type="L2")
        # Strong consistency: a server otherwise answers from a slightly stale view ("Bounded"), and
        # the count check and the manifest written right after the rows must see them.
        conn.call("create_collection", name, schema=_schema(fields), index_params=index, consistency_level="Strong")
