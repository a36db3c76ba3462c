"""Short-lived SQLite connections for the catalog and the collection registry (one file, two tables)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from app.errors import StoreError


@contextmanager
def connect(path: Path, failure: Callable[[sqlite3.Error], StoreError]) -> Iterator[sqlite3.Connection]:
    """One connection per operation, committed on success (Streamlit runs sessions on several threads)."""
    try:
        db = sqlite3.connect(path, timeout=30)
    except sqlite3.Error as exc:
        raise failure(exc) from exc
    db.row_factory = sqlite3.Row
    try:
        with db:
            yield db
    except sqlite3.Error as exc:
        raise failure(exc) from exc
    finally:
        db.close()
