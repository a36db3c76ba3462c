"""Every collection of one data folder for many users: what the HTTP API and the MCP server serve.

One embedding model is loaded for all collections; each collection's `Workspace` is opened once, on first
use, and shared by every request (it is thread-safe); a request gets the view of the user it acts as
(`Workspace.for_user`), so every read and write goes through the same access rules as the UI.
"""

from __future__ import annotations

import threading

from app.config import Settings
from app.embeddings import Embedding, build_embedding
from app.store.access import LOCAL_ADMIN, User, missing_collection
from app.store.collections import check_collection_name
from app.store.data_folder import DataFolder
from app.workspace import Workspace


class Workspaces:
    """Open collections of `settings.data_dir`, by name, as a user.

    Raises (on opening): ConfigError and StoreError as `Workspace` does.
    """

    def __init__(self, settings: Settings, embedding: Embedding | None = None) -> None:
        self.settings = settings
        self.embedding = embedding or build_embedding(settings)
        self.data = DataFolder(settings)
        self._open: dict[tuple[str, str, str], Workspace] = {}
        self._lock = threading.Lock()

    def authenticate(self, api_key: str | None) -> User:
        """The user an API key acts as. Raises AuthenticationError for a missing, unknown or revoked key."""
        return self.data.access.user_for_api_key(api_key)

    def collection_names(self, user: User) -> list[str]:
        """The collections `user` may read, sorted by name."""
        return self.data.access.readable(user, self.data.collections.names())

    def get(self, user: User, collection: str) -> Workspace:
        """The existing collection `collection` as `user` sees it.

        Raises NotFoundError when it does not exist or `user` may not read it (the two look the same),
        FingerprintMismatchError when it was built with another embedding configuration."""
        name = collection.strip()
        record = self.data.collections.get(name)
        if record is None or not self.data.access.can_read(user, name):
            raise missing_collection(name)
        # Keyed by the registry row too: a collection deleted and made again, or switched to a new index by a
        # reindex, elsewhere (the UI, the CLI) is opened afresh, not served from the old index.
        key = (record.name, record.physical, record.created_at)
        with self._lock:
            if key not in self._open:
                settings = self.settings.model_copy(update={"collection": check_collection_name(name)})
                self._open = {k: w for k, w in self._open.items() if k[0] != name}
                self._open[key] = Workspace(settings, embedding=self.embedding, user=LOCAL_ADMIN)
            workspace = self._open[key]
        return workspace.for_user(user)

    def create(self, user: User, collection: str) -> Workspace:
        """A new, empty collection owned by `user`. Raises ConfigError for an invalid or taken name."""
        return self.get(user, self.data.access.create(user, self.data.collections, collection))
