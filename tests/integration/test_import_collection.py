"""import-collection: a Chroma collection built by another tool is adopted without re-embedding."""

from __future__ import annotations

from pathlib import Path

import chromadb
import pytest
from chromadb.config import Settings as ChromaSettings

from app.config import load_settings
from app.errors import StoreError
from app.ingest.adopt import import_collection
from app.ingest.reindex import reindex
from app.workspace import Workspace
from tests.conftest import PAGE2_QUESTION, PAGES

PUFFIN_QUESTION = "What do puffins eat?"


def build_foreign_collection(path: Path, embedding, name: str = "old_app_docs") -> None:  # type: ignore[no-untyped-def]
    """What the app this one replaced left behind: plain Chroma records, vectors from the same MiniLM."""
    client = chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))
    collection = client.create_collection(name, embedding_function=None, metadata={"hnsw:space": "cosine"})
    texts = [*PAGES, "Unrelated memo text: the canteen closes at three on Fridays."]
    collection.add(
        ids=[f"rec-{n}" for n in range(len(texts))],
        embeddings=embedding.get_text_embedding_batch(texts),
        documents=texts,
        metadatas=[
            {"file_name": "C:\\reports\\report.pdf", "page_label": "1"},
            {"file_name": "C:\\reports\\report.pdf", "page_label": "2"},
            {"file_name": "C:\\reports\\report.pdf", "page_label": "3"},
            {"source": "memo.txt"},
        ],
    )


def test_a_foreign_collection_is_adopted_with_its_vectors_and_cited_by_page(
    data_dir: Path, tmp_path: Path, embedding
) -> None:  # type: ignore[no-untyped-def]
    foreign = tmp_path / "old-chroma"
    build_foreign_collection(foreign, embedding)

    report = import_collection(load_settings(), "old_app_docs", from_path=str(foreign), embedding=embedding)
    assert (report.documents, report.chunks, report.skipped_without_text) == (2, 4, 0)

    workspace = Workspace(load_settings(), embedding=embedding)
    assert {d.name for d in workspace.documents()} == {"report.pdf.txt", "memo.txt"}
    top = workspace.retrieve(PAGE2_QUESTION)[0]
    assert (top.file_name, top.location) == ("report.pdf.txt", "page 2")
    assert top.score > 0.5, "the copied vectors answer queries embedded by the configured model"

    # The kept text sources make the adopted documents re-embeddable.
    from app.embeddings.local import LocalEmbedding

    moved = reindex(load_settings(EMBEDDING_DIMENSIONS=128), embedding=LocalEmbedding(dimensions=128))
    assert moved.switched and moved.new.documents == 2


def test_a_collection_of_another_size_is_refused_naming_both(data_dir: Path, tmp_path: Path, embedding) -> None:  # type: ignore[no-untyped-def]
    foreign = tmp_path / "old-chroma"
    client = chromadb.PersistentClient(path=str(foreign), settings=ChromaSettings(anonymized_telemetry=False))
    client.create_collection("bge", embedding_function=None).add(
        ids=["a"], embeddings=[[0.1] * 1024], documents=["text"], metadatas=[{"file_name": "a.pdf"}]
    )
    with pytest.raises(StoreError, match=r"holds \[1024\]-d vectors") as caught:
        import_collection(load_settings(), "bge", from_path=str(foreign), embedding=embedding)
    assert "384-d" in caught.value.message and "--model" in caught.value.hint
    with pytest.raises(StoreError, match="no Chroma collection 'nope'"):
        import_collection(load_settings(), "nope", from_path=str(foreign), embedding=embedding)
