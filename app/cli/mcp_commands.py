"""`python -m app mcp`: serve the collections to MCP clients (stdio, or streamable HTTP with `--http`)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.config import Settings


def cmd_mcp(settings: Settings, args: argparse.Namespace) -> int:
    # The SDK, the model and the store are imported only here: `--help` stays light.
    from app.mcp_server.server import serve_http, serve_stdio

    if args.http:
        serve_http(settings, args.host, args.port)
    else:
        serve_stdio(settings)
    return 0


def add_mcp_command(sub: Any) -> None:
    """Register `mcp` on the CLI's subparsers."""
    command = sub.add_parser(
        "mcp",
        help="serve search and ask to MCP clients (stdio, or --http)",
        description="Serve the tools list_collections, search and ask to MCP clients, as the user of an API key "
        "(made in the app's sidebar). Over stdio the key is RAG_API_KEY; over HTTP each request sends "
        "'Authorization: Bearer <key>'.",
    )
    command.add_argument("--http", action="store_true", help="serve streamable HTTP on /mcp instead of stdio")
    command.add_argument("--host", default="127.0.0.1", help="address to listen on with --http (default: 127.0.0.1)")
    command.add_argument("--port", type=int, default=8700, help="port to listen on with --http (default: 8700)")
    command.set_defaults(run=cmd_mcp, standalone=True)
