"""Training examples for the reader: (question, answer sentence, hard negatives) from SQuAD v1.1.

Every article is ingested and segmented exactly as the engine does it
(``article_from_text``), so the reader learns on the sentences it will meet.
A question's positive is the one sentence of its paragraph that contains the
answer text (the rebuilt file's ``answer_start`` is the text's first
occurrence, so offsets are not trusted; a question whose answer text is in
several sentences of the paragraph is left out as ambiguous). Negatives look
like what the reader meets at ask time: other sentences of the same paragraph,
then the plain hybrid retrieval's top candidates from the same article (BM25
and the bundled model without its adapter, which saw the evaluation articles).

Labelled news questions (``eval/news-train.jsonl``, the ``cases`` format with
short answer spans, read by ``build_case_examples``) add what SQuAD v1.1 lacks:
news phrasing, and questions the article does not answer. Such a question has no
positive (``positive == ""``): the reader learns to score all of its candidates
below the "none of these" option (``Plan.null``). A SQuAD 2.0 file's unanswerable
questions (``is_impossible``) become such examples too, rather than being dropped.

Example:
    >>> from assistant.ingest.files import article_from_text
    >>> art = article_from_text("T\\n\\nThe cat sat. The dog ran far.\\n\\nBirds flew.")
    >>> answer_sentence(art, [(20, 23)], ["dog"])
    1
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # training from cached examples needs none of the ask-time types
    from assistant.types import Article

SAME_PARAGRAPH = 2  # negatives from the answer's own paragraph, at most


@dataclass(frozen=True)
class ReaderExample:
    """One question with its answer sentence and negatives (texts), for listwise training."""

    question: str
    positive: str  # "" for a question the article does not answer
    negatives: tuple[str, ...]
    title: str = ""


def candidate_texts(e: ReaderExample, negatives: int) -> list[str]:
    """What the reader reads for one example: the answer sentence first, then up to ``negatives``
    negatives; for a question the article does not answer, ``1 + negatives`` candidates, none an answer."""
    return [e.positive, *e.negatives[:negatives]] if e.positive else list(e.negatives[: 1 + negatives])


def answer_sentence(article: Article, spans: list[tuple[int, int]], texts: list[str]) -> int | None:
    """Index of the one sentence, in the paragraph of the first answer span, that contains an
    answer text; None when no sentence or several do."""
    if not spans:
        return None
    paragraph = article.paragraph_of(spans[0][0])
    holders = [i for i, s in enumerate(article.sentences)
               if s.paragraph == paragraph and any(t and t in s.text for t in texts)]
    return holders[0] if len(holders) == 1 else None


def pick_negatives(article: Article, gold: int, ranked: list[int], count: int, rng: random.Random) -> list[int]:
    """Up to ``SAME_PARAGRAPH`` other sentences of the gold sentence's paragraph (random),
    then the best of ``ranked`` (retrieval order) until there are ``count``; never a
    sentence with the gold sentence's text."""
    sentences = article.sentences
    gold_text = sentences[gold].text
    same = [i for i, s in enumerate(sentences) if s.paragraph == sentences[gold].paragraph and s.text != gold_text]
    chosen = rng.sample(same, min(SAME_PARAGRAPH, len(same), count))
    for i in ranked:
        if len(chosen) >= count:
            break
        if i not in chosen and sentences[i].text != gold_text:
            chosen.append(i)
    return chosen


def save_examples(examples: list[ReaderExample], path: Path, header: dict) -> dict:
    """Write an examples cache and return the header written: xz-compressed JSON lines, ``header``
    first (what the examples were built from, e.g. ``{"source": ..., "sha256": ...}``; the count
    is added), then one line
    per article holding its sentences once and its examples as indices into them
    (``[position, question, positive or -1, [negatives]]``). Every sentence of an article is
    stored once rather than once per example that reads it, so a cache of all 87,599 SQuAD v1.1
    questions is a few MB and can travel to another machine (a GPU one) with the run.
    Written to a temporary name, then renamed.

    Example:
        >>> import tempfile
        >>> e = ReaderExample("Who?", "Ann spoke.", ("Rain fell.",), "T")
        >>> path = Path(tempfile.mkdtemp()) / "examples.jsonl.xz"
        >>> save_examples([e], path, {"source": "x.json"})
        {'source': 'x.json', 'examples': 1}
        >>> load_examples(path) == ({"source": "x.json", "examples": 1}, [e])
        True
    """
    import lzma

    articles: dict[str, dict] = {}
    indexes: dict[str, dict[str, int]] = {}

    def ref(title: str, text: str) -> int:  # the text's index among its article's stored sentences
        index = indexes.setdefault(title, {})
        if text not in index:
            index[text] = len(index)
            articles[title]["sentences"].append(text)
        return index[text]

    for position, e in enumerate(examples):
        entry = articles.setdefault(e.title, {"title": e.title, "sentences": [], "examples": []})
        entry["examples"].append([position, e.question, ref(e.title, e.positive) if e.positive else -1,
                                  [ref(e.title, n) for n in e.negatives]])
    header = {**header, "examples": len(examples)}
    tmp = path.with_name(path.name + ".tmp")
    with lzma.open(tmp, "wt", encoding="utf-8", preset=6) as handle:
        handle.write(json.dumps(header, ensure_ascii=False) + "\n")
        for entry in articles.values():
            handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    tmp.replace(path)
    return header


def read_header(path: Path) -> dict:
    """The header of a cache ``save_examples`` wrote (what it was built from, and its count)."""
    import lzma

    with lzma.open(path, "rt", encoding="utf-8") as handle:
        return json.loads(handle.readline())


def load_examples(path: Path) -> tuple[dict, list[ReaderExample]]:
    """(header, examples in their saved order) of a cache ``save_examples`` wrote."""
    import lzma

    with lzma.open(path, "rt", encoding="utf-8") as handle:
        header = json.loads(handle.readline())
        placed: dict[int, ReaderExample] = {}
        for entry in map(json.loads, handle):
            texts, title = entry["sentences"], entry["title"]
            for position, question, positive, negatives in entry["examples"]:
                placed[position] = ReaderExample(question, texts[positive] if positive >= 0 else "",
                                                 tuple(texts[i] for i in negatives), title)
    if sorted(placed) != list(range(header["examples"])):
        raise ValueError(f"{path} holds {len(placed)} examples, its header says {header['examples']}")
    return header, [placed[i] for i in range(len(placed))]


def build_examples(squad_path: Path, per_article: int, negatives: int, seed: int,
                   progress: bool = True) -> list[ReaderExample]:
    """Up to ``per_article`` questions of every article (a seeded sample), each with its
    answer sentence and ``negatives`` hard negatives (see the module docstring); in a SQuAD 2.0
    file, an unanswerable one with the retrieval's top ``negatives + 1`` sentences instead."""
    from tqdm import tqdm

    from assistant.evaluation.datasets import load_squad
    from assistant.ingest.files import article_from_text

    rng = random.Random(seed)
    bot_for = _plain_hybrid()
    examples = []
    for squad in tqdm(load_squad(squad_path), desc="reader examples", unit="article", disable=not progress):
        article = article_from_text(squad.text)
        bot = bot_for([article])
        questions = rng.sample(squad.questions, min(per_article, len(squad.questions)))
        for q in questions:
            if not q.answerable:  # SQuAD 2.0: a question this article does not answer
                examples.append(_unanswered(article, q.question, _hybrid_order(bot, q.question), negatives))
                continue
            texts = [squad.text[s:e] for s, e in q.answers]
            gold = answer_sentence(article, q.answers, texts)
            if gold is None:
                continue
            examples.append(_answered(article, q.question, gold, _hybrid_order(bot, q.question), negatives, rng))
    rng.shuffle(examples)
    return examples


def _answered(article: Article, question: str, gold: int, order: list[int], negatives: int,
              rng: random.Random) -> ReaderExample:
    """The example of a question whose answer is sentence ``gold``: it and ``negatives``
    hard negatives (``pick_negatives`` over the retrieval ``order``)."""
    chosen = pick_negatives(article, gold, order, negatives, rng)
    return ReaderExample(question, article.sentences[gold].text, tuple(article.sentences[i].text for i in chosen),
                         article.title)


def _unanswered(article: Article, question: str, order: list[int], negatives: int) -> ReaderExample:
    """The example of a question ``article`` does not answer: the retrieval ``order``'s top
    ``negatives + 1`` sentences, none of them an answer (the target is "none of these")."""
    return ReaderExample(question, "", tuple(article.sentences[i].text for i in order[: negatives + 1]), article.title)


def build_case_examples(path: Path, data_root: Path, negatives: int, seed: int,
                        progress: bool = True) -> list[ReaderExample]:
    """Every labelled question of a ``cases`` JSONL file (article paths under ``data_root``):
    an answerable one with the sentence holding its first gold span and ``negatives`` hard
    negatives (as ``build_examples``); an unanswerable one with the plain hybrid's top
    ``negatives + 1`` sentences, none of them an answer."""
    from tqdm import tqdm

    from assistant.evaluation.datasets import SeedCase, load_jsonl

    rng = random.Random(seed)
    cases = load_jsonl(path, SeedCase)
    by_article: dict[str, list] = {}
    for case in cases:
        by_article.setdefault(case.article or "", []).append(case)
    bot_for, squad_files = _plain_hybrid(), {}
    examples = []
    for name in tqdm(sorted(by_article), desc="reader examples", unit="article", disable=not progress):
        article = case_article(name, Path(data_root), squad_files)
        bot = bot_for([article])
        for case in by_article[name]:
            order = _hybrid_order(bot, case.question)
            if not case.answerable:
                examples.append(_unanswered(article, case.question, order, negatives))
                continue
            spans = [(at, at + len(g)) for g in case.gold if (at := article.text.find(g)) >= 0]
            gold = answer_sentence(article, spans, list(case.gold))
            if gold is not None:
                examples.append(_answered(article, case.question, gold, order, negatives, rng))
    rng.shuffle(examples)
    return examples


def case_article(name: str, data_root: Path, squad_files: dict) -> Article:
    """The article a labelled question names under ``data_root``: a text file
    (``bbc/tech/012.txt``), or an article of a SQuAD JSON file named ``FILE.json#Title``
    (read as ``build_examples`` reads it; ``squad_files`` caches each file's articles)."""
    from assistant.ingest.files import article_from_text, read_article

    if "#" not in name:
        return read_article(data_root / name)
    from assistant.errors import DatasetError
    from assistant.evaluation.datasets import load_squad

    file, title = name.split("#", 1)
    if file not in squad_files:
        squad_files[file] = {a.title: a.text for a in load_squad(data_root / file)}
    if title not in squad_files[file]:
        raise DatasetError(f"{data_root / file} has no article titled {title!r} (named by a labelled question)")
    return article_from_text(squad_files[file][title])


def _plain_hybrid():
    """A function from articles to an assistant over them that ranks with the plain hybrid
    (BM25 and the bundled model without its adapter) and no reader."""
    from assistant.api import Assistant
    from assistant.embedding.adapter import NONE
    from assistant.embedding.embedder import embedder_for
    from assistant.settings import Settings

    settings = Settings(progress=False, reader="none")
    embedder = embedder_for(settings, 0, adapter=NONE)
    return lambda articles: Assistant.from_articles(articles, embedder, settings)


def _hybrid_order(bot, question: str, top: int = 20) -> list[int]:
    """Sentence indices of the plain hybrid's ``top`` candidates for ``question``, best first."""
    _, ranked = bot.candidates(question, "weighted")
    return [bot.snapshot.sentence(int(ranked.candidates.rows[p]))[1] for p in ranked.order.tolist()[:top]]
