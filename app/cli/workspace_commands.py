"""`python -m app ingest | ask | status`: the commands that work on the open index, through a Workspace
(`status` reads it without opening one: `app.workspace_status`)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.progress import cancel_on_interrupt, print_progress
from app.ingest.file_types import SUPPORTED_SUFFIXES

if TYPE_CHECKING:
    from app.config import Settings
    from app.workspace import Workspace


def _expand(paths: Sequence[str]) -> Iterator[tuple[Path, str]]:
    """(file, document name), each file once: names are paths relative to the deepest folder that holds
    everything given, so `ingest docs` names "a/policy.txt", `ingest docs/b docs/a` names "b/policy.txt" and
    "a/policy.txt" (two documents, not one replacing the other), and a file given alone is named by its name.
    Hidden files and folders are left out; a broken link is yielded so that reading it reports it."""
    given = [Path(raw) for raw in paths]
    existing = [path.resolve() for path in given if path.exists()]
    folders = [path if path.is_dir() else path.parent for path in existing]
    base = Path(os.path.commonpath(folders)) if folders else Path.cwd()
    seen: set[Path] = set()
    for path in given:
        if path.is_dir():
            files = (p for p in path.rglob("*") if p.is_file() or (p.is_symlink() and not p.exists()))
            found = sorted(p for p in files if not any(part.startswith(".") for part in p.relative_to(path).parts))
        else:
            found = [path]
        for file in found:
            resolved = file.resolve() if file.exists() else file.absolute()
            if resolved in seen:
                continue
            seen.add(resolved)
            name = file.parent.resolve() / file.name if file.exists() else None
            yield file, (name.relative_to(base).as_posix() if name and name.is_relative_to(base) else file.name)


def cmd_ingest(workspace: Workspace, args: argparse.Namespace) -> int:
    files: list[tuple[str, bytes]] = []
    failures: list[str] = []
    for path, name in _expand(args.paths):
        try:
            files.append((name, path.read_bytes()))
        except OSError as exc:
            failures.append(f"failed   {path}: cannot read it ({exc.strerror or exc})")
    with cancel_on_interrupt() as cancel:
        results = workspace.ingest(
            files, progress=None if args.quiet else print_progress, cancel=cancel, named_by_path=True
        )
    if not args.quiet:
        print(file=sys.stderr)
    for result in results:
        detail = f" ({result.message})" if result.message else ""
        pages = f", {result.pages} pages" if result.pages else ""
        language = f", {result.language}" if result.language else ""
        print(f"{result.status:<8} {result.file_name}: {result.chunks} chunks{pages}{language}{detail}")
        if result.notice:
            print(f"         note: {result.notice}")
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


def _start_loading_models(settings: Settings) -> None:
    from app.embeddings import load_model_in_background
    from app.store.language import load_in_background

    load_in_background()
    load_model_in_background(settings)


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


def cmd_status(settings: Settings, args: argparse.Namespace) -> int:
    # Not through a Workspace: that would import LlamaIndex and the ingest side (seconds) for six lines.
    from app.workspace_status import read_status

    status = read_status(settings)
    fp = status.fingerprint
    print(f"index:      {status.collection} in {status.data_dir}")
    in_service, kept = _indexes(settings, status.collection)
    if kept or in_service != status.collection:
        print(f"in service: {in_service}")
    for name in kept:
        print(f"kept:       {name} (a reindex replaced it; python -m app remove-index {name})")
    print(f"embedding:  {fp.backend} / {fp.model} / {fp.vector_type} / {fp.dimension}-d")
    print(f"chunking:   {fp.chunking}")
    print(f"documents:  {status.documents}")
    print(f"chunks:     {status.chunks}")
    print(f"llm:        {status.llm}")
    return 0


def _indexes(settings: Settings, collection: str) -> tuple[str, list[str]]:
    """The Chroma collection serving `collection`, and the ones its reindexes kept, by name."""
    from app.store.data_folder import DataFolder

    data = DataFolder(settings)
    record = data.collections.get(collection)  # registered by read_status
    in_service = record.physical if record else collection
    kept = data.collections.kept_indexes(collection, data.open_client()) - {in_service}
    return in_service, sorted(kept)


def add_workspace_commands(sub: Any) -> None:
    """Register the commands on the CLI's subparsers; `main` opens the Workspace ingest and ask are given."""
    ingest = sub.add_parser("ingest", help=f"index files and folders ({', '.join(SUPPORTED_SUFFIXES)})")
    ingest.add_argument("paths", nargs="+", metavar="PATH")
    ingest.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    ingest.set_defaults(run=cmd_ingest)

    ask = sub.add_parser("ask", help="ask a question about the indexed documents")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true", help="print the answer and its sources as JSON")
    ask.add_argument("--top-k", type=int, default=None, help="passages to retrieve (default: TOP_K)")
    # The question's language identifier and the embedding model load in threads while the workspace imports.
    ask.set_defaults(run=cmd_ask, preload=_start_loading_models)

    status = sub.add_parser("status", help="which index, model and dimension; how many documents and chunks")
    status.set_defaults(run=cmd_status, standalone=True)
