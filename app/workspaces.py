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
        self._open: dict[str, Workspace] = {}
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
        if self.data.collections.get(name) is None or not self.data.access.can_read(user, name):
            raise missing_collection(name)
        with self._lock:
            if name not in self._open:
                settings = self.settings.model_copy(update={"collection": check_collection_name(name)})
                self._open[name] = Workspace(settings, embedding=self.embedding, user=LOCAL_ADMIN)
            workspace = self._open[name]
        return workspace.for_user(user)

    def create(self, user: User, collection: str) -> Workspace:
        """A new, empty collection owned by `user`. Raises ConfigError for an invalid or taken name."""
        return self.get(user, self.data.access.create(user, self.data.collections, collection))

    def forget(self, collection: str) -> None:
        """Drop the open workspace of a deleted collection, so a new one of that name starts empty."""
        with self._lock:
            self._open.pop(collection, None)
