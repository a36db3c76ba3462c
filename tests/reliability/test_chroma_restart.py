"""The Chroma server (CHROMA_HOST) dies mid-session and is started again on the same port and data path.

Real processes: `chroma run` in its own process group, SIGKILLed by PID, then started again; the app's
`Workspace` stays open throughout, as in a running Streamlit session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.config import load_settings
from app.embeddings import Embedding
from app.errors import StoreError
from app.workspace import Workspace
from tests.conftest import PAGE2_QUESTION
from tests.integration.conftest import CHROMA
from tests.servers import Server, free_port, require, start_server

NOTES = b"The lighthouse keeper logs the fog horn tests every Tuesday at dawn, and the lamp is cleaned on Fridays."
NOTES_QUESTION = "When are the fog horn tests logged?"
# Types a user should never see: the HTTP client's and Python's own, which would mean an error escaped us.
RAW_TYPES = ("httpx", "ConnectError", "ConnectionRefused", "Traceback", "Errno")


class ChromaProcess:
    """`chroma run` on one port and one data folder, which a test can crash and start again."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.log = folder / "chroma.log"
        self._command = [str(CHROMA), "run", "--host", "127.0.0.1", "--port", str(self.port)]
        self._command += ["--path", str(folder / "db")]
        self._server: Server | None = None

    def start(self) -> None:
        self._server = start_server(self._command, port=self.port, log=self.log, own_group=True)
        self._server.wait_healthy("/api/v2/heartbeat", deadline_s=60)

    def kill(self) -> None:
        assert self._server is not None
        self._server.kill()

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()


@pytest.fixture
def chroma(tmp_path: Path) -> Iterator[ChromaProcess]:
    require(CHROMA, "chroma (the chromadb package's server)")
    server = ChromaProcess(tmp_path / "chroma")
    try:
        server.start()
        yield server
    finally:
        server.stop()


def assert_store_error_names_the_server(error: str, port: int) -> None:
    assert f"Chroma server at 127.0.0.1:{port} cannot be reached" in error and "CHROMA_HOST" in error, error
    assert not any(raw in error for raw in RAW_TYPES), error


def test_a_restarted_chroma_server_serves_the_same_workspace_again_with_nothing_lost(
    chroma: ChromaProcess, data_dir: Path, embedding: Embedding, report_pdf: bytes
) -> None:
    settings = load_settings(CHROMA_HOST="127.0.0.1", CHROMA_PORT=chroma.port, LLM_API_BASE="")
    workspace = Workspace(settings, embedding)
    [report] = workspace.ingest([("report.pdf", report_pdf)])
    assert report.status == "indexed"
    before = workspace.retrieve(PAGE2_QUESTION)
    assert before[0].location == "page 2"

    chroma.kill()
    with pytest.raises(StoreError) as caught:
        workspace.retrieve(PAGE2_QUESTION)
    assert_store_error_names_the_server(str(caught.value), chroma.port)
    assert "CHROMA_HOST" in caught.value.hint
    [failed] = workspace.ingest([("notes.txt", NOTES)])
    assert failed.status == "failed"
    assert_store_error_names_the_server(failed.message, chroma.port)
    assert [d.name for d in workspace.documents()] == ["report.pdf"]
    # The journal row of the failed file stays while the server is down (its rollback could not reach
    # it either); it is never listed or retrieved meanwhile.
    assert [d.name for d in workspace.unfinished_documents()] == ["notes.txt"]

    chroma.start()  # same port, same data path; the same Workspace object, not reopened
    workspace.ingest([])  # every ingest first finishes the cleanup an earlier failure could not do
    assert workspace.unfinished_documents() == []
    after = workspace.retrieve(PAGE2_QUESTION)
    assert workspace.index.count() == report.chunks
    assert [(p.chunk_id, p.text) for p in after] == [(p.chunk_id, p.text) for p in before]
    assert [p.score for p in after] == pytest.approx([p.score for p in before])
    [notes] = workspace.ingest([("notes.txt", NOTES)])
    assert notes.status == "indexed", notes.message
    assert workspace.retrieve(NOTES_QUESTION, top_k=1)[0].file_name == "notes.txt"
    assert sorted(d.name for d in workspace.documents()) == ["notes.txt", "report.pdf"]
    assert workspace.unfinished_documents() == []
    assert workspace.index.count() == report.chunks + notes.chunks
