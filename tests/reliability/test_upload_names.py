"""Hostile upload names never write outside DATA_DIR, through the same `Workspace.ingest` the UI calls."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.ingest.chunking import safe_file_name

HOSTILE_NAMES = [
    "../../etc/passwd.txt",
    "/etc/passwd.txt",
    "/tmp/../../root/.bashrc.md",  # noqa: S108 - a hostile name, never opened
    "..\\..\\windows\\win.ini.txt",
    "a/../../../escape.txt",
    "....//....//dots.txt",
    "sources/../../catalog.sqlite3.txt",
    "..",
    ".",
    "",
    "nul\x00byte.txt",
    "line\nbreak.txt",
    "%2e%2e%2fencoded.txt",
    "~/.ssh/authorized_keys.md",
    "..\u2215..\u2215division-slash.txt",
    "\u202eexe.txt",
    "x" * 500 + ".txt",
]


def snapshot(root: Path) -> set[Path]:
    return {path for path in root.rglob("*")}


def test_hostile_upload_names_stay_inside_the_data_dir(tmp_path: Path, data_dir: Path, open_workspace) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace()
    before = snapshot(tmp_path)
    files = [(name, f"Document number {n} about the river harbor.".encode()) for n, name in enumerate(HOSTILE_NAMES)]

    results = workspace.ingest(files)

    created = snapshot(tmp_path) - before
    outside = [p for p in created if not p.resolve().is_relative_to(data_dir.resolve())]
    assert outside == []
    for result in results:
        assert "/" not in result.file_name and "\\" not in result.file_name and result.file_name not in ("", ".", "..")
        assert result.status in ("indexed", "replaced", "failed"), result  # two names may sanitize alike
        if result.status == "failed":
            assert "not supported" in result.message, result.message  # '..' leaves no name, hence no type
    sources = workspace.settings.sources_dir.resolve()
    for record in workspace.documents():
        stored = (workspace.settings.sources_dir / record.source).resolve()
        assert stored.is_file() and stored.is_relative_to(sources)
        assert stored.parent.parent == sources, "stored as sources/<sha256>/<name>, one level deep"
    kept = {r.file_name for r in results if r.status != "failed"}
    assert sorted(d.name for d in workspace.documents()) == sorted(kept)
    assert len(kept) >= len(HOSTILE_NAMES) - 6
    assert next(r for r in results if r.file_name.startswith("xxx")).file_name.endswith(".txt"), "long names keep type"

    for record in workspace.documents():
        workspace.delete(record.sha256)
    assert [p for p in snapshot(sources) if p.is_file()] == []


@given(st.text(max_size=300))
def test_a_sanitized_name_is_one_plain_path_component(name: str) -> None:
    safe = safe_file_name(name)
    assert safe and safe not in (".", "..")
    assert "/" not in safe and "\\" not in safe and "\x00" not in safe
    root = Path("/data/sources/abc")
    assert (root / safe).resolve().parent == root


@pytest.mark.parametrize("limit_mb", [1])
def test_an_upload_over_the_size_limit_is_refused_before_anything_is_written(
    data_dir: Path, open_workspace, limit_mb: int
) -> None:  # type: ignore[no-untyped-def]
    workspace = open_workspace(MAX_UPLOAD_MB=limit_mb)
    [result] = workspace.ingest([("huge.txt", b"word " * (limit_mb * 1_000_000 // 5 + 10))])
    assert result.status == "failed" and "MAX_UPLOAD_MB" in result.message
    assert [p for p in snapshot(workspace.settings.sources_dir) if p.is_file()] == []  # no copy kept
    assert workspace.documents() == [] and workspace.index.count() == 0
