"""The write transaction of one index: a document's chunks, catalog row and kept source, all or none.

Every write holds the index's write lock and goes: catalog row 'indexing' (the journal) -> Chroma
write -> commit ('ready', replacing any earlier version) -> token and sentence vectors published. A failed Chroma
write is rolled back at once; a crash in between leaves an 'indexing' row that `recover` undoes.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from llama_index.core.schema import TextNode

from app.errors import StoreError
from app.files import index_write_lock, write_atomically
from app.store.catalog import Catalog, DocumentRecord
from app.store.chroma import VectorIndex
from app.store.token_store import StagedTokens

log = logging.getLogger(__name__)


class DocumentWriter:
    """Writes, renames and removes whole documents of one index, keeping vectors, catalog and sources in step."""

    def __init__(self, *, index: VectorIndex, catalog: Catalog, sources_dir: Path, lock_path: Path) -> None:
        self._index = index
        self._catalog = catalog
        self._sources_dir = sources_dir
        self._lock_path = lock_path

    @property
    def _collection(self) -> str:
        return self._index.name

    def store(
        self,
        file_name: str,
        sha: str,
        data: bytes,
        nodes: Sequence[TextNode],
        embeddings: Sequence[Sequence[float]],
        staged: Sequence[StagedTokens | None] = (),
        language: str | None = None,
        title: str | None = None,
    ) -> tuple[bool, DocumentRecord | None]:
        """Journal, write and commit one document under the write lock; (False, None) if it is already there.

        `language` (ISO 639-1, None if not known) and `title` (the one the document gives itself) are stored on its
        catalog row.
        Returns whether it was stored, and the earlier version it replaced, if any. The `staged` token and
        sentence vectors are published only once the chunks are committed: a failed write leaves none behind.

        Raises:
            StoreError: the source copy or the Chroma write failed (the write is rolled back).
        """
        with index_write_lock(self._lock_path):
            if self._catalog.find(self._collection, sha256=sha) is not None:
                return False, None
            previous = self._catalog.find(self._collection, name=file_name) or self._legacy(file_name)
            source = self._store_source(sha, file_name, data)
            self._catalog.begin(self._collection, sha, file_name, source, language, title)
            try:
                self._index.add(nodes, embeddings)
            except BaseException:
                self._rollback(sha, source)
                raise
            self._catalog.commit(self._collection, sha, len(nodes), replaces=previous.sha256 if previous else None)
            for vectors in staged:
                if vectors is not None:
                    vectors.publish()
            if previous is not None:
                self._finish_delete(previous.sha256, previous.source)
        return True, previous

    def restore_source(self, record: DocumentRecord, data: bytes) -> None:
        """Keep `data` (the bytes `record` was indexed from) as its source again when the kept copy is missing, so
        that `reindex` can read it: adding the same file again is how the user gives a lost copy back.

        Raises:
            StoreError: the copy cannot be written (disk full, no permission).
        """
        target = self._sources_dir / record.source
        if record.source and not target.is_file():
            try:
                write_atomically(target, data)
            except OSError as exc:
                raise StoreError(
                    f"Could not keep a copy of '{record.name}' in '{self._sources_dir}': {exc}.",
                    "Free some disk space and add it again.",
                ) from exc

    def rename(self, sha: str, file_name: str) -> None:
        """Give a stored document a new name, in Chroma and the catalog."""
        with index_write_lock(self._lock_path):
            self._index.rename_document(sha, file_name)
            self._catalog.rename(self._collection, sha, file_name)

    def _legacy(self, file_name: str) -> DocumentRecord | None:
        """The document this path replaces that was indexed by its file name alone, before names were paths."""
        base = PurePosixPath(file_name).name
        return self._catalog.find_legacy(self._collection, base) if base != file_name else None

    def _store_source(self, sha: str, file_name: str, data: bytes) -> str:
        # One folder level per content: the copy is named by the file's own name, not its folders.
        relative = f"{sha}/{PurePosixPath(file_name).name}"
        target = self._sources_dir / relative
        if not target.exists():
            try:
                write_atomically(target, data)
            except OSError as exc:
                raise StoreError(
                    f"Could not keep a copy of '{file_name}' in '{self._sources_dir}': {exc}.",
                    "Free some disk space and upload it again.",
                ) from exc
        return relative

    def _rollback(self, sha: str, source: str) -> None:
        try:
            self._finish_delete(sha, source)
        except StoreError:
            log.exception("could not roll back the chunks of %s; they are removed at the next start", sha)

    def delete(self, sha: str) -> None:
        """Remove a document's chunks, catalog row and (if no other row uses it) its kept source."""
        with index_write_lock(self._lock_path):
            record = self._catalog.find(self._collection, sha256=sha)
            if record is None:
                return
            self._catalog.mark_deleting(self._collection, sha)
            self._finish_delete(sha, record.source)

    def _finish_delete(self, sha: str, source: str) -> None:
        self._index.delete_document(sha)
        self._catalog.remove(self._collection, sha)
        self._remove_source_if_unused(source)

    def _remove_source_if_unused(self, source: str) -> None:
        if self._catalog.source_in_use(source):
            return
        path = self._sources_dir / source
        try:
            path.unlink(missing_ok=True)
        except OSError:
            log.exception("could not remove the stored copy %s", source)
            return
        # Only this name: the same bytes kept under another name (another collection) share the folder.
        with contextlib.suppress(OSError):
            path.parent.rmdir()

    def recover(self) -> int:
        """Undo what a crash left half-done: chunks of unfinished documents are removed. Returns how many.

        Work in progress in another process (its writer holds the lock) is left alone.
        """
        with index_write_lock(self._lock_path, wait=False) as locked:
            if not locked:
                return 0
            pending = self._catalog.pending(self._collection)
            for record in pending:
                log.warning("finishing interrupted work on %s (%s)", record.name, record.status)
                self._finish_delete(record.sha256, record.source)
            return len(pending)
