"""Chroma server mode (CHROMA_HOST): the real `chroma run`, what a dead server and a refused token look like."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
from collections.abc import Iterator

import pytest

from app.config import load_settings
from app.errors import StoreError
from app.store.chroma import open_client
from tests.compose_files import service
from tests.integration.conftest import server_port
from tests.servers import Server, free_port

TOKEN = "s3cret-token-value"  # noqa: S105 - a test token, sent to a local test server


@pytest.mark.usefixtures("data_dir")
def test_the_app_writes_to_the_server_not_to_the_data_dir(chroma_server: Server, report_pdf: bytes) -> None:
    import chromadb

    from app.workspace import Workspace

    port = server_port(chroma_server)
    settings = load_settings(CHROMA_HOST="127.0.0.1", CHROMA_PORT=port, COLLECTION_NAME="server-mode-check")
    workspace = Workspace(settings)
    [result] = workspace.ingest([("report.pdf", report_pdf)])
    assert result.status == "indexed"
    assert not settings.resolved_chroma_path.exists(), "no embedded Chroma was opened"
    seen_by_another_client = chromadb.HttpClient(host="127.0.0.1", port=port).get_collection("server-mode-check")
    assert seen_by_another_client.count() == result.chunks
    chromadb.HttpClient(host="127.0.0.1", port=port).delete_collection("server-mode-check")


def test_a_server_that_is_down_is_a_store_error_naming_chroma_host() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(StoreError) as caught:
        open_client(load_settings(CHROMA_HOST="127.0.0.1", CHROMA_PORT=port))
    assert f"127.0.0.1:{port}" in caught.value.message
    assert "CHROMA_HOST" in caught.value.hint and "chroma run" in caught.value.hint


@pytest.fixture
def refusing_server() -> Iterator[tuple[int, list[dict[str, str]]]]:
    """An HTTP server that records request headers and answers 401, like an authenticating proxy."""
    seen: list[dict[str, str]] = []

    class Refuse(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(dict(self.headers))
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"error": "Unauthorized", "message": "invalid token"}).encode())

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1]), seen
    finally:
        server.shutdown()
        server.server_close()


def test_the_token_is_sent_as_bearer_and_never_shown(
    refusing_server: tuple[int, list[dict[str, str]]], caplog: pytest.LogCaptureFixture
) -> None:
    port, seen = refusing_server
    settings = load_settings(CHROMA_HOST="127.0.0.1", CHROMA_PORT=port, CHROMA_AUTH_TOKEN=TOKEN)
    with caplog.at_level("DEBUG"), pytest.raises(StoreError) as caught:
        open_client(settings)
    assert seen and seen[0]["Authorization"] == f"Bearer {TOKEN}"
    assert "refused" in caught.value.message and "CHROMA_AUTH_TOKEN" in caught.value.hint
    shown = [str(caught.value), repr(settings), settings.model_dump_json(), caplog.text]
    assert not any(TOKEN in text for text in shown)


def test_without_a_token_no_authorization_header_is_sent(refusing_server: tuple[int, list[dict[str, str]]]) -> None:
    port, seen = refusing_server
    with pytest.raises(StoreError):
        open_client(load_settings(CHROMA_HOST="127.0.0.1", CHROMA_PORT=port))
    assert seen and "Authorization" not in seen[0]


def test_the_compose_healthcheck_of_chroma_passes_against_a_real_server(chroma_server: Server) -> None:
    [kind, shell, flag, script] = service("full", "chroma")["healthcheck"]["test"]
    assert (kind, shell, flag) == ("CMD", "/bin/bash", "-c")
    here = script.replace("/dev/tcp/127.0.0.1/8000", f"/dev/tcp/127.0.0.1/{server_port(chroma_server)}")
    assert subprocess.run(["bash", "-c", here], timeout=10).returncode == 0
    nobody = script.replace("/dev/tcp/127.0.0.1/8000", f"/dev/tcp/127.0.0.1/{free_port()}")
    assert subprocess.run(["bash", "-c", nobody], timeout=10, capture_output=True).returncode != 0
