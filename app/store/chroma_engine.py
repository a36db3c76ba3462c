"""The embedded Chroma engines of this process, and a reset for one of them.

Embedded Chroma keeps one engine (a `chromadb.config.System`) per folder per process, shared by every
client of that folder. After a failed write (SQLite's "database or disk is full" on ENOSPC) that engine
can stay broken in this process: a later upsert hung for minutes in tests/reliability/test_disk_full.py,
or a write reported success while count() stayed lower, or its SQLite lock stayed held so another
process waited. Chroma offers no public way to drop one folder's engine, so this is the one place that
reaches into its private registry; tests/unit/test_chroma_engine.py pins the version it was checked on.
"""

from __future__ import annotations

import contextlib
import threading

from chromadb.api.shared_system_client import SharedSystemClient

CHECKED_CHROMADB_VERSION = "1.5.9"


class EmbeddedEngines:
    """Resets of this process's embedded Chroma engines, one folder at a time, and a count of them.

    Relies on two private class attributes of `chromadb.api.shared_system_client.SharedSystemClient`
    (chromadb 1.5.9), both keyed by the folder's path as given to `PersistentClient(path=...)`:
    - `_identifier_to_system: dict[str, System]`: the engine a new client of the folder joins;
    - `_identifier_to_refcount: dict[str, int]`: how many clients share it.
    Popping both makes the next `PersistentClient` of the folder start a fresh engine that reads the
    folder as it is on disk. Clients opened before keep the old, stopped engine: callers compare
    `generation(path)` with the one they opened at and reopen when it moved.
    """

    def __init__(self) -> None:
        self._generation: dict[str, int] = {}
        self._lock = threading.Lock()

    def generation(self, path: str) -> int:
        """How many times the engine of `path` was reset in this process (0: never)."""
        with self._lock:
            return self._generation.get(path, 0)

    def reset(self, path: str) -> None:
        """Stop the engine of `path` (its SQLite connections and locks go with it); the next client of
        the folder starts a fresh one."""
        with self._lock:
            system = SharedSystemClient._identifier_to_system.pop(path, None)
            SharedSystemClient._identifier_to_refcount.pop(path, None)
            self._generation[path] = self._generation.get(path, 0) + 1
        if system is not None:
            with contextlib.suppress(Exception):  # a broken engine may fail to stop cleanly; it is dropped anyway
                system.stop()


# One per process, like the registry it resets.
ENGINES = EmbeddedEngines()
