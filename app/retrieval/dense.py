"""Dense retrieval: embed the question, take the nearest chunks of fully indexed documents."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.schema import NodeWithScore, QueryBundle

from app.ingest.readers import format_location
from app.store.chroma import DOC_KEY, VectorIndex


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk, as the answer cites it."""

    file_name: str
    location: str
    score: float
    text: str
    doc_sha: str
    chunk_id: str

    @classmethod
    def from_node(cls, hit: NodeWithScore) -> Passage:
        metadata = hit.node.metadata
        return cls(
            file_name=str(metadata.get("file_name", "")),
            location=format_location(metadata),
            score=float(hit.score or 0.0),
            text=hit.node.get_content(),
            doc_sha=str(metadata.get(DOC_KEY, "")),
            chunk_id=hit.node.node_id,
        )

    @property
    def citation(self) -> str:
        return f"{self.file_name}, {self.location}" if self.location else self.file_name


class DenseRetriever(BaseRetriever):
    """A LlamaIndex retriever over a VectorIndex that hides chunks of documents not yet committed."""

    def __init__(
        self,
        embedding: BaseEmbedding,
        index: VectorIndex,
        ready_documents: Callable[[], set[str]],
        top_k: int,
    ) -> None:
        super().__init__()
        self._embedding = embedding
        self._index = index
        self._ready_documents = ready_documents
        self.top_k = top_k

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        vector = query_bundle.embedding or self._embedding.get_query_embedding(query_bundle.query_str)
        ready = self._ready_documents()
        # Ask for a few extra: hits of a document still being written are dropped below.
        hits = self._index.query(vector, self.top_k + 10)
        return [hit for hit in hits if hit.node.metadata.get(DOC_KEY) in ready][: self.top_k]

    def passages(self, question: str) -> list[Passage]:
        return [Passage.from_node(hit) for hit in self.retrieve(question)]
