"""`python -m app eval`: score retrieval on a BEIR-format data set or on questions about your documents."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import ConfigError

if TYPE_CHECKING:
    from app.config import Settings


def cmd_eval(settings: Settings, args: argparse.Namespace) -> int:
    if (args.qa is None) == (args.data is None):
        raise ConfigError("Give either --data (a BEIR folder) or --qa (a questions file).", "See eval --help.")
    if args.qa is not None:
        return _eval_questions(settings, args)
    if args.docs is not None:
        raise ConfigError("--docs goes with --qa.", "Drop --docs, or give --qa FILE.jsonl.")
    from app.eval.beir import load_beir, subsample
    from app.eval.run import EvalConfig, EvalResult, evaluate_configs, results_table, write_outputs

    configs = [EvalConfig.parse(name) for name in args.config or DEFAULT_EVAL_CONFIGS]
    dataset = load_beir(Path(args.data), args.split)
    if args.max_docs is not None:
        dataset = subsample(dataset, args.max_docs)
    print(
        f"{dataset.name} ({args.split}): {len(dataset.corpus)} documents, {len(dataset.queries)} judged queries",
        file=sys.stderr,
    )
    title = f"{dataset.name} {args.split}"

    def save(results: list[EvalResult]) -> None:
        write_outputs(results, Path(args.out), title)
        print(results_table(results[-1:]).splitlines()[-1], file=sys.stderr, flush=True)

    results = evaluate_configs(dataset, settings, configs, Path(args.cache), args.limit_queries, after_each=save)
    json_path, chart_path = write_outputs(results, Path(args.out), title)
    print(results_table(results))
    print(f"\nwritten: {json_path}, {chart_path}")
    return 0


def _eval_questions(settings: Settings, args: argparse.Namespace) -> int:
    from app.eval.qa import QaEvaluation, index_name, question_set, scores_table, write_outputs

    if args.config:
        raise ConfigError(
            "--qa runs the settings in force; --config is for --data.",
            "Set RETRIEVAL_MODE, RERANK, CHUNK_SIZE... in the environment instead.",
        )
    qa_file = Path(args.qa)
    items, folder, files = question_set(qa_file, Path(args.docs) if args.docs else None)
    mode = f"{settings.retrieval_mode}{'+rerank' if settings.rerank else ''}"
    title = f"{qa_file.name}: {len(items)} questions on {len(files)} files in {folder} ({mode})"
    print(title, file=sys.stderr)
    evaluation = QaEvaluation(settings, files, Path(args.cache), index_name(folder))
    evaluation.ingest()
    scores = evaluation.run(items)
    command = f"python -m app eval --qa {qa_file} --docs {folder} --cache {args.cache} --out {args.out}"
    paths = write_outputs(scores, Path(args.out), title, command)
    print(scores_table({"app": scores}))
    print(f"\nwritten: {', '.join(str(path) for path in paths)}")
    return 0


DEFAULT_EVAL_CONFIGS = ("dense", "keyword", "hybrid", "hybrid+rerank")
QA_SCHEMA = """questions file (--qa), one JSON object a line:
  {"id": "q1", "question": "...", "file": "reports/2022.pdf", "pages": [4],
   "answer": "$8.4 billion", "evidence": ["Net revenues of $8.4 billion in the current year"]}
  question, file: required; file is the path relative to --docs ("/" between folders)
  pages, slides: 1-based numbers; sheets: sheet names; sections: heading texts (gold locations, optional)
  answer: text the passage holds as whole words; evidence: excerpts, 8 consecutive words of one count
  id: optional (default: the line number); other fields (FinanceBench's company, type) are ignored
metrics for k = 1, 3, 5 over the top-k cited passages: doc@k (gold file cited), location@k (gold file at a
gold location: page@k for PDFs), answer@k (answer or evidence words in a passage; case and spaces ignored)."""


def add_eval_command(sub: Any) -> None:
    """Register `eval` on the CLI's subparsers; it runs on the settings, without opening a Workspace."""
    evaluate = sub.add_parser(
        "eval",
        help="score retrieval on a BEIR-format data set (--data) or on questions about your documents (--qa)",
        epilog=QA_SCHEMA,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    evaluate.add_argument("--data", help="folder with corpus.jsonl, queries.jsonl, qrels/")
    evaluate.add_argument(
        "--qa", metavar="FILE.jsonl", help="questions about your documents with their gold file and place (below)"
    )
    evaluate.add_argument(
        "--docs", metavar="FOLDER", help="the documents of --qa (default: files/ beside FILE.jsonl, else its folder)"
    )
    evaluate.add_argument("--split", default="test", help="qrels file to use (default: test)")
    evaluate.add_argument(
        "--config",
        action="append",
        help=f"mode[+rerank][+late][@dimensions], repeatable (default: {' '.join(DEFAULT_EVAL_CONFIGS)})",
    )
    evaluate.add_argument("--limit-queries", type=int, default=None, help="score only the first N judged queries")
    evaluate.add_argument(
        "--max-docs", type=int, default=None, help="a smaller corpus: the judged documents plus others up to N"
    )
    evaluate.add_argument("--cache", default=".eval-cache", help="where the indexes are kept between runs")
    evaluate.add_argument(
        "--out",
        default="eval-results",
        help="where results.json and results.png go (with --qa: qa-results.json, qa-results.md, qa-misses.txt)",
    )
    evaluate.set_defaults(run=cmd_eval, standalone=True)
