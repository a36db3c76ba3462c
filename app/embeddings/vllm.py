"""vLLMEmbedding: a LlamaIndex embedding client for jina-embeddings-v4 (or any pooling model) on vLLM.

Speaks vLLM's real protocol only:
- dense: `POST /v1/embeddings` on an `embed` server (MEAN pooling), base64 float32 responses;
- late: `POST /pooling` with `task: token_embed` and `use_activation: false` on a `token_embed`
  server; the client mean-pools the raw token states into the dense vector and L2-normalizes each
  token vector for MaxSim, so one call yields both.
Texts get jina's `Query: ` / `Passage: ` prefixes. Requests go out in batches bounded by count and
by (estimated) tokens, several in flight over one pooled async HTTP client, results in input order.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import re
import threading
import weakref
from collections.abc import Awaitable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

import httpx
import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import Field, PrivateAttr

from app.embeddings.pooling import FloatArray, l2_normalize, mean_pool, truncate_matryoshka
from app.errors import EmbeddingError

log = logging.getLogger(__name__)

T = TypeVar("T")

QUERY_PREFIX = "Query: "
PASSAGE_PREFIX = "Passage: "
IMAGE_PROMPT = "Describe the image."
_RETRY_STATUS = {429, 500, 502, 503, 504}
_NO_MATRYOSHKA = "does not support matryoshka"  # vLLM, for a model served without the override
_WORDISH = re.compile(r"\w+|[^\w\s]")


def estimate_tokens(text: str) -> int:
    """A cheap upper-side token estimate (words and punctuation, +30% for sub-word splits)."""
    return int(len(_WORDISH.findall(text)) * 1.3) + 1


@dataclass(frozen=True)
class ServerInfo:
    """What the start-up check learned from the server."""

    model: str
    max_model_len: int | None
    dimension: int
    served: tuple[str, ...]


class _LoopThread:
    """A private event loop on a daemon thread, so sync calls work even inside a running loop (notebooks)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, name="vllm-embedding-loop", daemon=True).start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()


class vLLMEmbedding(BaseEmbedding):
    """Dense or late (per-token) embeddings from a vLLM server; an `app.embeddings.Embedding`.

    What it sends (all JSON over one pooled `httpx.AsyncClient` per event loop, bearer `api_key` if set):
    - `POST {api_base}/v1/embeddings` with `input`, `encoding_format: base64` and, for Matryoshka,
      `dimensions` (VECTOR_TYPE=dense, an `embed` server): one float32 vector per input;
    - `POST {api_base}/pooling` with `task: token_embed`, `use_activation: false` (VECTOR_TYPE=late, a
      `token_embed` server): raw token states per input, mean-pooled here into the dense vector and
      L2-normalized row by row into the token vectors;
    - images as chat-style `messages` with an `image_url` data URI, to the same path;
    - `GET /v1/models` once, on first need of `dimension` or `max_tokens` (the start-up check), and
      `POST /tokenize` for exact token counts and late chunking.
    Texts get `query_prefix` / `text_prefix`; requests hold at most `max_batch_texts` texts and
    `max_batch_tokens` estimated tokens, `max_in_flight` of them at once; results keep input order.

    Retries: connection errors, timeouts, 429 and 500/502/503/504 are retried `max_retries` times with
    exponential backoff from 0.5 s (doubling, +-25% jitter; a numeric `Retry-After` wins). Nothing else
    is retried.

    Raises:
        EmbeddingError: the server cannot be reached after the retries, rejects the API key (401), does
            not serve `model_name`, runs another pooling task than VECTOR_TYPE needs, refuses
            `dimensions` or an input longer than its context (400), or answers another error status;
            also when token vectors or late chunking are asked of a dense-only client. Each names the fix.
    """

    api_base: str = Field(description="Server URL, e.g. http://127.0.0.1:8000 (a trailing /v1 is fine).")
    api_key: str | None = Field(default=None, repr=False, description="Bearer token if the server has --api-key.")
    vector_type: Literal["dense", "late"] = Field(default="dense", description="dense: /v1/embeddings; late: /pooling.")
    dimensions: int | None = Field(default=None, description="Matryoshka size; None = the model's full size.")
    max_batch_texts: int = Field(default=64, ge=1, description="Texts per request, at most.")
    max_batch_tokens: int = Field(default=16384, ge=1, description="Estimated tokens per request, at most.")
    max_in_flight: int = Field(default=4, ge=1, description="Requests sent concurrently.")
    timeout: float = Field(default=120.0, gt=0, description="Seconds per request.")
    max_retries: int = Field(default=3, ge=0, description="Retries on connection errors, 429 and 5xx.")
    truncate: bool = Field(
        default=False, description="Truncate inputs longer than the model's context instead of failing."
    )
    query_prefix: str = Field(default=QUERY_PREFIX, description="Prepended to questions.")
    text_prefix: str = Field(default=PASSAGE_PREFIX, description="Prepended to passages.")

    _clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = PrivateAttr(
        default_factory=weakref.WeakKeyDictionary
    )
    _loop_thread: _LoopThread | None = PrivateAttr(default=None)
    _server_matryoshka: bool | None = PrivateAttr(default=None)
    _info: ServerInfo | None = PrivateAttr(default=None)
    _token_dim: int | None = PrivateAttr(default=None)
    _leading_specials: int | None = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("model_name", "jina-embeddings-v4")
        kwargs.setdefault("embed_batch_size", 256)  # LlamaIndex's hand-over; requests are split below
        super().__init__(**kwargs)
        self.api_base = re.sub(r"/v1/?$", "", self.api_base.rstrip("/"))

    @classmethod
    def class_name(cls) -> str:
        return "vLLMEmbedding"

    # ---- HTTP plumbing -------------------------------------------------------------------------

    def _client(self) -> httpx.AsyncClient:
        """One pooled client per event loop (an httpx client cannot cross loops); gone with its loop."""
        key = asyncio.get_running_loop()
        client = self._clients.get(key)
        if client is None:
            headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
            limits = httpx.Limits(max_connections=self.max_in_flight, max_keepalive_connections=self.max_in_flight)
            client = httpx.AsyncClient(base_url=self.api_base, headers=headers, timeout=self.timeout, limits=limits)
            self._clients[key] = client
        return client

    def _run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop_thread is None:
                self._loop_thread = _LoopThread()
        return self._loop_thread.run(coroutine)

    async def _request(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        """One call with retries (connection errors, 429, 5xx only); errors become typed EmbeddingErrors."""
        for attempt in range(self.max_retries + 1):
            try:
                response = await self._client().request(method, path, json=payload)
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                if attempt < self.max_retries:
                    await self._backoff(attempt)
                    continue
                raise EmbeddingError(
                    f"The embedding server at {self.api_base} cannot be reached ({type(exc).__name__}).",
                    "Start the vLLM server, or check EMBEDDING_API_BASE. Nothing was indexed.",
                ) from exc
            if response.status_code in _RETRY_STATUS and attempt < self.max_retries:
                await self._backoff(attempt, response.headers.get("retry-after"))
                continue
            if response.status_code >= 400:
                raise await self._http_error(response, path)
            return response.json()
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    async def _backoff(attempt: int, retry_after: str | None = None) -> None:
        delay = float(retry_after) if retry_after and retry_after.isdigit() else 0.5 * 2**attempt
        await asyncio.sleep(delay * (0.75 + random.random() / 2))  # noqa: S311 - jitter, not crypto

    async def _http_error(self, response: httpx.Response, path: str) -> EmbeddingError:
        status = response.status_code
        message = _error_message(response)
        where = f"{self.api_base}{path}"
        if status == 401:
            return EmbeddingError(
                f"The embedding server at {self.api_base} rejected the API key (401).",
                "Set EMBEDDING_API_KEY (or OPENAI_API_KEY) to the key the server was started with.",
            )
        if status == 404 and "model" in message.lower():
            served = await self._served_models_or_empty()
            return EmbeddingError(
                f"The embedding server at {self.api_base} does not serve the model '{self.model_name}'.",
                f"It serves: {', '.join(served) or 'nothing listed'}. Set EMBEDDING_MODEL to one of them.",
            )
        if "pooling_task" in message or "token_embed" in message or (status == 501 and "Embeddings API" in message):
            wanted = "token_embed (VECTOR_TYPE=late)" if self.vector_type == "late" else "embed (VECTOR_TYPE=dense)"
            return EmbeddingError(
                f"The embedding server at {self.api_base} runs another pooling task than this app needs: "
                f"{wanted}. The server said: {message}",
                "Start vLLM with `--pooler-config.task token_embed` for late vectors (it serves dense too, "
                "pooled by the app) or without it for dense, or change VECTOR_TYPE.",
            )
        if status == 400 and ("dimension" in message.lower() or "matryoshka" in message.lower()):
            return EmbeddingError(
                f"The embedding server refused EMBEDDING_DIMENSIONS={self.dimensions}: {message}",
                "Serve the model with --hf-overrides '{\"matryoshka_dimensions\": [...]}' or pick a listed size.",
            )
        if status == 400 and ("input_tokens" in response.text or "context length" in message or "too long" in message):
            return EmbeddingError(
                f"A text is longer than the embedding model's context: {message}",
                "Lower CHUNK_SIZE, or set EMBEDDING_TRUNCATE=true to let the server cut long inputs.",
            )
        return EmbeddingError(f"The embedding server answered {status} at {where}: {message}")

    async def _served_models_or_empty(self) -> list[str]:
        try:
            data = await self._request("GET", "/v1/models")
        except EmbeddingError:
            return []
        return [str(model["id"]) for model in data.get("data", [])]

    # ---- requests ------------------------------------------------------------------------------

    def _batches(self, texts: Sequence[str]) -> list[list[int]]:
        """Index groups of at most `max_batch_texts` texts and `max_batch_tokens` estimated tokens."""
        batches: list[list[int]] = [[]]
        tokens = 0
        for index, text in enumerate(texts):
            cost = estimate_tokens(text)
            if batches[-1] and (len(batches[-1]) >= self.max_batch_texts or tokens + cost > self.max_batch_tokens):
                batches.append([])
                tokens = 0
            batches[-1].append(index)
            tokens += cost
        return [batch for batch in batches if batch]

    def _payload(self, inputs: list[str] | None = None, messages: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"model": self.model_name}
        if inputs is not None:
            payload["input"] = inputs
        if messages is not None:
            payload["messages"] = messages
        if self.truncate:
            payload["truncate_prompt_tokens"] = -1
        if self.vector_type == "late":
            payload.update(task="token_embed", use_activation=False)
            # base64 token vectors arrive flattened: until one float reply has shown the width, ask for floats.
            if self._token_dim is not None:
                payload["encoding_format"] = "base64"
        else:
            payload["encoding_format"] = "base64"
            if self.dimensions is not None and self._server_matryoshka is not False:
                payload["dimensions"] = self.dimensions
        return payload

    async def _post_vectors(self, payload: dict[str, Any]) -> list[tuple[FloatArray, FloatArray | None]]:
        """(dense, token vectors or None) per input, in input order."""
        path = "/pooling" if self.vector_type == "late" else "/v1/embeddings"
        try:
            data = await self._request("POST", path, payload)
        except EmbeddingError as exc:
            if "dimensions" in payload and _NO_MATRYOSHKA in exc.message.lower() and self._server_matryoshka is None:
                # The server has no Matryoshka override: truncate on the client (same vector, see pooling.py).
                log.info("server refuses `dimensions`; truncating on the client")
                self._server_matryoshka = False
                return await self._post_vectors({k: v for k, v in payload.items() if k != "dimensions"})
            raise
        if "dimensions" in payload:
            self._server_matryoshka = True
        rows = sorted(data["data"], key=lambda row: row["index"])
        if self.vector_type == "late":
            results: list[tuple[FloatArray, FloatArray | None]] = []
            for row in rows:
                states = self._token_states(row["data"])
                results.append((truncate_matryoshka(mean_pool(states), self.dimensions), l2_normalize(states)))
            return results
        return [(self._dense_from(row["embedding"]), None) for row in rows]

    def _token_states(self, value: str | list[list[float]]) -> FloatArray:
        if isinstance(value, str):
            flat = np.frombuffer(base64.b64decode(value), dtype="<f4").astype(np.float32)
            return flat.reshape(-1, self._token_dim or flat.size)
        states = np.asarray(value, dtype=np.float32)
        self._token_dim = int(states.shape[-1])
        return states

    def _dense_from(self, value: str | list[float]) -> FloatArray:
        vector = (
            np.frombuffer(base64.b64decode(value), dtype="<f4").astype(np.float32)
            if isinstance(value, str)
            else np.asarray(value, dtype=np.float32)
        )
        return truncate_matryoshka(vector, self.dimensions) if self._server_matryoshka is False else vector

    async def _embed(self, texts: Sequence[str], prefix: str) -> list[tuple[FloatArray, FloatArray | None]]:
        if not texts:
            return []
        prefixed = [prefix + text for text in texts]
        batches = self._batches(prefixed)
        gate = asyncio.Semaphore(self.max_in_flight)

        async def send(batch: list[int]) -> list[tuple[FloatArray, FloatArray | None]]:
            async with gate:
                return await self._post_vectors(self._payload([prefixed[i] for i in batch]))

        results = await _gather_in_order([send(batch) for batch in batches])
        return [vectors for batch_result in results for vectors in batch_result]

    # ---- public API ----------------------------------------------------------------------------

    async def aembed_dense(self, texts: Sequence[str], *, query: bool = False) -> list[FloatArray]:
        prefix = self.query_prefix if query else self.text_prefix
        return [dense for dense, _ in await self._embed(texts, prefix)]

    async def aembed_tokens(self, texts: Sequence[str], *, query: bool = False) -> list[FloatArray]:
        """Unit-length token vectors per text (needs VECTOR_TYPE=late and a token_embed server)."""
        if self.vector_type != "late":
            raise EmbeddingError("Token vectors need VECTOR_TYPE=late and a token_embed server.")
        prefix = self.query_prefix if query else self.text_prefix
        return [tokens for _, tokens in await self._embed(texts, prefix) if tokens is not None]

    def embed_dense(self, texts: Sequence[str], *, query: bool = False) -> list[FloatArray]:
        return self._run(self.aembed_dense(texts, query=query))

    def embed_tokens(self, texts: Sequence[str], *, query: bool = False) -> list[FloatArray]:
        return self._run(self.aembed_tokens(texts, query=query))

    def encode_chunks(self, texts: list[str]) -> list[tuple[FloatArray, FloatArray]]:
        """Passages' dense vectors with their unit token vectors, from one token_embed request each."""
        if self.vector_type != "late":
            raise EmbeddingError("Token vectors need VECTOR_TYPE=late and a token_embed server.")
        pairs = self._run(self._embed(texts, self.text_prefix))
        return [(dense, tokens) for dense, tokens in pairs if tokens is not None]

    async def aencode_spans(
        self, text: str, spans: Sequence[tuple[int, int]]
    ) -> list[tuple[FloatArray, FloatArray] | None]:
        """Late chunking on a token_embed server: one pass over the passage, each span pooled from its tokens.

        The server gives token vectors but no character offsets, so a span's tokens are located by counting
        the tokens of the text before each boundary (`/tokenize`); chunks start and end at word boundaries,
        where those counts are exact.
        """
        if self.vector_type != "late":
            raise EmbeddingError("Late chunking needs token vectors: VECTOR_TYPE=late and a token_embed server.")
        prompt = self.text_prefix + text
        shift = len(self.text_prefix)
        data = await self._request("POST", "/pooling", self._payload([prompt]))
        states = self._token_states(data["data"][0]["data"])
        leading = await self._leading_special_tokens()
        gate = asyncio.Semaphore(self.max_in_flight)

        async def count(end: int) -> int:
            async with gate:
                return await self.acount_tokens(prompt[:end], special_tokens=False)

        bounds = sorted({shift + offset for span in spans for offset in span})
        counts = dict(zip(bounds, await asyncio.gather(*(count(end) for end in bounds)), strict=True))
        pooled: list[tuple[FloatArray, FloatArray] | None] = []
        for start, end in spans:
            first, last = leading + counts[shift + start], leading + counts[shift + end]
            if last <= first or last > len(states):
                pooled.append(None)
                continue
            chosen = states[first:last]
            pooled.append((truncate_matryoshka(mean_pool(chosen), self.dimensions), l2_normalize(chosen)))
        return pooled

    def encode_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[FloatArray, FloatArray] | None]:
        return self._run(self.aencode_spans(text, spans))

    async def _leading_special_tokens(self) -> int:
        """How many special tokens the tokenizer puts before a text ([CLS] for BERT, none for Qwen)."""
        if self._leading_specials is None:
            full = await self._request("POST", "/tokenize", {"model": self.model_name, "prompt": "x"})
            bare = await self._request(
                "POST", "/tokenize", {"model": self.model_name, "prompt": "x", "add_special_tokens": False}
            )
            tokens, first = list(full["tokens"]), list(bare["tokens"])[:1]
            self._leading_specials = tokens.index(first[0]) if first and first[0] in tokens else 0
        return self._leading_specials

    async def aembed_image(self, image: bytes, mime_type: str = "image/png") -> FloatArray:
        """Dense vector of an image, sent as a chat-style message with a data URI."""
        url = f"data:{mime_type};base64,{base64.b64encode(image).decode()}"
        messages = [
            {
                "role": "user",
                "content": [{"type": "image_url", "image_url": {"url": url}}, {"type": "text", "text": IMAGE_PROMPT}],
            }
        ]
        [(dense, _)] = await self._post_vectors(self._payload(messages=messages))
        return dense

    def embed_image(self, image: bytes, mime_type: str = "image/png") -> FloatArray:
        return self._run(self.aembed_image(image, mime_type))

    async def acount_tokens(self, text: str, *, special_tokens: bool = True) -> int:
        """Exact token count from the server's own tokenizer (`POST /tokenize`), prefix not added."""
        payload = {"model": self.model_name, "prompt": text, "add_special_tokens": special_tokens}
        data = await self._request("POST", "/tokenize", payload)
        return int(data["count"])

    def count_tokens(self, text: str) -> int:
        return self._run(self.acount_tokens(text))

    async def aprobe(self) -> ServerInfo:
        """Start-up check: the model is served, its context length, and the vector size it returns."""
        data = await self._request("GET", "/v1/models")
        served = {str(model["id"]): model for model in data.get("data", [])}
        if self.model_name not in served:
            raise EmbeddingError(
                f"The embedding server at {self.api_base} does not serve the model '{self.model_name}'.",
                f"It serves: {', '.join(served) or 'nothing listed'}. Set EMBEDDING_MODEL to one of them.",
            )
        [vector] = await self.aembed_dense(["dimension probe"])
        max_len = served[self.model_name].get("max_model_len")
        return ServerInfo(self.model_name, int(max_len) if max_len else None, int(vector.shape[0]), tuple(served))

    def probe(self) -> ServerInfo:
        return self._run(self.aprobe())

    # ---- what the index fingerprint and the chunker need ------------------------------------

    def server_info(self) -> ServerInfo:
        """The start-up check's result, fetched once."""
        if self._info is None:
            self._info = self.probe()
        return self._info

    @property
    def dimension(self) -> int:
        return self.server_info().dimension

    @property
    def max_tokens(self) -> int:
        return self.server_info().max_model_len or 8192

    @property
    def special_tokens_per_text(self) -> int:
        # The passage prefix shares the context with the chunk.
        return estimate_tokens(self.text_prefix)

    @property
    def prefix_scheme(self) -> str:
        return f"{self.query_prefix.strip()}/{self.text_prefix.strip()}"

    @property
    def passage_prefix(self) -> str:
        return self.text_prefix

    @property
    def has_token_vectors(self) -> bool:
        # A dense (embed) server pools on its side: the token states never reach the client.
        return self.vector_type == "late"

    @property
    def reads_images(self) -> bool:
        # Sent as jina v4's chat-style image messages; a text-only served model answers with an EmbeddingError.
        return True

    def tokenize(self, text: str) -> list[str]:
        """Words and punctuation: the server's tokenizer is remote, so chunk sizes are approximate here."""
        return _WORDISH.findall(text)

    async def aclose(self) -> None:
        for client in list(self._clients.values()):
            await client.aclose()
        self._clients.clear()

    # ---- LlamaIndex BaseEmbedding --------------------------------------------------------------

    def _get_query_embedding(self, query: str) -> list[float]:
        return self.embed_dense([query], query=True)[0].tolist()  # type: ignore[no-any-return]

    def _get_text_embedding(self, text: str) -> list[float]:
        return self.embed_dense([text])[0].tolist()  # type: ignore[no-any-return]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [vector.tolist() for vector in self.embed_dense(texts)]

    async def _aget_query_embedding(self, query: str) -> list[float]:
        return (await self.aembed_dense([query], query=True))[0].tolist()  # type: ignore[no-any-return]

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return (await self.aembed_dense([text]))[0].tolist()  # type: ignore[no-any-return]

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [vector.tolist() for vector in await self.aembed_dense(texts)]


async def _gather_in_order(awaitables: Sequence[Awaitable[T]]) -> list[T]:
    """Like asyncio.gather, but the first failure cancels the rest instead of leaving them running."""
    tasks = [asyncio.ensure_future(item) for item in awaitables]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        raise


def _error_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    error = body.get("error", body) if isinstance(body, dict) else body
    if isinstance(error, dict):
        return str(error.get("message") or error.get("detail") or error)[:500]
    return str(error)[:500]
