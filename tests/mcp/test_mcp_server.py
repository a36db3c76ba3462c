"""The MCP server as MCP clients meet it: `python -m app mcp` spawned as a real process and driven by the official
SDK's own client, over stdio (the key in RAG_API_KEY) and over streamable HTTP (the key in each request's
`Authorization: Bearer` header). The data folder is filled through `Workspace` as its users, who make their keys
with `create_api_key`, as they would in the app's sidebar."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import pytest
from mcp import Client, StdioServerParameters
from mcp.types import CallToolResult, TextContent

from app.config import load_settings
from app.store.access import User
from app.workspace import Workspace
from tests.conftest import PAGE2_QUESTION, PAGES
from tests.servers import Server, free_port, running, start_server

ROOT = Path(__file__).resolve().parents[2]
ALICE = User("alice@example.com", name="Alice")
BOB = User("bob@example.com", name="Bob")
FILES = {"puffins.txt": PAGES[0], "reactor.txt": PAGES[1], "bread.txt": PAGES[2]}
# Nothing from the test run's environment may change what the server sees: no LLM, the packaged model, no admins.
CLEARED = (
    "OPENAI_API_BASE", "LLM_API_BASE", "EMBEDDING_MODEL", "EMBEDDING_BACKEND", "COLLECTION_NAME", "CHROMA_HOST",
    "ADMIN_USERS", "ADMIN_GROUPS", "RAG_API_KEY",
)  # fmt: skip
T = TypeVar("T")


@dataclass(frozen=True)
class Library:
    """A data folder: Alice owns `reports` (three documents), Bob owns `bob-notes`; their keys, one revoked."""

    data_dir: Path
    alice_key: str
    bob_key: str
    revoked_key: str

    def server_env(self, **extra: str) -> dict[str, str]:
        return {
            "DATA_DIR": str(self.data_dir),
            "PYTHONPATH": str(ROOT),
            "HF_HUB_OFFLINE": "1",
            "TRANSFORMERS_OFFLINE": "1",
            **extra,
        }


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, embedding: Any) -> Iterator[Library]:
    data_dir = tmp_path_factory.mktemp("mcp") / "data"
    with pytest.MonkeyPatch.context() as env:
        for name in CLEARED:
            env.delenv(name, raising=False)
        env.setenv("DATA_DIR", str(data_dir))
        settings = load_settings()
        reports = Workspace(settings.model_copy(update={"collection": "reports"}), embedding, user=ALICE)
        results = reports.ingest([(name, text.encode()) for name, text in FILES.items()])
        assert [r.status for r in results] == ["indexed"] * 3, results
        bobs = Workspace(settings.model_copy(update={"collection": "bob-notes"}), embedding, user=BOB)
        bobs.ingest([("shopping.txt", b"Bob buys oat milk and rye bread on Fridays.")])
        revoked = reports.create_api_key("old laptop")
        reports.revoke_api_key(reports.api_keys()[-1].key_id)
        yield Library(data_dir, reports.create_api_key("mcp"), bobs.create_api_key("mcp"), revoked)


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return anyio.run(scenario)


def stdio_server(library: Library, cwd: Path, key: str | None) -> StdioServerParameters:
    """`python -m app mcp` as an MCP client's config starts it: command, args, env (RAG_API_KEY when given)."""
    env = library.server_env(**({"RAG_API_KEY": key} if key is not None else {}))
    return StdioServerParameters(command=sys.executable, args=["-m", "app", "mcp"], env=env, cwd=str(cwd))


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def structured(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert isinstance(result.structured_content, dict)
    return result.structured_content


def test_the_sdk_client_lists_the_tools_and_searches_a_collection_over_stdio(library: Library, tmp_path: Path) -> None:
    async def scenario() -> tuple[list[str], dict[str, Any], dict[str, Any]]:
        async with Client(stdio_server(library, tmp_path, library.alice_key)) as client:
            tools = await client.list_tools()
            collections = await client.call_tool("list_collections", {})
            found = await client.call_tool("search", {"collection": "reports", "query": "puffin burrows", "top_k": 2})
            return sorted(tool.name for tool in tools.tools), structured(collections), structured(found)

    names, collections, found = run(scenario)
    assert names == ["ask", "list_collections", "search"]
    assert collections == {"collections": ["reports"]}, "Alice reads her own collection, not Bob's"
    assert found["collection"] == "reports" and len(found["passages"]) == 2
    best = found["passages"][0]
    assert best["file"] == "puffins.txt" and "burrows" in best["text"]
    assert set(best) == {"file", "location", "score", "text"}
    assert best["score"] > found["passages"][1]["score"]


def test_ask_answers_from_the_file_that_holds_the_answer_and_cites_it(library: Library, tmp_path: Path) -> None:
    async def scenario() -> dict[str, Any]:
        async with Client(stdio_server(library, tmp_path, library.alice_key)) as client:
            return structured(await client.call_tool("ask", {"collection": "reports", "question": PAGE2_QUESTION}))

    answer = run(scenario)
    assert answer["mode"] == "extractive", "no LLM is configured"
    assert "550" in answer["answer"]
    cited = {int(number) for number in re.findall(r"\[(\d+)\]", answer["answer"])}
    sources = {source["number"]: source["file"] for source in answer["sources"]}
    assert cited and {sources[number] for number in cited} == {"reactor.txt"}


def test_a_key_whose_user_cannot_read_the_collection_gets_no_collection_named_and_no_passages(
    library: Library, tmp_path: Path
) -> None:
    async def scenario() -> tuple[CallToolResult, CallToolResult, dict[str, Any]]:
        async with Client(stdio_server(library, tmp_path, library.bob_key)) as client:
            search = await client.call_tool("search", {"collection": "reports", "query": "reactor coolant"})
            ask = await client.call_tool("ask", {"collection": "reports", "question": PAGE2_QUESTION})
            return search, ask, structured(await client.call_tool("list_collections", {}))

    search, ask, collections = run(scenario)
    for refused in (search, ask):
        assert refused.is_error and refused.structured_content is None
        assert "There is no collection named 'reports' that you can read." in text_of(refused)
        assert "Zephyr" not in text_of(refused) and "Traceback" not in text_of(refused)
    assert collections == {"collections": ["bob-notes"]}


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "No valid API key was sent."),
        ("jrag_000000000000_" + "x" * 43, "The API key is not valid."),
        ("revoked", "was revoked on"),
    ],
    ids=["missing", "unknown", "revoked"],
)
def test_a_missing_unknown_or_revoked_key_is_refused_with_a_clear_message(
    library: Library, tmp_path: Path, key: str | None, message: str
) -> None:
    async def scenario() -> CallToolResult:
        sent = library.revoked_key if key == "revoked" else key
        async with Client(stdio_server(library, tmp_path, sent)) as client:
            return await client.call_tool("search", {"collection": "reports", "query": "puffins"})

    refused = run(scenario)
    assert refused.is_error and refused.structured_content is None
    assert message in text_of(refused)
    assert "What to do: Set RAG_API_KEY" in text_of(refused)
    assert "puffin" not in text_of(refused).lower()


@pytest.fixture(scope="module")
def http_server(library: Library, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    port = free_port()
    command = [sys.executable, "-m", "app", "mcp", "--http", "--host", "127.0.0.1", "--port", str(port)]
    env = {name: value for name, value in os.environ.items() if name not in CLEARED} | library.server_env()
    server = start_server(command, port=port, log=tmp_path_factory.mktemp("mcp-logs") / "mcp-http.log", env=env)
    with running(server, deadline_s=120, expect=b"ok"):
        yield server


def test_over_http_each_request_acts_as_the_user_of_its_bearer_key(library: Library, http_server: Server) -> None:
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    async def call(headers: dict[str, str], tool: str, arguments: dict[str, Any]) -> CallToolResult:
        async with (
            create_mcp_http_client(headers=headers) as http,
            Client(streamable_http_client(f"{http_server.url}/mcp", http_client=http)) as client,
        ):
            return await client.call_tool(tool, arguments)

    async def scenario() -> list[CallToolResult]:
        search = {"collection": "reports", "query": "When was the coolant pump replaced?", "top_k": 1}
        return [
            await call({"Authorization": f"Bearer {library.alice_key}"}, "search", search),
            await call({"Authorization": f"Bearer {library.bob_key}"}, "search", search),
            await call({}, "search", search),
            await call({"Authorization": f"bearer {library.bob_key}"}, "list_collections", {}),
        ]

    alice, bob, nobody, bobs_collections = run(scenario)
    [passage] = structured(alice)["passages"]
    assert passage["file"] == "reactor.txt" and "March 2021" in passage["text"]
    assert bob.is_error and "There is no collection named 'reports'" in text_of(bob)
    assert nobody.is_error and "No valid API key was sent." in text_of(nobody)
    assert "Authorization: Bearer" in text_of(nobody)
    assert structured(bobs_collections) == {"collections": ["bob-notes"]}


@pytest.mark.parametrize(
    ("headers", "key"),
    [
        ({"authorization": "Bearer jrag_abc"}, "jrag_abc"),
        ({"Authorization": "bearer   jrag_abc "}, "jrag_abc"),
        ({"authorization": "Basic dXNlcjpwdw=="}, None),
        ({"authorization": "Bearer "}, None),
        ({"x-api-key": "jrag_abc"}, None),
        (None, None),
    ],
)
def test_only_an_authorization_bearer_header_carries_the_key(headers: dict[str, str] | None, key: str | None) -> None:
    from app.mcp_server.server import bearer_key

    assert bearer_key(headers) == key
