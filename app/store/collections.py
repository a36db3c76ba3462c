"""Named document collections: create, list, switch and delete them.

A collection's *logical* name is what the user picks (`COLLECTION_NAME`, the sidebar); its
*physical* name is the Chroma collection that holds its vectors. They are the same until a
reindex builds a new Chroma collection and `switch_physical` points the name at it once complete,
so readers never see a half-built index. The registry is a table of the catalog (`Catalog` owns
its SQL); this class adds the rules: valid names, and what a delete removes besides the rows.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from chromadb.api import ClientAPI
from chromadb.errors import ChromaError, NotFoundError

from app.errors import ConfigError, StoreError
from app.store.catalog import Catalog, CollectionRecord

# Chroma's own rule for collection names (3-512 chars of [a-zA-Z0-9._-], alphanumeric at both ends).
_VALID_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9._-]{1,510})[A-Za-z0-9]$")


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
    """The registry of logical collections of one data folder, and their deletion.

    `derived_roots` are the folders that keep an index beside each Chroma collection, one subfolder
    per physical name (the keyword index, the token and sentence stores): a delete removes those subfolders too.
    """

    def __init__(self, catalog: Catalog, sources_dir: Path, derived_roots: Sequence[Path] = ()) -> None:
        self._catalog = catalog
        self._sources_dir = sources_dir
        self._derived_roots = tuple(derived_roots)

    def records(self) -> list[CollectionRecord]:
        return self._catalog.collection_records()

    def names(self) -> list[str]:
        return [record.name for record in self.records()]

    def get(self, name: str) -> CollectionRecord | None:
        return self._catalog.collection_record(name)

    def ensure(self, name: str) -> CollectionRecord:
        """Register `name` if new (its physical name is then the same) and return its record."""
        name = check_collection_name(name)
        self._catalog.register_collection(name)
        record = self.get(name)
        assert record is not None  # registered above
        return record

    def physical_name(self, name: str) -> str:
        """The Chroma collection currently holding `name`'s vectors (registering `name` if new)."""
        return self.ensure(name).physical

    def switch_physical(self, name: str, physical: str) -> str:
        """Point `name` at another Chroma collection (a completed reindex); returns the previous one."""
        previous = self.ensure(name).physical
        self._catalog.set_physical(name, check_collection_name(physical))
        return previous

    def delete(self, name: str, client: ClientAPI) -> set[str]:
        """Remove the collection's vectors, its catalog rows, its derived indexes and the stored sources no
        other collection uses.

        Returns the Chroma collection names it held. The caller holds the index write lock, so no upload
        of this data folder runs meanwhile.

        Raises:
            StoreError: Chroma refused to delete a collection (nothing of the catalog is removed then).
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
        for source in self._catalog.drop_collection(name, physical):
            self._remove_source(source)
        for root in self._derived_roots:
            for chroma_name in physical:
                shutil.rmtree(root / chroma_name, ignore_errors=True)
        return physical

    def _remove_source(self, source: str) -> None:
        # Only this file: the same bytes under another name share the <sha> folder.
        path = self._sources_dir / source
        path.unlink(missing_ok=True)
        with suppress(OSError):
            path.parent.rmdir()  # fails while another name of the same bytes is still there
