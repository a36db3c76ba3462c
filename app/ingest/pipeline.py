"""Ingest files: read, split, embed, then write all of a document's chunks or none of them.

The jobs live in their own modules: progress events in `progress`, the embedding step in
`node_embedding`, the write transaction in `transaction`, atomic files and the write lock in
`app.files`. This module runs them in order for each file.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import Literal

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter
from llama_index.core.schema import TextNode

from app.embeddings import Embedding
from app.embeddings.languages import MULTILINGUAL_MODEL, model_languages
from app.errors import AppError, IngestCancelledError, UnreadableFileError
from app.files import index_write_lock
from app.ingest.chunking import (
    chunk_id,
    content_sha256,
    document_label,
    document_path,
    safe_file_name,
    split_into_chunks,
)
from app.ingest.node_embedding import EMBED_SLICE, embed_nodes, embed_sentences
from app.ingest.parsed import PageImage, ReadOptions
from app.ingest.progress import FileProgress, IngestBatch, IngestProgress, ProgressCallback, Stage
from app.ingest.readers import parse_file
from app.ingest.transaction import DocumentWriter
from app.store.catalog import Catalog, DocumentRecord
from app.store.chroma import DOC_KEY, VectorIndex
from app.store.language import SAMPLE_CHARACTERS, detect_document_language, language_name
from app.store.token_store import StagedTokens, TokenStore

# Re-exported: front ends and tests import these from here.
__all__ = [
    "EMBED_SLICE",
    "IngestProgress",
    "IngestResult",
    "Ingestor",
    "ProgressCallback",
    "Stage",
    "index_write_lock",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IngestResult:
    file_name: str
    status: Literal["indexed", "replaced", "skipped", "failed", "cancelled"]
    chunks: int = 0
    message: str = ""
    pages: int = 0
    language: str | None = None  # ISO 639-1 code of the document's text ("zh"); None: not detected
    # Set when the embedding model does not read the document's language: what that costs and the fix.
    notice: str = ""


def language_notice(language: str | None, model_name: str) -> str:
    """The notice for a document in `language` embedded by `model_name`: "" when the model reads it (or
    either is unknown), else what dense search loses and how to move the index to the multilingual model."""
    if language is None:
        return ""
    languages = model_languages(model_name)
    if languages.reads(language):
        return ""
    return (
        f"written in {language_name(language)}, which the embedding model '{model_name}' does not read "
        f"({languages.summary}): questions find it by its words only, not by meaning. To search it by meaning, "
        f"move the index to the multilingual model: `python -m app reindex --model {MULTILINGUAL_MODEL}`, then "
        f"set EMBEDDING_MODEL={MULTILINGUAL_MODEL}"
    )


def _document_language(documents: Sequence[Document]) -> str | None:
    """The language of a document's text, from its beginning (None for a document without text)."""
    sample: list[str] = []
    size = 0
    for document in documents:
        if size >= SAMPLE_CHARACTERS:
            break
        sample.append(document.text)
        size += len(document.text)
    return detect_document_language("\n".join(sample))


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


def _staged(store: TokenStore | None, sha: str) -> contextlib.AbstractContextManager[StagedTokens | None]:
    """Where the embedding step puts a document's token or sentence vectors until the write commits (none without
    the store)."""
    return contextlib.nullcontext() if store is None else store.staged(sha)


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
        sentence_store: TokenStore | None = None,
    ) -> None:
        self._embedding = embedding
        self._late_chunking = late_chunking
        self._token_store = token_store
        self._sentence_store = sentence_store
        self._index = index
        self._catalog = catalog
        self._writer = DocumentWriter(index=index, catalog=catalog, sources_dir=sources_dir, lock_path=lock_path)
        self._splitter = splitter
        self._max_bytes = max_bytes
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
        batch = IngestBatch(cancel=cancel)
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
        batch: IngestBatch | None = None,
        named_by_path: bool = False,
    ) -> IngestResult:
        file_name = document_path(name) if named_by_path else safe_file_name(name)
        tracker = FileProgress(file_name, number, count, batch or IngestBatch(), progress)
        try:
            tracker.batch.check_cancel()
            tracker.report("reading")
            result = self._ingest(file_name, data, tracker)
        except IngestCancelledError:
            log.info("ingest of %s cancelled", file_name)
            message = "cancelled, nothing of it was indexed; add it again (upload or ingest) to index it"
            result = IngestResult(file_name, "cancelled", message=message, pages=tracker.pages)
        except AppError as exc:
            log.warning("ingest of %s failed: %s", file_name, exc)
            result = IngestResult(file_name, "failed", message=str(exc), pages=tracker.pages)
        tracker.report("done")
        return result

    def check_size(self, file_name: str, size: int) -> None:
        """Raises UnreadableFileError when the file `file_name` of `size` bytes is over the upload limit
        (MAX_UPLOAD_MB)."""
        if size > self._max_bytes:
            raise UnreadableFileError(
                f"'{file_name}' is {size / 1e6:.1f} MB, over the {self._max_bytes / 1e6:.0f} MB limit.",
                "Split the file or raise MAX_UPLOAD_MB.",
            )

    def _ingest(self, file_name: str, data: bytes, tracker: FileProgress) -> IngestResult:
        self.check_size(file_name, len(data))
        sha = content_sha256(data)
        known = self._catalog.find(self._collection, sha256=sha)
        if known is not None:
            self._writer.restore_source(known, data)
            return self._already_indexed(known, file_name)

        parsed = parse_file(data, file_name, replace(self._read_options, on_page=tracker.page_read))
        tracker.pages = parsed.pages
        language = _document_language(parsed.documents)
        label = document_label(file_name, parsed.title)
        chunks = split_into_chunks(
            parsed.documents, file_name=file_name, doc_sha=sha, splitter=self._splitter, label=label
        )
        images = _image_nodes(parsed.images, file_name=file_name, doc_sha=sha, first=len(chunks))
        nodes = chunks + [node for node, _ in images]
        with _staged(self._token_store, sha) as tokens, _staged(self._sentence_store, sha) as sentences:
            embeddings = embed_nodes(
                self._embedding,
                nodes,
                {node.node_id: image for node, image in images},
                tracker,
                late_chunking=self._late_chunking,
                tokens=tokens,
            )
            if sentences is not None:
                embed_sentences(self._embedding, chunks, tracker, sentences)
            tracker.batch.check_cancel()
            tracker.report("storing", len(nodes), len(nodes))
            stored, previous = self._writer.store(
                file_name, sha, data, nodes, embeddings, [tokens, sentences], language, parsed.title
            )
        if not stored:  # another writer was faster
            return IngestResult(file_name, "skipped", len(nodes), "already indexed, unchanged", language=language)
        notes = "; ".join(parsed.notes)
        notice = language_notice(language, self._embedding.model_name)
        if previous is not None:
            replaced = f"replaced the earlier version ({previous.chunks} chunks)"
            notes = "; ".join(filter(None, [replaced, notes]))
        status: Literal["indexed", "replaced"] = "replaced" if previous is not None else "indexed"
        return IngestResult(file_name, status, len(nodes), notes, parsed.pages, language, notice)

    def _already_indexed(self, known: DocumentRecord, file_name: str) -> IngestResult:
        """The result for bytes the collection holds already: stored once, whatever names they come under."""
        if known.name == file_name:
            return IngestResult(
                file_name, "skipped", known.chunks, "already indexed, unchanged", language=known.language
            )
        if known.legacy_name and known.name == PurePosixPath(file_name).name:
            self._writer.rename(known.sha256, file_name)
            message = f"already indexed, unchanged; now named by its path (was '{known.name}')"
            return IngestResult(file_name, "skipped", known.chunks, message)
        message = f"same content as '{known.name}', which is already indexed: stored once"
        earlier = self._catalog.find(self._collection, name=file_name)
        if earlier is not None:  # this path held other content: that version is gone from the file
            self.delete(earlier.sha256)
            message += f"; the earlier version at this path ({earlier.chunks} chunks) was removed"
        return IngestResult(file_name, "skipped", known.chunks, message)

    def adopt(
        self, file_name: str, data: bytes, nodes: Sequence[TextNode], embeddings: Sequence[Sequence[float]]
    ) -> IngestResult:
        """Store a document whose chunks and vectors were made elsewhere (import-collection), with the same
        journal, lock and kept source as an upload. `data` is its source: what a reindex re-reads."""
        language = detect_document_language("\n".join(node.text for node in nodes)[:SAMPLE_CHARACTERS])
        stored, _ = self._writer.store(file_name, content_sha256(data), data, nodes, embeddings, language=language)
        if not stored:
            return IngestResult(file_name, "skipped", len(nodes), "already indexed, unchanged", language=language)
        notice = language_notice(language, self._embedding.model_name)
        return IngestResult(file_name, "indexed", len(nodes), language=language, notice=notice)

    def delete(self, sha: str) -> None:
        """Remove a document from the index, the catalog and (unless shared) the kept sources."""
        self._writer.delete(sha)

    def recover(self) -> int:
        """Undo what a crash left half-done: chunks of unfinished documents are removed. Returns how many.

        Work in progress in another process (its writer holds the lock) is left alone.
        """
        return self._writer.recover()
