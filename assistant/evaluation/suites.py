"""``assistant eval``: run a suite, print its summary, write its report."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from assistant.evaluation import attribution, people, seed, squad
from assistant.evaluation.plots import plot_coverage, plot_hits, plot_reliability
from assistant.evaluation.report import finite, markdown_table, write_report
from assistant.training.calibration import write_shipped_models

SEED = "eval/seed.jsonl"
ATTRIBUTION = "eval/attribution.jsonl"
PEOPLE_SEED = "eval/people.jsonl"
NEWS = "eval/news.jsonl"


def _squad_body(summary: dict, cols: list[str]) -> str:
    return "\n\n".join([
        "Sentence hit@k: the highlighted answer sentence of the k-th quote contains a gold answer span. "
        "The shipped method (hybrid) is scored leave-one-article-out: each article embedded with an adapter and "
        "ranked with a ranker fitted on the other articles only. "
        "dense_base: dense-only with the plain model (no adapter). With a reader (ASSISTANT_READER), hybrid is "
        "the ranker's top N reranked by its mix with the reader (the mix fitted on the other articles too), "
        "ranker_only the ranker alone and reader_only the reader's own order of the ranker's top N.",
        markdown_table(summary["methods"], cols),
        markdown_table({"hybrid": summary["methods"]["hybrid"]}, ["quote_hit@1", "median_quote_chars"]),
        *(["Reader's N (candidates read; mix fitted leave-one-article-out):\n\n"
           + markdown_table({f"N={n}": v for n, v in summary["rerank_sweep"].items()}, ["hit@1", "hit@3"])]
          if summary.get("rerank_sweep") else []),
        f"Verbatim rate over every returned quote: {summary['verbatim_rate']:.3f}",
        ("Abstention: the reader's answerability model as it ships (fitted on BBC training questions, none of "
         "these articles); squad_fitted: the same features fitted on these articles, leave-one-article-out, "
         "for comparison:" if "squad_fitted" in summary["abstention"] else "Abstention (leave-one-article-out):"),
        "```json\n" + json.dumps(finite(summary["abstention"]), indent=2) + "\n```",
        "![hit@k by method](hit_by_method.png)\n\n![accuracy vs coverage](accuracy_coverage.png)\n\n"
        "![reliability: predicted vs observed](reliability.png)",
    ])


def _seed(args, settings) -> tuple[dict, str, dict]:
    from assistant.api import Assistant

    bot = Assistant.from_paths(args.corpus or ["corpus/"], index_dir=args.index, settings=settings)
    return _cases_report(args.suite, seed.run_seed(args.path or SEED, bot))


def _news(args, settings) -> tuple[dict, str, dict]:
    """The labelled BBC questions (``eval/news.jsonl``): their articles, read from
    ``--data-root``, indexed together in ``<index>/eval-news``; each question asked of its own article."""
    from assistant.api import Assistant
    from assistant.evaluation.datasets import SeedCase, case_files, load_jsonl

    path = args.path or NEWS
    files = case_files(load_jsonl(path, SeedCase), args.data_root, path)
    bot = Assistant.from_paths(files, index_dir=Path(args.index) / "eval-news", settings=settings)
    return _cases_report(args.suite, seed.run_seed(path, bot))


def _cases_report(suite: str, result: dict) -> tuple[dict, str, dict]:
    """A labelled-questions run's report body (its summary), its accuracy-coverage plot and
    its reliability plot (the confidence shown against how often the first quote answers)."""
    shown = {k: v for k, v in result["summary"].items() if k not in ("accuracy_coverage", "reliability")}
    body = ("```json\n" + json.dumps(finite(shown), indent=2) + "\n```\n\n"
            "![accuracy vs coverage](accuracy_coverage.png)\n\n![reliability: predicted vs observed](reliability.png)")
    plots = {"accuracy_coverage.png":
             lambda path: plot_coverage({suite: result["summary"]["accuracy_coverage"]}, path),
             "reliability.png": lambda path: plot_reliability(result["summary"]["reliability"], path)}
    return result, body, plots


def _attribution(args, settings) -> tuple[dict, str, dict]:
    result = attribution.run_attribution(args.path or ATTRIBUTION, [Path("."), Path(args.data_root)])
    bbc = Path(args.data_root) / "bbc"
    if bbc.is_dir() and args.timing_runs > 0:  # attribution runs at ingest, so its speed is part of the suite
        from assistant.bench.bench import ingest_seconds

        timing = ingest_seconds(bbc, runs=args.timing_runs)
        result["summary"]["attribution_seconds_bbc"] = {
            "median": round(timing["seconds"], 2), "min": round(timing["min"], 2),
            "max": round(timing["max"], 2), "runs": timing["runs"]}
        result["summary"]["bbc_articles"] = timing["articles"]
    return result, "```json\n" + json.dumps(finite(result["summary"]), indent=2) + "\n```", {}


def _people(args, settings) -> tuple[dict, str, dict]:
    from assistant.api import Assistant

    seed_bot = Assistant.from_paths(args.corpus or ["corpus/"], index_dir=args.index, settings=settings)
    result = people.run_people(args.path or ATTRIBUTION, PEOPLE_SEED, [Path("."), Path(args.data_root)],
                               settings, seed_bot)
    seed_rows = [r for r in result["rows"] if r["kind"] == "seed"]
    table = "\n".join(f"| {r['question']} | {r['found']} | {r['confidence']:.2f} | {'yes' if r['ok'] else 'NO'} |"
                      for r in seed_rows)
    body = ("```json\n" + json.dumps(finite(result["summary"]), indent=2) + "\n```\n\n"
            "| seed question | found | confidence | right |\n|---|---|---|---|\n" + table)
    return result, body, {}


def _squad(args, settings) -> tuple[dict, str, dict]:
    sweep = tuple(int(n) for n in args.reader_sweep.split(",")) if args.reader_sweep else ()
    raw = squad.run_squad(args.path, settings, args.limit, progress=settings.progress, fit=args.fit,
                          adapters=Path(args.adapters), sweep=sweep)
    summary = squad.summarise_squad(raw)
    if args.fit or args.refit:
        write_shipped_models(raw)
    cols = ["hit@1", "hit@3", "hit@5", "mrr@10", "ndcg@10", "latency_median_ms", "latency_p95_ms"]
    # The reader's answerability model is scored as it ships (it reports squad_fitted beside it).
    how = "as shipped" if "squad_fitted" in summary["abstention"] else "leave-one-article-out"
    plots = {"hit_by_method.png": lambda path: plot_hits(summary["methods"], path),
             "accuracy_coverage.png": lambda path: plot_coverage(
                 {"shipped" if how == "as shipped" else f"shipped ({how})": summary["accuracy_coverage"]}, path),
             "reliability.png": lambda path: plot_reliability(summary["reliability"], path, how)}
    return {"rows": raw["rows"], "summary": summary}, _squad_body(summary, cols), plots


SUITES = {"seed": _seed, "cases": _seed, "news": _news, "attribution": _attribution, "people": _people,
          "squad2": _squad}
NEEDS_PATH = {"cases": "--suite cases needs --path FILE.jsonl (your labelled questions; see docs/evaluation.md)",
              "squad2": "--suite squad2 needs --path FILE.json (a SQuAD 2.0 file)"}


def main(args) -> int:
    """Run ``args.suite``, write its report folder (summary, rows, plots) and print the summary."""
    from assistant.settings import Settings

    settings = Settings.from_env(progress=not args.quiet, store=args.store)
    if args.suite in NEEDS_PATH and not args.path:
        print(f"error: {NEEDS_PATH[args.suite]}", file=sys.stderr)
        return 2
    result, body, plots = SUITES[args.suite](args, settings)
    tag = (Path(args.path).stem if args.suite == "cases"
           else f"limit{args.limit}" if args.suite == "squad2" and args.limit else "")
    if settings.store != "local":  # a run on Milvus never replaces the local store's report of the day
        tag = "-".join(t for t in (tag, "milvus") if t)
    folder = write_report(Path(args.reports), args.suite, args.command_line, result["summary"], result["rows"], body,
                          tag)
    for name, draw in plots.items():
        draw(folder / name)
    print(body)
    print(f"\nReport: {folder}/report.md")
    return 0
