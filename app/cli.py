"""`python -m app`: ingest files, ask questions and show the index status from a terminal."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from app.config import Settings, load_settings
from app.errors import AppError, ConfigError
from app.index_commands import add_index_commands
from app.ingest.pipeline import IngestProgress
from app.ingest.readers import SUPPORTED_SUFFIXES
from app.workspace import Workspace


def _expand(paths: Sequence[str]) -> Iterator[tuple[Path, str]]:
    """(file, document name): a folder's files are named by their path relative to it ("a/policy.txt"),
    so two files with one name in two folders are two documents; a file given on its own by its name."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                relative = file.relative_to(path)
                if not any(part.startswith(".") for part in relative.parts):  # hidden files and folders
                    yield file, relative.as_posix()
        else:
            yield path, path.name


def _print_progress(event: IngestProgress) -> None:
    if event.stage in ("reading", "embedding"):
        print(f"\r[{event.fraction:6.1%}] {event.describe()}".ljust(110), end="", file=sys.stderr, flush=True)


@contextmanager
def _cancel_on_interrupt() -> Iterator[threading.Event]:
    """The first Ctrl-C asks the job to stop after the current embedding request (nothing half-written);
    a second one interrupts at once (the pipeline still rolls back the document in progress)."""
    cancel = threading.Event()
    previous = signal.getsignal(signal.SIGINT)

    def on_interrupt(signum: int, frame: object) -> None:
        cancel.set()
        print("\ncancelling after the current step (Ctrl-C again to stop at once)…", file=sys.stderr, flush=True)
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, on_interrupt)
    try:
        yield cancel
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_ingest(workspace: Workspace, args: argparse.Namespace) -> int:
    files: list[tuple[str, bytes]] = []
    failures: list[str] = []
    for path, name in _expand(args.paths):
        try:
            files.append((name, path.read_bytes()))
        except OSError as exc:
            failures.append(f"failed   {path}: cannot read it ({exc.strerror or exc})")
    with _cancel_on_interrupt() as cancel:
        results = workspace.ingest(
            files, progress=None if args.quiet else _print_progress, cancel=cancel, named_by_path=True
        )
    if not args.quiet:
        print(file=sys.stderr)
    for result in results:
        detail = f" ({result.message})" if result.message else ""
        pages = f", {result.pages} pages" if result.pages else ""
        print(f"{result.status:<8} {result.file_name}: {result.chunks} chunks{pages}{detail}")
    for line in failures:
        print(line)
    statuses = ("indexed", "replaced", "skipped", "cancelled")
    counts = {status: sum(r.status == status for r in results) for status in statuses}
    failed = sum(r.status == "failed" for r in results) + len(failures)
    summary = (
        f"{counts['indexed']} indexed, {counts['replaced']} replaced, {counts['skipped']} skipped, {failed} failed"
    )
    if counts["cancelled"]:
        print(
            f"{summary}, {counts['cancelled']} cancelled: run the same command again to finish (done files are skipped)"
        )
        return 130
    print(summary)
    return 1 if failed else 0


def cmd_ask(workspace: Workspace, args: argparse.Namespace) -> int:
    answer = workspace.ask(args.question, top_k=args.top_k)
    if args.json:
        payload = {
            "answer": answer.text(),
            "mode": answer.mode,
            "notice": answer.notice,
            "sources": [
                {"file": p.file_name, "location": p.location, "score": round(p.score, 4), "text": p.text}
                for p in answer.sources
            ],
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return 0
    if answer.notice:
        print(f"Note: {answer.notice}\n", file=sys.stderr)
    for chunk in answer.chunks:
        print(chunk, end="", flush=True)
    print("\n")
    for number, passage in enumerate(answer.sources, start=1):
        print(f"[{number}] {passage.citation} (score {passage.score:.3f})")
    return 0


def cmd_status(workspace: Workspace, args: argparse.Namespace) -> int:
    status = workspace.status()
    fp = status.fingerprint
    print(f"index:      {status.collection} in {status.data_dir}")
    print(f"embedding:  {fp.backend} / {fp.model} / {fp.vector_type} / {fp.dimension}-d")
    print(f"chunking:   {fp.chunking}")
    print(f"documents:  {status.documents}")
    print(f"chunks:     {status.chunks}")
    print(f"llm:        {status.llm}")
    return 0


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
    from app.eval.qa import (
        QaEvaluation,
        check_gold_files,
        default_docs_folder,
        document_files,
        index_name,
        load_questions,
        scores_table,
        write_outputs,
    )

    if args.config:
        raise ConfigError(
            "--qa runs the settings in force; --config is for --data.",
            "Set RETRIEVAL_MODE, RERANK, CHUNK_SIZE... in the environment instead.",
        )
    qa_file = Path(args.qa)
    items = load_questions(qa_file)
    folder = Path(args.docs) if args.docs else default_docs_folder(qa_file)
    files = document_files(folder, skip=qa_file)
    check_gold_files(items, files, folder)
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="Chat with your documents.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    ingest = sub.add_parser("ingest", help=f"index files and folders ({', '.join(SUPPORTED_SUFFIXES)})")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    ingest.set_defaults(run=cmd_ingest)

    ask = sub.add_parser("ask", help="ask a question about the indexed documents")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer and its sources as JSON")
    ask.add_argument("--top-k", type=int, default=None, help="passages to retrieve (default: TOP_K)")
    ask.set_defaults(run=cmd_ask)

    status = sub.add_parser("status", help="which index, model and dimension; how many documents and chunks")
    status.set_defaults(run=cmd_status)

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

    add_index_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        settings = load_settings()
        if getattr(args, "standalone", False):
            return int(args.run(settings, args))
        return int(args.run(Workspace(settings), args))
    except AppError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"what to do: {exc.hint}", file=sys.stderr)
        return 2
