"""Every client path against jina v4's own architecture (tiny, random weights) served like the real model.

Random weights rank nothing, so these tests check protocol and math, not relevance.
"""

from __future__ import annotations

import io

import numpy as np
import pytest

from app.config import load_settings
from app.embeddings.pooling import l2_normalize
from app.embeddings.vllm import vLLMEmbedding
from app.errors import EmbeddingError
from app.workspace import Workspace
from tests.vllm.conftest import ServedModel

TEXTS = ["hello world", "the coolant pump was replaced after a bearing failure", "cats sleep a lot"]


def jina(server: ServedModel, **options: object) -> vLLMEmbedding:
    return vLLMEmbedding(api_base=server.url, model_name=server.model, **options)  # type: ignore[arg-type]


def png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_dense_vectors_are_unit_length_and_sized_by_the_model(jina_dense: ServedModel) -> None:
    client = jina(jina_dense)
    info = client.probe()
    assert (info.model, info.max_model_len, info.dimension) == ("jina-embeddings-v4", 2048, 128)
    vectors = np.stack(client.embed_dense(TEXTS))
    assert vectors.shape == (3, 128)
    assert np.linalg.norm(vectors, axis=1) == pytest.approx(np.ones(3), abs=1e-5)


def test_query_and_passage_prefixes_give_different_vectors(jina_dense: ServedModel) -> None:
    client = jina(jina_dense)
    query = np.asarray(client.get_query_embedding("coolant pump"))
    passage = np.asarray(client.get_text_embedding("coolant pump"))
    raw = jina(jina_dense, query_prefix="", text_prefix="")
    assert np.abs(query - raw.embed_dense(["Query: coolant pump"])[0]).max() < 1e-5
    assert np.abs(passage - raw.embed_dense(["Passage: coolant pump"])[0]).max() < 1e-5
    assert np.abs(query - passage).max() > 1e-4


@pytest.mark.parametrize("size", [16, 32, 64])
def test_matryoshka_on_the_server_equals_client_truncation(
    jina_dense: ServedModel, jina_tokens: ServedModel, size: int
) -> None:
    full = np.stack(jina(jina_dense).embed_dense(TEXTS))
    server_side = jina(jina_dense, dimensions=size)
    truncated = np.stack(server_side.embed_dense(TEXTS))
    assert server_side._server_matryoshka is True
    assert np.abs(truncated - l2_normalize(full[:, :size])).max() < 1e-5
    client_side = np.stack(jina(jina_tokens, vector_type="late", dimensions=size).embed_dense(TEXTS))
    assert np.abs(truncated - client_side).max() < 1e-5


def test_a_size_the_server_does_not_list_is_refused(jina_dense: ServedModel) -> None:
    with pytest.raises(EmbeddingError, match="EMBEDDING_DIMENSIONS=48"):
        jina(jina_dense, dimensions=48).embed_dense(["x"])


def test_late_mode_pools_the_dense_vector_of_the_embed_server(
    jina_dense: ServedModel, jina_tokens: ServedModel
) -> None:
    dense = np.stack(jina(jina_dense).embed_dense(TEXTS))
    pooled = np.stack(jina(jina_tokens, vector_type="late").embed_dense(TEXTS))
    assert np.abs(dense - pooled).max() < 1e-5


def test_token_vectors_one_per_prompt_token_normalized_by_the_client(jina_tokens: ServedModel) -> None:
    late = jina(jina_tokens, vector_type="late")
    [tokens] = late.embed_tokens(["hello world"])
    assert tokens.shape == (late.count_tokens("Passage: hello world"), 128)
    assert np.linalg.norm(tokens, axis=1) == pytest.approx(np.ones(len(tokens)), abs=1e-5)
    assert late.count_tokens("Passage: hello world, and more words here") > len(tokens)


def test_images_go_through_chat_messages(jina_dense: ServedModel, jina_tokens: ServedModel) -> None:
    client = jina(jina_dense)
    red, blue = client.embed_image(png((255, 0, 0))), client.embed_image(png((0, 0, 255)))
    assert red.shape == (128,) and np.linalg.norm(red) == pytest.approx(1.0, abs=1e-5)
    assert float(red @ blue) < 0.99, "the vision tower runs: different images, different vectors"
    assert jina(jina_dense, dimensions=32).embed_image(png((255, 0, 0))).shape == (32,)
    pooled = jina(jina_tokens, vector_type="late").embed_image(png((255, 0, 0)))
    assert np.abs(pooled - red).max() < 1e-5


def test_too_long_input_fails_loudly_or_truncates_by_setting(jina_dense: ServedModel) -> None:
    long_text = "word " * 3000
    with pytest.raises(EmbeddingError, match="longer than the embedding model's context"):
        jina(jina_dense).embed_dense([long_text])
    assert jina(jina_dense, truncate=True).embed_dense([long_text])[0].shape == (128,)


def test_wrong_server_task_is_explained(jina_dense: ServedModel, jina_tokens: ServedModel) -> None:
    with pytest.raises(EmbeddingError, match="another pooling task"):
        jina(jina_tokens).embed_dense(["x"])
    with pytest.raises(EmbeddingError, match="another pooling task"):
        jina(jina_dense, vector_type="late").embed_dense(["x"])


@pytest.mark.usefixtures("data_dir")
def test_the_app_indexes_through_a_jina_server(jina_dense: ServedModel, report_pdf: bytes) -> None:
    workspace = Workspace(load_settings(EMBEDDING_BACKEND="vllm", EMBEDDING_API_BASE=jina_dense.url))
    assert (workspace.fingerprint.model, workspace.fingerprint.dimension) == ("jina-embeddings-v4", 128)
    [result] = workspace.ingest([("report.pdf", report_pdf)])
    assert result.status == "indexed" and workspace.index.count() == result.chunks
    assert len(workspace.retrieve("reactor coolant")) == result.chunks
