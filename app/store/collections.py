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
        """Register `name` if new (its physical name is then the same) and return its record.

        Raises:
            ConfigError: `name` is invalid, or new and names an index of another collection (`<name>--<hash>`, built
                by a reindex): opened as a collection of its own, it would read and write that collection's index.
        """
        name = check_collection_name(name)
        if self.get(name) is None and (owner := self._index_owner(name)) is not None:
            raise ConfigError(
                f"'{name}' is an index that a reindex built for the collection '{owner}', not a collection.",
                f"Open the collection '{owner}' (COLLECTION_NAME={owner}), or pick a name without '--'.",
            )
        self._catalog.register_collection(name)
        record = self.get(name)
        assert record is not None  # registered above
        return record

    def _index_owner(self, name: str) -> str | None:
        """The collection whose index `name` is (its physical name, or `<collection>--...`); None for none."""
        for record in self.records():
            if name in record.names or name.startswith(f"{record.name}--"):
                return record.name
        return None

    def kept_indexes(self, name: str, client: ClientAPI) -> set[str]:
        """The Chroma collections that hold or held `name`'s vectors and exist: its physical name and the indexes
        its reindexes built (`<name>--<hash>`), but none that another collection is named or served by."""
        others = {other for record in self.records() if record.name != name for other in record.names}
        record = self.get(name)
        own = {record.physical if record else name, name}
        found = set()
        for collection in client.list_collections():
            chroma_name = collection.name if hasattr(collection, "name") else str(collection)
            if chroma_name in own or chroma_name.startswith(f"{name}--"):
                found.add(chroma_name)
        return found - others

    def physical_name(self, name: str) -> str:
        """The Chroma collection currently holding `name`'s vectors (registering `name` if new)."""
        return self.ensure(name).physical

    def switch_physical(self, name: str, physical: str) -> str:
        """Point `name` at another Chroma collection (a completed reindex); returns the previous one."""
        previous = self.ensure(name).physical
        self._catalog.set_physical(name, check_collection_name(physical))
        return previous

    def delete(self, name: str, client: ClientAPI) -> set[str]:
        """Remove the collection's vectors (in service and kept by reindexes), its catalog rows, its derived
        indexes and the stored sources no other collection uses.

        Returns the Chroma collection names it held. The caller holds the index write lock, so no upload
        of this data folder runs meanwhile.

        Raises:
            StoreError: Chroma refused to delete a collection (nothing of the catalog is removed then).
        """
        record = self.get(name)
        if record is None and (owner := self._index_owner(name)) is not None:
            raise StoreError(
                f"'{name}' is an index of the collection '{owner}', not a collection: it is not deleted.",
                f"Delete the collection '{owner}', or remove an index it no longer uses with "
                f"`python -m app remove-index`.",
            )
        physical = self.kept_indexes(name, client) | {record.physical if record else name, name}
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
