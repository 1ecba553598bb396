"""Command line: ``assistant ask | speakers | index build|verify|info | eval | bench | serve | loadcheck``.

Heavy libraries are imported only by the commands that need them. Errors of the
package print their message (no traceback) and exit non-zero.

Example:
    $ assistant ask "Who is Gary Coby?" --json
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time

from assistant.errors import AssistantError, EmptyIndexFolderError

DEFAULT_CORPUS = "corpus/"
DEFAULT_INDEX = "index/"


def _settings(args):
    from assistant.settings import Settings

    # A one-shot `ask` reads in float32 numpy: importing torch would cost it about 1 s, more than it saves.
    one_shot = getattr(args, "command", None) == "ask" and "ASSISTANT_READER_BACKEND" not in os.environ
    backend = "numpy" if one_shot else None
    return Settings.from_env(progress=not getattr(args, "quiet", False), store=getattr(args, "store", None),
                             reader_backend=backend)


def _bot(args, rebuild: bool = False, allow_empty: bool = False, build: bool = False):
    """The assistant for a command; without ``--corpus`` a Milvus store is served as it is
    (no corpus files needed), except by ``build`` (``index build``), which reads the corpus."""
    from assistant.api import Assistant

    settings = _settings(args)
    if settings.store != "local" and not args.corpus and not build:
        return Assistant.from_store(settings=settings)
    return Assistant.from_paths(args.corpus or [DEFAULT_CORPUS], index_dir=args.index, settings=settings,
                                rebuild=rebuild, allow_empty=allow_empty)


def _milvus_info(args, settings) -> int:
    from assistant.embedding.embedder import embedder_for
    from assistant.store.location import parse_store
    from assistant.store.milvus.lifecycle import verify

    manifest = verify(parse_store(settings.store), settings, embedder_for(settings))
    if args.action == "verify":
        counts = manifest["counts"]
        print(f"OK: {settings.store} verified (generation {manifest['generation']}: {counts['articles']} articles, "
              f"{counts['sentences']} sentences, row counts match).")
        return 0
    print(json.dumps({k: manifest[k] for k in ("generation", "created", "model", "segmenter", "attribution", "counts",
                                                 "dense_index", "libraries")}, indent=2, ensure_ascii=False))
    return 0


def cmd_ask(args) -> int:
    bot = _bot(args)
    answer = bot.ask(args.question, top_k=args.top_k if args.top_k is not None else bot.settings.top_k)
    print(answer.model_dump_json(indent=2) if args.json else answer.to_text())
    return 0


def cmd_speakers(args) -> int:
    bot = _bot(args)
    speakers = bot.speakers(args.article)
    if args.json:
        print(json.dumps([s.model_dump(mode="json") for s in speakers], indent=2, ensure_ascii=False))
        return 0
    titles = {i: title for i, title, _ in bot.catalog()}
    shown = None
    for s in speakers:
        if s.article_id != shown:
            print(f"{titles[s.article_id]} [{s.article_id}]")
            shown = s.article_id
        role = f", {s.role}" if s.role else ""
        also = f" (also: {', '.join(s.aliases)})" if s.aliases else ""
        print(f"  {s.name}{role} [{s.kind}]: {s.quoted} quoted, {len(s.sentences) - s.quoted} other{also}")
    if not speakers:
        print("No speakers found.")
    return 0


def cmd_index(args) -> int:
    from assistant.store.files import verify_index
    from assistant.store.lifecycle import fix_command

    if args.action == "build":
        started = time.perf_counter()
        bot = _bot(args, rebuild=args.force, build=True)
        where = args.index if bot.snapshot.backend == "local" else bot.settings.store
        print(f"Index ready in {where}: {len(bot.snapshot.by_id)} article(s), "
              f"{bot.snapshot.n_rows} sentences ({time.perf_counter() - started:.1f} s).")
        return 0
    settings = _settings(args)
    if settings.store != "local":
        return _milvus_info(args, settings)
    manifest = verify_index(args.index, fix_command(args.corpus or [DEFAULT_CORPUS], args.index))
    if args.action == "verify":
        print(f"OK: {args.index} verified ({len(manifest['files'])} files, checksums match).")
        return 0
    info = {k: manifest[k] for k in ("created", "model", "segmenter", "attribution", "counts", "libraries")}
    info["articles"] = [{k: a[k] for k in ("id", "source_path", "sentences")} for a in manifest["articles"]]
    print(json.dumps(info, indent=2, ensure_ascii=False))
    return 0


def cmd_eval(args) -> int:
    from assistant.evaluation import suites

    return suites.main(args)


def cmd_bench(args) -> int:
    from assistant.bench import bench

    return bench.main(args)


def cmd_train(args) -> int:
    if args.what == "answerability":
        from assistant.training import answerability

        print(answerability.summary_line(*answerability.main(args)))
        return 0
    from assistant.training import reader

    args.out = args.out or "assistant/data/reader"
    return reader.main(args)


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """'user:pass' -> ('user', 'pass'); the password may contain ':'."""
    if value is None:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise AssistantError("--auth needs USER:PASSWORD, e.g. --auth alice:s3cret (both parts non-empty).")
    return user, password


def cmd_serve(args) -> int:
    from assistant.ui import app as ui

    auth = parse_auth(args.auth)
    bot = _bot(args, allow_empty=True)  # an empty corpus is fine here: articles can be uploaded in the chat
    ui.launch(bot, host=args.host, port=args.port, auth=auth)
    return 0


def cmd_loadcheck(args) -> int:
    from assistant.bench import loadcheck

    proc = None
    url = args.url
    if url is None:
        serve_args = [x for c in (args.corpus or [DEFAULT_CORPUS]) for x in ("--corpus", c)] + ["--index", args.index]
        proc, url, startup = loadcheck.start_server(serve_args)
        print(f"serve -> first answer: {startup:.1f} s (assistant serve started, page answered its first question)")
    try:
        result = loadcheck.run_load(url, args.clients, args.questions, loadcheck.seed_questions(args.question_file))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    print(f"{result['clients']} clients x {result['questions_per_client']} questions: {result['answered']} answered, "
          f"{result['errors']} errors in {result['wall_s']} s")
    print(f"response time: median {result['median_ms']} ms, p95 {result['p95_ms']} ms, max {result['max_ms']} ms")
    for sample in result["error_samples"]:
        print(f"  error: {sample}")
    return 1 if result["errors"] else 0


def _corpus_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--corpus", action="append", help="article file or folder (repeatable; default corpus/)")
    p.add_argument("--index", default=DEFAULT_INDEX, help="index folder (default index/)")
    p.add_argument("--store", help="where the index lives: local (default), milvus:///abs/path/index.db or "
                                   "http://host:19530 (default: ASSISTANT_STORE); with a Milvus store and no "
                                   "--corpus, ask/serve use the store as it is; bench compares it with the local "
                                   "index, eval runs the suite on it")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def _add_ask_and_index(sub) -> None:
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--top-k", type=int, help="quotes to show (default: ASSISTANT_TOP_K, else 3)")
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON")
    ask.set_defaults(func=cmd_ask)
    speakers = sub.add_parser("speakers", help="who is quoted: each article's speakers, roles and quote counts")
    speakers.add_argument("--article", help="one article's id (default: every article)")
    speakers.add_argument("--json", action="store_true", help="print the Speakers as JSON")
    speakers.set_defaults(func=cmd_speakers)
    index = sub.add_parser("index", help="build, verify or describe the index")
    index.add_argument("action", choices=["build", "verify", "info"])
    index.add_argument("--force", action="store_true", help="rebuild from scratch even if the index is current "
                       "(articles added from the chat or with add() are kept)")
    index.set_defaults(func=cmd_index)


def _add_eval(sub) -> None:
    ev = sub.add_parser("eval", help="run an evaluation suite")
    ev.add_argument("--suite", required=True, choices=["seed", "news", "squad2", "attribution", "people", "cases"])
    ev.add_argument("--path", help="dataset file (squad2: SQuAD 2.0 JSON; cases/seed/attribution/people: JSONL)")
    ev.add_argument("--limit", type=int, help="only the first N questions per article")
    ev.add_argument("--fit", action="store_true",
                    help="squad2: fit the cross-validation adapters (eval/adapters/), then refit the shipped adapter, "
                         "ranker, rerank mix and (with ASSISTANT_READER=none) the retrieval answerability model "
                         "(assistant/data/); about 45 minutes on 2 cores; then run `assistant train answerability`")
    ev.add_argument("--refit", action="store_true",
                    help="squad2: refit the shipped ranker, rerank mix and (with ASSISTANT_READER=none) the retrieval "
                         "answerability model on every article (assistant/data/) after the run, keeping the adapters "
                         "(--fit refits those too); then run `assistant train answerability`")
    ev.add_argument("--reader-sweep", metavar="N,N,...",
                    help="squad2: also measure the rerank's hit@k for each number of candidates read (e.g. 5,10,20,50)")
    ev.add_argument("--adapters", default="eval/adapters",
                    help="squad2: folder of the cross-validation adapters, one per article (--fit writes them)")
    ev.add_argument("--data-root", default="../shared/data",
                    help="folder that the bbc/ paths of attribution rows and news questions are under")
    ev.add_argument("--reports", default="eval/reports", help="where reports are written")
    ev.add_argument("--timing-runs", type=int, default=3,
                    help="attribution: passes over DATA_ROOT/bbc to time ingest (median reported); 0 skips")
    ev.set_defaults(func=cmd_eval)


def _add_bench(sub) -> None:
    bench = sub.add_parser("bench", help="measure speed and memory (build, warm and cold ask, add, peak RSS)")
    bench.add_argument("--runs", type=int, default=5, help="repeated runs (medians are reported)")
    bench.add_argument("--cold-runs", type=int, default=5, help="fresh `assistant ask` processes timed")
    bench.add_argument("--quick", action="store_true", help="seed corpus, 2 runs: a quick check for CI")
    bench.add_argument("--corpus-set", choices=["seed", "bbc", "all"], default="seed")
    bench.add_argument("--bbc", default="../shared/data/bbc", help="the BBC corpus folder")
    bench.add_argument("--questions", default="eval/seed.jsonl", help="questions for the seed corpus")
    bench.add_argument("--work", default="index", help="where the benchmark's indexes are built (bench-<corpus>/)")
    bench.add_argument("--no-build", action="store_true", help="reuse an existing benchmark index (no build time)")
    bench.add_argument("--json", help="also write the results to this JSON file")
    bench.add_argument("--scale", type=int, help="instead: the synthetic N-sentence benchmark (e.g. 1000000)")
    bench.set_defaults(func=cmd_bench)


def _add_serving(sub) -> None:
    load = sub.add_parser("loadcheck", help="many concurrent chat users through the web UI (median and p95)")
    load.add_argument("--url", help="a running chat (default: start assistant serve and time its first answer)")
    load.add_argument("--clients", type=int, default=20)
    load.add_argument("--questions", type=int, default=10, help="questions per client")
    load.add_argument("--question-file", default="eval/seed.jsonl")
    load.set_defaults(func=cmd_loadcheck)
    serve = sub.add_parser("serve", help="open the web chat")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7860)
    serve.add_argument("--auth", metavar="USER:PASS", help="require this user name and password to open the chat")
    serve.set_defaults(func=cmd_serve)


def _add_train(sub) -> None:
    train = sub.add_parser("train", help="train a model the project ships: the reader, or the reader's "
                           "answerability model (fitted on news questions through the shipped reader)")
    train.add_argument("what", choices=["reader", "answerability"])
    train.add_argument("--data", action="append",
                       help="reader: SQuAD training JSON (default ../shared/data/squad1.1-train/train-v1.1.json; "
                            "a SQuAD 2.0 file's unanswerable questions train a 'none of these' option), "
                            "or labelled questions (.jsonl, e.g. eval/news-train.jsonl: unanswerable ones train that "
                            "option too); repeat to mix sources (one named twice counts twice). "
                            "answerability: labelled questions (default the three eval/news-train*.jsonl)")
    train.add_argument("--data-root", default="../shared/data",
                       help="with --data FILE.jsonl: the folder its articles' bbc/ paths are under")
    train.add_argument("--out", help="where the trained model is written (default assistant/data/reader, or "
                                     "assistant/data/answerability-reader.json)")
    train.add_argument("--work", default=".reader-work", help="examples cache and checkpoint folder")
    train.add_argument("--max-minutes", type=float, default=60.0, help="stop (with a checkpoint) after this long")
    train.add_argument("--resume", action="store_true", help="continue from the checkpoint in --work")
    train.add_argument("--max-steps", type=int, help="stop (with a checkpoint) at this optimizer step")
    train.add_argument("--per-article", type=int, default=60, help="questions sampled per training article")
    train.add_argument("--negatives", type=int, default=4, help="hard negatives per question")
    train.add_argument("--batch-questions", type=int, default=16)
    train.add_argument("--max-length", type=int, default=96, help="tokens per (question, sentence) pair")
    train.add_argument("--lr", type=float, default=5e-5)
    train.add_argument("--epochs", type=float, default=1.0)
    train.add_argument("--seed", type=int, default=0, help="which questions are sampled, and the run's randomness")
    train.add_argument("--init", help="continue from this saved reader (e.g. assistant/data/reader) instead of "
                       "the bundled MiniLM; pair it with another --seed to train on other questions")
    train.add_argument("--layers", type=int, default=0,
                       help="a smaller, faster reader: keep this many of the starting reader's 6 layers (0: all)")
    train.add_argument("--teacher", help="a saved reader whose scores the one trained learns to match "
                       "(e.g. assistant/data/reader, with --layers 3)")
    train.add_argument("--distill", type=float, default=0.5,
                       help="with --teacher: the weight of matching its scores against the labels' loss")
    train.add_argument("--freeze-embeddings", action="store_true",
                       help="keep the starting reader's word embeddings (half its weights) as they are")
    train.add_argument("--hard", type=float, default=0.0,
                       help="train on this share of the examples that the --init reader finds hardest "
                            "(scored once, before training; 0: every example)")
    train.add_argument("--hard-pool", type=int, default=0,
                       help="with --hard: how many of the (shuffled) examples to score (0: all)")
    train.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    train.add_argument("--validate", type=int, default=400, help="held-out questions scored after training")
    train.add_argument("--prepare", action="store_true",
                       help="only build and cache the examples in --work (a run elsewhere, e.g. on a GPU machine, "
                            "can then train from the cache without the data or the retrieval models)")
    train.set_defaults(func=cmd_train)


def build_parser() -> argparse.ArgumentParser:
    """The ``assistant`` command and its sub-commands; every one takes --corpus, --index and --quiet."""
    parser = argparse.ArgumentParser(prog="assistant",
                                     description="Answers questions about news articles with verbatim quotes.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_ask_and_index, _add_eval, _add_bench, _add_serving, _add_train):
        add(sub)
    for command in sub.choices.values():
        _corpus_options(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.command_line = "assistant " + " ".join(sys.argv[1:] if argv is None else argv)  # for provenance records
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        EmptyIndexFolderError.check(getattr(args, "index", None))  # before the suites derive folders from it
        code = args.func(args)
        sys.stdout.flush()  # here, so a reader that left (`| head -1`) is handled below, not at exit
        return code
    except AssistantError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `assistant ask ... | head -1`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
