"""Whether the settings fit the embedding model, checked before anything is opened or written.

Light on purpose (no LlamaIndex, no torch): `python -m app status` runs it on a model described by
its config files alone (`app.embeddings.describe_embedding`).
"""

from __future__ import annotations

from app.config import Settings
from app.embeddings import ModelDescription
from app.errors import ConfigError


def check_settings_fit(settings: Settings, model: ModelDescription) -> None:
    """Refuse settings the embedding model cannot honour (before anything is opened or written).

    Raises:
        ConfigError: CHUNK_SIZE longer than the model reads, CHUNK_OVERLAP >= CHUNK_SIZE, or token
            vectors asked of a server that gives none.
    """
    _check_chunk_fits(settings, model)
    _check_token_vectors(settings, model)


def no_token_vectors(settings: Settings, model: ModelDescription) -> ConfigError:
    if settings.embedding_backend == "vllm":
        return ConfigError(
            "RERANK, TOKEN_STORE and LATE_CHUNKING need token vectors, which a vLLM server gives only with "
            "VECTOR_TYPE=late.",
            "Serve the model with --pooler-config.task token_embed and set VECTOR_TYPE=late, or turn them off.",
        )
    return ConfigError(
        f"RERANK, TOKEN_STORE and LATE_CHUNKING need token vectors, which '{model.model_name}' does not give.",
        "Turn them off, or use the packaged MiniLM (unset EMBEDDING_MODEL) or a vLLM token_embed server.",
    )


def _check_token_vectors(settings: Settings, model: ModelDescription) -> None:
    if (settings.token_store or settings.rerank or settings.late_chunking) and not model.has_token_vectors:
        raise no_token_vectors(settings, model)


def _check_chunk_fits(settings: Settings, model: ModelDescription) -> None:
    room = model.max_tokens - model.special_tokens_per_text
    if settings.chunk_size > room:
        raise ConfigError(
            f"CHUNK_SIZE={settings.chunk_size} tokens is longer than '{model.model_name}' reads "
            f"({room} tokens): the end of every chunk would be cut off.",
            f"Set CHUNK_SIZE to {room} or less.",
        )
    if settings.chunk_overlap >= settings.chunk_size:
        raise ConfigError("CHUNK_OVERLAP must be smaller than CHUNK_SIZE.", "Lower CHUNK_OVERLAP.")
