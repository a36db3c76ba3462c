"""Reindex: re-embed every kept source into a new collection, switch only when complete, keep the old one."""

from __future__ import annotations

import threading

import pytest

from app.config import load_settings
from app.errors import FingerprintMismatchError, StoreError
from app.ingest import chunking
from app.ingest.pipeline import IngestProgress
from app.ingest.reindex import reindex, remove_index
from app.store.chunk_text import LABEL_KEY
from app.workspace import Workspace
from tests.conftest import PAGE2_QUESTION, make_docx


@pytest.fixture(scope="module")
def embedding_128():  # type: ignore[no-untyped-def]
    from app.embeddings.local import LocalEmbedding

    return LocalEmbedding(dimensions=128)


def _documents(open_workspace, report_pdf: bytes) -> Workspace:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    workspace.ingest(
        [
            ("report.pdf", report_pdf),
            ("notes.docx", make_docx({"Pets": "Cats sleep sixteen hours a day."})),
            ("plain.txt", b"The lighthouse keeper logs every passing ship in a leather book."),
        ]
    )
    return workspace


def test_reindex_to_128_dimensions_keeps_every_document_and_switches(
    open_workspace, report_pdf: bytes, embedding, embedding_128
) -> None:  # type: ignore[no-untyped-def]
    before = _documents(open_workspace, report_pdf)
    old_chunks = before.index.count()

    report = reindex(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128)
    assert report.switched and report.problems == []
    assert (report.old.collection, report.old.documents, report.old.chunks) == ("documents", 3, old_chunks)
    assert (report.new.documents, report.new.chunks) == (3, old_chunks)
    assert report.new.collection.startswith("documents--")
    assert report.old.fingerprint is not None and report.new.fingerprint is not None
    assert (report.old.fingerprint.dimension, report.new.fingerprint.dimension) == (384, 128)

    after = Workspace(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128)
    assert after.index.name == report.new.collection and after.status().collection == "documents"
    assert {d.name for d in after.documents()} == {"report.pdf", "notes.docx", "plain.txt"}
    top = after.retrieve(PAGE2_QUESTION)[0]
    assert (top.file_name, top.location) == ("report.pdf", "page 2")
    assert len(top.text) > 0 and after.index.count() == old_chunks

    # The old settings now meet the new index: refused, with the way back offered.
    with pytest.raises(FingerprintMismatchError) as caught:
        open_workspace()
    assert "dimension: 128 -> 384" in caught.value.message and "python -m app reindex" in caught.value.hint
    # ...and going back reuses the old collection: nothing is re-embedded.
    back = reindex(load_settings(), embedding=embedding)
    assert back.switched and back.new.collection == "documents"
    assert back.results == [], "every document was already there"
    assert open_workspace().index.count() == old_chunks


def test_interrupted_reindex_leaves_the_old_index_in_service_and_resumes(
    open_workspace, report_pdf: bytes, embedding, embedding_128
) -> None:  # type: ignore[no-untyped-def]
    _documents(open_workspace, report_pdf)
    cancel = threading.Event()

    def stop_after_first(event: IngestProgress) -> None:
        if event.stage == "done" and event.file_number == 1:
            cancel.set()

    report = reindex(
        load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128, progress=stop_after_first, cancel=cancel
    )
    assert not report.switched
    assert [r.status for r in report.results] == ["indexed", "cancelled", "cancelled"]
    assert report.new.documents == 1

    still = open_workspace()  # the old configuration is served as before
    assert still.index.name == "documents" and len(still.documents()) == 3
    assert still.retrieve(PAGE2_QUESTION)[0].location == "page 2"
    with pytest.raises(FingerprintMismatchError):
        Workspace(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128)

    resumed = reindex(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128)
    assert resumed.switched and [r.status for r in resumed.results] == ["indexed", "indexed"], "only the rest"
    assert resumed.new.documents == 3

    with pytest.raises(StoreError, match="in service"):
        remove_index(load_settings(), resumed.new.collection)
    removed = remove_index(load_settings(), "documents")
    assert (removed.documents, removed.fingerprint and removed.fingerprint.dimension) == (3, 384)
    served = Workspace(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128)
    assert len(served.documents()) == 3, "the sources the old index shared are still there"
    assert all((served.settings.sources_dir / d.source).exists() for d in served.documents())


def test_reindex_with_the_configuration_in_service_does_nothing(open_workspace, report_pdf: bytes, embedding) -> None:  # type: ignore[no-untyped-def]
    _documents(open_workspace, report_pdf)
    report = reindex(load_settings(), embedding=embedding)
    assert report.unchanged and not report.switched and report.results == []


def test_reindex_command_reports_both_sizes_and_the_settings_to_keep(
    open_workspace, data_dir, report_pdf: bytes
) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_cli import run_cli

    open_workspace().ingest([("report.pdf", report_pdf)])
    result = run_cli(data_dir, "reindex", "-q", "--dimensions", "128")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout
    assert "old index 'documents': 1 documents, 3 chunks (kept)" in lines
    assert "new index 'documents--" in lines and "': 1 documents, 3 chunks: now in service as 'documents'" in lines
    status = run_cli(data_dir, "status", EMBEDDING_DIMENSIONS="128").stdout
    assert "in service: documents--" in status
    assert "kept:       documents (a reindex replaced it; python -m app remove-index documents)" in status
    assert "EMBEDDING_DIMENSIONS=128" in lines and "python -m app remove-index documents" in lines
    status = run_cli(data_dir, "status", EMBEDDING_DIMENSIONS="128")
    assert status.returncode == 0 and "128-d" in status.stdout and "documents:  1" in status.stdout


def test_a_reindex_flag_the_model_cannot_take_is_named_in_the_error(open_workspace, data_dir) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_cli import run_cli

    open_workspace()
    result = run_cli(data_dir, "reindex", "-q", "--dimensions", "512")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "EMBEDDING_DIMENSIONS=512 is larger than the 384-d vectors" in result.stderr
    assert "Here it came from --dimensions 512: change that flag." in result.stderr


def test_a_lost_source_fails_the_reindex_by_name_and_nothing_switches(
    open_workspace, report_pdf: bytes, embedding_128
) -> None:  # type: ignore[no-untyped-def]
    workspace = _documents(open_workspace, report_pdf)
    lost = next(d for d in workspace.documents() if d.name == "plain.txt")
    (workspace.settings.sources_dir / lost.source).unlink()
    report = reindex(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128)
    assert not report.switched
    [problem] = report.problems
    assert problem.file_name == "plain.txt" and "is missing" in problem.message
    assert open_workspace().index.name == "documents", "the old index is still in service"


def test_uploads_and_deletes_made_during_a_reindex_are_caught_up_before_the_switch(
    open_workspace, report_pdf: bytes, embedding_128
) -> None:  # type: ignore[no-untyped-def]
    workspace = _documents(open_workspace, report_pdf)
    plain = next(d for d in workspace.documents() if d.name == "plain.txt")
    happened = False

    def meanwhile_in_the_app(event: IngestProgress) -> None:
        nonlocal happened
        if event.stage == "done" and event.file_number == 1 and not happened:
            happened = True  # the app, still serving the old index, takes an upload and a delete
            workspace.ingest([("late.txt", b"A document uploaded while the reindex was running.")])
            workspace.delete(plain.sha256)

    report = reindex(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128, progress=meanwhile_in_the_app)
    assert report.switched
    served = Workspace(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128)
    assert {d.name for d in served.documents()} == {"report.pdf", "notes.docx", "late.txt"}
    assert served.index.count() == sum(d.chunks for d in served.documents())


def test_a_reindex_never_takes_over_another_collections_index(data_dir, embedding) -> None:  # type: ignore[no-untyped-def]
    # A collection named like a reindex target (possible before such names were refused) keeps its own index.
    from app.store.access import User
    from app.store.data_folder import DataFolder

    alice = Workspace(load_settings(collection="delta"), embedding=embedding, user=User("alice@x.org"))
    alice.ingest([("plans.txt", b"Delta private: layoffs of 40 people are planned for June.")])
    DataFolder(load_settings()).catalog.register_collection("delta--mine")  # an old name, registered as it was then
    mallory = Workspace(load_settings(collection="delta--mine", chunk_size=100), embedding=embedding)
    mallory.ingest([("bait.txt", b"Nothing to see here.")])

    report = reindex(load_settings(collection="delta", chunk_size=100), embedding=embedding)
    assert report.switched and report.new.collection not in ("delta--mine", "delta")
    assert [
        d.name for d in Workspace(load_settings(collection="delta--mine", chunk_size=100), embedding).documents()
    ] == ["bait.txt"]
    reopened = Workspace(load_settings(collection="delta", chunk_size=100), embedding=embedding)
    assert [d.name for d in reopened.documents()] == ["plans.txt"]


def _labels(workspace: Workspace) -> set[str]:
    chunk_ids = [chunk_id for chunk_id, _, _ in workspace.index.chunks()]
    return {str(node.metadata.get(LABEL_KEY, "")) for node in workspace.index.get(chunk_ids).values()}


def test_reread_reads_every_document_again_with_this_versions_readers(
    open_workspace, embedding, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    # An earlier version kept the hashes of a file name in its document label ("scan 7f3a9c21e0").
    with monkeypatch.context() as earlier_version:
        earlier_version.setattr(chunking, "_is_code", lambda word: False)
        chunking.document_label.cache_clear()
        first = open_workspace()
        first.ingest([("scan_7f3a9c21e0.txt", b"The lighthouse keeper logs every passing ship in a leather book.")])
        assert _labels(first) == {"scan 7f3a9c21e0"}
    chunking.document_label.cache_clear()

    assert reindex(load_settings(), embedding=embedding).unchanged, "the same fingerprint: a plain reindex is a no-op"
    report = reindex(load_settings(), embedding=embedding, reread=True)
    assert report.switched and [r.status for r in report.results] == ["indexed"]
    assert report.old.collection == "documents" and report.new.collection.startswith("documents--")
    reread = open_workspace()
    assert reread.index.name == report.new.collection and _labels(reread) == {"scan"}
    assert reread.retrieve("Who logs every passing ship?")[0].file_name == "scan_7f3a9c21e0.txt"

    # Again: into a name of its own, then back into the first re-read's, which is emptied and rebuilt.
    again = reindex(load_settings(), embedding=embedding, reread=True)
    assert again.switched and again.new.collection == f"{report.new.collection}-reread"
    assert again.old.collection == report.new.collection
    assert _labels(open_workspace()) == {"scan"} and len(open_workspace().documents()) == 1
    third = reindex(load_settings(), embedding=embedding, reread=True)
    assert third.switched and third.new.collection == report.new.collection and third.new.documents == 1
    assert [r.status for r in third.results] == ["indexed"], "read again, not kept from the earlier re-read"
    removed = remove_index(load_settings(), "documents")
    assert removed.documents == 1 and len(open_workspace().documents()) == 1


def test_reindex_command_offers_a_reread_when_there_is_nothing_to_do(open_workspace, data_dir) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.test_cli import run_cli

    open_workspace().ingest([("plain.txt", b"The lighthouse keeper logs every passing ship in a leather book.")])
    unchanged = run_cli(data_dir, "reindex", "-q")
    assert unchanged.returncode == 0 and "nothing to do" in unchanged.stdout
    assert "python -m app reindex --reread" in unchanged.stdout
    reread = run_cli(data_dir, "reindex", "-q", "--reread")
    assert reread.returncode == 0, reread.stdout + reread.stderr
    assert "': 1 documents, 1 chunks: now in service as 'documents'" in reread.stdout


def test_an_index_of_a_collection_cannot_be_opened_or_deleted_as_a_collection_of_its_own(
    open_workspace, report_pdf: bytes, embedding, embedding_128
) -> None:  # type: ignore[no-untyped-def]
    from app.errors import ConfigError
    from app.store.data_folder import DataFolder

    _documents(open_workspace, report_pdf)
    moved = reindex(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128)
    served = Workspace(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128)
    for index in (moved.new.collection, moved.old.collection + "--anything"):
        with pytest.raises(ConfigError, match="--"):
            Workspace(load_settings(EMBEDDING_DIMENSIONS=128, COLLECTION_NAME=index), embedding=embedding_128)
        with pytest.raises(ConfigError, match="is an index that a reindex built for the collection 'documents'"):
            DataFolder(load_settings()).collections.ensure(index)  # the command line's way in
    with pytest.raises(StoreError, match="is an index of the collection 'documents', not a collection"):
        served.delete_collection(moved.new.collection)
    assert len(Workspace(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128).documents()) == 3


def test_deleting_a_collection_deletes_the_indexes_its_reindexes_kept(
    open_workspace, report_pdf: bytes, embedding, embedding_128
) -> None:  # type: ignore[no-untyped-def]
    first = _documents(open_workspace, report_pdf)
    first.create_collection("other")
    other = open_workspace(COLLECTION_NAME="other")
    other.ingest([("kept.txt", b"The other collection keeps its own notes about tides.")])
    moved = reindex(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128)
    back = reindex(load_settings(), embedding=embedding)  # in service: 'documents' again; kept: the 128-d one
    assert moved.switched and back.switched and back.new.collection == "documents"

    other.delete_collection("documents")
    remaining = {collection.name for collection in other.client.list_collections()}
    assert not {name for name in remaining if name.startswith("documents")}, "the kept 128-d index went too"
    assert [d.name for d in open_workspace(COLLECTION_NAME="other").documents()] == ["kept.txt"]
    assert not list(other.settings.sources_dir.glob("*/report.pdf"))


def test_remove_index_removes_its_derived_folders_and_names_what_is_wrong(
    open_workspace, report_pdf: bytes, embedding, embedding_128
) -> None:  # type: ignore[no-untyped-def]
    from app.store.data_folder import DataFolder

    _documents(open_workspace, report_pdf).retrieve(PAGE2_QUESTION)  # builds the keyword index's folder
    moved = reindex(load_settings(EMBEDDING_DIMENSIONS=128), embedding=embedding_128)
    data = DataFolder(load_settings())
    assert data.keyword_folder("documents").exists()
    with pytest.raises(StoreError, match="There is no index 'nosuch' of any collection"):
        remove_index(load_settings(), "nosuch")
    with pytest.raises(StoreError, match=f"'{moved.new.collection}' is in service for the collection 'documents'"):
        remove_index(load_settings(), moved.new.collection)
    remove_index(load_settings(), "documents")
    assert not data.keyword_folder("documents").exists()


def test_a_lost_kept_copy_is_restored_by_adding_the_file_again(open_workspace, embedding) -> None:  # type: ignore[no-untyped-def]
    text = b"The lighthouse keeper logs every passing ship in a leather book."
    workspace = open_workspace()
    workspace.ingest([("log.txt", text), ("other.txt", b"Cats sleep sixteen hours a day.")])
    (kept,) = [d for d in workspace.documents() if d.name == "log.txt"]
    (workspace.settings.sources_dir / kept.source).unlink()

    stuck = reindex(load_settings(), embedding=embedding, reread=True)
    assert not stuck.switched and [r.file_name for r in stuck.problems] == ["log.txt"]
    assert "add the original file again (that restores it)" in stuck.problems[0].message

    (again,) = open_workspace().ingest([("log.txt", text)])
    assert again.status == "skipped" and (workspace.settings.sources_dir / kept.source).read_bytes() == text
    done = reindex(load_settings(), embedding=embedding, reread=True)
    assert done.switched and done.new.documents == 2
