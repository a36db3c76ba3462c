"""The HTTP API's error mapping: every AppError is a status and an OpenAI-style JSON body, never a stack trace."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.answers import completion_events, question_and_history
from app.api.errors import install_error_handlers
from app.api.schemas import ChatMessage
from app.chat.engine import Answer
from app.errors import (
    AppError,
    AuthenticationError,
    ConfigError,
    EmbeddingError,
    EmptyQuestionError,
    FingerprintMismatchError,
    IngestCancelledError,
    LLMError,
    NotFoundError,
    PermissionDeniedError,
    StoreError,
    UnreadableFileError,
)
from app.retrieval.passage import Passage

RAISED: list[tuple[Exception, int]] = [
    (AuthenticationError("No valid API key was sent.", "Send one."), 401),
    (PermissionDeniedError("Only the owner may add documents to it.", "Ask them."), 403),
    (NotFoundError("There is no collection named 'x' that you can read.", "Pick one."), 404),
    (EmptyQuestionError("The question is empty.", "Type one."), 400),
    (ConfigError("A collection name may not be empty.", "Name it."), 400),
    (UnreadableFileError("'a.pdf' is damaged.", "Re-export it."), 422),
    (FingerprintMismatchError("Built with another model.", "Reindex."), 503),
    (EmbeddingError("The embedding server is down.", "Start it."), 503),
    (StoreError("Chroma is down.", "Start it."), 503),
    (LLMError("The chat model is down.", "Start it."), 503),
    (IngestCancelledError("Cancelled.", ""), 500),
]


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raise/{number}")
    def raise_error(number: int) -> None:
        raise RAISED[number][0]

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("secret detail /etc/shadow")

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("number", range(len(RAISED)), ids=[type(error).__name__ for error, _ in RAISED])
def test_each_app_error_has_its_status_and_a_json_error_body(client: TestClient, number: int) -> None:
    error, status = RAISED[number]
    assert isinstance(error, AppError)
    response = client.get(f"/raise/{number}")
    assert response.status_code == status
    assert response.json() == {
        "error": {"message": error.message, "hint": error.hint, "type": response.json()["error"]["type"]}
    }
    assert response.json()["error"]["type"].endswith("_error")
    assert ("www-authenticate" in response.headers) == (status == 401)


def test_an_unexpected_exception_is_a_500_json_error_without_its_details(client: TestClient) -> None:
    response = client.get("/crash")
    assert response.status_code == 500
    assert response.json()["error"]["message"] == "The server failed: RuntimeError."
    assert "shadow" not in response.text


def test_an_unknown_path_and_method_are_json_errors(client: TestClient) -> None:
    assert client.get("/nowhere").json()["error"]["message"] == "Not Found"
    assert client.post("/crash").status_code == 405


def _answer(chunks: Iterator[str]) -> Answer:
    passage = Passage("report.pdf", "page 2", 0.61, "The coolant is sodium.", "ab" * 32, "chunk-1")
    return Answer("llm", [passage], chunks)


def _events(answer: Answer) -> list[str]:
    return [event.removeprefix("data: ").strip() for event in completion_events(answer, "notes")]


def test_a_streamed_answer_ends_with_its_citations_sources_and_done() -> None:
    events = _events(_answer(iter(["The coolant ", "is sodium [1]."])))
    assert events[-1] == "[DONE]"
    chunks = [json.loads(event) for event in events[:-1]]
    text = "".join(chunk["choices"][0]["delta"].get("content", "") for chunk in chunks)
    assert text == "The coolant is sodium [1].\n\nSources:\n[1] report.pdf, page 2"
    assert chunks[-1]["sources"][0]["location"] == "page 2"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert len({chunk["id"] for chunk in chunks}) == 1


def test_a_stream_that_fails_midway_ends_with_an_error_event_and_no_done() -> None:
    def failing() -> Iterator[str]:
        yield "The coolant "
        raise StoreError("Chroma went away.", "Start it again.")

    events = _events(_answer(failing()))
    assert json.loads(events[-1]) == {
        "error": {"message": "Chroma went away.", "hint": "Start it again.", "type": "store_error"}
    }
    assert "[DONE]" not in events


def test_the_question_is_the_last_user_message_and_earlier_turns_are_history() -> None:
    messages = [
        ChatMessage(role="system", content="Be brief."),
        ChatMessage(role="user", content="What cools the reactor?"),
        ChatMessage(role="assistant", content=[{"type": "text", "text": "Sodium [1]."}]),
        ChatMessage(role="user", content=[{"type": "text", "text": "Since when?"}, {"type": "image_url"}]),
    ]
    assert question_and_history(messages) == (
        "Since when?",
        [("user", "What cools the reactor?"), ("assistant", "Sodium [1].")],
    )
    with pytest.raises(EmptyQuestionError, match="assistant's"):
        question_and_history(messages[:3])
