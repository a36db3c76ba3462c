"""Named document collections: create, list, switch and delete them.

A collection's *logical* name is what the user picks (`COLLECTION_NAME`, the sidebar); its
*physical* name is the Chroma collection that holds its vectors. They are the same until a
reindex builds a new Chroma collection and `switch_physical` points the name at it once complete,
so readers never see a half-built index. The registry lives in the catalog's SQLite file.
"""

from __future__ import annotations

import re
import sqlite3
from contextlib import AbstractContextManager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from chromadb.api import ClientAPI
from chromadb.errors import ChromaError, NotFoundError

from app.errors import ConfigError, StoreError
from app.store.catalog import Catalog
from app.store.sqlite import connect

# Chroma's own rule for collection names (3-512 chars of [a-zA-Z0-9._-], alphanumeric at both ends).
_VALID_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{1,510})[A-Za-z0-9]$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    name TEXT PRIMARY KEY,
    physical TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class CollectionRecord:
    name: str
    physical: str
    created_at: str


def check_collection_name(name: str) -> str:
    """The name, stripped, or a ConfigError saying what a valid name looks like."""
    name = name.strip()
    if not _VALID_NAME.match(name) or ".." in name:
        raise ConfigError(
            f"'{name}' cannot name a collection.",
            "Use 3 to 512 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit.",
        )
    return name


class Collections:
    """The registry of logical collections of one data folder, and their deletion."""

    def __init__(self, catalog_path: Path, sources_dir: Path) -> None:
        catalog_path.parent.mkdir(parents=True, exist_ok=True)
        self._path = catalog_path
        self._sources_dir = sources_dir
        Catalog(catalog_path)  # its `documents` table must exist before a delete reads it
        with self._connect() as db:
            db.executescript(_SCHEMA)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return connect(self._path, self._failure)

    def _failure(self, exc: sqlite3.Error) -> StoreError:
        return StoreError(
            f"The collection registry in '{self._path}' could not be read or updated: {exc}.",
            "Check free disk space and permissions of the data folder.",
        )

    def records(self) -> list[CollectionRecord]:
        with self._connect() as db:
            rows = db.execute("SELECT name, physical, created_at FROM collections ORDER BY name").fetchall()
        return [CollectionRecord(**dict(row)) for row in rows]

    def names(self) -> list[str]:
        return [record.name for record in self.records()]

    def get(self, name: str) -> CollectionRecord | None:
        with self._connect() as db:
            row = db.execute("SELECT name, physical, created_at FROM collections WHERE name = ?", (name,)).fetchone()
        return CollectionRecord(**dict(row)) if row else None

    def ensure(self, name: str) -> CollectionRecord:
        """Register `name` if new (its physical name is then the same) and return its record."""
        name = check_collection_name(name)
        with self._connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO collections VALUES (?, ?, ?)",
                (name, name, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        record = self.get(name)
        assert record is not None  # inserted above
        return record

    def physical_name(self, name: str) -> str:
        """The Chroma collection currently holding `name`'s vectors (registering `name` if new)."""
        return self.ensure(name).physical

    def switch_physical(self, name: str, physical: str) -> str:
        """Point `name` at another Chroma collection (a completed reindex); returns the previous one."""
        previous = self.ensure(name).physical
        with self._connect() as db:
            db.execute("UPDATE collections SET physical = ? WHERE name = ?", (check_collection_name(physical), name))
        return previous

    def delete(self, name: str, client: ClientAPI) -> set[str]:
        """Remove the collection's vectors, its catalog rows and the stored sources no other collection uses.

        Returns the Chroma collection names it held. The caller holds the index write lock, so no upload
        of this data folder runs meanwhile.
        """
        record = self.get(name)
        physical = {record.physical if record else name, name}
        for chroma_name in sorted(physical):
            try:
                client.delete_collection(chroma_name)
            except (NotFoundError, ValueError):
                pass  # never had vectors (or already removed): nothing to undo
            except ChromaError as exc:
                raise StoreError(
                    f"Chroma could not delete the collection '{chroma_name}': {exc}.",
                    "Check that Chroma is running and the data folder is writable, then try again.",
                ) from exc
        with self._connect() as db:
            marks = ",".join("?" * len(physical))
            sources = [
                row[0]
                for row in db.execute(
                    f"SELECT DISTINCT source FROM documents WHERE collection IN ({marks})",  # noqa: S608
                    sorted(physical),
                )
            ]
            db.execute(f"DELETE FROM documents WHERE collection IN ({marks})", sorted(physical))  # noqa: S608
            db.execute("DELETE FROM collections WHERE name = ?", (name,))
            still_used = {
                row[0]
                for row in db.execute(
                    f"SELECT DISTINCT source FROM documents WHERE source IN ({','.join('?' * len(sources))})",  # noqa: S608
                    sources,
                )
            }
        for source in sources:
            if source not in still_used:
                self._remove_source(source)
        return physical

    def _remove_source(self, source: str) -> None:
        # Only this file: the same bytes under another name share the <sha> folder.
        path = self._sources_dir / source
        path.unlink(missing_ok=True)
        with suppress(OSError):
            path.parent.rmdir()  # fails while another name of the same bytes is still there
