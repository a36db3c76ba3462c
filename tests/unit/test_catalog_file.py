"""The catalog file: one owner (`Catalog`) for both tables, on-disk layout as before."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.config import load_settings
from app.store.catalog import Catalog
from app.store.collections import Collections
from app.store.data_folder import DataFolder


def _columns(path: Path, table: str) -> list[str]:
    with sqlite3.connect(path) as db:
        return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def test_a_new_catalog_file_holds_both_tables_with_their_columns_at_version_3(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    Catalog(path)
    assert _columns(path, "documents") == [
        "collection", "sha256", "name", "chunks", "status", "source", "added_at", "legacy_name", "language", "title",
    ]  # fmt: skip
    assert _columns(path, "collections") == ["name", "physical", "created_at"]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3


def test_a_catalog_of_version_2_gains_the_title_column_and_keeps_its_documents(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    Catalog(path).begin("birds", "a" * 64, "puffins.md", "sources/a", "en", "Puffins")
    with sqlite3.connect(path) as db:  # as the app wrote it before titles were kept
        db.execute("ALTER TABLE documents DROP COLUMN title")
        db.execute("PRAGMA user_version = 2")
    catalog = Catalog(path)
    catalog.commit("birds", "a" * 64, 3)
    assert catalog.ready_names_and_titles("birds") == {"a" * 64: ("puffins.md", "")}
    assert _columns(path, "documents")[-1] == "title"


def test_collections_registered_through_one_catalog_are_seen_through_another(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite3"
    writer = Collections(Catalog(path), tmp_path / "sources")
    writer.ensure("birds")
    writer.switch_physical("birds", "birds--abc")
    reader = Collections(Catalog(path), tmp_path / "sources")
    assert [(r.name, r.physical) for r in reader.records()] == [("birds", "birds--abc")]


def test_the_data_folder_places_each_collections_derived_indexes_under_data_dir(tmp_path: Path) -> None:
    folder = DataFolder(load_settings(DATA_DIR=tmp_path / "data"))
    assert folder.keyword_folder("birds") == tmp_path / "data" / "keyword" / "birds"
    assert folder.token_folder("birds") == tmp_path / "data" / "tokens" / "birds"
    assert folder.lock_path == tmp_path / "data" / "write.lock"
    assert folder.catalog is folder.catalog, "opened once"
