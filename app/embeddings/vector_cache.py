"""A memo of full-size dense vectors by text, in SQLite: re-embedding the same text is a lookup.

Used where the same corpus is embedded again and again (the evaluation harness; Matryoshka sizes of
one model share it, since a truncated vector is the full one cut and re-normalized).
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from app.embeddings.pooling import FloatArray


def _key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\x00{text}".encode()).hexdigest()


class VectorCache:
    def __init__(self, path: Path, model: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False)
        self._db.execute("CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL)")
        self._model = model
        self._lock = threading.Lock()

    def get(self, texts: Sequence[str]) -> list[FloatArray | None]:
        keys = [_key(self._model, text) for text in texts]
        found: dict[str, FloatArray] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                part = keys[start : start + 500]
                rows = self._db.execute(
                    f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(part))})",  # noqa: S608
                    part,
                ).fetchall()
                found.update({key: np.frombuffer(blob, dtype=np.float32).copy() for key, blob in rows})
        return [found.get(key) for key in keys]

    def put(self, texts: Sequence[str], vectors: Sequence[FloatArray]) -> None:
        rows = [
            (_key(self._model, text), np.asarray(vector, dtype=np.float32).tobytes())
            for text, vector in zip(texts, vectors, strict=True)
        ]
        with self._lock, self._db:
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
