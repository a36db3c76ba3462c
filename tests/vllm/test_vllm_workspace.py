"""The whole app on the vLLM backend: settings select it, the fingerprint records the served model."""

from __future__ import annotations

import pytest

from app.config import load_settings
from app.errors import FingerprintMismatchError
from app.workspace import Workspace
from tests.conftest import PAGE2_QUESTION
from tests.vllm.conftest import ServedModel


def vllm_settings(server: ServedModel, **extra: object) -> dict[str, object]:
    return {
        "EMBEDDING_BACKEND": "vllm",
        "EMBEDDING_API_BASE": f"{server.url}/v1",
        "EMBEDDING_MODEL": server.model,
        "EMBEDDING_API_KEY": server.api_key or "",
        "CHUNK_SIZE": 120,
        **extra,
    }


@pytest.mark.usefixtures("data_dir")
def test_vllm_backend_indexes_and_answers_with_citations(minilm_embed: ServedModel, report_pdf: bytes) -> None:
    workspace = Workspace(load_settings(**vllm_settings(minilm_embed)))
    fingerprint = workspace.fingerprint
    assert (fingerprint.backend, fingerprint.model, fingerprint.dimension) == ("vllm", "minilm-embed", 384)
    assert fingerprint.prefixes == "Query:/Passage:"
    [result] = workspace.ingest([("report.pdf", report_pdf)])
    assert result.status == "indexed"
    answer = workspace.ask(PAGE2_QUESTION)
    assert (answer.sources[0].file_name, answer.sources[0].location) == ("report.pdf", "page 2")
    assert "550 degrees" in answer.text()


@pytest.mark.usefixtures("data_dir")
def test_switching_from_local_to_vllm_refuses_the_old_index(
    minilm_embed: ServedModel, report_pdf: bytes, embedding
) -> None:  # type: ignore[no-untyped-def]
    Workspace(load_settings(CHUNK_SIZE=120), embedding=embedding).ingest([("report.pdf", report_pdf)])
    with pytest.raises(FingerprintMismatchError) as caught:
        Workspace(load_settings(**vllm_settings(minilm_embed)))
    assert "backend: local -> vllm" in caught.value.message
    assert "model: sentence-transformers/all-MiniLM-L6-v2 -> minilm-embed" in caught.value.message


@pytest.mark.usefixtures("data_dir")
def test_late_vectors_from_a_token_embed_server_fill_the_same_kind_of_index(
    minilm_tokens: ServedModel, report_pdf: bytes
) -> None:
    workspace = Workspace(load_settings(**vllm_settings(minilm_tokens, VECTOR_TYPE="late")))
    assert workspace.fingerprint.vector_type == "late"
    workspace.ingest([("report.pdf", report_pdf)])
    assert workspace.retrieve(PAGE2_QUESTION)[0].location == "page 2"


@pytest.mark.usefixtures("data_dir")
def test_hybrid_rerank_and_late_chunking_on_a_token_embed_server(minilm_tokens: ServedModel, report_pdf: bytes) -> None:
    from app.embeddings.pooling import maxsim

    settings = vllm_settings(
        minilm_tokens,
        VECTOR_TYPE="late",
        RETRIEVAL_MODE="hybrid",
        RERANK="true",
        RERANK_WEIGHT="1",  # MaxSim alone, so the order can be checked against the stored token vectors
        TOKEN_STORE="true",
        LATE_CHUNKING="true",
        CHUNK_SIZE=40,
        CHUNK_OVERLAP=0,
        TOP_K=3,
    )
    workspace = Workspace(load_settings(**settings))
    assert workspace.fingerprint.chunking.endswith("/late")
    [result] = workspace.ingest([("report.pdf", report_pdf)])
    assert result.status == "indexed" and result.chunks > 2
    assert workspace.token_store is not None and workspace.token_store.bytes_used() > 0  # stored at ingest
    passages = workspace.retrieve(PAGE2_QUESTION)
    assert passages[0].location == "page 2"
    question_tokens = workspace.embedding.embed_tokens([PAGE2_QUESTION], query=True)[0]
    stored = [workspace.token_store.load(p.doc_sha, p.chunk_id) for p in passages]
    scores = [maxsim(question_tokens, tokens) for tokens in stored if tokens is not None]
    assert len(scores) == len(passages) and scores == sorted(scores, reverse=True)
