"""The LLM answer path over HTTP against a minimal OpenAI-compatible streaming server.

This stub speaks only the slice of the protocol the app uses; the same path against a real
vLLM chat server belongs to the browser-chat issue's server tier.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest

from app.chat.engine import answer_question
from app.chat.llm import build_llm
from app.config import load_settings
from app.retrieval.dense import Passage
from tests.servers import free_port

PASSAGES = [
    Passage("report.pdf", "page 2", 0.61, "The coolant is liquid sodium at 550 degrees Celsius.", "sha", "c1"),
    Passage("notes.docx", "", 0.20, "Cats sleep sixteen hours a day.", "sha2", "c2"),
]
TOKENS = ["The coolant ", "runs at ", "550 °C ", "[1]."]


class ChatServer(BaseHTTPRequestHandler):
    requests: ClassVar[list[dict[str, Any]]] = []
    status = 200

    def log_message(self, *args: object) -> None:
        return

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ChatServer.requests.append(body)
        if ChatServer.status != 200:
            self.send_response(ChatServer.status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"error": {"message": "nope", "type": "auth", "code": None}}).encode())
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for token in TOKENS:
            chunk = {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "delta": {"content": token}, "finish_reason": None}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
        self.wfile.write(b"data: [DONE]\n\n")


@pytest.fixture
def chat_server() -> Iterator[str]:
    ChatServer.requests, ChatServer.status = [], 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), ChatServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/v1"
    server.shutdown()


def test_llm_answer_streams_with_numbered_sources(chat_server: str, embedding) -> None:  # type: ignore[no-untyped-def]
    llm = build_llm(load_settings(LLM_API_BASE=chat_server, LLM_MODEL="tiny", LLM_API_KEY="k"))
    answer = answer_question("How hot is the coolant?", PASSAGES, embedding=embedding, llm=llm)
    assert answer.mode == "llm"
    assert list(answer.chunks) == TOKENS
    [request] = ChatServer.requests
    assert request["stream"] is True and request["model"] == "tiny"
    prompt = request["messages"][-1]["content"]  # type: ignore[index]
    assert "[1] report.pdf, page 2\nThe coolant is liquid sodium" in prompt
    assert "[2] notes.docx\n" in prompt
    assert "square brackets" in request["messages"][0]["content"]  # type: ignore[index]


def test_conversation_history_is_sent_to_the_llm(chat_server: str, embedding) -> None:  # type: ignore[no-untyped-def]
    llm = build_llm(load_settings(LLM_API_BASE=chat_server))
    history = [("user", "What is the coolant?"), ("assistant", "Liquid sodium [1].")]
    answer_question("How hot is it?", PASSAGES, embedding=embedding, llm=llm, history=history).text()
    roles = [m["role"] for m in ChatServer.requests[0]["messages"]]  # type: ignore[union-attr]
    assert roles == ["system", "user", "assistant", "user"]


def test_llm_down_falls_back_to_an_extractive_answer_with_a_notice(embedding) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{free_port()}/v1"
    llm = build_llm(load_settings(LLM_API_BASE=url, LLM_TIMEOUT=5))
    answer = answer_question("How hot is the coolant?", PASSAGES, embedding=embedding, llm=llm)
    assert answer.mode == "extractive"
    assert "could not be reached" in answer.notice and url in answer.notice
    assert "550 degrees" in answer.text()


def test_rejected_api_key_names_the_setting(chat_server: str, embedding) -> None:  # type: ignore[no-untyped-def]
    ChatServer.status = 401
    llm = build_llm(load_settings(LLM_API_BASE=chat_server, LLM_API_KEY="wrong"))
    answer = answer_question("How hot is the coolant?", PASSAGES, embedding=embedding, llm=llm)
    assert answer.mode == "extractive" and "LLM_API_KEY" in answer.notice


def test_without_an_llm_the_answer_is_extractive_and_says_so(embedding) -> None:  # type: ignore[no-untyped-def]
    answer = answer_question("How hot is the coolant?", PASSAGES, embedding=embedding, llm=None)
    text = answer.text()
    assert text.startswith("Extractive answer")
    assert "- The coolant is liquid sodium at 550 degrees Celsius. [1]" in text
    assert "Cats" not in text, "a sentence far weaker than the best is left out"


def test_no_passages_asks_for_documents(embedding) -> None:  # type: ignore[no-untyped-def]
    assert "No documents are indexed yet" in answer_question("x", [], embedding=embedding, llm=None).text()
