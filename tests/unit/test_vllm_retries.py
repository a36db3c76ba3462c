"""Which failures vLLMEmbedding retries, against a scripted HTTP server.

The scripted server plays only status codes a real vLLM rarely shows on demand (429, 503);
every other client path runs against real vLLM servers in tests/vllm.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import numpy as np
import pytest

from app.embeddings.vllm import vLLMEmbedding
from app.errors import EmbeddingError


class Scripted(BaseHTTPRequestHandler):
    """Answers POSTs with the next status in `script`; 200 means a valid 4-d embedding reply."""

    script: ClassVar[list[int]] = []
    calls: ClassVar[int] = 0
    error_message: ClassVar[str] = ""
    bodies: ClassVar[list[dict[str, object]]] = []

    def log_message(self, *args: object) -> None:
        return

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        Scripted.calls += 1
        Scripted.bodies.append(body)
        status = Scripted.script.pop(0) if Scripted.script else 200
        if status == 200:
            vector = base64.b64encode(np.array([0.5, 0.5, 0.5, 0.5], dtype="<f4").tobytes()).decode()
            rows = [{"index": i, "object": "embedding", "embedding": vector} for i in range(len(body["input"]))]
            payload = {"data": rows}
        else:
            message = Scripted.error_message or f"scripted {status}"
            payload = {"error": {"message": message, "type": "x", "code": status}}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if status == 429:
            self.send_header("Retry-After", "0")
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def scripted() -> Iterator[str]:
    Scripted.script, Scripted.calls, Scripted.error_message, Scripted.bodies = [], 0, "", []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.mark.parametrize("status", [429, 500, 503])
def test_rate_limits_and_server_errors_are_retried(scripted: str, status: int) -> None:
    Scripted.script = [status, status]
    [vector] = vLLMEmbedding(api_base=scripted, max_retries=2).embed_dense(["x"])
    assert vector.tolist() == [0.5, 0.5, 0.5, 0.5]
    assert Scripted.calls == 3


def test_retries_run_out_into_a_readable_error(scripted: str) -> None:
    Scripted.script = [503, 503, 503]
    with pytest.raises(EmbeddingError, match="answered 503"):
        vLLMEmbedding(api_base=scripted, max_retries=1).embed_dense(["x"])
    assert Scripted.calls == 2


@pytest.mark.parametrize("status", [400, 401, 404, 422])
def test_client_errors_are_not_retried(scripted: str, status: int) -> None:
    Scripted.script = [status]
    with pytest.raises(EmbeddingError):
        vLLMEmbedding(api_base=scripted, max_retries=3).embed_dense(["x"])
    assert Scripted.calls == 1


def test_a_server_without_matryoshka_gets_client_side_truncation(scripted: str) -> None:
    # What vLLM answers when the model is served without the Matryoshka override.
    Scripted.script = [400]
    Scripted.error_message = 'Model "x" does not support Matryoshka embeddings'
    client = vLLMEmbedding(api_base=scripted, dimensions=2)
    [first] = client.embed_dense(["x"])
    [second] = client.embed_dense(["y"])
    assert first.tolist() == pytest.approx([2**-0.5, 2**-0.5]) and second.shape == (2,)
    assert [("dimensions" in body) for body in Scripted.bodies] == [True, False, False]
