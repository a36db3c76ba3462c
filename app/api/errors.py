"""Errors as HTTP responses: a status from the error's class and an OpenAI-style body,
`{"error": {"message", "hint", "type"}}`, which the `openai` client surfaces as the exception's message."""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from app.errors import (
    AppError,
    AuthenticationError,
    ConfigError,
    EmbeddingError,
    EmptyQuestionError,
    FingerprintMismatchError,
    LLMError,
    NotFoundError,
    PermissionDeniedError,
    StoreError,
    UnreadableFileError,
)

log = logging.getLogger(__name__)

# First match wins: subclasses before their bases.
STATUS: tuple[tuple[type[AppError], int], ...] = (
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (EmptyQuestionError, 400),
    (ConfigError, 400),
    (UnreadableFileError, 422),
    # The collection or a server it needs cannot serve now: the request itself was fine.
    (FingerprintMismatchError, 503),
    (EmbeddingError, 503),
    (StoreError, 503),
    (LLMError, 503),
)


class HttpError(Exception):
    """An AppError with a status of its own (e.g. 413 for a file over the upload limit)."""

    def __init__(self, status: int, error: AppError) -> None:
        super().__init__(error.message)
        self.status, self.error = status, error


def status_of(error: AppError) -> int:
    """The HTTP status of an AppError: 401, 403, 404, 400 (bad question or setting), 422 (unreadable file),
    503 (a store or model is down or the index needs a reindex), else 500."""
    return next((status for kind, status in STATUS if isinstance(error, kind)), 500)


def error_type(error: AppError) -> str:
    """The body's `type`: the error class in snake case ("NotFoundError" -> "not_found_error")."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", type(error).__name__).lower()


def error_body(message: str, hint: str, kind: str) -> dict[str, dict[str, str]]:
    return {"error": {"message": message, "hint": hint, "type": kind}}


def error_response(status: int, message: str, hint: str = "", kind: str = "invalid_request_error") -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(error_body(message, hint, kind), status_code=status, headers=headers)


def app_error_response(error: AppError, status: int | None = None) -> JSONResponse:
    status = status or status_of(error)
    if status >= 500:
        log.warning("%s: %s", type(error).__name__, error)
    return error_response(status, error.message, error.hint, error_type(error))


def _validation_message(exc: RequestValidationError) -> tuple[int, str]:
    """400 for a body that is not JSON at all, 422 for one of the wrong shape; the message names the fields."""
    errors = list(exc.errors())
    if any(error.get("type") == "json_invalid" for error in errors):
        return 400, "The request body is not valid JSON."
    problems = []
    for error in errors[:5]:
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return 422, "The request is invalid: " + "; ".join(problems) + "."


def install_error_handlers(app: FastAPI) -> None:
    """Every error the API answers with gets the JSON body above; none leaks a stack trace."""

    async def on_app_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AppError)
        return app_error_response(exc)

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HttpError)
        return app_error_response(exc.error, exc.status)

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        status, message = _validation_message(exc)
        return error_response(status, message, "See the API's schema at /docs.")

    async def on_starlette_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        message = str(exc.detail) if exc.detail else "HTTP error"
        hint = "See the API's endpoints at /docs." if exc.status_code in (404, 405) else ""
        return error_response(exc.status_code, message, hint)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(
            500,
            f"The server failed: {type(exc).__name__}.",
            "Look at the server's log; report it if it persists.",
            "server_error",
        )

    app.add_exception_handler(AppError, on_app_error)
    app.add_exception_handler(HttpError, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(HTTPException, on_starlette_error)
    app.add_exception_handler(Exception, on_unexpected)
