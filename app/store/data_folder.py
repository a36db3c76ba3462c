"""The data folder (DATA_DIR): the one place that knows what lives where in it and opens it.

    DATA_DIR/
      chroma/              the Chroma collections (or a Chroma server, CHROMA_HOST)
      catalog.sqlite3      documents and collections (`Catalog`)
      sources/<sha>/<name> the kept original files
      keyword/<physical>/  the BM25 index derived from each Chroma collection
      tokens/<physical>/   the token vectors of each Chroma collection (TOKEN_STORE=true)
      page_images/<sha>/   rendered pages and word boxes of a kept PDF (the Sources panel's page view)
      write.lock           held by whoever writes to an index of this folder
      streamlit-secrets.toml  the sign-in settings as Streamlit reads them (0600, rewritten by app.ui.launch)

Every module that needs a path or a store of the folder asks this class; none joins paths by hand.
"""

from __future__ import annotations

import shutil
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from chromadb.api import ClientAPI

from app.config import Settings
from app.store.access import Access, AdminRule
from app.store.catalog import Catalog
from app.store.chroma import VectorIndex, open_client
from app.store.collections import Collections
from app.store.fingerprint import IndexFingerprint

if TYPE_CHECKING:  # bm25s imports scipy (~0.5 s): only a search or a write opens the keyword index
    from app.store.keyword import KeywordIndex

_KEYWORD = "keyword"
_TOKENS = "tokens"
_SENTENCES = "sentences"
_PAGE_IMAGES = "page_images"


class DataFolder:
    """The stores of one data folder, opened from `settings` on first use and kept.

    Raises StoreError (with the fix) when the catalog or Chroma cannot be opened.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def root(self) -> Path:
        return self.settings.data_dir

    @property
    def sources_dir(self) -> Path:
        return self.settings.sources_dir

    @property
    def lock_path(self) -> Path:
        """The file whose lock serialises writes to any index of this folder, across processes."""
        return self.root / "write.lock"

    @property
    def streamlit_secrets_path(self) -> Path:
        """Streamlit's secrets file holding the `[auth]` table `st.login` reads (written by `app.ui.launch`)."""
        return self.root / "streamlit-secrets.toml"

    @cached_property
    def catalog(self) -> Catalog:
        return Catalog(self.settings.catalog_path)

    @cached_property
    def access(self) -> Access:
        """Owners, shares and API keys of this folder's collections, with the admins of the settings."""
        return Access(self.catalog, AdminRule(self.settings.admin_user_ids, self.settings.admin_group_names))

    @cached_property
    def collections(self) -> Collections:
        return Collections(
            self.catalog,
            self.sources_dir,
            derived_roots=(self.root / _KEYWORD, self.root / _TOKENS, self.root / _SENTENCES),
        )

    def open_client(self) -> ClientAPI:
        """The folder's embedded Chroma, or the Chroma server's client when CHROMA_HOST is set."""
        return open_client(self.settings)

    def open_index(self, physical: str, fingerprint: IndexFingerprint, client: ClientAPI | None = None) -> VectorIndex:
        """The Chroma collection `physical`, created if new.

        Raises:
            FingerprintMismatchError: it was built with another embedding configuration than `fingerprint`.
        """
        return VectorIndex.open(client or self.open_client(), physical, fingerprint)

    def keyword_folder(self, physical: str) -> Path:
        """Where the BM25 index derived from the Chroma collection `physical` is kept."""
        return self.root / _KEYWORD / physical

    def token_folder(self, physical: str) -> Path:
        """Where the token vectors of the Chroma collection `physical` are kept (TOKEN_STORE=true)."""
        return self.root / _TOKENS / physical

    def sentence_folder(self, physical: str) -> Path:
        """Where the sentence vectors of the Chroma collection `physical` are kept (SENTENCE_WEIGHT above 0)."""
        return self.root / _SENTENCES / physical

    def derived_folders(self, physical: str) -> tuple[Path, ...]:
        """Every folder kept beside the Chroma collection `physical` (keyword index, token and sentence vectors)."""
        return self.keyword_folder(physical), self.token_folder(physical), self.sentence_folder(physical)

    def keyword_index(self, physical: str) -> KeywordIndex:
        from app.store.keyword import KeywordIndex

        return KeywordIndex(self.keyword_folder(physical), context=self.settings.keyword_context)

    @property
    def page_images_dir(self) -> Path:
        """Where rendered pages and their word boxes are cached, one folder per document sha256."""
        return self.root / _PAGE_IMAGES

    def prune_page_images(self) -> None:
        """Drop the cached pages of documents whose kept file is gone (deleted from every collection)."""
        if not self.page_images_dir.is_dir():
            return
        for folder in self.page_images_dir.iterdir():
            # Kept files are sources/<sha>/<name> (older indexes: sources/<sha><suffix>).
            if not any(self.sources_dir.glob(f"{folder.name}*")):
                shutil.rmtree(folder, ignore_errors=True)
