"""The errors a user can see. Each carries what went wrong and what to do about it."""

from __future__ import annotations


class AppError(Exception):
    """Base of every error shown to the user: `message` says what happened, `hint` what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()


class ConfigError(AppError):
    """A setting is missing or inconsistent."""


class UnreadableFileError(AppError):
    """An uploaded file is empty, corrupt, or of a type we cannot read."""


class FingerprintMismatchError(AppError):
    """The index on disk was built with another embedding configuration."""


class EmbeddingError(AppError):
    """The embedding model failed or is unreachable."""


class StoreError(AppError):
    """The vector store failed (disk full, server down, dimension drift)."""


class LLMError(AppError):
    """The chat model failed or is unreachable."""


class EmptyQuestionError(AppError):
    """A question with nothing to search for (empty, or only spaces and punctuation): it is not searched."""


class IngestCancelledError(AppError):
    """The user cancelled an ingestion; the document in progress was not indexed."""


class AuthenticationError(AppError):
    """No valid credentials: a missing, unknown or revoked API key (HTTP 401)."""


class PermissionDeniedError(AppError):
    """The user may read the collection but not do this to it (delete it, share it): HTTP 403."""


class NotFoundError(AppError):
    """No such collection or document for this user; one they may not read is reported the same way (HTTP 404)."""
