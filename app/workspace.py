"""A workspace: one data folder's index, opened with one embedding model. The UI and CLI use only this."""

from __future__ import annotations

import logging
import shutil
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from chromadb.api import ClientAPI
from llama_index.core.schema import QueryBundle

from app.chat.condense import condense_question
from app.chat.engine import Answer, answer_question, no_passage_text
from app.chat.llm import build_llm
from app.chat.question import FittedQuestion, fit_question, require_question
from app.config import RetrievalMode, Settings
from app.embeddings import Embedding, build_embedding
from app.embeddings.local import LocalEmbedding
from app.embeddings.pooling import FloatArray
from app.errors import ConfigError, StoreError
from app.ingest.chunking import BoundedSentenceSplitter
from app.ingest.ocr import Ocr
from app.ingest.parsed import ReadOptions
from app.ingest.pipeline import Ingestor, IngestResult, ProgressCallback, index_write_lock
from app.retrieval.passage import Passage
from app.retrieval.rerank import MaxSimReranker, TokenStore
from app.retrieval.search import SearchOptions, SearchRetriever
from app.store.catalog import Catalog, DocumentRecord
from app.store.chroma import VectorIndex, open_client
from app.store.collections import Collections, check_collection_name
from app.store.fingerprint import IndexFingerprint
from app.store.keyword import KeywordIndex, KeywordRecord, corpus_version
from app.urls import redact_url
from app.view.context import SourceView, view_source
from app.view.page_image import page_images_dir

log = logging.getLogger(__name__)


def fingerprint_for(settings: Settings, embedding: Embedding) -> IndexFingerprint:
    return IndexFingerprint(
        backend=settings.embedding_backend,
        model=embedding.model_name,
        vector_type=settings.vector_type,
        dimension=embedding.dimension,
        prefixes=embedding.prefix_scheme,
        chunking=f"sentence/{settings.chunk_size}/{settings.chunk_overlap}"
        + ("/late" if settings.late_chunking else ""),
    )


def _check_token_vectors(settings: Settings, embedding: Embedding) -> None:
    if isinstance(embedding, LocalEmbedding):
        return
    if (settings.token_store or settings.rerank or settings.late_chunking) and settings.vector_type != "late":
        raise _no_token_vectors()


def _no_token_vectors() -> ConfigError:
    return ConfigError(
        "RERANK, TOKEN_STORE and LATE_CHUNKING need token vectors, which a vLLM server gives only with "
        "VECTOR_TYPE=late.",
        "Serve the model with --pooler-config.task token_embed and set VECTOR_TYPE=late, or turn them off.",
    )


def read_options_for(settings: Settings) -> ReadOptions:
    return ReadOptions(
        max_pages=settings.max_pages,
        max_unzipped_bytes=settings.max_unzipped_mb * 1_000_000,
        # Only jina v4 on vLLM has an image path; the local MiniLM reads text only.
        embed_images=settings.embedding_backend == "vllm",
        ocr=Ocr(command=settings.tesseract_cmd, languages=settings.ocr_languages),
    )


def build_ingestor(
    settings: Settings,
    embedding: Embedding,
    index: VectorIndex,
    catalog: Catalog,
    token_store: TokenStore | None = None,
) -> Ingestor:
    """The ingestor of one physical index (the Workspace's, or the one a reindex builds)."""
    return Ingestor(
        embedding=embedding,
        index=index,
        catalog=catalog,
        sources_dir=settings.sources_dir,
        lock_path=settings.data_dir / "write.lock",
        splitter=splitter_for(settings, embedding),
        max_bytes=settings.max_upload_mb * 1_000_000,
        read_options=read_options_for(settings),
        late_chunking=settings.late_chunking,
        token_store=token_store,
    )


def splitter_for(settings: Settings, embedding: Embedding) -> BoundedSentenceSplitter:
    """The splitter of the app's chunks: CHUNK_SIZE tokens of `embedding`'s tokenizer at most, whatever the text."""
    return BoundedSentenceSplitter(
        chunk_size=settings.chunk_size, chunk_overlap=settings.chunk_overlap, tokenizer=embedding.tokenize
    )


def check_settings_fit(settings: Settings, embedding: Embedding) -> None:
    """Refuse settings the embedding model cannot honour (before anything is opened or written)."""
    _check_chunk_fits(settings, embedding)
    _check_token_vectors(settings, embedding)


def _check_chunk_fits(settings: Settings, embedding: Embedding) -> None:
    room = embedding.max_tokens - embedding.special_tokens_per_text
    if settings.chunk_size > room:
        raise ConfigError(
            f"CHUNK_SIZE={settings.chunk_size} tokens is longer than '{embedding.model_name}' reads "
            f"({room} tokens): the end of every chunk would be cut off.",
            f"Set CHUNK_SIZE to {room} or less.",
        )
    if settings.chunk_overlap >= settings.chunk_size:
        raise ConfigError("CHUNK_OVERLAP must be smaller than CHUNK_SIZE.", "Lower CHUNK_OVERLAP.")


@dataclass(frozen=True)
class WorkspaceStatus:
    collection: str
    data_dir: str
    fingerprint: IndexFingerprint
    documents: int
    chunks: int
    llm: str


class Workspace:
    def __init__(self, settings: Settings, embedding: Embedding | None = None) -> None:
        self.settings = settings
        self.embedding = embedding or build_embedding(settings)
        check_settings_fit(settings, self.embedding)
        self.fingerprint = fingerprint_for(settings, self.embedding)
        client = open_client(settings)
        self.catalog = Catalog(settings.catalog_path)
        self.collections = Collections(settings.catalog_path, settings.sources_dir)
        self.collection = check_collection_name(settings.collection)
        self.index = VectorIndex.open(client, self.collections.physical_name(self.collection), self.fingerprint)
        self.llm = build_llm(settings)
        self.token_store = TokenStore(settings.data_dir / "tokens" / self.index.name) if settings.token_store else None
        self.ingestor = build_ingestor(settings, self.embedding, self.index, self.catalog, self.token_store)
        self.ingestor.recover()
        self.keyword = KeywordIndex(settings.data_dir / "keyword" / self.index.name, context=settings.keyword_context)

    @property
    def client(self) -> ClientAPI:
        """The index's Chroma client (a new one after a failed write restarted the embedded engine)."""
        return self.index.client

    @property
    def lock_path(self) -> Path:
        return self.settings.data_dir / "write.lock"

    def collection_names(self) -> list[str]:
        """Every collection of this data folder, the open one included."""
        return self.collections.names()

    def create_collection(self, name: str) -> str:
        """Register a new, empty collection; its vectors are created when it is first opened."""
        name = check_collection_name(name)
        if name in self.collections.names():
            raise ConfigError(f"A collection named '{name}' already exists.", "Pick another name, or switch to it.")
        return self.collections.ensure(name).name

    def delete_collection(self, name: str) -> None:
        """Remove a collection: its vectors, its documents' catalog rows and sources no other collection uses."""
        with index_write_lock(self.lock_path):
            physical = self.collections.delete(name, self.client)
            for derived in ("keyword", "tokens"):  # the indexes kept beside each Chroma collection
                for chroma_name in physical:
                    shutil.rmtree(self.settings.data_dir / derived / chroma_name, ignore_errors=True)

    def documents(self) -> list[DocumentRecord]:
        return self.catalog.ready(self.index.name)

    def unfinished_documents(self) -> list[DocumentRecord]:
        """Documents being indexed or removed right now (or left so by a crash, until the next start)."""
        return self.catalog.pending(self.index.name)

    def source_path(self, sha256: str) -> Path | None:
        """The original file of a document of this collection, as uploaded; None once it is deleted."""
        record = self.catalog.find(self.index.name, sha256=sha256)
        if record is None:
            return None
        path = self.settings.sources_dir / record.source
        return path if path.is_file() else None

    def page_view(
        self, passage: Passage, highlights: Sequence[str], width_px: int, page: int | None = None
    ) -> SourceView:
        """Where `passage` stands in its document: its PDF page (or `page`) as a highlighted image, else its
        text among its neighbours; see `app.view.context.view_source` for the errors raised."""
        return view_source(
            self.index,
            self.source_path(passage.doc_sha),
            passage,
            highlights,
            width_px,
            page=page,
            cache_dir=page_images_dir(self.settings),
            ocr=read_options_for(self.settings).ocr,
        )

    def ingest(
        self,
        files: Sequence[tuple[str, bytes]],
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
        *,
        named_by_path: bool = False,
    ) -> list[IngestResult]:
        """Index `files` as (name, bytes): uploads by their file name, or with `named_by_path` by their path
        relative to the folder they were ingested from (see `Ingestor.ingest_many`)."""
        try:
            self._recover_quietly()
            return self.ingestor.ingest_many(files, progress, cancel, named_by_path=named_by_path)
        finally:
            self._sync_derived_indexes()

    def _recover_quietly(self) -> None:
        """Finish what an earlier failure could not clean up (e.g. the Chroma server was down then)."""
        try:
            self.ingestor.recover()
        except StoreError as exc:  # still failing: the ingest that follows reports it per file
            log.warning("could not finish interrupted work yet: %s", exc.message)

    def delete(self, sha256: str) -> None:
        try:
            self.ingestor.delete(sha256)
        finally:
            self._sync_derived_indexes()

    def _sync_derived_indexes(self) -> None:
        """Bring the keyword index and token store to the documents the vector index now holds."""
        ready = self.ready_chunks()
        self.keyword_index(ready)
        if self.token_store is not None:
            self.token_store.forget_except(set(ready))

    def ready_chunks(self) -> dict[str, int]:
        """sha256 -> chunk count of the documents searches may return."""
        return self.catalog.ready_chunks(self.index.name)

    def keyword_index(self, ready: Mapping[str, int] | None = None) -> KeywordIndex:
        """The BM25 index over exactly the `ready` documents' chunks (rebuilt when they changed)."""
        ready = self.ready_chunks() if ready is None else ready

        self.keyword.ensure(corpus_version(ready.items()), lambda: self._keyword_records(ready))
        return self.keyword

    def _keyword_records(self, ready: Mapping[str, int], attempts: int = 3) -> list[KeywordRecord]:
        """The ready documents' chunks, each document's count checked against the catalog.

        `chunks()` reads the collection in pages; another process deleting a document meanwhile shifts
        the pages and can skip other documents' chunks, so a short count means reading again.
        """
        for attempt in range(1, attempts + 1):
            records = [KeywordRecord(*chunk) for chunk in self.index.chunks() if chunk[1] in ready]
            found = Counter(record.doc_sha for record in records)
            short = [sha for sha, expected in ready.items() if found[sha] < expected]
            if not short:
                break
            log.warning("Keyword index read %d: %d document(s) short of chunks, e.g. %s", attempt, len(short), short[0])
        return records

    def search_options(self, **overrides: object) -> SearchOptions:
        """Retrieval options from the settings, with per-question overrides (e.g. from the sidebar)."""
        settings = self.settings
        values: dict[str, object] = {
            "mode": settings.retrieval_mode,
            "top_k": settings.top_k,
            "candidates": settings.retrieval_candidates,
            "fusion": settings.fusion,
            "rrf_k": settings.rrf_k,
            "keyword_weight": settings.keyword_weight,
            "rerank": settings.rerank,
            "rerank_weight": settings.rerank_weight,
        }
        values.update(overrides)
        return SearchOptions(**values)  # type: ignore[arg-type]

    def retriever(self, options: SearchOptions | None = None) -> SearchRetriever:
        options = options or self.search_options()
        return SearchRetriever(
            self.embedding,
            self.index,
            self.keyword_index,
            self.ready_chunks,
            options,
            MaxSimReranker(self.token_vectors, self.token_store) if options.rerank else None,
        )

    def token_vectors(self, texts: list[str], is_query: bool) -> list[FloatArray]:
        if not isinstance(self.embedding, LocalEmbedding) and self.settings.vector_type != "late":
            raise _no_token_vectors()  # the sidebar can switch the rerank on for a dense-only server
        return self.embedding.embed_tokens(texts, query=is_query)

    def retrieve(self, question: str, top_k: int | None = None, options: SearchOptions | None = None) -> list[Passage]:
        """Passages for `question`; one longer than the embedding model reads is embedded by its end.

        Raises:
            EmptyQuestionError: the question has nothing to search for.
        """
        options = options or self.search_options()
        if top_k is not None:
            options = replace(options, top_k=top_k)
        return self._passages(fit_question(require_question(question), self.embedding), options)

    def _passages(self, query: FittedQuestion, options: SearchOptions) -> list[Passage]:
        # Keyword search and the rerank read query_str whole; the dense search only the embedded part.
        bundle = QueryBundle(query.text, embedding=self.embedding.get_query_embedding(query.embedded))
        return [Passage.from_node(hit) for hit in self.retriever(options).retrieve(bundle)]

    def ask(
        self,
        question: str,
        history: Sequence[tuple[str, str]] = (),
        top_k: int | None = None,
        *,
        mode: RetrievalMode | None = None,
        rerank: bool | None = None,
    ) -> Answer:
        """Answer `question`; a follow-up is first condensed with the conversation into a standalone query.

        Raises:
            EmptyQuestionError: the question has nothing to search for (it is not searched).
        """
        require_question(question)
        query = fit_question(condense_question(question, history, self.llm), self.embedding)
        overrides: dict[str, object] = {"mode": mode, "rerank": rerank, "top_k": top_k}
        options = self.search_options(**{name: value for name, value in overrides.items() if value is not None})
        passages = self._passages(query, options)
        # Every mode scores passages by their cosine similarity to the query: the threshold applies to all.
        return answer_question(
            question,
            passages,
            embedding=self.embedding,
            llm=self.llm,
            history=history,
            not_found_threshold=self.settings.not_found_threshold,
            search_query=query.text,
            embedded_query=query.embedded,
            notice=query.notice(keyword_search=options.mode != "dense"),
            no_passage="" if passages else self._no_passage_text(options),
        )

    def _no_passage_text(self, options: SearchOptions) -> str:
        ready = sum(1 for chunks in self.ready_chunks().values() if chunks > 0)
        return no_passage_text(options.mode, ready, len(self.unfinished_documents()))

    def status(self) -> WorkspaceStatus:
        documents = self.documents()
        return WorkspaceStatus(
            collection=self.collection,
            data_dir=str(self.settings.data_dir),
            fingerprint=self.fingerprint,
            documents=len(documents),
            chunks=sum(record.chunks for record in documents),
            llm=f"{self.settings.llm_model} at {redact_url(self.settings.llm_api_base)}"
            if self.llm
            else "none (extractive answers)",
        )
