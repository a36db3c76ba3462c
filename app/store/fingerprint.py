"""The identity of an index: which vectors it holds. Two fingerprints that differ never share a collection."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields

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
