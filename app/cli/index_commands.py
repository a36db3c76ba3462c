"""`python -m app reindex | remove-index | import-collection`: the index lifecycle commands of the CLI."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from app.cli.progress import cancel_on_interrupt, print_progress
from app.config import Settings, load_settings
from app.errors import ConfigError

if TYPE_CHECKING:
    from app.ingest.reindex import IndexSize

# CLI flag -> (Settings field, environment variable) for the embedding configuration a reindex targets.
_TARGET_FLAGS = {
    "backend": ("embedding_backend", "EMBEDDING_BACKEND"),
    "model": ("embedding_model", "EMBEDDING_MODEL"),
    "dimensions": ("embedding_dimensions", "EMBEDDING_DIMENSIONS"),
    "vector_type": ("vector_type", "VECTOR_TYPE"),
    "api_base": ("embedding_api_base", "EMBEDDING_API_BASE"),
}


def _size(size: IndexSize) -> str:
    return f"'{size.collection}': {size.documents} documents, {size.chunks} chunks"


def target_settings(settings: Settings, args: argparse.Namespace) -> tuple[Settings, dict[str, str]]:
    """The settings with the flags applied, and the environment variables that make them permanent."""
    overrides: dict[str, Any] = {}
    environment: dict[str, str] = {}
    for flag, (field, variable) in _TARGET_FLAGS.items():
        value = getattr(args, flag, None)
        if value is None:
            continue
        if flag == "dimensions":
            value = None if value == "full" else int(value)
        overrides[field] = value
        environment[variable] = "" if value is None else str(value)
    if not overrides:
        return settings, {}
    return load_settings(**{**_explicit(settings), **overrides}), environment


def _explicit(settings: Settings) -> dict[str, Any]:
    # Fields given to Settings by name win over the environment: keep what the caller's settings say.
    return {name: getattr(settings, name) for name in settings.model_fields_set}


@contextmanager
def _blaming_flags(environment: dict[str, str]) -> Iterator[None]:
    """A settings error about a value a flag gave names the flag, not only the variable."""
    try:
        yield
    except ConfigError as exc:
        flags = [
            f"--{flag.replace('_', '-')} {environment[variable] or 'full'}"
            for flag, (_, variable) in _TARGET_FLAGS.items()
            if variable in environment and variable in exc.message
        ]
        if not flags:
            raise
        raise ConfigError(exc.message, f"{exc.hint} Here it came from {', '.join(flags)}: change that flag.") from exc


def cmd_reindex(settings: Settings, args: argparse.Namespace) -> int:
    from app.ingest.reindex import reindex

    target, environment = target_settings(settings, args)
    with cancel_on_interrupt() as cancel, _blaming_flags(environment):  # the same Ctrl-C behaviour as `ingest`
        report = reindex(target, progress=None if args.quiet else print_progress, cancel=cancel, reread=args.reread)
    if not args.quiet and report.results:
        print(file=sys.stderr)
    if report.unchanged:
        print(f"The index {_size(report.old)} is already built with this configuration; nothing to do.")
        print("To read every document again with this version's readers: python -m app reindex --reread")
        return 0
    old, new = report.old, report.new
    print(f"from: {old.fingerprint.describe() if old.fingerprint else 'no index yet'}")
    print(f"to:   {new.fingerprint.describe() if new.fingerprint else '?'}")
    cancelled = [result.file_name for result in report.problems if result.status == "cancelled"]
    for result in report.problems:
        if result.status != "cancelled":  # the ingest's advice for a cancelled file (add it again) is not this one
            print(f"{result.status:<8} {result.file_name}: {result.message}")
    if cancelled:
        named = ", ".join(cancelled[:3]) + (", ..." if len(cancelled) > 3 else "")
        print(f"cancelled: {len(cancelled)} documents not read yet ({named})")
    print(f"old index {_size(old)}" + (" (kept)" if report.switched else " (still in service)"))
    if not report.switched:
        again = "again (a re-read starts over)" if args.reread else "again to finish"
        print(f"new index {_size(new)}: incomplete, not switched. Run the same command {again}.")
        return 130 if any(r.status == "cancelled" for r in report.problems) else 1
    print(f"new index {_size(new)}: now in service as '{report.logical}'")
    print(f"Remove the old index when you no longer need it: python -m app remove-index {old.collection}")
    if environment:
        settings_line = " ".join(f"{name}={value}" for name, value in environment.items())
        print(f"Open it with these settings from now on (environment or .env): {settings_line}")
    return 0


def cmd_remove_index(settings: Settings, args: argparse.Namespace) -> int:
    from app.ingest.reindex import remove_index

    size = remove_index(settings, args.name)
    print(f"removed index {_size(size)}")
    return 0


def cmd_import_collection(settings: Settings, args: argparse.Namespace) -> int:
    from app.ingest.adopt import import_collection

    target, environment = target_settings(settings, args)
    if args.name:
        target = load_settings(**{**_explicit(target), "collection": args.name})
    report = import_collection(target, args.source, from_path=args.from_path)
    print(
        f"imported '{report.source}' as '{report.collection}': {report.documents} documents, {report.chunks} chunks "
        f"(index '{report.physical}')"
    )
    if report.skipped_without_text:
        print(f"left out {report.skipped_without_text} records without text (nothing to cite)")
    needed = {**environment, **({"COLLECTION_NAME": args.name} if args.name else {})}
    if needed:
        print("Open it with: " + " ".join(f"{name}={value}" for name, value in needed.items()))
    return 0


def _model_flags() -> dict[str, dict[str, Any]]:
    return {
        "--backend": {"choices": ["local", "vllm"], "help": "embedding backend (default: EMBEDDING_BACKEND)"},
        "--model": {"help": "embedding model (default: EMBEDDING_MODEL)"},
        "--dimensions": {"choices": ["full", "128", "256", "512", "1024", "2048"], "help": "Matryoshka size"},
        "--vector-type": {"dest": "vector_type", "choices": ["dense", "late"], "help": "dense or late"},
        "--api-base": {"dest": "api_base", "help": "vLLM embedding server URL"},
    }


def add_index_commands(sub: Any) -> None:
    """Register the commands on the CLI's subparsers; they run without opening a Workspace."""
    command = sub.add_parser(
        "reindex",
        help="re-embed every document with the configured (or given) embedding model into a new index, then switch",
    )
    for flag, kwargs in _model_flags().items():
        command.add_argument(flag, **kwargs)
    command.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    command.add_argument(
        "--reread",
        action="store_true",
        help="read every document again from its kept copy (this version's readers), even with the same model",
    )
    command.set_defaults(run=cmd_reindex, standalone=True)

    adopt = sub.add_parser(
        "import-collection",
        help="adopt a Chroma collection built by another tool, stating the embedding model its vectors came from",
    )
    adopt.add_argument("source", help="the Chroma collection to import (it is only read)")
    adopt.add_argument("--from-path", dest="from_path", help="another embedded Chroma folder (default: CHROMA_PATH)")
    adopt.add_argument("--as", dest="name", help="the collection to create (default: COLLECTION_NAME)")
    for flag, kwargs in _model_flags().items():
        adopt.add_argument(flag, **kwargs)
    adopt.set_defaults(run=cmd_import_collection, standalone=True)

    remove = sub.add_parser("remove-index", help="delete an index that a reindex replaced")
    remove.add_argument("name", help="the old index's collection name, as `reindex` printed it")
    remove.set_defaults(run=cmd_remove_index, standalone=True)
