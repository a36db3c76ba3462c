"""`python -m app`: ingest files, ask questions and show the index status from a terminal.

Imports point one way: this module builds the parser from the command modules (`workspace_commands`,
`index_commands`, `eval_commands`, `mcp_commands`, `api_commands`), which share `progress`; none of them imports
this one. Heavy libraries (torch, Chroma, LlamaIndex) are imported by the command that runs, so `--help` stays fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from app.cli.api_commands import add_api_command
from app.cli.eval_commands import add_eval_command
from app.cli.index_commands import add_index_commands
from app.cli.mcp_commands import add_mcp_command
from app.cli.workspace_commands import add_workspace_commands
from app.config import load_settings
from app.errors import AppError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="Chat with your documents.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)
    add_workspace_commands(sub)
    add_eval_command(sub)
    add_index_commands(sub)
    add_mcp_command(sub)
    add_api_command(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        settings = load_settings()
        if getattr(args, "standalone", False):
            return int(args.run(settings, args))
        if getattr(args, "preload", None):
            args.preload(settings)  # work that can run beside the imports below (see `add_workspace_commands`)
        from app.workspace import Workspace

        return int(args.run(Workspace(settings), args))
    except AppError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"what to do: {exc.hint}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # Ctrl-C in a short command (`ask`, `status`): stop quietly, as a shell expects
        print("\nstopped (Ctrl-C)", file=sys.stderr)
        return 130
