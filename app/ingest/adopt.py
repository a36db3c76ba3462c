"""Adopt a Chroma collection built by another tool (e.g. the app this one replaces) without re-embedding.

The user states the embedding configuration its vectors came from (the settings, or the flags of
`python -m app import-collection`); the vector size is checked against it. Records are grouped
into documents by the usual metadata keys, copied into a collection of this app with the stated
fingerprint (the source collection is only read), and each document's chunk texts are kept as a
text source so a later `reindex` can re-embed it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import chromadb
from chromadb.api import ClientAPI
from chromadb.config import Settings as ChromaSettings
from chromadb.errors import ChromaError, NotFoundError
from llama_index.core.schema import TextNode

from app.config import Settings
from app.embeddings import Embedding, build_embedding
from app.errors import StoreError
from app.ingest.chunking import chunk_id, content_sha256, safe_file_name
from app.ingest.from_settings import build_ingestor
from app.ingest.reindex import physical_name
from app.ingest.settings_fit import check_settings_fit
from app.store.chroma import DOC_KEY
from app.store.collections import check_collection_name
from app.store.data_folder import DataFolder
from app.store.fingerprint import fingerprint_for

# Metadata keys other tools use for "which document is this chunk from", most specific first.
DOCUMENT_KEYS = (DOC_KEY, "ref_doc_id", "document_id", "doc_id", "file_path", "file_name", "filename", "source", "path")
NAME_KEYS = ("file_name", "filename", "file_path", "source", "path", "title")
PAGE_KEYS = ("page", "page_label", "page_number")
PAGE_SIZE = 1000  # records read per request


@dataclass(frozen=True)
class ImportReport:
    source: str
    collection: str
    physical: str
    documents: int
    chunks: int
    skipped_without_text: int


def _source_client(folder: DataFolder, from_path: str | None) -> ClientAPI:
    if from_path is None:
        return folder.open_client()
    return chromadb.PersistentClient(path=from_path, settings=ChromaSettings(anonymized_telemetry=False))


def _read_all(collection: Any) -> list[tuple[str, list[float], str | None, dict[str, Any]]]:
    records = []
    total = collection.count()
    for offset in range(0, total, PAGE_SIZE):
        page = collection.get(include=["embeddings", "documents", "metadatas"], limit=PAGE_SIZE, offset=offset)
        for record_id, vector, text, metadata in zip(
            page["ids"], page["embeddings"], page["documents"] or [None] * len(page["ids"]),
            page["metadatas"] or [{}] * len(page["ids"]), strict=True,
        ):  # fmt: skip
            records.append((record_id, [float(x) for x in vector], text, dict(metadata or {})))
    return records


def _node_fields(text: str | None, metadata: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """Text and metadata of a record, unpacking LlamaIndex's node format (`_node_content`) when present."""
    fields = {k: v for k, v in metadata.items() if not k.startswith("_")}
    raw = metadata.get("_node_content")
    if isinstance(raw, str):
        try:
            node = json.loads(raw)
        except ValueError:
            node = {}
        fields = {**fields, **(node.get("metadata") or {})}
        text = text or node.get("text")
    return text, fields


def _group_key(metadata: dict[str, Any], fallback: str) -> str:
    for key in DOCUMENT_KEYS:
        if metadata.get(key):
            return f"{key}:{metadata[key]}"
    return fallback


def _document_name(metadata: dict[str, Any], fallback: str) -> str:
    for key in NAME_KEYS:
        if metadata.get(key):
            return safe_file_name(PurePosixPath(str(metadata[key]).replace("\\", "/")).name)
    return safe_file_name(fallback)


def _chunk_metadata(metadata: dict[str, Any]) -> dict[str, Any]:
    """Flat metadata worth keeping; another tool's page key becomes ours, so citations show the page."""
    kept = {k: v for k, v in metadata.items() if isinstance(v, str | int | float | bool) and k not in PAGE_KEYS}
    page = next((metadata[key] for key in PAGE_KEYS if metadata.get(key) not in (None, "")), None)
    if page is not None:
        kept["page"] = page
    kept.pop(DOC_KEY, None)
    return kept


def import_collection(
    settings: Settings, source_name: str, *, from_path: str | None = None, embedding: Embedding | None = None
) -> ImportReport:
    """Copy `source_name` into the logical collection `settings.collection`, as built with `settings`' model.

    Raises:
        ConfigError: the settings do not fit the embedding model.
        StoreError: no such source collection, the target already holds documents, the vectors' size
            is not the stated model's, or no record has text.
    """
    logical = check_collection_name(settings.collection)
    folder = DataFolder(settings)
    embedding = embedding or build_embedding(settings)
    check_settings_fit(settings, embedding)
    fingerprint = fingerprint_for(settings, embedding)
    try:
        source = _source_client(folder, from_path).get_collection(source_name, embedding_function=None)
    except (NotFoundError, ValueError) as exc:
        raise StoreError(
            f"There is no Chroma collection '{source_name}'" + (f" in '{from_path}'" if from_path else "") + ".",
            "List the collections of that Chroma (e.g. `chromadb` client's list_collections) and give one of them.",
        ) from exc
    except ChromaError as exc:
        raise StoreError(f"Cannot read the collection '{source_name}': {exc}.") from exc

    catalog, collections = folder.catalog, folder.collections
    current = catalog.ready(collections.physical_name(logical))
    if current:
        raise StoreError(
            f"The collection '{logical}' already holds {len(current)} documents; importing would mix two sources.",
            "Import into a new collection: `--as NEW_NAME` (then open it with COLLECTION_NAME or the sidebar).",
        )

    records = _read_all(source)
    sizes = {len(vector) for _, vector, _, _ in records}
    if sizes - {fingerprint.dimension}:
        raise StoreError(
            f"The collection '{source_name}' holds {sorted(sizes)}-d vectors, but {fingerprint.describe()} "
            f"makes {fingerprint.dimension}-d ones: they cannot come from the stated model.",
            "State the model the collection was built with (--backend, --model, --dimensions, --api-base).",
        )

    groups: dict[str, list[tuple[str, list[float], str, dict[str, Any]]]] = defaultdict(list)
    without_text = 0
    for record_id, vector, raw_text, raw_metadata in records:
        text, metadata = _node_fields(raw_text, raw_metadata)
        if not text or not text.strip():
            without_text += 1  # nothing to show or cite: such a record cannot serve an answer
            continue
        groups[_group_key(metadata, source_name)].append((record_id, vector, text, metadata))
    if not groups:
        raise StoreError(
            f"The collection '{source_name}' has no record with text ({without_text} without); "
            "there is nothing this app could cite.",
            "Import a collection whose records store their text (Chroma's `documents`).",
        )

    physical = physical_name(logical, fingerprint)
    index = folder.open_index(physical, fingerprint)
    ingestor = build_ingestor(folder, embedding, index)
    documents = chunks = 0
    for key, members in groups.items():
        name = _document_name(members[0][3], key.split(":", 1)[-1])
        source_file = name if name.lower().endswith((".txt", ".md")) else f"{name}.txt"
        data = "\n\n".join(text for _, _, text, _ in members).encode()
        sha = content_sha256(data)
        nodes = [
            TextNode(
                id_=chunk_id(sha, position),
                text=text,
                metadata={**_chunk_metadata(metadata), "file_name": source_file, DOC_KEY: sha},
            )
            for position, (_, _, text, metadata) in enumerate(members)
        ]
        result = ingestor.adopt(source_file, data, nodes, [vector for _, vector, _, _ in members])
        documents += result.status == "indexed"
        chunks += result.chunks if result.status == "indexed" else 0
    collections.switch_physical(logical, physical)
    return ImportReport(source_name, logical, physical, documents, chunks, without_text)
