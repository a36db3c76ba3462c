"""`python -m app serve-api`: the HTTP API (`app.api`), imported only when the command runs."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.config import Settings


def cmd_serve_api(settings: Settings, args: argparse.Namespace) -> int:
    from app.api.server import serve

    serve(settings, host=args.host, port=args.port)
    return 0


def add_api_command(sub: Any) -> None:
    """Register `serve-api` on the CLI's subparsers."""
    serve = sub.add_parser(
        "serve-api", help="serve the HTTP API (OpenAI-compatible chat, search, documents) for API keys"
    )
    serve.add_argument("--host", default=None, help="address to listen on (default: API_HOST, 127.0.0.1)")
    serve.add_argument("--port", type=int, default=None, help="port (default: API_PORT, 8600)")
    serve.set_defaults(run=cmd_serve_api, standalone=True)
