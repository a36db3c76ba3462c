"""Late-interaction rerank: order candidate chunks by MaxSim between question and chunk token vectors.

Chroma holds one vector per chunk, so token vectors come from the embedding model at query time
(the local model, or a vLLM `token_embed` server), optionally kept in a float16 store on disk so that
each chunk is encoded once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt

from app.embeddings.pooling import FloatArray, maxsim_many
from app.store.token_store import TokenStore

log = logging.getLogger(__name__)

TokenEncoder = Callable[[list[str], bool], list[FloatArray]]  # (texts, is_query) -> unit token vectors


class MaxSimReranker:
    def __init__(self, encode: TokenEncoder, store: TokenStore | None = None) -> None:
        self._encode = encode
        self._store = store

    def token_vectors(self, chunks: Sequence[tuple[str, str, str]]) -> list[npt.NDArray[np.floating]]:
        """Token vectors of (chunk id, document sha256, text) triples, from the store when it has them."""
        found: list[npt.NDArray[np.floating] | None] = [
            self._store.load(doc, chunk_id) if self._store else None for chunk_id, doc, _ in chunks
        ]
        missing = [i for i, tokens in enumerate(found) if tokens is None]
        if missing:
            computed = self._encode([chunks[i][2] for i in missing], False)
            for i, tokens in zip(missing, computed, strict=True):
                found[i] = tokens
                if self._store:
                    self._store.save(chunks[i][1], chunks[i][0], tokens)
        return [tokens for tokens in found if tokens is not None]

    def scores(self, question: str, chunks: Sequence[tuple[str, str, str]]) -> list[float]:
        if not chunks:
            return []
        query = self._encode([question], True)[0]
        return maxsim_many(query, self.token_vectors(chunks))
