"""The keyword (BM25) index of a collection, rebuilt from the Chroma collection whenever its documents change.

Chroma stays the one source of truth: the keyword index is derived data, stored beside it under a name
that is the hash of the ready documents it covers. A stale or missing index is rebuilt, so a crash,
another process's upload or a delete can never leave keyword hits that the vector index does not have.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import tempfile
import threading
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import

_STEMMER = Stemmer.Stemmer("english")


@dataclass(frozen=True)
class KeywordRecord:
    chunk_id: str
    doc_sha: str
    text: str


def _tokenize(texts: Sequence[str]) -> bm25s.tokenization.Tokenized:
    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_STEMMER, show_progress=False)


def corpus_version(documents: Iterable[tuple[str, int]]) -> str:
    """A name for the set of (document sha256, chunk count) pairs an index covers."""
    digest = hashlib.sha256()
    for sha, chunks in sorted(documents):
        digest.update(f"{sha}:{chunks}\n".encode())
    return digest.hexdigest()[:16]


class KeywordIndex:
    """BM25 over chunk texts (English stemming and stopwords), with bm25s' Lucene variant.

    k1 = 0.9, b = 0.4 are Anserini's defaults for BEIR-style passages; on SciFact they beat the
    textbook 1.2 / 0.75 both alone and fused (README, "Retrieval quality").
    """

    def __init__(self, folder: Path, k1: float = 0.9, b: float = 0.4) -> None:
        self._folder = folder
        self._k1 = k1
        self._b = b
        self._lock = threading.Lock()
        self._version: str | None = None
        self._bm25: bm25s.BM25 | None = None
        self._ids: list[str] = []
        self._docs: list[str] = []

    def ensure(self, version: str, records: Callable[[], list[KeywordRecord]]) -> None:
        """Make the index cover `version`: load it from disk, or build it from `records()` and save it."""
        version = f"{version}-k1={self._k1:g}-b={self._b:g}"  # an index saved with other parameters is stale
        with self._lock:
            if self._version == version:
                return
            path = self._folder / version
            if not self._load(path):
                self._build(records())
                self._save(path)
            self._version = version
            self._prune(keep=version)

    def search(self, query: str, top_k: int, allowed_docs: Collection[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; chunks with no query term in common are left out."""
        with self._lock:
            bm25, ids, docs = self._bm25, self._ids, self._docs
        if bm25 is None or not ids or top_k <= 0:
            return []
        tokens = _tokenize([query])
        if not tokens.ids or not tokens.ids[0]:
            return []
        mask = None
        if allowed_docs is not None:
            mask = np.fromiter((doc in allowed_docs for doc in docs), dtype=np.float32, count=len(docs))
        found, scores = bm25.retrieve(
            tokens, k=min(top_k, len(ids)), show_progress=False, n_threads=1, weight_mask=mask
        )
        return [(ids[int(i)], float(s)) for i, s in zip(found[0], scores[0], strict=True) if s > 0]

    def _build(self, records: list[KeywordRecord]) -> None:
        self._ids = [record.chunk_id for record in records]
        self._docs = [record.doc_sha for record in records]
        if not records:
            self._bm25 = None
            return
        bm25 = bm25s.BM25(k1=self._k1, b=self._b)
        bm25.index(_tokenize([record.text for record in records]), show_progress=False)
        self._bm25 = bm25

    def _save(self, path: Path) -> None:
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=self._folder, prefix=".building-"))
            if self._bm25 is not None:
                self._bm25.save(str(staging), show_progress=False)
            (staging / "chunks.json").write_text(json.dumps({"ids": self._ids, "docs": self._docs}))
            try:
                staging.rename(path)  # atomic: readers see a whole index or none
            except OSError:
                shutil.rmtree(staging, ignore_errors=True)  # another process saved the same version first
        except OSError as exc:
            # The index still works from memory; it is rebuilt next time. Say why it was not kept.
            log.warning("Could not save the keyword index to %s: %s", path, exc)

    def _load(self, path: Path) -> bool:
        listing = path / "chunks.json"
        if not listing.is_file():
            return False
        try:
            chunks = json.loads(listing.read_text())
            self._ids, self._docs = list(chunks["ids"]), list(chunks["docs"])
            self._bm25 = bm25s.BM25.load(str(path), show_progress=False) if self._ids else None
        except (OSError, ValueError, KeyError) as exc:
            log.warning("Rebuilding the unreadable keyword index at %s: %s", path, exc)
            return False
        return True

    def _prune(self, keep: str) -> None:
        if not self._folder.is_dir():
            return
        for entry in self._folder.iterdir():
            if entry.name != keep and not entry.name.startswith(".building-"):
                shutil.rmtree(entry, ignore_errors=True)
