"""Keyword, hybrid and reranked retrieval through the Workspace, on the real local model and Chroma."""

from __future__ import annotations

import numpy as np
import pytest

from app.embeddings.pooling import maxsim

FILES = {
    "pumps.txt": "The coolant pump model XQ-7731 circulates water through the reactor loop. "
    "Its impeller is made of stainless steel and turns at 3000 rpm.",
    "gardens.txt": "Tomatoes grow best in full sun with regular watering. "
    "Mulch keeps the soil moist and the weeds away during the summer.",
    "trains.txt": "The night train leaves the central station at eleven and reaches the coast by dawn. "
    "Sleeping cars have two berths each.",
}


def _ingest(workspace, names=FILES):  # type: ignore[no-untyped-def]
    results = workspace.ingest([(name, FILES[name].encode()) for name in names])
    assert all(result.status == "indexed" for result in results)
    return {record.name: record.sha256 for record in workspace.documents()}


def test_keyword_mode_finds_a_rare_code_by_its_exact_spelling(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="keyword")
    _ingest(workspace)
    passages = workspace.retrieve("XQ-7731")
    assert [p.file_name for p in passages] == ["pumps.txt"]  # no other chunk shares a term with it


def test_hybrid_returns_passages_found_by_either_list(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="hybrid", TOP_K=3)
    _ingest(workspace)
    passages = workspace.retrieve("When does the sleeper service reach the sea?")
    assert passages[0].file_name == "trains.txt"
    assert {p.file_name for p in passages} == set(FILES)


def test_every_mode_scores_passages_by_cosine_similarity_to_the_question(open_workspace) -> None:  # type: ignore[no-untyped-def]
    question = "stainless steel impeller"
    scores = {}
    for mode in ("dense", "keyword", "hybrid"):
        workspace = open_workspace(RETRIEVAL_MODE=mode)
        if mode == "dense":
            _ingest(workspace)
        top = workspace.retrieve(question)[0]
        scores[mode] = (top.file_name, round(top.score, 5))
    expected = np.dot(
        workspace.embedding.get_query_embedding(question), workspace.embedding.get_text_embedding(FILES["pumps.txt"])
    )
    assert scores["dense"] == scores["keyword"] == scores["hybrid"] == ("pumps.txt", pytest.approx(expected, abs=1e-4))


def test_deleted_document_leaves_the_keyword_index_too(open_workspace, data_dir) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="keyword")
    shas = _ingest(workspace)
    assert workspace.retrieve("XQ-7731")
    workspace.delete(shas["pumps.txt"])
    assert workspace.retrieve("XQ-7731") == []
    assert [p.file_name for p in workspace.retrieve("berths")] == ["trains.txt"]
    # One saved keyword index, for the current set of documents; the old one is gone.
    assert len(list((data_dir / "keyword" / workspace.index.name).iterdir())) == 1


def test_keyword_index_sees_documents_another_process_added(open_workspace) -> None:  # type: ignore[no-untyped-def]
    reader = open_workspace(RETRIEVAL_MODE="keyword")
    assert reader.retrieve("tomatoes") == []
    writer = open_workspace(RETRIEVAL_MODE="keyword")
    _ingest(writer, ["gardens.txt"])
    assert [p.file_name for p in reader.retrieve("tomatoes")] == ["gardens.txt"]


def test_rerank_orders_candidates_by_maxsim_over_token_vectors(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="hybrid", RERANK="true", TOP_K=3)
    _ingest(workspace)
    question = "what turns at 3000 rpm in the reactor loop"
    passages = workspace.retrieve(question)
    query_tokens = workspace.embedding.embed_tokens([question], query=True)[0]
    expected = sorted(passages, key=lambda p: -maxsim(query_tokens, workspace.embedding.embed_tokens([p.text])[0]))
    assert [p.chunk_id for p in passages] == [p.chunk_id for p in expected]
    assert passages[0].file_name == "pumps.txt"


def test_token_store_keeps_vectors_once_and_forgets_deleted_documents(open_workspace, data_dir) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="hybrid", RERANK="true", TOKEN_STORE="true")
    shas = _ingest(workspace)
    first = workspace.retrieve("night train to the coast")
    store = data_dir / "tokens" / workspace.index.name
    assert {folder.name for folder in store.iterdir()} == set(shas.values())
    assert workspace.token_store is not None and workspace.token_store.bytes_used() > 0
    assert [p.chunk_id for p in workspace.retrieve("night train to the coast")] == [p.chunk_id for p in first]
    workspace.delete(shas["trains.txt"])
    assert {folder.name for folder in store.iterdir()} == {shas["pumps.txt"], shas["gardens.txt"]}
