"""Keyword, hybrid and reranked retrieval through the Workspace, on the real local model and Chroma."""

from __future__ import annotations

import numpy as np
import pytest

from app.embeddings.local import packaged_model_dir
from app.embeddings.pooling import maxsim
from app.ingest.chunking import document_label
from app.store.chunk_text import LABEL_KEY, searchable_text

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
    # The stored vector is that of the chunk's searchable text: its document's label, then its words.
    embedded = searchable_text(FILES["pumps.txt"], {LABEL_KEY: document_label("pumps.txt")})
    assert embedded == f"pumps\n\n{FILES['pumps.txt']}"
    expected = np.dot(
        workspace.embedding.get_query_embedding(question), workspace.embedding.get_text_embedding(embedded)
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


def test_rerank_with_weight_one_orders_candidates_by_maxsim_over_token_vectors(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="hybrid", RERANK="true", RERANK_WEIGHT="1", TOP_K=3)
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


def test_late_chunk_vectors_pool_the_chunk_tokens_of_a_shared_pass(embedding) -> None:  # type: ignore[no-untyped-def]
    from app.embeddings.pooling import l2_normalize
    from app.ingest.late_chunking import late_chunk, merge_chunks

    chunks = ["The coolant pump turns at 3000 rpm.", "It was serviced in May.", "Its seals were replaced."]
    pairs = late_chunk(embedding, chunks, lambda text: len(embedding.tokenize(text)), budget=250)
    text, spans = merge_chunks(chunks)
    # The reference: the whole text through the model on torch, outside the app's code.
    import torch
    from transformers import AutoModel, AutoTokenizer

    folder = str(packaged_model_dir())
    tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    encoded = tokenizer(text, return_offsets_mapping=True, return_tensors="pt")
    offsets = encoded.pop("offset_mapping")[0].numpy()
    with torch.inference_mode():
        model = AutoModel.from_pretrained(folder, local_files_only=True).eval()
        states = model(**encoded).last_hidden_state[0].float().numpy()
    for (dense, tokens), (start, end) in zip(pairs, spans, strict=True):
        inside = (offsets[:, 1] > offsets[:, 0]) & (offsets[:, 0] < end) & (offsets[:, 1] > start)
        np.testing.assert_allclose(dense, l2_normalize(states[inside].mean(axis=0)), atol=1e-5)
        assert tokens.shape == (int(inside.sum()), 384)
    # In context, "It" of the second chunk is about the pump: its vector differs from the chunk alone.
    alone = embedding.encode_chunks([chunks[1]])[0][0]
    assert float(np.dot(pairs[1][0], alone)) < 0.99


def test_late_chunking_index_has_its_own_fingerprint_and_retrieves(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(LATE_CHUNKING="true", COLLECTION_NAME="late", CHUNK_SIZE=40, CHUNK_OVERLAP=0)
    assert workspace.fingerprint.chunking.endswith("/late")
    _ingest(workspace)
    assert workspace.retrieve("What do sleeping cars have?")[0].file_name == "trains.txt"


def test_a_large_document_still_being_written_does_not_hide_the_ready_ones(open_workspace) -> None:  # type: ignore[no-untyped-def]
    from llama_index.core.schema import TextNode

    from app.store.chroma import DOC_KEY

    workspace = open_workspace(RETRIEVAL_MODE="dense", RETRIEVAL_CANDIDATES=20, TOP_K=3)
    _ingest(workspace)
    question = "What is the impeller of the pump made of?"
    # Another process is writing a document whose 60 chunks are all nearer the question than any
    # ready chunk: journalled `indexing`, its chunks already in Chroma.
    sha = "f" * 64
    nodes = [
        TextNode(id_=f"{sha[:32]}-{i:05d}", text=f"{question} ({i})", metadata={DOC_KEY: sha, "file_name": "big.txt"})
        for i in range(60)
    ]
    workspace.catalog.begin(workspace.index.name, sha, "big.txt", f"{sha}/big.txt")
    workspace.index.add(nodes, workspace.embedding.get_text_embedding_batch([n.text for n in nodes]))

    passages = workspace.retrieve(question)

    assert passages and passages[0].file_name == "pumps.txt"
    assert "big.txt" not in {p.file_name for p in passages}
