"""The reset of an embedded Chroma engine, which relies on Chroma's private client registry."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import chromadb
from chromadb.api.shared_system_client import SharedSystemClient
from chromadb.config import Settings as ChromaSettings

from app.store.chroma_engine import CHECKED_CHROMADB_VERSION, EmbeddedEngines


def client(path: Path) -> chromadb.ClientAPI:
    return chromadb.PersistentClient(path=str(path), settings=ChromaSettings(anonymized_telemetry=False))


def test_the_installed_chromadb_is_the_version_the_reset_was_checked_against() -> None:
    # On an upgrade: re-read chromadb/api/shared_system_client.py, rerun this file, then bump both pins.
    assert CHECKED_CHROMADB_VERSION == "1.5.9"
    assert version("chromadb") == CHECKED_CHROMADB_VERSION


def test_chroma_registers_an_embedded_engine_under_its_folder_path(tmp_path: Path) -> None:
    client(tmp_path).heartbeat()
    assert isinstance(SharedSystemClient._identifier_to_system, dict)
    assert isinstance(SharedSystemClient._identifier_to_refcount, dict)
    assert str(tmp_path) in SharedSystemClient._identifier_to_system
    assert SharedSystemClient._identifier_to_refcount[str(tmp_path)] >= 1


def test_after_a_reset_a_new_client_reads_what_another_process_wrote(tmp_path: Path) -> None:
    first = client(tmp_path)
    collection = first.get_or_create_collection("docs", embedding_function=None)
    collection.add(ids=["one"], embeddings=[[1.0, 0.0]], documents=["one"])
    assert collection.query(query_embeddings=[[0.0, 1.0]], n_results=2)["ids"] == [["one"]]
    other_process = (
        "import chromadb, sys\n"
        "from chromadb.config import Settings\n"
        "c = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))\n"
        "c.get_collection('docs').add(ids=['two'], embeddings=[[0.0, 1.0]], documents=['two'])\n"
    )
    environment = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    subprocess.run([sys.executable, "-c", other_process, str(tmp_path)], env=environment, check=True, timeout=120)
    engines = EmbeddedEngines()
    old_engine = SharedSystemClient._identifier_to_system[str(tmp_path)]

    engines.reset(str(tmp_path))

    assert str(tmp_path) not in SharedSystemClient._identifier_to_system
    assert str(tmp_path) not in SharedSystemClient._identifier_to_refcount
    assert engines.generation(str(tmp_path)) == 1
    fresh = client(tmp_path)
    assert SharedSystemClient._identifier_to_system[str(tmp_path)] is not old_engine
    # The engine opened before the other process wrote keeps its in-memory vector index: without the
    # reset the new client would share it and find only "one".
    found = fresh.get_collection("docs").query(query_embeddings=[[0.0, 1.0]], n_results=2)["ids"]
    assert found == [["two", "one"]]
