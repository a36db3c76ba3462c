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
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import bm25s
import numpy as np

from app.store.chunk_text import SEARCHABLE_TEXT_VERSION
from app.store.tokens import keyword_terms

log = logging.getLogger(__name__)
logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets its own logger to DEBUG on import


@dataclass(frozen=True)
class KeywordRecord:
    chunk_id: str
    doc_sha: str
    text: str
    language: str | None = None  # the document's (ISO 639-1), for stemming Latin-script words


# Saved indexes made with another tokenization are rebuilt: 1 = bm25s words; 2 = with CJK bigrams;
# 3 = app/store/tokens.py (words of every script); 4 = no empty terms (a word its stemmer strips to nothing);
# 5 = Latin-script words stemmed by their document's language; 6 = "İ" folds to a plain "i"; 7 = the letter and
# digit parts of a word that mixes them are terms too; 8 = but not letter parts under three letters, nor the parts
# of hashes; 9 = digits of every script as ASCII digits; 10 = Korean single characters, Han of Japanese documents
# cut the Japanese way, traditional Chinese cut as simplified, the dotless i and Persian letters folded.
TOKENIZER_VERSION = 10


def _tokenize(texts: Sequence[str], languages: Sequence[str | None] | None = None) -> list[list[str]]:
    languages = languages or [None] * len(texts)
    terms = [
        keyword_terms(text, [language] if language else ()) for text, language in zip(texts, languages, strict=True)
    ]
    # bm25s cannot build a vocabulary of nothing; a term no question yields stands in for it.
    return terms if any(terms) else [[""] for _ in texts]


def context_texts(records: Sequence[KeywordRecord]) -> list[str]:
    """Each chunk's text with its neighbours' (the chunks before and after it in the same document)."""
    # Chunk ids end in a zero-padded position, so (document, id length, id) is document order.
    order = sorted(
        range(len(records)), key=lambda i: (records[i].doc_sha, len(records[i].chunk_id), records[i].chunk_id)
    )
    windows = [""] * len(records)
    for position, i in enumerate(order):
        parts = [records[i].text]
        for neighbour in (position - 1, position + 1):
            if 0 <= neighbour < len(order) and records[order[neighbour]].doc_sha == records[i].doc_sha:
                parts.append(records[order[neighbour]].text)
        windows[i] = "\n".join(parts)
    return windows


class ChunkSource(Protocol):
    """Where the chunks come from (a `VectorIndex`): every (chunk id, document sha256, searchable text)."""

    def chunks(self) -> list[tuple[str, str, str]]: ...


def read_records(
    source: ChunkSource, ready: Mapping[str, int], languages: Mapping[str, str] | None = None, attempts: int = 3
) -> list[KeywordRecord]:
    """The `ready` documents' chunks (sha256 -> chunk count), each document's count checked against it,
    with its document's language from `languages` (sha256 -> ISO 639-1 code; a document not in it has none).

    `chunks()` reads the collection in pages; another process deleting a document meanwhile shifts
    the pages and can skip other documents' chunks, so a short count means reading again (at most
    `attempts` reads; the last one is used, short or not, and logged).
    """
    for attempt in range(1, attempts + 1):
        known = languages or {}
        records = [KeywordRecord(*chunk, known.get(chunk[1])) for chunk in source.chunks() if chunk[1] in ready]
        found = Counter(record.doc_sha for record in records)
        short = [sha for sha, expected in ready.items() if found[sha] < expected]
        if not short:
            break
        log.warning("Keyword index read %d: %d document(s) short of chunks, e.g. %s", attempt, len(short), short[0])
    return records


def corpus_version(documents: Iterable[tuple[str, int]], languages: Mapping[str, str] | None = None) -> str:
    """A name for the set of (document sha256, chunk count) pairs an index covers, and their languages."""
    digest = hashlib.sha256()
    known = languages or {}
    for sha, chunks in sorted(documents):
        digest.update(f"{sha}:{chunks}:{known.get(sha, '')}\n".encode())
    return digest.hexdigest()[:16]


class KeywordIndex:
    """BM25 over chunk texts (English stemming and stopwords), with bm25s' Lucene variant.

    k1 = 0.9, b = 0.4 are Anserini's defaults for BEIR-style passages; on SciFact they beat the
    textbook 1.2 / 0.75 both alone and fused (README, "Retrieval quality").

    With `context` > 0 a second BM25 index holds each chunk together with its neighbours, and a chunk
    scores (1 - context) x its own BM25 + context x its neighbourhood's: a passage whose surroundings
    match the question's other words ranks above one that matches by chance.
    """

    def __init__(self, folder: Path, k1: float = 0.9, b: float = 0.4, context: float = 0.5) -> None:
        if not 0 <= context <= 1:
            raise ValueError(f"context must be within [0, 1], got {context}")
        self._folder = folder
        self._k1 = k1
        self._b = b
        self._context = context
        self._lock = threading.Lock()
        self._version: str | None = None
        self._bm25: bm25s.BM25 | None = None
        self._context_bm25: bm25s.BM25 | None = None
        self._ids: list[str] = []
        self._docs: list[str] = []
        self._languages: list[str] = []  # of the documents covered: a question's Latin words get their stems
        self._lookup: _DocumentLookup | None = None  # made from _ids and _docs on first use

    def ensure(self, version: str, records: Callable[[], list[KeywordRecord]]) -> None:
        """Make the index cover `version`: load it from disk, or build it from `records()` and save it."""
        # An index saved with other parameters is stale.
        version = (
            f"{version}-k1={self._k1:g}-b={self._b:g}-context={self._context:g}"
            f"-text={SEARCHABLE_TEXT_VERSION}-tokens={TOKENIZER_VERSION}"
        )
        with self._lock:
            if self._version == version:
                return
            path = self._folder / version
            if not self._load(path):
                self._build(records())
                self._save(path)
            self._version = version
            self._prune(keep=version)

    def sync(
        self, source: ChunkSource, ready: Mapping[str, int], languages: Mapping[str, str] | None = None
    ) -> KeywordIndex:
        """This index, made to cover exactly the `ready` documents' chunks (sha256 -> chunk count) of
        `source`, each stemmed by its document's language in `languages` (sha256 -> ISO 639-1 code):
        loaded from disk, or rebuilt by reading `source` when the ready documents changed."""
        self.ensure(corpus_version(ready.items(), languages), lambda: read_records(source, ready, languages))
        return self

    def _documents(self, ids: list[str], docs: list[str]) -> _DocumentLookup:
        """The lookup of the index whose chunk lists are `ids` and `docs`: made once, again after a rebuild."""
        with self._lock:
            if self._lookup is None or self._lookup.docs is not docs:
                self._lookup = _DocumentLookup(ids, docs)
            return self._lookup

    def documents_of(self, chunk_ids: Collection[str]) -> dict[str, str]:
        """{chunk id: its document's sha256} for the chunks of `chunk_ids` this index holds."""
        with self._lock:
            ids, docs = self._ids, self._docs
        doc_of = self._documents(ids, docs).doc_of
        return {chunk_id: doc_of[chunk_id] for chunk_id in chunk_ids if chunk_id in doc_of}

    def search(self, query: str, top_k: int, allowed_docs: Collection[str] | None = None) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) best first; chunks with no query term in them or their context are left out."""
        with self._lock:
            bm25, context_bm25, ids, docs = self._bm25, self._context_bm25, self._ids, self._docs
            languages = self._languages
        if bm25 is None or not ids or top_k <= 0:
            return []
        terms = keyword_terms(query, languages)
        mask = None if allowed_docs is None else self._documents(ids, docs).mask(allowed_docs)
        scores = _scores(bm25, terms, mask)
        if context_bm25 is not None:
            scores = (1 - self._context) * scores + self._context * _scores(context_bm25, terms, mask)
        k = min(top_k, len(ids))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(ids[int(i)], float(scores[i])) for i in top if scores[i] > 0]

    def _build(self, records: list[KeywordRecord]) -> None:
        self._ids = [record.chunk_id for record in records]
        self._docs = [record.doc_sha for record in records]
        # A document of no known language was stemmed by English rules: a question needs them too.
        self._languages = sorted({record.language or "en" for record in records})
        self._bm25 = self._context_bm25 = None
        if not records:
            return
        languages = [record.language for record in records]
        self._bm25 = self._new_bm25([record.text for record in records], languages)
        if self._context > 0:
            self._context_bm25 = self._new_bm25(context_texts(records), languages)  # a neighbour is of one document

    def _new_bm25(self, texts: list[str], languages: list[str | None]) -> bm25s.BM25:
        bm25 = bm25s.BM25(k1=self._k1, b=self._b)
        bm25.index(_tokenize(texts, languages), show_progress=False)
        return bm25

    def _save(self, path: Path) -> None:
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(dir=self._folder, prefix=".building-"))
            if self._bm25 is not None:
                self._bm25.save(str(staging / "chunks"), show_progress=False)
            if self._context_bm25 is not None:
                self._context_bm25.save(str(staging / "context"), show_progress=False)
            listing = {"ids": self._ids, "docs": self._docs, "languages": self._languages}
            (staging / "chunks.json").write_text(json.dumps(listing))
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
            self._languages = list(chunks["languages"])
            self._bm25 = self._context_bm25 = None
            if self._ids:
                self._bm25 = bm25s.BM25.load(str(path / "chunks"), show_progress=False)
                if self._context > 0:
                    self._context_bm25 = bm25s.BM25.load(str(path / "context"), show_progress=False)
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


class _DocumentLookup:
    """Each chunk's document, by chunk id and as a number per document (a mask then compares numbers, not
    20,000 strings): derived from one index's chunk lists, `docs` kept to tell which."""

    def __init__(self, ids: list[str], docs: list[str]) -> None:
        self.docs = docs
        self.doc_of = dict(zip(ids, docs, strict=True))
        self._numbers: dict[str, int] = {}
        self._chunk_docs = np.fromiter((self._numbers.setdefault(doc, len(self._numbers)) for doc in docs), np.int64)

    def mask(self, allowed_docs: Collection[str]) -> np.ndarray:
        """1.0 for each chunk, in index order, whose document is in `allowed_docs`, else 0.0."""
        allowed = [self._numbers[doc] for doc in allowed_docs if doc in self._numbers]
        return np.isin(self._chunk_docs, allowed).astype(np.float32)


def _scores(bm25: bm25s.BM25, terms: list[str], mask: np.ndarray | None) -> np.ndarray:
    """BM25 of every chunk for the query terms (terms the index never saw count for nothing)."""
    # bm25s keeps "" in its vocabulary without a row of scores (it asks for an empty query's id otherwise).
    rows = len(bm25.scores["indptr"]) - 1
    ids = [token_id for token_id in bm25.get_tokens_ids(terms) if token_id < rows]
    scores: np.ndarray = bm25.get_scores_from_ids(ids, weight_mask=mask)
    return scores.astype(np.float32, copy=False)
