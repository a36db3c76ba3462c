"""Embedding backends. Each is a LlamaIndex BaseEmbedding that also reports what it is."""

from __future__ import annotations

from app.config import Settings
from app.embeddings.e5 import E5_SETTING, E5Embedding
from app.embeddings.local import LocalEmbedding
from app.embeddings.vllm import vLLMEmbedding
from app.errors import ConfigError

Embedding = LocalEmbedding | vLLMEmbedding | E5Embedding


def build_embedding(settings: Settings) -> Embedding:
    """The embedding model the settings choose."""
    if settings.embedding_backend == "vllm":
        if not settings.embedding_api_base:
            raise ConfigError(
                "EMBEDDING_BACKEND=vllm needs the server's URL.",
                "Set EMBEDDING_API_BASE (or OPENAI_API_BASE), e.g. http://127.0.0.1:8000.",
            )
        return vLLMEmbedding(
            api_base=settings.embedding_api_base,
            api_key=settings.embedding_api_key.get_secret_value() or None,
            model_name=settings.embedding_model or "jina-embeddings-v4",
            vector_type=settings.vector_type,
            dimensions=settings.embedding_dimensions,
            max_in_flight=settings.embedding_max_in_flight,
            timeout=settings.embedding_timeout,
            max_retries=settings.embedding_max_retries,
            truncate=settings.embedding_truncate,
        )
    if settings.vector_type == "late":
        raise ConfigError(
            "VECTOR_TYPE=late needs EMBEDDING_BACKEND=vllm (a token_embed server) in this version.",
            "Use VECTOR_TYPE=dense with the local backend.",
        )
    if settings.embedding_model == E5_SETTING:
        return E5Embedding(
            threads=settings.embedding_threads,
            dimensions=settings.embedding_dimensions,
            model_batch_size=settings.embedding_batch_size,
        )
    return LocalEmbedding(
        model_path=settings.embedding_model,
        threads=settings.embedding_threads,
        dimensions=settings.embedding_dimensions,
        model_batch_size=settings.embedding_batch_size,
    )
