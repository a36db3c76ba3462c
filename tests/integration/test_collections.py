"""Collections of one data folder: create, switch, delete, on a real Chroma with the packaged model."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import ConfigError
from tests.conftest import PAGE2_QUESTION, make_pdf


def test_collections_keep_their_documents_apart(open_workspace, report_pdf: bytes) -> None:  # type: ignore[no-untyped-def]
    default = open_workspace()
    default.ingest([("report.pdf", report_pdf)])
    assert default.create_collection("birds") == "birds"
    birds = open_workspace(COLLECTION_NAME="birds")
    assert birds.documents() == [] and birds.retrieve(PAGE2_QUESTION) == []
    birds.ingest([("puffins.pdf", make_pdf(["Puffins nest in burrows on rocky islands."]))])
    assert [d.name for d in default.documents()] == ["report.pdf"]
    assert [d.name for d in birds.documents()] == ["puffins.pdf"]
    assert default.collection_names() == ["birds", "documents"]


def test_deleting_a_collection_removes_its_vectors_rows_and_unshared_sources(
    open_workspace, data_dir: Path, report_pdf: bytes
) -> None:  # type: ignore[no-untyped-def]
    default = open_workspace()
    default.ingest([("report.pdf", report_pdf)])
    default.create_collection("scratch")
    scratch = open_workspace(COLLECTION_NAME="scratch")
    only_here = make_pdf(["Sand eels are small fish that puffins eat."])
    scratch.ingest([("report.pdf", report_pdf), ("eels.pdf", only_here)])
    sources = data_dir / "sources"
    assert len(list(sources.glob("*/*"))) == 2, "the shared bytes are stored once"

    default.delete_collection("scratch")

    assert default.collection_names() == ["documents"]
    assert "scratch" not in [c.name for c in default.client.list_collections()]
    assert default.catalog.ready("scratch") == []
    assert [p.name for p in sources.glob("*/*")] == ["report.pdf"], "the other collection's source stays"
    assert default.retrieve(PAGE2_QUESTION)[0].location == "page 2", "the other collection still answers"
    reopened = open_workspace(COLLECTION_NAME="scratch")
    assert reopened.documents() == [] and reopened.index.count() == 0, "a name reused later starts empty"


def test_deleting_a_collection_removes_its_keyword_index_and_token_vectors(open_workspace, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    default = open_workspace(TOKEN_STORE="true")
    default.ingest([("bread.pdf", make_pdf(["Medieval bread was baked in communal ovens."]))])
    default.create_collection("scratch")
    scratch = open_workspace(COLLECTION_NAME="scratch", TOKEN_STORE="true")
    scratch.ingest([("eels.pdf", make_pdf(["Sand eels are small fish that puffins eat."]))])
    derived = [data_dir / "keyword" / "scratch", data_dir / "tokens" / "scratch"]
    assert [folder.is_dir() for folder in derived] == [True, True]

    default.delete_collection("scratch")

    assert [folder.exists() for folder in derived] == [False, False]
    assert (data_dir / "keyword" / "documents").is_dir() and (data_dir / "tokens" / "documents").is_dir()


def test_same_bytes_under_two_names_keep_the_file_still_in_use(open_workspace, data_dir: Path) -> None:  # type: ignore[no-untyped-def]
    pdf = make_pdf(["Medieval bread was baked in communal ovens."])
    default = open_workspace()
    default.ingest([("bread.pdf", pdf)])
    default.create_collection("copy")
    open_workspace(COLLECTION_NAME="copy").ingest([("loaf.pdf", pdf)])
    default.delete_collection("copy")
    assert [p.name for p in (data_dir / "sources").glob("*/*")] == ["bread.pdf"]


@pytest.mark.parametrize("name", ["", "a", "two words", "../up", "-dash-first", "x" * 600])
def test_a_name_chroma_cannot_hold_is_refused_with_the_rule(open_workspace, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="cannot name a collection") as error:
        open_workspace().create_collection(name)
    assert "letters, digits" in error.value.hint


def test_creating_an_existing_collection_says_so(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    with pytest.raises(ConfigError, match="already exists"):
        workspace.create_collection("documents")


def test_a_switched_physical_collection_is_what_the_name_opens(open_workspace, report_pdf: bytes) -> None:  # type: ignore[no-untyped-def]
    """The hook a reindex uses: build another Chroma collection, then point the name at it."""
    workspace = open_workspace()
    workspace.ingest([("report.pdf", report_pdf)])
    previous = workspace.collections.switch_physical("documents", "documents-v2")
    assert previous == "documents"
    reopened = open_workspace()
    assert reopened.index.name == "documents-v2" and reopened.collection == "documents"
    assert reopened.documents() == [], "the new physical collection is empty until a reindex fills it"
    assert reopened.status().collection == "documents"


def test_deleting_a_document_keeps_the_same_bytes_stored_under_another_name(open_workspace) -> None:  # type: ignore[no-untyped-def]
    pdf = make_pdf(["Medieval bread was baked in communal ovens."])
    default = open_workspace()
    [bread] = [r.sha256 for r in (default.ingest([("bread.pdf", pdf)]) and default.documents())]
    default.create_collection("copy")
    copy = open_workspace(COLLECTION_NAME="copy")
    copy.ingest([("loaf.pdf", pdf)])
    copy.delete(bread)
    path = default.source_path(bread)
    assert path is not None and path.read_bytes() == pdf, "the other collection can still download its file"
