"""Embedding backends. Each is a LlamaIndex BaseEmbedding that also reports what it is."""

from __future__ import annotations

from app.config import Settings
from app.embeddings.local import LocalEmbedding
from app.errors import ConfigError


def build_embedding(settings: Settings) -> LocalEmbedding:
    """The embedding model the settings choose."""
    if settings.embedding_backend == "vllm":
        raise ConfigError(
            "EMBEDDING_BACKEND=vllm is not available in this version yet.",
            "Use EMBEDDING_BACKEND=local (the default) for now.",
        )
    if settings.vector_type == "late":
        raise ConfigError(
            "VECTOR_TYPE=late is not available in this version yet.", "Use VECTOR_TYPE=dense (the default)."
        )
    return LocalEmbedding(
        model_path=settings.embedding_model,
        threads=settings.embedding_threads,
        dimensions=settings.embedding_dimensions,
        model_batch_size=settings.embedding_batch_size,
    )
