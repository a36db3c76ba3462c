"""Vector math shared by every embedding backend: pure numpy, float32 in and out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float32]


def l2_normalize(vectors: npt.ArrayLike) -> FloatArray:
    """Scale each row (or a single vector) to unit length; zero vectors stay zero."""
    array = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    return (array / np.where(norms == 0.0, 1.0, norms)).astype(np.float32)


def mean_pool(token_states: npt.ArrayLike, mask: npt.ArrayLike | None = None) -> FloatArray:
    """Average token vectors `[..., tokens, dim]` over the tokens the mask keeps."""
    states = np.asarray(token_states, dtype=np.float32)
    if mask is None:
        pooled: FloatArray = states.mean(axis=-2).astype(np.float32)
        return pooled
    weights = np.asarray(mask, dtype=np.float32)[..., None]
    total = (states * weights).sum(axis=-2)
    count = np.clip(weights.sum(axis=-2), 1e-9, None)
    weighted: FloatArray = (total / count).astype(np.float32)
    return weighted


def truncate_matryoshka(vectors: npt.ArrayLike, dimensions: int | None) -> FloatArray:
    """Keep the first `dimensions` values and re-normalize, as vLLM does for `dimensions`."""
    array = np.asarray(vectors, dtype=np.float32)
    if dimensions is None or dimensions >= array.shape[-1]:
        return l2_normalize(array)
    return l2_normalize(array[..., :dimensions])


def maxsim(query_tokens: npt.ArrayLike, doc_tokens: npt.ArrayLike) -> float:
    """ColBERT late-interaction score: for each query token its best dot product with a document token, summed."""
    query = np.asarray(query_tokens, dtype=np.float32)
    doc = np.asarray(doc_tokens, dtype=np.float32)
    if query.size == 0 or doc.size == 0:
        return 0.0
    return float((query @ doc.T).max(axis=1).sum())


def maxsim_many(query_tokens: npt.ArrayLike, docs: Sequence[npt.ArrayLike]) -> list[float]:
    """`maxsim` against each of `docs`, as one matrix product over all their tokens (float16 docs welcome)."""
    query = np.asarray(query_tokens, dtype=np.float32)
    arrays = [np.asarray(doc) for doc in docs]
    scores = [0.0] * len(arrays)
    filled = [i for i, doc in enumerate(arrays) if doc.size]
    if query.size == 0 or not filled:
        return scores
    stacked = np.concatenate([arrays[i] for i in filled]).astype(np.float32, copy=False)
    starts = np.cumsum([0] + [len(arrays[i]) for i in filled[:-1]])
    best = np.maximum.reduceat(query @ stacked.T, starts, axis=1)  # (query tokens, docs): each doc's best match
    for i, score in zip(filled, best.sum(axis=0), strict=True):
        scores[i] = float(score)
    return scores
