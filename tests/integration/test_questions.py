"""Questions through the Workspace on the real MiniLM and Chroma: empty, too long, or matching nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.chat.engine import NO_DOCUMENTS
from app.errors import EmptyQuestionError
from tests.integration.test_cli import run_cli

FILES = {
    "pumps.txt": "The coolant pump model XQ-7731 circulates water through the reactor loop. "
    "Its impeller is made of stainless steel and turns at 3000 rpm.",
    "trains.txt": "The night train leaves the central station at eleven and reaches the coast by dawn. "
    "Sleeping cars have two berths each.",
}
# 30 sentences of pasted context (428 MiniLM tokens with the question): longer than the 254 it reads.
PASTED = "Tomatoes grow best in full sun and mulch keeps the soil moist. " * 30


def _ingest(workspace) -> None:  # type: ignore[no-untyped-def]
    results = workspace.ingest([(name, text.encode()) for name, text in FILES.items()])
    assert [result.status for result in results] == ["indexed", "indexed"]


def test_a_blank_question_is_refused_and_never_searched(open_workspace, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    monkeypatch.setattr(workspace, "retriever", lambda *_: pytest.fail("a blank question was searched"))
    with pytest.raises(EmptyQuestionError) as refused:
        workspace.ask("  \n ")
    assert refused.value.message == "There is no question to answer: it is empty."
    with pytest.raises(EmptyQuestionError):
        workspace.retrieve("")


def test_keyword_search_that_matches_nothing_says_so_not_that_the_index_is_empty(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="keyword")
    _ingest(workspace)
    answer = workspace.ask("zebra giraffe")
    assert (answer.sources, answer.notice) == ([], "")
    assert answer.text() == (
        "No passage contains the words of your question (keyword search over 2 indexed documents). "
        "Try other words or spellings, or search by meaning: hybrid or dense retrieval (the sidebar, or "
        "RETRIEVAL_MODE)."
    )


def test_an_empty_index_still_asks_for_documents(open_workspace) -> None:  # type: ignore[no-untyped-def]
    assert open_workspace(RETRIEVAL_MODE="keyword").ask("zebra").text() == NO_DOCUMENTS
    assert open_workspace(RETRIEVAL_MODE="dense").ask("zebra").text() == NO_DOCUMENTS


def test_a_question_longer_than_the_model_reads_is_searched_by_its_end(open_workspace) -> None:  # type: ignore[no-untyped-def]
    # The end read still holds mostly pasted text (cosine 0.23): no threshold, to see the extractive answer.
    workspace = open_workspace(RETRIEVAL_MODE="dense", NOT_FOUND_THRESHOLD=0)
    _ingest(workspace)
    answer = workspace.ask(PASTED + "When does the night train reach the coast?")
    assert answer.sources[0].file_name == "trains.txt"
    assert answer.notice == (
        "Your question is longer than the embedding model reads (429 tokens; it reads 254); only its last "
        "part, from “mulch keeps the soil moist. Tomatoes …”, was used to search by meaning. Put the question "
        "itself at the end, or shorten what comes before it."
    )
    assert answer.query == PASTED + "When does the night train reach the coast?"
    assert "- The night train leaves the central station at eleven and reaches the coast by dawn. [1]" in answer.text()


def test_keyword_search_reads_the_whole_long_question(open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(RETRIEVAL_MODE="keyword")
    _ingest(workspace)
    # The part number is only at the start, far outside what the embedding model reads.
    answer = workspace.ask("Pump XQ-7731: " + PASTED + "What is it made of?")
    assert [p.file_name for p in answer.sources] == ["pumps.txt"]
    assert answer.notice.endswith(
        "Keyword search used all of it. Put the question itself at the end, or shorten what comes before it."
    )


def test_cli_refuses_an_empty_question_with_exit_code_2(tmp_path: Path) -> None:
    result = run_cli(tmp_path / "index", "ask", "")
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: There is no question to answer: it is empty.",
        "what to do: Type a question about your documents, e.g. “What temperature is the reactor coolant?”",
    ]
