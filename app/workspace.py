"""A workspace: one data folder's index, opened with one embedding model. The UI and CLI use only this."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from llama_index.core.node_parser import SentenceSplitter

from app.chat.engine import Answer, answer_question
from app.chat.llm import build_llm
from app.config import Settings
from app.embeddings import Embedding, build_embedding
from app.errors import ConfigError
from app.ingest.pipeline import Ingestor, IngestResult, ProgressCallback
from app.retrieval.dense import DenseRetriever, Passage
from app.store.catalog import Catalog, DocumentRecord
from app.store.chroma import VectorIndex, open_client
from app.store.fingerprint import IndexFingerprint


def fingerprint_for(settings: Settings, embedding: Embedding) -> IndexFingerprint:
    return IndexFingerprint(
        backend=settings.embedding_backend,
        model=embedding.model_name,
        vector_type=settings.vector_type,
        dimension=embedding.dimension,
        prefixes=embedding.prefix_scheme,
        chunking=f"sentence/{settings.chunk_size}/{settings.chunk_overlap}",
    )


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
        _check_chunk_fits(settings, self.embedding)
        self.fingerprint = fingerprint_for(settings, self.embedding)
        self.index = VectorIndex.open(open_client(settings), settings.collection, self.fingerprint)
        self.catalog = Catalog(settings.catalog_path)
        self.llm = build_llm(settings)
        self.ingestor = Ingestor(
            embedding=self.embedding,
            index=self.index,
            catalog=self.catalog,
            sources_dir=settings.sources_dir,
            lock_path=settings.data_dir / "write.lock",
            splitter=SentenceSplitter(
                chunk_size=settings.chunk_size,
                chunk_overlap=settings.chunk_overlap,
                tokenizer=self.embedding.tokenize,
            ),
            max_bytes=settings.max_upload_mb * 1_000_000,
        )
        self.ingestor.recover()

    def documents(self) -> list[DocumentRecord]:
        return self.catalog.ready(self.index.name)

    def ingest(
        self, files: Sequence[tuple[str, bytes]], progress: ProgressCallback | None = None
    ) -> list[IngestResult]:
        return self.ingestor.ingest_many(files, progress)

    def delete(self, sha256: str) -> None:
        self.ingestor.delete(sha256)

    def retriever(self, top_k: int | None = None) -> DenseRetriever:
        return DenseRetriever(
            self.embedding,
            self.index,
            lambda: {record.sha256 for record in self.documents()},
            top_k or self.settings.top_k,
        )

    def retrieve(self, question: str, top_k: int | None = None) -> list[Passage]:
        return self.retriever(top_k).passages(question)

    def ask(self, question: str, history: Sequence[tuple[str, str]] = (), top_k: int | None = None) -> Answer:
        passages = self.retrieve(question, top_k)
        return answer_question(question, passages, embedding=self.embedding, llm=self.llm, history=history)

    def status(self) -> WorkspaceStatus:
        documents = self.documents()
        return WorkspaceStatus(
            collection=self.index.name,
            data_dir=str(self.settings.data_dir),
            fingerprint=self.fingerprint,
            documents=len(documents),
            chunks=sum(record.chunks for record in documents),
            llm=f"{self.settings.llm_model} at {self.settings.llm_api_base}"
            if self.llm
            else "none (extractive answers)",
        )
