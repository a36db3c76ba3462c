"""Ingest files: read, split, embed, then write all of a document's chunks or none of them."""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.node_parser import SentenceSplitter

from app.errors import AppError, StoreError, UnreadableFileError
from app.ingest.chunking import content_sha256, safe_file_name, split_into_chunks
from app.ingest.readers import read_document
from app.store.catalog import Catalog
from app.store.chroma import VectorIndex

log = logging.getLogger(__name__)

EMBED_SLICE = 64  # texts per progress update while embedding


@dataclass(frozen=True)
class IngestProgress:
    file_name: str
    file_number: int  # 1-based
    file_count: int
    stage: Literal["reading", "embedding", "storing", "done"]
    chunks_done: int = 0
    chunks_total: int = 0

    @property
    def fraction(self) -> float:
        """Overall progress of the batch, 0..1."""
        within = {"reading": 0.0, "storing": 0.95, "done": 1.0}.get(self.stage)
        if within is None:
            within = 0.05 + 0.9 * (self.chunks_done / self.chunks_total if self.chunks_total else 0.0)
        return round(min(1.0, (self.file_number - 1 + within) / max(self.file_count, 1)), 4)

    def describe(self) -> str:
        head = f"{self.file_number}/{self.file_count} {self.file_name}"
        if self.stage == "embedding":
            return f"{head}: embedding {self.chunks_done}/{self.chunks_total} chunks"
        return f"{head}: {self.stage}"


ProgressCallback = Callable[[IngestProgress], None]


@dataclass(frozen=True)
class IngestResult:
    file_name: str
    status: Literal["indexed", "replaced", "skipped", "failed"]
    chunks: int = 0
    message: str = ""


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@contextmanager
def index_write_lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """An exclusive lock on the index's writes, across threads and processes (CLI beside the app).

    Yields False, without the lock, when `wait` is False and another writer holds it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Ingestor:
    """Adds, replaces and removes documents of one index, keeping vectors, catalog and sources in step."""

    def __init__(
        self,
        *,
        embedding: BaseEmbedding,
        index: VectorIndex,
        catalog: Catalog,
        sources_dir: Path,
        lock_path: Path,
        splitter: SentenceSplitter,
        max_bytes: int,
    ) -> None:
        self._embedding = embedding
        self._index = index
        self._catalog = catalog
        self._sources_dir = sources_dir
        self._splitter = splitter
        self._max_bytes = max_bytes
        self._lock_path = lock_path

    @property
    def _collection(self) -> str:
        return self._index.name

    def ingest_many(
        self, files: Sequence[tuple[str, bytes]], progress: ProgressCallback | None = None
    ) -> list[IngestResult]:
        """Each file succeeds or fails on its own; a bad file never stops the others."""
        results = []
        for number, (name, data) in enumerate(files, start=1):
            results.append(self.ingest_file(name, data, progress, number=number, count=len(files)))
        return results

    def ingest_file(
        self,
        name: str,
        data: bytes,
        progress: ProgressCallback | None = None,
        *,
        number: int = 1,
        count: int = 1,
    ) -> IngestResult:
        file_name = safe_file_name(name)

        def report(stage: Literal["reading", "embedding", "storing", "done"], done: int = 0, total: int = 0) -> None:
            if progress is not None:
                progress(IngestProgress(file_name, number, count, stage, done, total))

        try:
            report("reading")
            result = self._ingest(file_name, data, report)
        except AppError as exc:
            log.warning("ingest of %s failed: %s", file_name, exc)
            result = IngestResult(file_name, "failed", message=str(exc))
        report("done")
        return result

    def _ingest(self, file_name: str, data: bytes, report: Callable[..., None]) -> IngestResult:
        if len(data) > self._max_bytes:
            raise UnreadableFileError(
                f"'{file_name}' is {len(data) / 1e6:.1f} MB, over the {self._max_bytes / 1e6:.0f} MB limit.",
                "Split the file or raise MAX_UPLOAD_MB.",
            )
        sha = content_sha256(data)
        known = self._catalog.find(self._collection, sha256=sha)
        if known is not None:
            same = "" if known.name == file_name else f" as '{known.name}'"
            return IngestResult(file_name, "skipped", known.chunks, f"already indexed{same}, unchanged")

        nodes = split_into_chunks(
            read_document(data, file_name), file_name=file_name, doc_sha=sha, splitter=self._splitter
        )
        embeddings: list[list[float]] = []
        report("embedding", 0, len(nodes))
        for start in range(0, len(nodes), EMBED_SLICE):
            texts = [node.get_content() for node in nodes[start : start + EMBED_SLICE]]
            embeddings.extend(self._embedding.get_text_embedding_batch(texts))
            report("embedding", len(embeddings), len(nodes))

        report("storing", len(nodes), len(nodes))
        with index_write_lock(self._lock_path):
            if self._catalog.find(self._collection, sha256=sha) is not None:  # another writer was faster
                return IngestResult(file_name, "skipped", len(nodes), "already indexed, unchanged")
            previous = self._catalog.find(self._collection, name=file_name)
            source = self._store_source(sha, file_name, data)
            self._catalog.begin(self._collection, sha, file_name, source)
            try:
                self._index.add(nodes, embeddings)
            except BaseException:
                self._rollback(sha, source)
                raise
            self._catalog.commit(self._collection, sha, len(nodes), replaces=previous.sha256 if previous else None)
            if previous is not None:
                self._finish_delete(previous.sha256, previous.source)
        if previous is not None:
            return IngestResult(
                file_name, "replaced", len(nodes), f"replaced the earlier version ({previous.chunks} chunks)"
            )
        return IngestResult(file_name, "indexed", len(nodes))

    def _store_source(self, sha: str, file_name: str, data: bytes) -> str:
        relative = f"{sha}/{file_name}"
        target = self._sources_dir / relative
        if not target.exists():
            try:
                _write_atomically(target, data)
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
        try:
            shutil.rmtree((self._sources_dir / source).parent)
        except FileNotFoundError:
            return
        except OSError:
            log.exception("could not remove the stored copy %s", source)

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
