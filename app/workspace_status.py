"""The status of a collection (`python -m app status`), read without opening a `Workspace`.

Part of the service layer beside `workspace.py`, and light on purpose: it opens only the data folder
(catalog, collections, the Chroma index to check its fingerprint) and describes the embedding model
from its config files, so it imports neither LlamaIndex nor torch nor transformers and loads no
model weights (tests/unit/test_cli_imports.py). `Workspace.status` reports the same fields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from app.config import Settings
from app.embeddings import describe_embedding
from app.ingest.settings_fit import check_settings_fit
from app.store.catalog import DocumentRecord
from app.store.collections import check_collection_name
from app.store.data_folder import DataFolder
from app.store.fingerprint import IndexFingerprint, fingerprint_for
from app.urls import redact_url


@dataclass(frozen=True)
class WorkspaceStatus:
    collection: str
    data_dir: str
    fingerprint: IndexFingerprint
    documents: int
    chunks: int  # over the ready documents
    llm: str  # "<model> at <redacted url>", or "none (extractive answers)"

    @classmethod
    def of(
        cls, settings: Settings, collection: str, fingerprint: IndexFingerprint, ready: Sequence[DocumentRecord]
    ) -> WorkspaceStatus:
        """The status of `collection`, whose `ready` documents are searchable, in the data folder of `settings`."""
        return cls(
            collection=collection,
            data_dir=str(settings.data_dir),
            fingerprint=fingerprint,
            documents=len(ready),
            chunks=sum(record.chunks for record in ready),
            # An LLM client is built exactly when a server is set (`app.chat.llm.build_llm`).
            llm=f"{settings.llm_model} at {redact_url(settings.llm_api_base)}"
            if settings.llm_api_base
            else "none (extractive answers)",
        )


def read_status(settings: Settings) -> WorkspaceStatus:
    """What `Workspace(settings).status()` reports, checked the same way but at a fraction of the cost.

    Unlike opening a Workspace it leaves work a crash left half-done for the next open to finish;
    that work is on documents that are not ready, so the counts are the same. Like opening one, it
    creates the collection's (empty) index if it does not exist yet.

    Raises:
        ConfigError: the settings do not fit the embedding model, or the collection name is invalid.
        FingerprintMismatchError: the collection was built with another embedding configuration.
        EmbeddingError: a vLLM server that cannot say its model's size (its client asks it once).
        StoreError: Chroma or the catalog cannot be opened.
    """
    model = describe_embedding(settings)
    check_settings_fit(settings, model)
    fingerprint = fingerprint_for(settings, model)
    data = DataFolder(settings)
    collection = check_collection_name(settings.collection)
    index = data.open_index(data.collections.physical_name(collection), fingerprint)
    return WorkspaceStatus.of(settings, collection, fingerprint, data.catalog.ready(index.name))
