"""Late chunking over a real token_embed server gives the vectors the in-process model gives."""

from __future__ import annotations

import numpy as np

from app.embeddings.vllm import vLLMEmbedding
from app.ingest.late_chunking import late_chunk

CHUNKS = [
    "The coolant pump turns at 3000 rpm.",
    "It was serviced in May, and its seals were replaced.",
    "Nothing else in the plant needed work that year.",
]


def test_served_late_chunks_equal_local_late_chunks(minilm_tokens, embedding) -> None:  # type: ignore[no-untyped-def]
    served = vLLMEmbedding(
        api_base=minilm_tokens.url, model_name=minilm_tokens.model, vector_type="late", query_prefix="", text_prefix=""
    )
    remote = late_chunk(served, CHUNKS, served.count_tokens, budget=200)
    local = late_chunk(embedding, CHUNKS, embedding.count_tokens, budget=200)
    for (remote_dense, remote_tokens), (local_dense, local_tokens) in zip(remote, local, strict=True):
        np.testing.assert_allclose(remote_dense, local_dense, atol=1e-4)
        assert remote_tokens.shape == local_tokens.shape
    # One window: the second chunk's vector saw the first (it differs from the chunk encoded alone).
    alone = served.encode_chunks([CHUNKS[1]])[0][0]
    assert float(np.dot(remote[1][0], alone)) < 0.995
