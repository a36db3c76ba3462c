"""Ingest files: read, split, embed, then write all of a document's chunks or none of them."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Literal, cast

from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import TextNode

from app.embeddings import Embedding
from app.errors import AppError, IngestCancelledError, StoreError, UnreadableFileError
from app.ingest.chunking import (
    chunk_id,
    content_sha256,
    document_label,
    document_path,
    safe_file_name,
    split_into_chunks,
)
from app.ingest.late_chunking import late_chunk
from app.ingest.parsed import PageImage, ReadOptions
from app.ingest.readers import parse_file
from app.retrieval.rerank import TokenStore
from app.store.catalog import Catalog, DocumentRecord
from app.store.chroma import DOC_KEY, VectorIndex
from app.store.chunk_text import searchable_text

log = logging.getLogger(__name__)

EMBED_SLICE = 64  # texts per progress update while embedding


Stage = Literal["reading", "embedding", "storing", "done"]


@dataclass(frozen=True)
class IngestProgress:
    file_name: str
    file_number: int  # 1-based
    file_count: int
    stage: Stage
    chunks_done: int = 0
    chunks_total: int = 0
    pages: int = 0  # pages, slides or sheets of this file (0 until read, or for formats without pages)
    elapsed: float = 0.0  # seconds since the batch started
    embeddings_done: int = 0  # vectors computed in this batch so far
    embedding_seconds: float = 0.0  # time the batch spent waiting for the embedding model
    pages_read: int = 0  # pages of this file read so far (text extraction, OCR)

    @property
    def fraction(self) -> float:
        """Overall progress of the batch, 0..1."""
        reading = 0.05 * self.pages_read / self.pages if self.pages else 0.0
        within = {"reading": reading, "storing": 0.95, "done": 1.0}.get(self.stage)
        if within is None:
            within = 0.05 + 0.9 * (self.chunks_done / self.chunks_total if self.chunks_total else 0.0)
        return round(min(1.0, (self.file_number - 1 + within) / max(self.file_count, 1)), 4)

    @property
    def embeddings_per_second(self) -> float | None:
        if self.embeddings_done == 0 or self.embedding_seconds <= 0:
            return None
        return self.embeddings_done / self.embedding_seconds

    @property
    def eta_seconds(self) -> float | None:
        """Seconds left if the rest goes at the pace so far; None until there is a pace to go by."""
        fraction = self.fraction
        if fraction < 0.02 or self.elapsed < 1.0:
            return None
        return self.elapsed * (1 - fraction) / fraction

    def describe(self) -> str:
        pages = f" ({self.pages} pages)" if self.pages else ""
        head = f"{self.file_number}/{self.file_count} {self.file_name}{pages}"
        if self.stage == "embedding":
            text = f"{head}: embedding {self.chunks_done}/{self.chunks_total} chunks"
        elif self.stage == "reading" and self.pages_read:
            text = f"{head}: reading page {self.pages_read}"
        else:
            text = f"{head}: {self.stage}"
        rate = self.embeddings_per_second
        if rate is not None:
            text += f" · {rate:.3g} chunks/s"
        eta = self.eta_seconds
        if eta is not None and self.stage != "done":
            text += f" · about {_duration(eta)} left"
        return text


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


ProgressCallback = Callable[[IngestProgress], None]


@dataclass(frozen=True)
class IngestResult:
    file_name: str
    status: Literal["indexed", "replaced", "skipped", "failed", "cancelled"]
    chunks: int = 0
    message: str = ""
    pages: int = 0


@dataclass
class _Batch:
    """Counters of one ingest_many call, for rates and the ETA."""

    started: float = field(default_factory=time.monotonic)
    embeddings: int = 0
    embedding_seconds: float = 0.0
    cancel: threading.Event | None = None

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise IngestCancelledError("Cancelled.")


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


def _image_nodes(
    images: Sequence[PageImage], *, file_name: str, doc_sha: str, first: int
) -> list[tuple[TextNode, PageImage]]:
    """One node per image, numbered after the text chunks; its text (OCR or a label) is what citations show."""
    nodes = []
    for offset, image in enumerate(images):
        where = f", page {image.metadata['page']}" if "page" in image.metadata else ""
        text = image.text or f"[image: {file_name}{where}]"
        metadata = {**image.metadata, "image": True, "file_name": file_name, DOC_KEY: doc_sha}
        nodes.append((TextNode(id_=chunk_id(doc_sha, first + offset), text=text, metadata=metadata), image))
    return nodes


class Ingestor:
    """Adds, replaces and removes documents of one index, keeping vectors, catalog and sources in step."""

    def __init__(
        self,
        *,
        embedding: Embedding,
        index: VectorIndex,
        catalog: Catalog,
        sources_dir: Path,
        lock_path: Path,
        splitter: SentenceSplitter,
        max_bytes: int,
        read_options: ReadOptions | None = None,
        late_chunking: bool = False,
        token_store: TokenStore | None = None,
    ) -> None:
        self._embedding = embedding
        self._late_chunking = late_chunking
        self._token_store = token_store
        self._index = index
        self._catalog = catalog
        self._sources_dir = sources_dir
        self._splitter = splitter
        self._max_bytes = max_bytes
        self._lock_path = lock_path
        self._read_options = read_options or ReadOptions()

    @property
    def _collection(self) -> str:
        return self._index.name

    def ingest_many(
        self,
        files: Sequence[tuple[str, bytes]],
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        *,
        named_by_path: bool = False,
    ) -> list[IngestResult]:
        """Each file succeeds or fails on its own; a bad file never stops the others. A set `cancel`
        stops the batch between embedding requests: the file in progress is not indexed.

        Names are uploads' file names (any folder part is dropped), or with `named_by_path` paths
        relative to an ingested folder ("a/policy.txt"): a document is identified by its name.
        """
        batch = _Batch(cancel=cancel)
        results = []
        for number, (name, data) in enumerate(files, start=1):
            results.append(
                self.ingest_file(
                    name, data, progress, number=number, count=len(files), batch=batch, named_by_path=named_by_path
                )
            )
        return results

    def ingest_file(
        self,
        name: str,
        data: bytes,
        progress: ProgressCallback | None = None,
        *,
        number: int = 1,
        count: int = 1,
        batch: _Batch | None = None,
        named_by_path: bool = False,
    ) -> IngestResult:
        file_name = document_path(name) if named_by_path else safe_file_name(name)
        batch = batch or _Batch()
        pages = 0
        pages_read = 0

        def report(stage: Stage, done: int = 0, total: int = 0) -> None:
            if progress is not None:
                progress(
                    IngestProgress(
                        file_name,
                        number,
                        count,
                        stage,
                        done,
                        total,
                        pages=pages,
                        elapsed=time.monotonic() - batch.started,
                        embeddings_done=batch.embeddings,
                        embedding_seconds=batch.embedding_seconds,
                        pages_read=pages_read,
                    )
                )

        def read_pages(value: int) -> None:
            nonlocal pages
            pages = value

        def page_read(number: int, total: int) -> None:
            nonlocal pages, pages_read
            batch.check_cancel()  # a long PDF (OCR above all) can be cancelled while it is read
            pages, pages_read = total, number
            report("reading")

        try:
            batch.check_cancel()
            report("reading")
            options = replace(self._read_options, on_page=page_read)
            result = self._ingest(file_name, data, report, batch, read_pages, options)
        except IngestCancelledError:
            log.info("ingest of %s cancelled", file_name)
            message = "cancelled, nothing of it was indexed; upload it again to index it"
            result = IngestResult(file_name, "cancelled", message=message, pages=pages)
        except AppError as exc:
            log.warning("ingest of %s failed: %s", file_name, exc)
            result = IngestResult(file_name, "failed", message=str(exc), pages=pages)
        report("done")
        return result

    def _ingest(
        self,
        file_name: str,
        data: bytes,
        report: Callable[..., None],
        batch: _Batch,
        read_pages: Callable[[int], None],
        options: ReadOptions,
    ) -> IngestResult:
        if len(data) > self._max_bytes:
            raise UnreadableFileError(
                f"'{file_name}' is {len(data) / 1e6:.1f} MB, over the {self._max_bytes / 1e6:.0f} MB limit.",
                "Split the file or raise MAX_UPLOAD_MB.",
            )
        sha = content_sha256(data)
        known = self._catalog.find(self._collection, sha256=sha)
        if known is not None:
            return self._already_indexed(known, file_name)

        parsed = parse_file(data, file_name, options)
        read_pages(parsed.pages)
        label = document_label(file_name, parsed.title)
        nodes = split_into_chunks(
            parsed.documents, file_name=file_name, doc_sha=sha, splitter=self._splitter, label=label
        )
        images = _image_nodes(parsed.images, file_name=file_name, doc_sha=sha, first=len(nodes))
        nodes += [node for node, _ in images]
        embeddings = self._embed(nodes, {node.node_id: image for node, image in images}, report, batch)

        batch.check_cancel()
        report("storing", len(nodes), len(nodes))
        stored, previous = self._store(file_name, sha, data, nodes, embeddings)
        if not stored:  # another writer was faster
            return IngestResult(file_name, "skipped", len(nodes), "already indexed, unchanged")
        notes = "; ".join(parsed.notes)
        if previous is not None:
            replaced = f"replaced the earlier version ({previous.chunks} chunks)"
            return IngestResult(
                file_name, "replaced", len(nodes), "; ".join(filter(None, [replaced, notes])), parsed.pages
            )
        return IngestResult(file_name, "indexed", len(nodes), notes, parsed.pages)

    def _store(
        self, file_name: str, sha: str, data: bytes, nodes: Sequence[TextNode], embeddings: Sequence[Sequence[float]]
    ) -> tuple[bool, DocumentRecord | None]:
        """Journal, write and commit one document under the write lock; (False, None) if it is already there.
        Returns the earlier version it replaced, if any."""
        with index_write_lock(self._lock_path):
            if self._catalog.find(self._collection, sha256=sha) is not None:
                return False, None
            previous = self._catalog.find(self._collection, name=file_name) or self._legacy(file_name)
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
        return True, previous

    def _already_indexed(self, known: DocumentRecord, file_name: str) -> IngestResult:
        """The result for bytes the collection holds already: stored once, whatever names they come under."""
        if known.name == file_name:
            return IngestResult(file_name, "skipped", known.chunks, "already indexed, unchanged")
        if known.legacy_name and known.name == PurePosixPath(file_name).name:
            with index_write_lock(self._lock_path):
                self._index.rename_document(known.sha256, file_name)
                self._catalog.rename(self._collection, known.sha256, file_name)
            message = f"already indexed, unchanged; now named by its path (was '{known.name}')"
            return IngestResult(file_name, "skipped", known.chunks, message)
        message = f"same content as '{known.name}', which is already indexed: stored once"
        earlier = self._catalog.find(self._collection, name=file_name)
        if earlier is not None:  # this path held other content: that version is gone from the file
            self.delete(earlier.sha256)
            message += f"; the earlier version at this path ({earlier.chunks} chunks) was removed"
        return IngestResult(file_name, "skipped", known.chunks, message)

    def _legacy(self, file_name: str) -> DocumentRecord | None:
        """The document this path replaces that was indexed by its file name alone, before names were paths."""
        base = PurePosixPath(file_name).name
        return self._catalog.find_legacy(self._collection, base) if base != file_name else None

    def adopt(
        self, file_name: str, data: bytes, nodes: Sequence[TextNode], embeddings: Sequence[Sequence[float]]
    ) -> IngestResult:
        """Store a document whose chunks and vectors were made elsewhere (import-collection), with the same
        journal, lock and kept source as an upload. `data` is its source: what a reindex re-reads."""
        stored, _ = self._store(file_name, content_sha256(data), data, nodes, embeddings)
        if not stored:
            return IngestResult(file_name, "skipped", len(nodes), "already indexed, unchanged")
        return IngestResult(file_name, "indexed", len(nodes))

    def _embed(
        self,
        nodes: Sequence[TextNode],
        images: dict[str, PageImage],
        report: Callable[..., None],
        batch: _Batch,
    ) -> list[list[float]]:
        """The embedding step, in one place: one vector per node, text nodes in slices of EMBED_SLICE
        (progress and the cancel check in between), image nodes through the model's image path."""
        embeddings: list[list[float]] = []
        report("embedding", 0, len(nodes))
        texts = [node for node in nodes if node.node_id not in images]
        for start in range(0, len(texts), EMBED_SLICE):
            batch.check_cancel()
            part = texts[start : start + EMBED_SLICE]
            began = time.monotonic()
            embeddings.extend(self._encode_texts(texts[start : start + EMBED_SLICE]))
            batch.embedding_seconds += time.monotonic() - began
            batch.embeddings += len(part)
            report("embedding", len(embeddings), len(nodes))
        for node in nodes[len(texts) :]:
            batch.check_cancel()
            image = images[node.node_id]
            began = time.monotonic()
            embeddings.append([float(x) for x in self._embedding.embed_image(image.data, image.mime_type)])
            batch.embedding_seconds += time.monotonic() - began
            batch.embeddings += 1
            report("embedding", len(embeddings), len(nodes))
        return embeddings

    def _encode_texts(self, nodes: Sequence[TextNode]) -> list[list[float]]:
        """Chunk vectors: plain, or late-chunked; token vectors go to the token store when there is one."""
        texts = [searchable_text(node.get_content(), node.metadata) for node in nodes]
        if not self._late_chunking and self._token_store is None:
            return self._embedding.get_text_embedding_batch(texts)
        if self._late_chunking:
            # A few tokens of slack: a merged window may tokenize a little longer than its chunks did apart.
            budget = self._embedding.max_tokens - self._embedding.special_tokens_per_text - 4
            pairs = late_chunk(self._embedding, texts, self._embedding.count_tokens, budget)
        else:
            pairs = self._embedding.encode_chunks(texts)
        if self._token_store is not None:
            for node, (_, tokens) in zip(nodes, pairs, strict=True):
                self._token_store.save(str(node.metadata[DOC_KEY]), node.node_id, tokens)
        return [cast(list[float], dense.tolist()) for dense, _ in pairs]

    def _store_source(self, sha: str, file_name: str, data: bytes) -> str:
        # One folder level per content: the copy is named by the file's own name, not its folders.
        relative = f"{sha}/{PurePosixPath(file_name).name}"
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
