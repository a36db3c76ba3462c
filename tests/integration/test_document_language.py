"""Each document's language is detected at ingest, kept in the catalog and shown; a model that does not read
it gets a notice with the fix. Real MiniLM, real Chroma, real catalog files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from app.cli import main as cli_main
from app.store.catalog import Catalog

CHINESE = "长城是中国古代修建的防御工程。它东起山海关，西至嘉峪关，全长两万多公里。"
ENGLISH = "The Great Wall was built to defend the northern border. It stretches for thousands of kilometres."


def test_the_language_is_stored_with_each_document_and_a_model_that_cannot_read_it_says_so(
    open_workspace,  # type: ignore[no-untyped-def]
) -> None:
    workspace = open_workspace()
    chinese, english, numbers = workspace.ingest(
        [("wall-zh.txt", CHINESE.encode()), ("wall-en.txt", ENGLISH.encode()), ("table.csv", b"a,b\n1,2\n3,4\n")]
    )

    assert (chinese.language, english.language) == ("zh", "en")
    assert "Chinese" in chinese.notice and "python -m app reindex --model multilingual-e5-small" in chinese.notice
    assert english.notice == "" and numbers.notice == ""
    assert {record.name: record.language for record in open_workspace().documents()} == {
        "table.csv": None,  # figures and two letters: no language, and no notice
        "wall-en.txt": "en",
        "wall-zh.txt": "zh",
    }


def test_keyword_search_stems_each_document_by_its_own_language(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="keyword")
    german, english = workspace.ingest(
        [
            ("altstadt.txt", "Die Häuser der Altstadt wurden um 1900 aus rotem Backstein gebaut.".encode()),
            ("harbour.txt", b"The harbour cranes were painted yellow in the spring of 1987."),
        ]
    )
    assert (german.language, english.language) == ("de", "en")
    # "Haus" is a form of "Häuser" only to a German stemmer (English rules keep both as written).
    assert [p.file_name for p in workspace.retrieve("Wie alt ist das Haus?")] == ["altstadt.txt"]
    assert [p.file_name for p in workspace.retrieve("Which crane was painted?")] == ["harbour.txt"]


def test_a_catalog_from_before_languages_opens_with_unknown_languages_and_new_documents_get_theirs(
    open_workspace,  # type: ignore[no-untyped-def]
) -> None:
    old = open_workspace()
    old.ingest([("wall-en.txt", ENGLISH.encode())])
    with sqlite3.connect(old.settings.catalog_path) as db:  # what version 1 of the catalog wrote
        db.execute("ALTER TABLE documents DROP COLUMN language")
        db.execute("ALTER TABLE documents DROP COLUMN title")
        db.execute("PRAGMA user_version = 1")

    workspace = open_workspace()
    workspace.ingest([("wall-zh.txt", CHINESE.encode())])

    assert {record.name: record.language for record in workspace.documents()} == {
        "wall-en.txt": None,
        "wall-zh.txt": "zh",
    }
    with sqlite3.connect(old.settings.catalog_path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 3  # the current version: languages, then titles
    Catalog(old.settings.catalog_path)  # opening a migrated catalog again changes nothing
    assert workspace.retrieve("How long is the Great Wall?")[0].file_name == "wall-en.txt"  # still searched


def test_the_cli_ingest_prints_the_language_and_the_notice(
    data_dir: Path,
    tmp_path: Path,
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "wall-zh.txt").write_text(CHINESE, encoding="utf-8")

    assert cli_main(["ingest", "--quiet", str(folder)]) == 0

    out = capsys.readouterr().out
    assert "indexed  wall-zh.txt: 1 chunks, zh" in out
    assert "note: written in Chinese" in out and "reindex --model multilingual-e5-small" in out
