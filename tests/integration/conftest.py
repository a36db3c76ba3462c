"""A real Chroma server (`chroma run`, from the chromadb package) for the store tests' server mode."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.servers import Server, free_port, require, running, start_server

CHROMA = Path(sys.executable).parent / "chroma"


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require(CHROMA, "chroma (the chromadb package's server)")
    port = free_port()
    folder = tmp_path_factory.mktemp("chroma-server")
    command = [str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(folder / "db")]
    server = start_server(command, port=port, log=folder / "chroma-server.log")
    with running(server, health="/api/v2/heartbeat", deadline_s=60):
        yield server


def server_port(server: Server) -> int:
    return int(server.url.rsplit(":", 1)[1])


@pytest.fixture(params=["embedded", "server"])
def chroma_backend(request: pytest.FixtureRequest, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test against the embedded Chroma and again against a Chroma server (CHROMA_HOST), from empty."""
    if request.param == "server":
        import chromadb

        server: Server = request.getfixturevalue("chroma_server")
        client = chromadb.HttpClient(host="127.0.0.1", port=server_port(server))
        for collection in client.list_collections():
            client.delete_collection(collection.name)
        monkeypatch.setenv("CHROMA_HOST", "127.0.0.1")
        monkeypatch.setenv("CHROMA_PORT", str(server_port(server)))
    return str(request.param)
