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
