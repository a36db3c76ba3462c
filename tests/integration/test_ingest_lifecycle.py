"""Ingest through a real Workspace: the packaged model, a real Chroma on disk, generated files."""

from __future__ import annotations

import pytest

from app.errors import StoreError
from app.store.chroma import VectorIndex
from tests.conftest import PAGE2_QUESTION, PAGES, make_docx, make_pdf

# Each test runs on the embedded Chroma and on a Chroma server (tests/integration/conftest.py).
pytestmark = pytest.mark.usefixtures("chroma_backend")


def test_pdf_is_indexed_with_page_numbers_and_a_kept_source(open_workspace, report_pdf: bytes) -> None:
    workspace = open_workspace()
    [result] = workspace.ingest([("report.pdf", report_pdf)])
    assert result.status == "indexed" and result.chunks == 3
    [record] = workspace.documents()
    assert (workspace.settings.sources_dir / record.source).read_bytes() == report_pdf
    top = workspace.retrieve(PAGE2_QUESTION)[0]
    assert (top.file_name, top.location) == ("report.pdf", "page 2")


def test_reupload_of_same_file_adds_no_chunks(open_workspace, report_pdf: bytes) -> None:
    workspace = open_workspace()
    workspace.ingest([("report.pdf", report_pdf)])
    before = workspace.index.count()
    [again] = workspace.ingest([("report.pdf", report_pdf)])
    [renamed] = workspace.ingest([("copy of report.pdf", report_pdf)])
    assert again.status == "skipped" and renamed.status == "skipped"
    assert "as 'report.pdf'" in renamed.message
    assert workspace.index.count() == before
    assert len(workspace.documents()) == 1


def test_changed_file_replaces_its_old_chunks(open_workspace, report_pdf: bytes) -> None:
    workspace = open_workspace()
    workspace.ingest([("report.pdf", report_pdf)])
    old_source = workspace.documents()[0].source
    revised = make_pdf([PAGES[0], "The reactor was decommissioned in 2024 and its sodium drained."])
    [result] = workspace.ingest([("report.pdf", revised)])
    assert result.status == "replaced" and result.chunks == 2
    assert workspace.index.count() == 2
    [record] = workspace.documents()
    assert record.chunks == 2
    assert not (workspace.settings.sources_dir / old_source).exists()
    texts = " ".join(p.text for p in workspace.retrieve("reactor coolant temperature", top_k=5))
    assert "550 degrees" not in texts and "decommissioned" in texts


def test_bad_files_fail_alone_and_leave_the_index_unchanged(open_workspace, report_pdf: bytes) -> None:
    workspace = open_workspace()
    workspace.ingest([("notes.docx", make_docx({"Pets": "Cats sleep sixteen hours a day."}))])
    before = workspace.index.count()
    results = workspace.ingest(
        [
            ("empty.txt", b""),
            ("broken.pdf", b"%PDF-1.4\n%%EOF truncated"),
            ("archive.zip", b"PK\x03\x04"),
            ("report.pdf", report_pdf),
        ]
    )
    assert [r.status for r in results] == ["failed", "failed", "failed", "indexed"]
    assert all(r.message for r in results[:3])
    assert workspace.index.count() == before + 3
    assert {d.name for d in workspace.documents()} == {"notes.docx", "report.pdf"}


def test_a_failed_write_leaves_no_chunk_of_that_document(
    open_workspace, report_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = open_workspace()
    workspace.ingest([("notes.docx", make_docx({"Pets": "Cats sleep sixteen hours a day."}))])
    before = workspace.index.count()
    real_add = VectorIndex.add

    def add_then_fail(self: VectorIndex, nodes, embeddings) -> None:  # type: ignore[no-untyped-def]
        real_add(self, nodes[:1], embeddings[:1])  # some chunks reach Chroma, then the disk "fills"
        raise StoreError("Writing to the index failed: disk full.")

    monkeypatch.setattr(VectorIndex, "add", add_then_fail)
    [result] = workspace.ingest([("report.pdf", report_pdf)])
    assert result.status == "failed" and "disk full" in result.message
    assert workspace.index.count() == before
    assert [d.name for d in workspace.documents()] == ["notes.docx"]
    assert workspace.catalog.pending(workspace.index.name) == []


def test_reopening_after_a_crash_removes_the_half_written_document(open_workspace, report_pdf: bytes) -> None:
    workspace = open_workspace()
    [result] = workspace.ingest([("report.pdf", report_pdf)])
    record = workspace.documents()[0]
    # Simulate a crash between writing chunks and committing: the journal row is back to 'indexing'.
    workspace.catalog.begin(workspace.index.name, record.sha256, record.name, record.source)
    assert workspace.retrieve(PAGE2_QUESTION) == [], "uncommitted chunks are never answered from"
    reopened = open_workspace()
    assert reopened.index.count() == 0
    assert reopened.documents() == []
    [again] = reopened.ingest([("report.pdf", report_pdf)])
    assert again.status == "indexed" and reopened.index.count() == result.chunks


def test_delete_removes_chunks_catalog_row_and_source(open_workspace, report_pdf: bytes) -> None:
    workspace = open_workspace()
    workspace.ingest([("report.pdf", report_pdf), ("notes.txt", b"Cats sleep sixteen hours a day, mostly.")])
    record = next(d for d in workspace.documents() if d.name == "report.pdf")
    workspace.delete(record.sha256)
    assert [d.name for d in workspace.documents()] == ["notes.txt"]
    assert workspace.index.count() == 1
    assert not (workspace.settings.sources_dir / record.source).exists()


def test_upload_names_stay_inside_the_data_dir(open_workspace) -> None:
    workspace = open_workspace()
    [result] = workspace.ingest([("../../etc/passwd.txt", b"root:x:0:0 is not a real line here.")])
    assert result.file_name == "passwd.txt"
    source = workspace.settings.sources_dir / workspace.documents()[0].source
    assert source.resolve().is_relative_to(workspace.settings.data_dir.resolve())


def test_progress_reaches_one_and_reports_embedding(open_workspace, report_pdf: bytes) -> None:
    events = []
    open_workspace().ingest([("a.txt", b"Alpha text is here for you."), ("report.pdf", report_pdf)], events.append)
    assert events[-1].fraction == 1.0
    assert any(e.stage == "embedding" and e.chunks_total == 3 for e in events)
    fractions = [e.fraction for e in events]
    assert fractions == sorted(fractions)


def test_opening_leaves_another_writers_work_in_progress_alone(open_workspace, report_pdf: bytes) -> None:
    from app.ingest.pipeline import index_write_lock

    workspace = open_workspace()
    workspace.ingest([("report.pdf", report_pdf)])
    record = workspace.documents()[0]
    workspace.catalog.begin(workspace.index.name, record.sha256, record.name, record.source)
    with index_write_lock(workspace.settings.data_dir / "write.lock"):  # a writer (say, the app) is mid-upload
        beside = open_workspace()
        assert beside.index.count() == 3, "the CLI opening beside a busy app must not delete its chunks"
        assert len(beside.catalog.pending(beside.index.name)) == 1
    assert open_workspace().index.count() == 0, "once the writer is gone, its unfinished work is undone"


def test_every_chunk_is_read_back_when_the_collection_is_read_in_pages(
    open_workspace, report_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The BM25 index reads the whole collection; in one `get` that failed at ~100k chunks, so it pages."""
    workspace = open_workspace()
    workspace.ingest([("report.pdf", report_pdf), ("notes.txt", b"Cats sleep sixteen hours a day, mostly.")])
    monkeypatch.setattr("app.store.chroma.READ_PAGE", 2)  # 4 chunks: pages of 2, 2 and an empty last one
    chunks = workspace.index.chunks()
    assert len(chunks) == len({chunk_id for chunk_id, _, _ in chunks}) == 4
    assert {doc for _, doc, _ in chunks} == {d.sha256 for d in workspace.documents()}
    assert any("550 degrees" in text for _, _, text in chunks)


def test_keyword_index_reads_the_collection_once_when_every_document_is_whole(
    open_workspace, report_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="keyword")
    workspace.ingest([("report.pdf", report_pdf), ("notes.txt", b"Cats sleep sixteen hours a day, mostly.")])
    reads: list[int] = []
    real_chunks = workspace.index.chunks

    def counted() -> list[tuple[str, str, str]]:
        reads.append(1)
        return real_chunks()

    monkeypatch.setattr(workspace.index, "chunks", counted)
    _forget_keyword_index(workspace, monkeypatch)

    assert workspace.retrieve("how many hours do cats sleep", top_k=1)[0].file_name == "notes.txt"
    assert reads == [1], "the catalog's chunk counts matched the collection's, so one read is enough"


def test_keyword_index_reads_again_when_a_page_skipped_chunks(
    open_workspace, report_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Another process deleting a document mid-read shifts `chunks()`' pages and can skip others' chunks."""
    workspace = open_workspace(RETRIEVAL_MODE="keyword")
    workspace.ingest([("report.pdf", report_pdf), ("notes.txt", b"Cats sleep sixteen hours a day, mostly.")])
    real_chunks = workspace.index.chunks
    reads: list[int] = []

    def first_read_skips_the_cats() -> list[tuple[str, str, str]]:
        reads.append(1)
        chunks = real_chunks()
        return [chunk for chunk in chunks if "Cats" not in chunk[2]] if len(reads) == 1 else chunks

    monkeypatch.setattr(workspace.index, "chunks", first_read_skips_the_cats)
    _forget_keyword_index(workspace, monkeypatch)

    assert workspace.retrieve("how many hours do cats sleep", top_k=1)[0].file_name == "notes.txt"
    assert len(reads) == 2


def _forget_keyword_index(workspace, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """Make the next search build the keyword index from the collection: nothing in memory or on disk."""
    monkeypatch.setattr(workspace.keyword, "_version", None)
    monkeypatch.setattr(workspace.keyword, "_folder", workspace.keyword._folder.parent / "rebuilt")


def test_token_vectors_are_stored_only_once_the_chunks_are_committed(
    open_workspace, report_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    workspace = open_workspace(TOKEN_STORE="true")
    folder = workspace.token_store.folder
    real_add = VectorIndex.add
    seen_while_writing: list[list[str]] = []

    def add_then_fail(self: VectorIndex, nodes, embeddings) -> None:  # type: ignore[no-untyped-def]
        searchable = [p for p in folder.rglob("*.npy") if not p.parent.name.startswith(".staging-")]
        seen_while_writing.append([str(p.relative_to(folder)) for p in searchable])
        real_add(self, nodes[:1], embeddings[:1])
        raise StoreError("Writing to the index failed: disk full.")

    monkeypatch.setattr(VectorIndex, "add", add_then_fail)
    # The ingestor alone: the workspace's clean-up after a batch would hide token vectors left behind.
    [result] = workspace.ingestor.ingest_many([("report.pdf", report_pdf)])
    assert result.status == "failed"
    assert seen_while_writing == [[]], "no token vector is searchable before its chunks are committed"
    assert list(folder.rglob("*")) == [], "a failed write leaves no token vectors, staged or stored"

    monkeypatch.setattr(VectorIndex, "add", real_add)
    [result] = workspace.ingestor.ingest_many([("report.pdf", report_pdf)])
    [record] = workspace.documents()
    assert result.status == "indexed"
    chunk_files = [f"{record.sha256}/{chunk}.npy" for chunk, doc, _ in workspace.index.chunks() if doc == record.sha256]
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*.npy")) == sorted(chunk_files)
    assert len(chunk_files) == result.chunks
