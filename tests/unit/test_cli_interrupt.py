"""Ctrl-C in a short CLI command ends it quietly with the shell's code for SIGINT, not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

import app.workspace
from app.cli import main


def test_ctrl_c_in_a_short_command_stops_it_with_code_130_and_no_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object) -> None:  # Ctrl-C while the workspace opens (loading the model, for `ask`)
        raise KeyboardInterrupt

    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setattr(app.workspace, "Workspace", interrupted)

    assert main(["ask", "What is the refund window?"]) == 130
    assert capsys.readouterr().err.strip() == "stopped (Ctrl-C)"


def test_an_interrupted_reread_says_how_many_documents_are_left_and_to_run_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import app.ingest.reindex as reindexing
    from app.ingest.pipeline import IngestResult

    old, new = reindexing.IndexSize("documents", None, 5, 5), reindexing.IndexSize("documents--1f4a46f9ea", None, 1, 1)
    results = [IngestResult("a.txt", "indexed")] + [
        IngestResult(f"{name}.txt", "cancelled", message="cancelled, nothing of it was indexed; add it again")
        for name in "bcde"
    ]

    def stopped(*args: object, **kwargs: object) -> reindexing.ReindexReport:  # the real run: test_reindex.py
        return reindexing.ReindexReport("documents", old, new, False, results)

    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    monkeypatch.setattr(reindexing, "reindex", stopped)
    assert main(["reindex", "--reread", "-q"]) == 130
    out = capsys.readouterr().out
    assert "cancelled: 4 documents not read yet (b.txt, c.txt, d.txt, ...)" in out
    assert "incomplete, not switched. Run the same command again (a re-read starts over)." in out
    assert "add it again" not in out
