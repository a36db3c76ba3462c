"""Re-embed every stored source into a new collection with the configured fingerprint, then switch.

The collection in service is untouched until the new one holds every document; only then does
the logical name (COLLECTION_NAME) point at it. An interrupted reindex resumes where it stopped
(documents are journalled one by one, identified by content hash); the old collection is kept
until the user removes it (`python -m app remove-index`). A re-read (`reread=True`) does the same with
an unchanged fingerprint, so that every document is read again by this version's readers.
"""

from __future__ import annotations

import hashlib
import shutil
import threading
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import overload

from chromadb.api import ClientAPI
from chromadb.errors import NotFoundError

from app.config import Settings
from app.embeddings import Embedding, build_embedding
from app.errors import StoreError
from app.files import index_write_lock
from app.ingest.from_settings import build_ingestor, sentence_store_for
from app.ingest.pipeline import IngestResult, ProgressCallback
from app.ingest.settings_fit import check_settings_fit
from app.store.catalog import Catalog, DocumentRecord
from app.store.chroma import stored_fingerprint
from app.store.collections import check_collection_name
from app.store.data_folder import DataFolder
from app.store.fingerprint import IndexFingerprint, fingerprint_for
from app.store.token_store import TokenStore

CATCH_UP_ROUNDS = 5  # passes over documents added to the old index while the reindex ran


@dataclass(frozen=True)
class IndexSize:
    collection: str
    fingerprint: IndexFingerprint | None
    documents: int
    chunks: int


@dataclass(frozen=True)
class ReindexReport:
    logical: str
    old: IndexSize
    new: IndexSize
    switched: bool
    results: list[IngestResult] = field(default_factory=list)

    @property
    def unchanged(self) -> bool:
        return self.old.collection == self.new.collection

    @property
    def problems(self) -> list[IngestResult]:
        return [r for r in self.results if r.status in ("failed", "cancelled")]


class _StoredSources(Sequence[tuple[str, bytes]]):
    """The kept source files, read one at a time as the ingestor reaches them (not all into memory)."""

    def __init__(self, sources_dir: Path, records: list[DocumentRecord]) -> None:
        self._sources_dir = sources_dir
        self._records = records
        self.unreadable: set[int] = set()

    def __len__(self) -> int:
        return len(self._records)

    @overload
    def __getitem__(self, index: int) -> tuple[str, bytes]: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[tuple[str, bytes]]: ...
    def __getitem__(self, index: int | slice) -> tuple[str, bytes] | Sequence[tuple[str, bytes]]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        record = self._records[index]
        # The document keeps its name (a path, or an upload's name); its kept copy has the same extension,
        # so the same reader reads it (an imported document is named and kept as text).
        name = record.name
        try:
            return name, (self._sources_dir / record.source).read_bytes()
        except OSError:
            # Deleted from the old index meanwhile (its copy went with it), or lost: the caller tells which.
            self.unreadable.add(index)
            return name, b""


def physical_name(logical: str, fingerprint: IndexFingerprint) -> str:
    """The collection that holds `logical`'s documents embedded with `fingerprint`: stable, so an
    interrupted reindex resumes into the same collection."""
    digest = hashlib.sha256(fingerprint.to_json().encode()).hexdigest()[:10]
    return check_collection_name(f"{logical}--{digest}")


def index_size(client: ClientAPI, catalog: Catalog, name: str) -> IndexSize:
    documents = catalog.ready(name)
    return IndexSize(name, stored_fingerprint(client, name), len(documents), sum(d.chunks for d in documents))


def _existing_match(client: ClientAPI, logical: str, fingerprint: IndexFingerprint, others: set[str]) -> str | None:
    """A collection of this logical name already built with `fingerprint` (e.g. the one before the last reindex).
    `others` are the logical and physical names of every other collection: never taken, whatever they are called."""
    for collection in client.list_collections():
        name = collection.name if hasattr(collection, "name") else str(collection)
        if name in others or (name != logical and not name.startswith(f"{logical}--")):
            continue
        try:
            if stored_fingerprint(client, name) == fingerprint:
                return name
        except StoreError:
            continue
    return None


def reindex(
    settings: Settings,
    *,
    embedding: Embedding | None = None,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    reread: bool = False,
) -> ReindexReport:
    """Re-embed the documents of `settings.collection` with the embedding configuration of `settings`.

    With an unchanged fingerprint there is nothing to do, unless `reread`: then every document is read again
    from its kept copy, by this version's readers and chunking, into a collection of its own (see
    `_emptied_target`), and the logical name switches to it once it holds every document, as for a new
    fingerprint. A document otherwise keeps the chunks it was read into when it was added, however much better
    a later version reads its format. An interrupted re-read starts over.

    Raises:
        ConfigError: the settings do not fit the embedding model.
        StoreError: the catalog or Chroma cannot be opened or written.
    """
    logical = check_collection_name(settings.collection)
    data = DataFolder(settings)
    collections, catalog, client = data.collections, data.catalog, data.open_client()
    old_name = collections.physical_name(logical)
    old = index_size(client, catalog, old_name)

    embedding = embedding or build_embedding(settings)
    check_settings_fit(settings, embedding)
    fingerprint = fingerprint_for(settings, embedding)
    if old.fingerprint == fingerprint and not reread:
        return ReindexReport(logical, old, old, switched=False)

    others = {name for record in collections.records() if record.name != logical for name in record.names}
    if reread:
        new_name = _emptied_target(data, client, physical_name(logical, fingerprint), old_name, others)
    else:
        new_name = _existing_match(client, logical, fingerprint, others) or physical_name(logical, fingerprint)
    index = data.open_index(new_name, fingerprint, client)
    token_store = TokenStore(data.token_folder(new_name)) if settings.token_store else None
    ingestor = build_ingestor(data, embedding, index, token_store, sentence_store_for(data, embedding, new_name))
    ingestor.recover()
    results: list[IngestResult] = []
    switched = False
    for _ in range(CATCH_UP_ROUNDS):
        # Each round brings the new index to the old one as it is now: the app keeps serving (and taking
        # uploads and deletes into) the old index while the reindex runs.
        wanted = {record.sha256: record for record in catalog.ready(old_name)}
        for sha in {record.sha256 for record in catalog.ready(new_name)} - wanted.keys():
            ingestor.delete(sha)
        have = {record.sha256 for record in catalog.ready(new_name)}
        todo = [record for sha, record in wanted.items() if sha not in have]
        if not todo:
            with index_write_lock(data.lock_path):  # no upload commits between check and switch
                if _in_step(catalog, old_name, new_name):
                    collections.switch_physical(logical, new_name)
                    switched = True
            if switched:
                break
            continue
        present = [r for r in todo if r.source and (data.sources_dir / r.source).is_file()]
        missing = [_missing(r) for r in todo if r not in present]
        sources = _StoredSources(data.sources_dir, present)
        done = ingestor.ingest_many(sources, progress, cancel, named_by_path=True)
        still = {record.sha256 for record in catalog.ready(old_name)}
        done = [
            _missing(record) if position in sources.unreadable else result
            for position, (record, result) in enumerate(zip(present, done, strict=True))
            if record.sha256 in still or position not in sources.unreadable  # deleted meanwhile: nothing to do
        ] + missing
        results += done
        if any(r.status in ("failed", "cancelled") for r in done):
            break
    return ReindexReport(
        logical, index_size(client, catalog, old_name), index_size(client, catalog, new_name), switched, results
    )


def _emptied_target(data: DataFolder, client: ClientAPI, name: str, in_service: str, others: set[str]) -> str:
    """The collection a re-read builds, empty: `name` (the fingerprint's collection), or `name` + "-reread" when
    `name` is the one in service. Whatever it held before is discarded, with its catalog rows and derived
    indexes (not the kept sources): an index of this fingerprint read by an older version, or an interrupted
    re-read. So two re-reads in a row alternate between the two names, and the second drops the index the first
    replaced.

    Raises:
        StoreError: the name belongs to another collection.
    """
    if name == in_service:
        name = check_collection_name(f"{name}-reread")
    if name in others:
        raise StoreError(
            f"The collection '{name}' that a re-read would build is another collection's name.",
            "Rename or delete that collection, then re-read again.",
        )
    _drop_index(data, client, name)
    return name


def _drop_index(data: DataFolder, client: ClientAPI, name: str) -> None:
    """Delete the Chroma collection `name` (if there is one), its catalog rows and its derived folders; the kept
    sources stay (the index in service uses them)."""
    with suppress(NotFoundError, ValueError):
        client.delete_collection(name)
    for record in data.catalog.ready(name) + data.catalog.pending(name):
        data.catalog.remove(name, record.sha256)
    for folder in data.derived_folders(name):
        shutil.rmtree(folder, ignore_errors=True)


def _missing(record: DocumentRecord) -> IngestResult:
    message = f"the kept copy '{record.source}' is missing; add the original file again (that restores it), then rerun"
    return IngestResult(record.name, "failed", message=message)


def _in_step(catalog: Catalog, old_name: str, new_name: str) -> bool:
    return {r.sha256 for r in catalog.ready(old_name)} == {r.sha256 for r in catalog.ready(new_name)}


def remove_index(settings: Settings, name: str) -> IndexSize:
    """Delete a collection that a reindex replaced: never one in service.

    Raises:
        StoreError: `name` is in service, was not replaced by a reindex, or does not exist.
    """
    data = DataFolder(settings)
    records = data.collections.records()
    serving = {record.physical: record.name for record in records}
    if name in serving:
        raise StoreError(
            f"The index '{name}' is in service for the collection '{serving[name]}'; it is not removed.",
            "Only an index that a reindex replaced can be removed (`python -m app status` lists them).",
        )
    if not any(name == r.name or name.startswith(f"{r.name}--") for r in records):
        raise StoreError(
            f"There is no index '{name}' of any collection.",
            "Check the name printed by `python -m app reindex` when it switched.",
        )
    client = data.open_client()
    size = index_size(client, data.catalog, name)
    if size.fingerprint is None:
        raise StoreError(f"There is no index '{name}'.", "Check the name printed by `python -m app reindex`.")
    _drop_index(data, client, name)
    return size
