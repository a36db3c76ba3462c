"""Vectors per chunk on disk (float16 `.npy` files): token vectors, for the MaxSim rerank and late chunking, and
sentence vectors (one per sentence), for the best-sentence share of dense scores (SENTENCE_WEIGHT).

A document's vectors are staged while it is embedded and published only after its chunks are
committed to the vector index, so a failed write leaves none behind.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import numpy.typing as npt

from app.embeddings.pooling import FloatArray
from app.files import atomic_file

log = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"
# A staging folder this old was left by a crashed ingest, not one still embedding.
STALE_STAGING_SECONDS = 24 * 3600


class TokenStore:
    """Token vectors per chunk as float16 `.npy` files, one folder per document (deleted with it)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _path(self, doc_sha: str, chunk_id: str) -> Path:
        return self.folder / doc_sha / f"{chunk_id}.npy"

    def load(self, doc_sha: str, chunk_id: str) -> npt.NDArray[np.float16] | None:
        """The stored float16 vectors (widened only inside the MaxSim product), or None if not stored."""
        try:
            tokens: npt.NDArray[np.float16] = np.load(self._path(doc_sha, chunk_id))
        except (OSError, ValueError):
            return None
        return tokens

    def save(self, doc_sha: str, chunk_id: str, tokens: FloatArray) -> None:
        """Keep `tokens` (n_tokens, width) as float16; a failure is logged, as they can be recomputed."""
        try:
            with atomic_file(self._path(doc_sha, chunk_id)) as out:
                np.save(out, tokens.astype(np.float16))
        except OSError as exc:
            log.warning("Vectors of %s not stored (%s); a search recomputes or does without them.", chunk_id, exc)

    @contextmanager
    def staged(self, doc_sha: str) -> Iterator[StagedTokens]:
        """Token vectors of a document being ingested, kept aside until `publish` (after its chunks are
        committed); whatever is not published when the block ends is deleted."""
        staged = StagedTokens(self.folder, doc_sha)
        try:
            yield staged
        finally:
            staged.discard()

    def forget_except(self, keep_docs: set[str]) -> None:
        """Drop the token vectors of documents no longer in the index (and what crashed ingests staged)."""
        if not self.folder.is_dir():
            return
        for entry in self.folder.iterdir():
            if entry.name.startswith(STAGING_PREFIX):
                # Another process may be embedding into it right now: only a crash's leftovers go.
                if entry.stat().st_mtime < time.time() - STALE_STAGING_SECONDS:
                    shutil.rmtree(entry, ignore_errors=True)
                continue
            if entry.is_dir() and entry.name not in keep_docs:
                for file in entry.iterdir():
                    file.unlink(missing_ok=True)
                entry.rmdir()

    def bytes_used(self) -> int:
        if not self.folder.is_dir():
            return 0
        return sum(file.stat().st_size for file in self.folder.rglob("*.npy"))


class StagedTokens:
    """Token vectors of one document in a hidden folder of the store, invisible to `TokenStore.load`
    until `publish` moves them into the document's folder. Made by `TokenStore.staged`."""

    def __init__(self, store_folder: Path, doc_sha: str) -> None:
        self._store_folder = store_folder
        self._doc_sha = doc_sha
        self._folder: Path | None = None  # made by the first save

    def save(self, chunk_id: str, tokens: FloatArray) -> None:
        """Stage `tokens` (n_tokens, width) as float16; a failure is logged, as they can be recomputed."""
        try:
            if self._folder is None:
                self._store_folder.mkdir(parents=True, exist_ok=True)
                prefix = f"{STAGING_PREFIX}{self._doc_sha[:12]}-"
                self._folder = Path(tempfile.mkdtemp(dir=self._store_folder, prefix=prefix))
            np.save(self._folder / f"{chunk_id}.npy", tokens.astype(np.float16))
        except OSError as exc:
            log.warning("Vectors of %s not stored (%s); a search recomputes or does without them.", chunk_id, exc)

    def publish(self) -> None:
        """Move the staged vectors where searches read them (each file whole: `os.replace`)."""
        if self._folder is None:
            return
        target = self._store_folder / self._doc_sha
        try:
            target.mkdir(exist_ok=True)
            for file in self._folder.iterdir():
                os.replace(file, target / file.name)
        except OSError as exc:
            log.warning("Vectors of %s not stored (%s); a search recomputes or does without them.", self._doc_sha, exc)
        self.discard()

    def discard(self) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
