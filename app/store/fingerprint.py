"""The identity of an index: which vectors it holds. Two fingerprints that differ never share a collection."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for the hints: opening an index must not import the embedding backends
    from app.config import Settings
    from app.embeddings import ModelDescription

METADATA_KEY = "index_fingerprint"


@dataclass(frozen=True)
class IndexFingerprint:
    backend: str
    model: str
    vector_type: str
    dimension: int
    prefixes: str
    chunking: str

    def describe(self) -> str:
        return (
            f"{self.backend} model '{self.model}', {self.vector_type} vectors, {self.dimension}-d, "
            f"prefixes {self.prefixes}, chunking {self.chunking}"
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> IndexFingerprint:
        data = json.loads(text)
        return cls(**{f.name: data[f.name] for f in fields(cls)})

    def differences(self, other: IndexFingerprint) -> list[str]:
        """Human-readable `field: ours -> theirs` for every field that differs."""
        return [
            f"{f.name}: {getattr(self, f.name)} -> {getattr(other, f.name)}"
            for f in fields(self)
            if getattr(self, f.name) != getattr(other, f.name)
        ]


def fingerprint_for(settings: Settings, model: ModelDescription) -> IndexFingerprint:
    """The fingerprint of the index `settings` build with `model` (its name and size, not the settings').

    Indexing options that change what is stored make another index: late chunking, sentence vectors.
    """
    from app.embeddings.tuning import sentence_weight_for

    return IndexFingerprint(
        backend=settings.embedding_backend,
        model=model.model_name,
        vector_type=settings.vector_type,
        dimension=model.dimension,
        prefixes=model.prefix_scheme,
        chunking=f"sentence/{settings.chunk_size}/{settings.chunk_overlap}"
        + ("/late" if settings.late_chunking else "")
        + ("/sentences" if sentence_weight_for(settings, model.model_name) > 0 else ""),
    )
