"""A retrieved chunk as answers cite it."""

from __future__ import annotations

from dataclasses import dataclass

from llama_index.core.schema import NodeWithScore

from app.store.chroma import DOC_KEY
from app.store.chunk_text import format_location


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
