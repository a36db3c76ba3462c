"""An `Answer` as OpenAI chat completion objects: the answer text with the UI's citations ("[1] file, page 2"),
whole or as server-sent events, and the cited passages as a `sources` field."""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Iterator
from typing import Any

from app.api.errors import error_body, error_type
from app.api.schemas import ChatMessage, Source
from app.chat.engine import Answer
from app.errors import AppError, EmptyQuestionError

log = logging.getLogger(__name__)


def question_and_history(messages: list[ChatMessage]) -> tuple[str, list[tuple[str, str]]]:
    """The question (the last message, which must be the user's) and the turns before it as (role, text),
    user and assistant turns only. Raises EmptyQuestionError when the last message is not a user's."""
    *earlier, last = messages
    if last.role != "user":
        raise EmptyQuestionError(
            f"The last message is the {last.role}'s: there is no question to answer.",
            "End `messages` with the user's question.",
        )
    history: list[tuple[str, str]] = [
        (m.role, m.text()) for m in earlier if m.role in ("user", "assistant") and m.text().strip()
    ]
    return last.text(), history


def sources_text(answer: Answer) -> str:
    """The citations the UI lists under an answer, as text: "[1] file, page 2", one a line."""
    if not answer.sources:
        return ""
    label = "Closest passages" if answer.mode == "not_found" else "Sources"
    lines = [f"[{number}] {passage.citation}" for number, passage in enumerate(answer.sources, start=1)]
    return f"\n\n{label}:\n" + "\n".join(lines)


def sources(answer: Answer) -> list[dict[str, Any]]:
    return [Source.of(number, passage).model_dump() for number, passage in enumerate(answer.sources, start=1)]


def _notice_text(answer: Answer) -> str:
    return f"Note: {answer.notice}\n\n" if answer.notice else ""


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def completion(answer: Answer, model: str) -> dict[str, Any]:
    """The whole answer as an OpenAI `chat.completion`, plus `sources`, `answer_mode` and `notice`."""
    text = _notice_text(answer) + answer.text() + sources_text(answer)
    return {
        "id": _completion_id(),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "sources": sources(answer),
        "answer_mode": answer.mode,
        "notice": answer.notice,
    }


def _event(payload: dict[str, Any] | str) -> str:
    data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {data}\n\n"


def completion_events(answer: Answer, model: str) -> Iterator[str]:
    """The answer as server-sent `chat.completion.chunk` events, then `data: [DONE]`: the text as it is
    written, the citations and `sources` on the last chunk. A failure mid-answer ends the stream with an
    `{"error": ...}` event (the openai client raises it)."""
    base = {"id": _completion_id(), "object": "chat.completion.chunk", "created": int(time.time()), "model": model}

    def chunk(delta: dict[str, str], finish: str | None = None, **extra: Any) -> str:
        return _event({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra})

    yield chunk({"role": "assistant", "content": _notice_text(answer)})
    try:
        for text in answer.chunks:
            if text:
                yield chunk({"content": text})
    except AppError as exc:
        log.warning("answer stream failed: %s", exc)
        yield _event(error_body(exc.message, exc.hint, error_type(exc)))
        return
    except Exception as exc:  # the response has started: the client gets an error event
        log.exception("answer stream failed")
        yield _event(
            error_body(f"The answer failed: {type(exc).__name__}.", "Look at the server's log.", "server_error")
        )
        return
    yield chunk(
        {"content": sources_text(answer)},
        "stop",
        sources=sources(answer),
        answer_mode=answer.mode,
        notice=answer.notice,
    )
    yield _event("[DONE]")
