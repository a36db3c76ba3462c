"""What each embedding backend says it can do, checked without a model loaded or a server called."""

from __future__ import annotations

import pytest

from app.embeddings.vllm import vLLMEmbedding
from app.errors import EmbeddingError

NOWHERE = "http://127.0.0.1:9"  # nothing listens on the discard port: any request would fail


def test_a_vllm_client_has_token_vectors_only_with_late_vectors() -> None:
    assert vLLMEmbedding(api_base=NOWHERE, vector_type="late").has_token_vectors
    assert not vLLMEmbedding(api_base=NOWHERE, vector_type="dense").has_token_vectors


def test_a_dense_vllm_client_refuses_token_vectors_before_any_request() -> None:
    dense = vLLMEmbedding(api_base=NOWHERE, vector_type="dense", max_retries=0)
    with pytest.raises(EmbeddingError, match="VECTOR_TYPE=late"):
        dense.embed_tokens(["hello"])
    with pytest.raises(EmbeddingError, match="VECTOR_TYPE=late"):
        dense.encode_chunks(["hello"])


def test_a_vllm_client_tokenizes_into_words_and_punctuation() -> None:
    assert vLLMEmbedding(api_base=NOWHERE).tokenize("Pumps, valves.") == ["Pumps", ",", "valves", "."]


def test_vllm_prefixes_are_jina_query_and_passage_prefixes() -> None:
    client = vLLMEmbedding(api_base=NOWHERE, query_prefix="Q: ", text_prefix="P: ")
    assert (client.query_prefix, client.passage_prefix, client.prefix_scheme) == ("Q: ", "P: ", "Q:/P:")
