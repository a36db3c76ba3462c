"""Health of the three services an answer needs: the embedding model, Chroma and the chat model.

Each check says what it found and, when something is down, what to do. URLs are shown without
credentials and API keys never appear in a result (see `app.urls.redact_url`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
from chromadb.api import ClientAPI

from app.config import Settings
from app.embeddings import Embedding
from app.errors import AppError
from app.urls import redact_url

PROBE_TEXT = "status probe"


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    ok: bool
    detail: str
    hint: str = ""


def check_embedding(settings: Settings, embedding: Embedding) -> ComponentStatus:
    """Embed one query and time it: a working model, its size and its latency right now."""
    base = settings.embedding_api_base
    where = f" at {redact_url(base)}" if settings.embedding_backend == "vllm" and base else ""
    started = time.perf_counter()
    try:
        vector = embedding.get_query_embedding(PROBE_TEXT)
    except AppError as exc:
        return ComponentStatus("Embedding", False, exc.message, exc.hint)
    except (OSError, RuntimeError) as exc:
        return ComponentStatus(
            "Embedding",
            False,
            f"The embedding model '{embedding.model_name}'{where} failed: {type(exc).__name__}.",
            "Check the embedding settings (EMBEDDING_BACKEND, EMBEDDING_MODEL, EMBEDDING_API_BASE).",
        )
    millis = (time.perf_counter() - started) * 1000
    return ComponentStatus(
        "Embedding",
        True,
        f"{settings.embedding_backend} · {embedding.model_name}{where} · {len(vector)}-d · {millis:.0f} ms per query",
    )


def check_chroma(settings: Settings, client: ClientAPI) -> ComponentStatus:
    if settings.chroma_host:
        where = f"server at {redact_url(f'http://{settings.chroma_host}:{settings.chroma_port}')}"
    else:
        where = f"embedded at {settings.resolved_chroma_path}"
    try:
        client.heartbeat()
        count = client.count_collections()
    except Exception as exc:  # noqa: BLE001 - any client failure means "down"; the type is reported
        return ComponentStatus(
            "Chroma",
            False,
            f"Chroma ({where}) does not answer: {type(exc).__name__}.",
            "Check that the data folder exists and is writable (or that the Chroma server runs), then reload.",
        )
    return ComponentStatus("Chroma", True, f"{where} · {count} collection{'' if count == 1 else 's'}")


def check_llm(settings: Settings, timeout: float = 5.0) -> ComponentStatus:
    """Ask the chat server which models it serves (`GET /models`), without spending tokens."""
    if not settings.llm_api_base:
        return ComponentStatus(
            "LLM",
            True,
            "none configured: answers are extractive (quoted sentences)",
            "Set LLM_API_BASE (and LLM_MODEL) to an OpenAI-compatible server for written answers.",
        )
    url = settings.llm_api_base.rstrip("/")
    shown = redact_url(url)
    key = settings.llm_api_key.get_secret_value()
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        response = httpx.get(f"{url}/models", headers=headers, timeout=timeout)
    except httpx.HTTPError as exc:
        return ComponentStatus(
            "LLM",
            False,
            f"The chat server at {shown} cannot be reached ({type(exc).__name__}); answers are extractive meanwhile.",
            "Start the server, or fix LLM_API_BASE (it usually ends in /v1).",
        )
    if response.status_code in (401, 403):
        return ComponentStatus(
            "LLM", False, f"The chat server at {shown} rejected the API key.", "Check LLM_API_KEY (or OPENAI_API_KEY)."
        )
    if response.status_code != 200:
        return ComponentStatus(
            "LLM",
            False,
            f"The chat server at {shown} answered HTTP {response.status_code} to GET /models.",
            "Check LLM_API_BASE: it should be the OpenAI-compatible base URL, usually ending in /v1.",
        )
    try:
        served = [str(model["id"]) for model in response.json().get("data", [])]
    except (ValueError, KeyError, TypeError, AttributeError):
        served = []
    if served and settings.llm_model not in served:
        return ComponentStatus(
            "LLM",
            False,
            f"The chat server at {shown} does not serve '{settings.llm_model}'.",
            f"Set LLM_MODEL to one of: {', '.join(served)}.",
        )
    return ComponentStatus("LLM", True, f"{settings.llm_model} at {shown}")


def check_services(settings: Settings, embedding: Embedding, client: ClientAPI) -> list[ComponentStatus]:
    return [check_embedding(settings, embedding), check_chroma(settings, client), check_llm(settings)]
