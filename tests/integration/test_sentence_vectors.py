"""Sentence vectors (SENTENCE_WEIGHT): each sentence of a chunk embedded on its own at ingest, and a dense hit scored
by its cosine and its best sentence's. Real MiniLM, real Chroma, real files on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

# The answer is one sentence of a report on other things; the other document is near the question as a whole.
REPORT = (
    "The annual report covers the harbour works, the new ferry timetable and the staff canteen. "
    "The canteen now opens at seven and serves soup on Fridays. The ferry leaves every forty minutes in summer. "
    "The reactor coolant is kept at 550 degrees. Staff parking moved to the north gate."
)
OVERVIEW = (
    "Nuclear reactors need careful cooling. Engineers monitor pumps, valves and pipes around the reactor core, "
    "and safety reviews of the plant happen every year."
)
QUESTION = "What temperature is the reactor coolant?"


def _documents() -> list[tuple[str, bytes]]:
    return [("report.txt", REPORT.encode()), ("overview.txt", OVERVIEW.encode())]


def test_the_passage_with_the_answering_sentence_ranks_first_with_sentence_vectors(open_workspace) -> None:  # type: ignore[no-untyped-def]
    plain = open_workspace(RETRIEVAL_MODE="dense", COLLECTION_NAME="plain", SENTENCE_WEIGHT=0)
    plain.ingest(_documents())
    # As wholes, the overview is nearer the question (MiniLM cosine 0.48 against 0.45).
    assert plain.retrieve(QUESTION)[0].file_name == "overview.txt"
    assert plain.sentence_store is None

    sentences = open_workspace(RETRIEVAL_MODE="dense", COLLECTION_NAME="sentences", SENTENCE_WEIGHT=0.5)
    sentences.ingest(_documents())
    # The report's best sentence is 0.75 from it: 0.60 in all, against the overview's 0.52.
    found = sentences.retrieve(QUESTION)
    assert found[0].file_name == "report.txt"
    assert found[0].score < found[1].score  # each passage still shows its chunk's own cosine


def test_sentence_vectors_are_kept_per_chunk_and_go_with_their_document(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(SENTENCE_WEIGHT=0.5)
    report, overview = workspace.ingest(_documents())
    store = workspace.sentence_store
    assert store is not None
    kept = {path.parent.name: path for path in Path(store.folder).rglob("*.npy")}
    assert set(kept) == {report_sha(workspace, "report.txt"), report_sha(workspace, "overview.txt")}
    vectors = store.load(report_sha(workspace, "report.txt"), kept[report_sha(workspace, "report.txt")].stem)
    assert vectors is not None and vectors.shape == (5, workspace.embedding.dimension)  # five sentences

    workspace.delete(report_sha(workspace, "report.txt"))
    assert {path.parent.name for path in Path(store.folder).rglob("*.npy")} == {report_sha(workspace, "overview.txt")}
    assert (report.status, overview.status) == ("indexed", "indexed")


def report_sha(workspace, name: str) -> str:  # type: ignore[no-untyped-def]
    return next(record.sha256 for record in workspace.documents() if record.name == name)


def test_an_index_without_sentence_vectors_asks_for_reindex_which_adds_them(open_workspace) -> None:  # type: ignore[no-untyped-def]
    from app.config import load_settings
    from app.errors import FingerprintMismatchError
    from app.workspace import Workspace

    plain = open_workspace(SENTENCE_WEIGHT=0)
    plain.ingest(_documents())
    assert not plain.fingerprint.chunking.endswith("/sentences")

    with pytest.raises(FingerprintMismatchError, match="/sentences"):
        open_workspace(SENTENCE_WEIGHT=0.5)

    report = Workspace.reindex(load_settings(SENTENCE_WEIGHT=0.5), embedding=plain.embedding)
    assert report.switched
    workspace = open_workspace(SENTENCE_WEIGHT=0.5, RETRIEVAL_MODE="dense")
    assert workspace.sentence_store is not None
    assert len(list(Path(workspace.sentence_store.folder).rglob("*.npy"))) == 2  # one chunk of each document
    assert workspace.retrieve(QUESTION)[0].file_name == "report.txt"
