"""A write that embedded Chroma reports done but does not hold is a failed write, and its engine restarts.

Chroma is made to drop one record of an upsert silently (what a stuck engine did after a full disk;
the full disk itself is tests/reliability/test_disk_full.py, on a real tmpfs).
"""

from __future__ import annotations

from typing import Any

import pytest
from chromadb.api.models.Collection import Collection

from tests.conftest import PAGE2_QUESTION


def test_an_upsert_that_loses_a_chunk_fails_and_the_same_workspace_indexes_it_after(
    open_workspace, report_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    other = open_workspace()  # a second Workspace of the same folder shares the process's Chroma engine
    [notes] = workspace.ingest([("notes.txt", b"Cats sleep sixteen hours a day, mostly in the sun.")])
    engine = workspace.client
    real_upsert = Collection.upsert

    def upsert_dropping_the_last(self: Collection, *, ids: list[str], **columns: Any) -> None:
        real_upsert(self, ids=ids[:-1], **{name: values[:-1] for name, values in columns.items()})

    with monkeypatch.context() as patch:
        patch.setattr(Collection, "upsert", upsert_dropping_the_last)
        [lost] = workspace.ingest([("report.pdf", report_pdf)])

    assert lost.status == "failed"
    assert "holds only 2 of its 3 chunks" in lost.message, lost.message
    assert "disk space" in lost.message
    assert workspace.client is not engine, "the engine that lost a write was replaced"
    assert workspace.index.count() == notes.chunks, "the rollback removed what did reach Chroma"
    assert [d.name for d in workspace.documents()] == ["notes.txt"]

    [again] = workspace.ingest([("report.pdf", report_pdf)])
    assert again.status == "indexed"
    assert workspace.index.count() == notes.chunks + again.chunks
    assert other.index.count() == notes.chunks + again.chunks, "the other Workspace reopened on the new engine"
    assert other.retrieve(PAGE2_QUESTION)[0].location == "page 2"
