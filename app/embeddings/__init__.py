"""Embedding backends. Each is a LlamaIndex BaseEmbedding that satisfies the `Embedding` protocol."""

from __future__ import annotations

from pathlib import Path

from app.config import Settings
from app.embeddings.local import LocalEmbedding
from app.embeddings.protocol import Embedding
from app.embeddings.vector_cache import VectorCache
from app.embeddings.vllm import vLLMEmbedding
from app.errors import ConfigError

__all__ = ["Embedding", "build_embedding", "cache_vectors"]

# mypy checks here that both backends keep the whole contract.
_LOCAL: type[Embedding] = LocalEmbedding
_VLLM: type[Embedding] = vLLMEmbedding


def build_embedding(settings: Settings) -> Embedding:
    """The embedding model the settings choose.

    Raises:
        ConfigError: the vLLM backend without a server URL, VECTOR_TYPE=late on the local backend, or
            a local model folder that holds no model.
    """
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
    return LocalEmbedding(
        model_path=settings.embedding_model,
        threads=settings.embedding_threads,
        dimensions=settings.embedding_dimensions,
        model_batch_size=settings.embedding_batch_size,
    )


def cache_vectors(embedding: Embedding, path: Path) -> None:
    """Keep a local model's dense vectors in the SQLite file `path`, so re-runs skip the model.

    A server's vectors are not kept: it is not this process that pays for them.
    """
    if isinstance(embedding, LocalEmbedding):
        embedding.use_vector_cache(VectorCache(path, embedding.model_path))
