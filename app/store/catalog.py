"""The catalog: which documents an index holds, and which collections a data folder has, in SQLite beside the vectors.

A document's chunks count only once its row says `ready`. Rows in `indexing` or `deleting`
are unfinished work that `pending()` returns so the store can finish or undo it after a crash.

This class is the one owner of the SQLite file: both tables (`documents`, `collections`), their
schema, migration and every statement. `Collections` asks it for the registry's rows.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from app.errors import StoreError
from app.store.sqlite import connect

Status = Literal["indexing", "ready", "deleting"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    chunks INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    source TEXT NOT NULL,
    added_at TEXT NOT NULL,
    legacy_name INTEGER NOT NULL DEFAULT 0,
    language TEXT,
    title TEXT,
    PRIMARY KEY (collection, sha256)
);
"""
# The registry of logical collections (`Collections`): not versioned, created where missing.
_COLLECTIONS_SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    name TEXT PRIMARY KEY,
    physical TEXT NOT NULL,
    created_at TEXT NOT NULL
);
"""
# Who may read a collection (`store.access`): its owner, and the users and groups it is shared with. A collection
# without an owner row (made before sign-in existed, or by the CLI) belongs to the admins. API keys are stored as
# the SHA-256 of the secret: the secret itself is shown once, when the key is made. Created where missing.
_ACCESS_SCHEMA = """
CREATE TABLE IF NOT EXISTS collection_owners (
    collection TEXT PRIMARY KEY,
    owner TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS collection_shares (
    collection TEXT NOT NULL,
    grantee TEXT NOT NULL,
    PRIMARY KEY (collection, grantee)
);
CREATE TABLE IF NOT EXISTS api_keys (
    key_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    groups TEXT NOT NULL,
    label TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
"""
# Catalog versions (SQLite's user_version): 0 named a document by its file name alone, whatever folder it
# came from; 1 names it by its path relative to the ingested folder. Rows from version 0 keep their name
# and are marked `legacy_name`, so the file they came from can claim them by its path (Ingestor). 2 adds the
# language a document is written in (`language`, an ISO 639-1 code); rows from before have NULL: not known.
# 3 adds the title the document gives itself (`title`: Word's core title, a Markdown or HTML title); NULL: none,
# or indexed before.
_VERSION = 3


@dataclass(frozen=True)
class DocumentRecord:
    collection: str
    sha256: str
    name: str
    chunks: int
    status: Status
    source: str
    added_at: str
    legacy_name: bool = False  # named before documents were named by path: the name is only a file name
    language: str | None = None  # ISO 639-1 code ("zh") detected at ingest; None: not known (no text, or older)
    title: str | None = None  # the title the document gives itself; None: none, or indexed before catalog version 3


@dataclass(frozen=True)
class ApiKeyRecord:
    key_id: str  # the public part of the key, shown in lists
    user_id: str
    groups: tuple[str, ...]  # the user's groups when the key was made: the key acts with them
    label: str
    secret_sha256: str
    created_at: str
    revoked_at: str | None


@dataclass(frozen=True)
class CollectionRecord:
    name: str  # the logical name the user picks
    physical: str  # the Chroma collection holding its vectors
    created_at: str

    @property
    def names(self) -> set[str]:
        """The logical name and the Chroma collection it uses."""
        return {self.name, self.physical}


class Catalog:
    """The documents of every index of a data folder and the registry of its collections.

    Raises StoreError (with the fix) when the file cannot be read or written.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        with self._connect() as db:
            _migrate(db)
            db.executescript(_COLLECTIONS_SCHEMA)
            db.executescript(_ACCESS_SCHEMA)

    def _connect(self) -> AbstractContextManager[sqlite3.Connection]:
        return connect(self._path, self._failure)

    def _failure(self, exc: sqlite3.Error) -> StoreError:
        return StoreError(
            f"The document catalog '{self._path}' could not be read or updated: {exc}.",
            "Check free disk space and permissions of the data folder; documents indexed before are unaffected.",
        )

    def _records(self, query: str, *args: object) -> list[DocumentRecord]:
        with self._connect() as db:
            return [
                DocumentRecord(**{**dict(row), "legacy_name": bool(row["legacy_name"])})
                for row in db.execute(query, args)
            ]

    def ready(self, collection: str) -> list[DocumentRecord]:
        return self._records(
            "SELECT * FROM documents WHERE collection = ? AND status = 'ready' ORDER BY name", collection
        )

    def languages(self, collection: str) -> set[str]:
        """The languages (ISO 639-1 codes) of the collection's ready documents, those not known left out."""
        return set(self.ready_languages(collection).values())

    def ready_languages(self, collection: str) -> dict[str, str]:
        """sha256 -> language (ISO 639-1) of the ready documents whose language is known."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT sha256, language FROM documents WHERE collection = ? AND status = 'ready' "
                "AND language IS NOT NULL",
                (collection,),
            )
            return {sha: language for sha, language in rows}

    def ready_names_and_titles(self, collection: str) -> dict[str, tuple[str, str]]:
        """sha256 -> (name, title) of the ready documents: the name is the path relative to the folder ingested, or
        the upload's name; the title is the one the document gives itself, "" for none."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT sha256, name, title FROM documents WHERE collection = ? AND status = 'ready'", (collection,)
            )
            return {sha: (name, title or "") for sha, name, title in rows}

    def ready_chunks(self, collection: str) -> dict[str, int]:
        """sha256 -> chunk count of the ready documents: what every search checks, so it skips the records."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT sha256, chunks FROM documents WHERE collection = ? AND status = 'ready'", (collection,)
            )
            return {sha: chunks for sha, chunks in rows}

    def pending(self, collection: str) -> list[DocumentRecord]:
        return self._records("SELECT * FROM documents WHERE collection = ? AND status != 'ready'", collection)

    def find(self, collection: str, *, sha256: str | None = None, name: str | None = None) -> DocumentRecord | None:
        column, value = ("sha256", sha256) if sha256 is not None else ("name", name)
        rows = self._records(
            f"SELECT * FROM documents WHERE collection = ? AND {column} = ? AND status = 'ready'",  # noqa: S608
            collection,
            value,
        )
        return rows[0] if rows else None

    def find_legacy(self, collection: str, name: str) -> DocumentRecord | None:
        """The ready document named `name` before documents were named by path, if there is one."""
        rows = self._records(
            "SELECT * FROM documents WHERE collection = ? AND name = ? AND legacy_name = 1 AND status = 'ready'",
            collection,
            name,
        )
        return rows[0] if rows else None

    def begin(
        self,
        collection: str,
        sha256: str,
        name: str,
        source: str,
        language: str | None = None,
        title: str | None = None,
    ) -> None:
        """Journal a document before any of its chunks are written; `language` is its ISO 639-1 code and `title` the
        title it gives itself, if known."""
        added_at = datetime.now(UTC).isoformat(timespec="seconds")
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO documents "
                "(collection, sha256, name, chunks, status, source, added_at, language, title) "
                "VALUES (?, ?, ?, 0, 'indexing', ?, ?, ?, ?)",
                (collection, sha256, name, source, added_at, language, title or None),
            )

    def rename(self, collection: str, sha256: str, name: str) -> None:
        """Name a document by its path (a legacy row claimed by the file it came from)."""
        with self._connect() as db:
            db.execute(
                "UPDATE documents SET name = ?, legacy_name = 0 WHERE collection = ? AND sha256 = ?",
                (name, collection, sha256),
            )

    def commit(self, collection: str, sha256: str, chunks: int, replaces: str | None = None) -> None:
        """Make a document visible and, in the same transaction, retire the version it replaces."""
        with self._connect() as db:
            db.execute(
                "UPDATE documents SET status = 'ready', chunks = ? WHERE collection = ? AND sha256 = ?",
                (chunks, collection, sha256),
            )
            if replaces is not None:
                db.execute(
                    "UPDATE documents SET status = 'deleting' WHERE collection = ? AND sha256 = ?",
                    (collection, replaces),
                )

    def mark_deleting(self, collection: str, sha256: str) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE documents SET status = 'deleting' WHERE collection = ? AND sha256 = ?", (collection, sha256)
            )

    def remove(self, collection: str, sha256: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM documents WHERE collection = ? AND sha256 = ?", (collection, sha256))

    def source_in_use(self, source: str) -> bool:
        with self._connect() as db:
            return db.execute("SELECT 1 FROM documents WHERE source = ? LIMIT 1", (source,)).fetchone() is not None

    # The collection registry.

    def collection_records(self) -> list[CollectionRecord]:
        with self._connect() as db:
            rows = db.execute("SELECT name, physical, created_at FROM collections ORDER BY name").fetchall()
        return [CollectionRecord(**dict(row)) for row in rows]

    def collection_record(self, name: str) -> CollectionRecord | None:
        with self._connect() as db:
            row = db.execute("SELECT name, physical, created_at FROM collections WHERE name = ?", (name,)).fetchone()
        return CollectionRecord(**dict(row)) if row else None

    def register_collection(self, name: str) -> None:
        """Add `name` with itself as physical name, unless it is registered already."""
        with self._connect() as db:
            db.execute(
                "INSERT OR IGNORE INTO collections VALUES (?, ?, ?)",
                # To the microsecond: with the name, it tells a collection made again apart from the deleted one.
                (name, name, datetime.now(UTC).isoformat(timespec="microseconds")),
            )

    def set_physical(self, name: str, physical: str) -> None:
        with self._connect() as db:
            db.execute("UPDATE collections SET physical = ? WHERE name = ?", (physical, name))

    def drop_collection(self, name: str, physical: set[str]) -> list[str]:
        """Forget `name` and the documents of its Chroma collections `physical`, in one transaction.

        Returns the sources (paths under the sources folder) those documents used that no other
        document uses any more: the caller deletes the files.
        """
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
            db.execute("DELETE FROM collection_owners WHERE collection = ?", (name,))
            db.execute("DELETE FROM collection_shares WHERE collection = ?", (name,))
            still_used = {
                row[0]
                for row in db.execute(
                    f"SELECT DISTINCT source FROM documents WHERE source IN ({','.join('?' * len(sources))})",  # noqa: S608
                    sources,
                )
            }
        return [source for source in sources if source not in still_used]

    # Access: owners, shares and API keys (`store.access` holds the rules).

    def owner(self, collection: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT owner FROM collection_owners WHERE collection = ?", (collection,)).fetchone()
        return row[0] if row else None

    def set_owner(self, collection: str, owner: str) -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO collection_owners VALUES (?, ?)", (collection, owner))

    def shares(self, collection: str) -> list[str]:
        """The grantees (`user:<id>`, `group:<name>`) `collection` is shared with, sorted."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT grantee FROM collection_shares WHERE collection = ? ORDER BY grantee", (collection,)
            )
            return [row[0] for row in rows]

    def forget_access(self, collection: str) -> None:
        """Drop the owner and shares a name may still have (a new collection of that name starts with none)."""
        with self._connect() as db:
            db.execute("DELETE FROM collection_owners WHERE collection = ?", (collection,))
            db.execute("DELETE FROM collection_shares WHERE collection = ?", (collection,))

    def add_share(self, collection: str, grantee: str) -> None:
        with self._connect() as db:
            db.execute("INSERT OR IGNORE INTO collection_shares VALUES (?, ?)", (collection, grantee))

    def remove_share(self, collection: str, grantee: str) -> None:
        with self._connect() as db:
            db.execute("DELETE FROM collection_shares WHERE collection = ? AND grantee = ?", (collection, grantee))

    def add_api_key(self, record: ApiKeyRecord) -> None:
        with self._connect() as db:
            db.execute(
                "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.key_id,
                    record.user_id,
                    json.dumps(list(record.groups)),
                    record.label,
                    record.secret_sha256,
                    record.created_at,
                    record.revoked_at,
                ),
            )

    def api_keys(self, *, user_id: str | None = None, key_id: str | None = None) -> list[ApiKeyRecord]:
        """The keys of `user_id`, or the key `key_id` (revoked ones included), oldest first."""
        column, value = ("user_id", user_id) if user_id is not None else ("key_id", key_id)
        with self._connect() as db:
            rows = db.execute(f"SELECT * FROM api_keys WHERE {column} = ? ORDER BY created_at", (value,))  # noqa: S608
            return [ApiKeyRecord(**{**dict(row), "groups": tuple(json.loads(row["groups"]))}) for row in rows]

    def revoke_api_key(self, key_id: str) -> None:
        with self._connect() as db:
            db.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (datetime.now(UTC).isoformat(timespec="seconds"), key_id),
            )


def _migrate(db: sqlite3.Connection) -> None:
    """Bring the catalog to _VERSION in place: documents indexed before stay, searchable and cited as before."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version >= _VERSION:
        return
    existed = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'documents'").fetchone()
    if existed is None:
        db.executescript(_SCHEMA)
    else:
        columns = {row[1] for row in db.execute("PRAGMA table_info(documents)")}
        if "legacy_name" not in columns:
            db.execute("ALTER TABLE documents ADD COLUMN legacy_name INTEGER NOT NULL DEFAULT 0")
            db.execute("UPDATE documents SET legacy_name = 1")
        if "language" not in columns:  # NULL for every row indexed before: not known until it is indexed again
            db.execute("ALTER TABLE documents ADD COLUMN language TEXT")
        if "title" not in columns:  # NULL for rows indexed before: labelled by the name until `reindex --reread`
            db.execute("ALTER TABLE documents ADD COLUMN title TEXT")
    db.execute(f"PRAGMA user_version = {_VERSION}")
