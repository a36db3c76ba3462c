"""An index never mixes vectors of two embedding configurations."""

from __future__ import annotations

import chromadb
import pytest

from app.errors import FingerprintMismatchError, StoreError
from app.store.chroma import open_client
from app.store.fingerprint import METADATA_KEY, IndexFingerprint

# Each test runs on the embedded Chroma and on a Chroma server (tests/integration/conftest.py).
pytestmark = pytest.mark.usefixtures("chroma_backend")

OLD_BGE_INDEX = IndexFingerprint("vllm", "BAAI/bge-m3", "dense", 1024, "none", "sentence/512/50")


def _chroma(workspace_settings) -> chromadb.api.ClientAPI:  # type: ignore[no-untyped-def]
    return open_client(workspace_settings)


def test_opening_an_index_with_other_chunking_fails_naming_both(open_workspace, report_pdf: bytes) -> None:
    open_workspace().ingest([("report.pdf", report_pdf)])
    with pytest.raises(FingerprintMismatchError) as caught:
        open_workspace(CHUNK_SIZE=120)
    message = caught.value.message
    assert "sentence/200/30" in message and "sentence/120/30" in message
    assert "Switch the settings back" in caught.value.hint


def test_opening_a_bge_m3_index_with_minilm_fails_with_the_fix(open_workspace) -> None:
    from app.config import load_settings

    settings = load_settings()
    _chroma(settings).create_collection(
        settings.collection, metadata={METADATA_KEY: OLD_BGE_INDEX.to_json()}, embedding_function=None
    )
    with pytest.raises(FingerprintMismatchError) as caught:
        open_workspace()
    message = str(caught.value)
    assert "BAAI/bge-m3" in message and "1024-d" in message
    assert "all-MiniLM-L6-v2" in message and "384-d" in message
    assert "COLLECTION_NAME" in caught.value.hint


def test_another_collection_name_opens_beside_the_old_index(open_workspace, report_pdf: bytes) -> None:
    open_workspace().ingest([("report.pdf", report_pdf)])
    fresh = open_workspace(CHUNK_SIZE=120, COLLECTION_NAME="documents-small-chunks")
    assert fresh.documents() == [] and fresh.index.count() == 0
    assert len(open_workspace().documents()) == 1, "the old index is untouched"


def test_a_collection_built_by_another_tool_is_refused(open_workspace) -> None:
    from app.config import load_settings

    settings = load_settings()
    _chroma(settings).create_collection(settings.collection, embedding_function=None)
    with pytest.raises(FingerprintMismatchError, match="records no index fingerprint"):
        open_workspace()


def test_vectors_of_another_size_are_refused_with_advice(open_workspace) -> None:
    from llama_index.core.schema import TextNode

    workspace = open_workspace()
    with pytest.raises(StoreError, match="384-d") as caught:
        workspace.index.add([TextNode(id_="x", text="x", metadata={"doc_sha": "x"})], [[0.1] * 1024])
    assert "model the index was built with" in caught.value.hint


def test_a_matryoshka_size_change_is_a_different_index(data_dir, report_pdf: bytes) -> None:  # type: ignore[no-untyped-def]
    from app.config import load_settings
    from app.workspace import Workspace

    Workspace(load_settings()).ingest([("report.pdf", report_pdf)])
    with pytest.raises(FingerprintMismatchError, match="dimension: 384 -> 128"):
        Workspace(load_settings(EMBEDDING_DIMENSIONS=128))
