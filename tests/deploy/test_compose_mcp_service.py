"""The compose files' `mcp` service, run here as written (no Docker engine): its command serves MCP and its
healthcheck passes against it, and fails when nothing answers. Only the bind address and port are swapped
(tests listen on 127.0.0.1), and the embedding model is the packaged one instead of the vLLM server."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.compose_files import ROOT, service
from tests.servers import Server, free_port, running, start_server

COMPOSE_PORT = "8700"


def mcp_service() -> dict[str, Any]:
    return service("full", "mcp")


def swap(argv: list[str], flag: str, value: str) -> list[str]:
    at = argv.index(flag)
    return [*argv[: at + 1], value, *argv[at + 2 :]]


@pytest.fixture(scope="module")
def compose_mcp_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    command = [str(arg) for arg in mcp_service()["command"]]
    assert command[:4] == ["python", "-m", "app", "mcp"] and "--http" in command
    port = free_port()
    command = swap(swap(command, "--host", "127.0.0.1"), "--port", str(port))
    cleared = ("OPENAI_API_BASE", "LLM_API_BASE", "EMBEDDING_MODEL", "EMBEDDING_BACKEND", "CHROMA_HOST")
    env = {k: v for k, v in os.environ.items() if k not in cleared}
    env |= {"DATA_DIR": str(tmp_path_factory.mktemp("mcp-data")), "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    log = tmp_path_factory.mktemp("mcp-logs") / "mcp.log"
    server = start_server([sys.executable, *command[1:]], port=port, log=log, env=env)
    with running(server, deadline_s=120, expect=b"ok"):
        yield server


def healthcheck(port: int) -> int:
    test = [str(arg) for arg in mcp_service()["healthcheck"]["test"]]
    assert test[:2] == ["CMD", "python"] and f"127.0.0.1:{COMPOSE_PORT}/health" in test[-1]
    command = [sys.executable, *test[2:-1], test[-1].replace(f":{COMPOSE_PORT}/", f":{port}/")]
    return subprocess.run(command, capture_output=True, timeout=30, cwd=ROOT).returncode


def test_the_mcp_service_healthcheck_passes_against_its_command(compose_mcp_server: Server) -> None:
    assert healthcheck(int(compose_mcp_server.url.rsplit(":", 1)[1])) == 0


def test_the_mcp_service_healthcheck_fails_when_nothing_answers() -> None:
    assert healthcheck(free_port()) != 0
