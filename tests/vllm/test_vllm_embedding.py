"""vLLMEmbedding against real vLLM servers serving the packaged MiniLM (a trained model)."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest

from app.embeddings.local import LocalEmbedding
from app.embeddings.pooling import l2_normalize
from app.embeddings.vllm import vLLMEmbedding
from app.errors import EmbeddingError
from tests.servers import free_port
from tests.vllm.conftest import ServedModel

TEXTS = ["hello world", "The coolant pump was replaced in March 2021 after a bearing failure.", "Cats sleep."]


def client(server: ServedModel, **options: object) -> vLLMEmbedding:
    """A client without jina's prefixes, so vectors compare with the in-process model."""
    settings: dict[str, object] = {"query_prefix": "", "text_prefix": "", "api_key": server.api_key}
    settings.update(options)
    return vLLMEmbedding(api_base=server.url, model_name=server.model, **settings)


def test_dense_vectors_equal_the_in_process_model(minilm_embed: ServedModel, embedding: LocalEmbedding) -> None:
    served = np.stack(client(minilm_embed).embed_dense(TEXTS))
    assert np.abs(served - np.stack(embedding.embed_dense(TEXTS))).max() < 1e-5


def test_late_mode_pools_the_same_dense_vector_as_an_embed_server(
    minilm_embed: ServedModel, minilm_tokens: ServedModel
) -> None:
    dense = np.stack(client(minilm_embed).embed_dense(TEXTS))
    pooled = np.stack(client(minilm_tokens, vector_type="late").embed_dense(TEXTS))
    assert np.abs(dense - pooled).max() < 1e-5


def test_token_vectors_are_unit_length_one_per_token(minilm_tokens: ServedModel, embedding: LocalEmbedding) -> None:
    late = client(minilm_tokens, vector_type="late")
    first = late.embed_tokens(TEXTS)  # floats: learns the width
    second = late.embed_tokens(TEXTS)  # base64 from then on
    for text, a, b in zip(TEXTS, first, second, strict=True):
        assert a.shape == (len(embedding.tokenize(text)) + 2, 384)  # [CLS] and [SEP] included
        assert np.linalg.norm(a, axis=1) == pytest.approx(np.ones(len(a)), abs=1e-5)
        assert np.abs(a - b).max() < 1e-6
    assert np.abs(first[0] - embedding.embed_tokens(["hello world"])[0]).max() < 1e-4


def test_server_side_dimensions_equal_client_truncation(minilm_embed: ServedModel, minilm_tokens: ServedModel) -> None:
    on_server = client(minilm_embed, dimensions=128)
    server_side = np.stack(on_server.embed_dense(TEXTS))
    client_side = np.stack(client(minilm_tokens, vector_type="late", dimensions=128).embed_dense(TEXTS))
    full = np.stack(client(minilm_embed).embed_dense(TEXTS))
    assert server_side.shape == (3, 128)
    assert np.abs(server_side - client_side).max() < 1e-5
    assert np.abs(server_side - l2_normalize(full[:, :128])).max() < 1e-5


def test_many_batches_in_flight_keep_input_order(minilm_embed: ServedModel) -> None:
    texts = [f"passage {i} is about topic {i % 7} and number {i * 13}" for i in range(300)]
    batched = client(minilm_embed, max_batch_tokens=200, max_in_flight=4)
    assert len(batched._batches(texts)) > 10
    vectors = np.stack(batched.embed_dense(texts))
    singles = np.stack([client(minilm_embed).embed_dense([texts[i]])[0] for i in (0, 137, 299)])
    assert np.abs(vectors[[0, 137, 299]] - singles).max() < 1e-5


def test_query_and_passage_prefixes_reach_the_server(minilm_embed: ServedModel) -> None:
    jina_style = vLLMEmbedding(api_base=minilm_embed.url, model_name=minilm_embed.model, api_key=minilm_embed.api_key)
    query = np.asarray(jina_style.get_query_embedding("coolant pump"))
    passage = np.asarray(jina_style.get_text_embedding("coolant pump"))
    plain = client(minilm_embed)
    assert np.abs(query - plain.embed_dense(["Query: coolant pump"])[0]).max() < 1e-5
    assert np.abs(passage - plain.embed_dense(["Passage: coolant pump"])[0]).max() < 1e-5
    assert np.abs(query - passage).max() > 1e-3


def test_async_methods_and_sync_calls_inside_a_running_loop(minilm_embed: ServedModel) -> None:
    embedder = client(minilm_embed)
    sync = np.asarray(embedder.get_text_embedding_batch(TEXTS))

    async def inside_a_loop() -> tuple[list[list[float]], list[float]]:
        # A notebook runs code inside an event loop: both paths must work there.
        return await embedder.aget_text_embedding_batch(TEXTS), embedder.get_text_embedding(TEXTS[0])

    async_vectors, sync_inside = asyncio.run(inside_a_loop())
    assert np.abs(np.asarray(async_vectors) - sync).max() < 1e-6
    assert np.abs(np.asarray(sync_inside) - sync[0]).max() < 1e-6


def test_start_up_check_reads_model_context_and_dimension(minilm_embed: ServedModel) -> None:
    info = client(minilm_embed).probe()
    assert (info.model, info.max_model_len, info.dimension) == (minilm_embed.model, 256, 384)


def test_unknown_model_lists_what_the_server_serves(minilm_embed: ServedModel) -> None:
    with pytest.raises(EmbeddingError, match="does not serve the model 'jina-embeddings-v4'") as caught:
        vLLMEmbedding(api_base=minilm_embed.url, api_key=minilm_embed.api_key).embed_dense(["x"])
    assert "minilm-embed" in caught.value.hint and "EMBEDDING_MODEL" in caught.value.hint


def test_wrong_api_key_names_the_setting(minilm_embed: ServedModel) -> None:
    with pytest.raises(EmbeddingError, match="rejected the API key") as caught:
        client(minilm_embed, api_key="wrong").embed_dense(["x"])
    assert "EMBEDDING_API_KEY" in caught.value.hint


def test_server_down_is_a_clear_error_after_retries() -> None:
    down = vLLMEmbedding(api_base=f"http://127.0.0.1:{free_port()}", max_retries=1)
    with pytest.raises(EmbeddingError, match="cannot be reached") as caught:
        down.embed_dense(["x"])
    assert "EMBEDDING_API_BASE" in caught.value.hint


def test_too_long_input_fails_loudly_or_truncates_by_setting(minilm_embed: ServedModel) -> None:
    long_text = "word " * 400
    with pytest.raises(EmbeddingError, match="longer than the embedding model's context") as caught:
        client(minilm_embed).embed_dense(["short", long_text])
    assert "EMBEDDING_TRUNCATE" in caught.value.hint and "CHUNK_SIZE" in caught.value.hint
    [vector] = client(minilm_embed, truncate=True).embed_dense([long_text])
    assert vector.shape == (384,)


def test_wrong_pooling_task_explains_the_server_flag(minilm_embed: ServedModel, minilm_tokens: ServedModel) -> None:
    with pytest.raises(EmbeddingError, match="another pooling task") as late_on_embed:
        client(minilm_embed, vector_type="late").embed_dense(["x"])
    with pytest.raises(EmbeddingError, match="another pooling task") as dense_on_tokens:
        client(minilm_tokens).embed_dense(["x"])
    for caught in (late_on_embed, dense_on_tokens):
        assert "--pooler-config.task token_embed" in caught.value.hint


def test_unsupported_dimension_is_refused_with_the_fix(minilm_embed: ServedModel) -> None:
    with pytest.raises(EmbeddingError, match="EMBEDDING_DIMENSIONS=512"):
        client(minilm_embed, dimensions=512).embed_dense(["x"])
