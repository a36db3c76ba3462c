"""The MCP server on the official SDK (`mcp` 2.x, `MCPServer`): the tools, whose key a call acts with, transports.

Whose key: over stdio the one in `RAG_API_KEY` (`Settings.mcp_api_key`), over streamable HTTP the
`Authorization: Bearer <key>` header of each request. The key is checked on every tool call, so a revoked key
stops working at once. An `AppError` becomes a tool error (`is_error`) carrying its message and hint; anything
else becomes the SDK's bare "Error executing tool ..." (the traceback is logged on the server, never sent).
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from app.config import MAX_TOP_K, Settings
from app.errors import AppError, AuthenticationError
from app.mcp_server.tools import AskResult, CollectionList, RagTools, SearchResult, describe
from app.store.access import User
from app.workspaces import Workspaces

log = logging.getLogger(__name__)

NAME = "jina-rag-chat"
HTTP_PATH = "/mcp"
STDIO_KEY_HINT = (
    "Set RAG_API_KEY in the MCP client's configuration (env) to a key made in the app's sidebar (API keys)."
)

# Who a tool call acts as; raises AuthenticationError.
Caller = Callable[[Context], User]
T = TypeVar("T")

CollectionName = Annotated[str, Field(description="The collection's name (see list_collections).")]
TopK = Annotated[int | None, Field(ge=1, le=MAX_TOP_K, description="How many passages (default: the server's TOP_K).")]
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)


def stdio_caller(workspaces: Workspaces, api_key: str) -> Caller:
    """The user of `api_key` (the server's `RAG_API_KEY`) for every call."""

    def caller(_: Context) -> User:
        try:
            return workspaces.authenticate(api_key or None)
        except AuthenticationError as exc:
            raise AuthenticationError(exc.message, STDIO_KEY_HINT) from None

    return caller


def bearer_key(headers: Mapping[str, str] | None) -> str | None:
    """The key of an `Authorization: Bearer <key>` header (any case); None without one."""
    for name, value in (headers or {}).items():
        if name.lower() == "authorization":
            scheme, _, key = value.strip().partition(" ")
            return key.strip() if scheme.lower() == "bearer" and key.strip() else None
    return None


def bearer_caller(workspaces: Workspaces) -> Caller:
    """The user of the key in each HTTP request's `Authorization: Bearer` header."""

    def caller(ctx: Context) -> User:
        return workspaces.authenticate(bearer_key(ctx.headers))

    return caller


def _as_tool_error(work: Callable[[], T]) -> T:
    try:
        return work()
    except AppError as exc:
        raise ToolError(describe(exc)) from None


def build_server(tools: RagTools, caller: Caller) -> MCPServer[Any]:
    """An `MCPServer` with the tools `list_collections`, `search` and `ask`, each acting as `caller(ctx)`."""
    server: MCPServer[Any] = MCPServer(
        NAME,
        instructions="Search and ask questions about the document collections your API key's user may read. "
        "Call list_collections first; answers cite their sources as [1], [2], ...",
    )

    @server.tool(annotations=READ_ONLY)
    def list_collections(ctx: Context) -> CollectionList:
        """The collections you may read, sorted by name."""
        return _as_tool_error(lambda: tools.list_collections(caller(ctx)))

    @server.tool(annotations=READ_ONLY)
    def search(
        ctx: Context,
        collection: CollectionName,
        query: Annotated[str, Field(description="What to look for: a question or keywords.")],
        top_k: TopK = None,
    ) -> SearchResult:
        """The passages of `collection` that best match `query`, best first, each with its file, location
        (e.g. 'page 2'), score (cosine similarity) and text."""
        return _as_tool_error(lambda: tools.search(caller(ctx), collection, query, top_k))

    @server.tool(annotations=READ_ONLY)
    def ask(
        ctx: Context,
        collection: CollectionName,
        question: Annotated[str, Field(description="The question, in plain language.")],
        top_k: TopK = None,
    ) -> AskResult:
        """Answer `question` from `collection`'s documents, citing them as [1], [2], ... (the numbers of
        `sources`). Without a chat model on the server the answer is extractive: the best sentences, cited."""
        return _as_tool_error(lambda: tools.ask(caller(ctx), collection, question, top_k))

    async def health(_: Request) -> Response:
        return PlainTextResponse("ok")

    server.custom_route("/health", methods=["GET"])(health)  # for the container's healthcheck

    return server


def open_workspaces(settings: Settings) -> Workspaces:
    """Load the embedding model once (nothing it prints may reach stdout, the stdio transport's wire)."""
    with contextlib.redirect_stdout(sys.stderr):
        return Workspaces(settings)


def serve_stdio(settings: Settings) -> None:
    """Serve over stdin/stdout as the user of `RAG_API_KEY` until the client closes the pipe."""
    workspaces = open_workspaces(settings)
    api_key = settings.mcp_api_key.get_secret_value()
    if not api_key:
        log.warning("RAG_API_KEY is not set: every tool call will be refused. %s", STDIO_KEY_HINT)
    build_server(RagTools(workspaces), stdio_caller(workspaces, api_key)).run("stdio")


def serve_http(settings: Settings, host: str, port: int) -> None:
    """Serve streamable HTTP on http://host:port/mcp (and GET /health), each request as its bearer key's user.
    Stateless: no session is kept between requests."""
    workspaces = open_workspaces(settings)
    server = build_server(RagTools(workspaces), bearer_caller(workspaces))
    server.run("streamable-http", host=host, port=port, streamable_http_path=HTTP_PATH, stateless_http=True)
