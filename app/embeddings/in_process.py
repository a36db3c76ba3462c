"""What the two in-process models (`LocalEmbedding`, `E5Embedding`) share of LlamaIndex's embedding API."""

from __future__ import annotations

import asyncio
from typing import cast

from app.embeddings.pooling import FloatArray


class InProcessEmbedding:
    """LlamaIndex's text and async entry points over `embed_dense`, for a model that runs in this process.

    Mixed in before `BaseEmbedding`; the class supplies `embed_dense` and `_get_query_embedding`.
    """

    def embed_dense(self, texts: list[str]) -> list[FloatArray]:
        """Unit passage vectors, float32 `(dimension,)` each, in the order of `texts`."""
        raise NotImplementedError

    def _get_query_embedding(self, query: str) -> list[float]:
        raise NotImplementedError

    def _get_text_embedding(self, text: str) -> list[float]:
        return self._get_text_embeddings([text])[0]

    def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return [cast(list[float], vector.tolist()) for vector in self.embed_dense(texts)]

    # The model runs on the CPU in this process: the async twins hand the work to a thread so an
    # event loop stays responsive while it runs.
    async def _aget_query_embedding(self, query: str) -> list[float]:
        return await asyncio.to_thread(self._get_query_embedding, query)

    async def _aget_text_embedding(self, text: str) -> list[float]:
        return await asyncio.to_thread(self._get_text_embedding, text)

    async def _aget_text_embeddings(self, texts: list[str]) -> list[list[float]]:
        return await asyncio.to_thread(self._get_text_embeddings, texts)
