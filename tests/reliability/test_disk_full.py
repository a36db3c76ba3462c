"""The data folder's disk fills up: a clear StoreError, nothing half-indexed, the index still opens, and
the same process indexes again once space is freed.

The data folder is a small tmpfs mounted by the test (needs root: CI runs as root; elsewhere the
test is skipped with the reason), filled to the brim with a filler file.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PAGES

COUNT_CHROMA_RECORDS = (
    "import sys, chromadb; "
    "print(sum(c.count() for c in chromadb.PersistentClient(path=sys.argv[1]).list_collections()))"
)
MOUNT_MB = 24
CHUNK = 1 << 16


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    reason = None
    if os.geteuid() != 0:
        reason = "mounting a small tmpfs needs root (CI runs as root)"
    elif shutil.which("mount") is None:
        reason = "the `mount` command is missing"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    mount_point = tmp_path / "small-disk"
    mount_point.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={MOUNT_MB}m", "tmpfs", str(mount_point)], check=True)
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=True)


def fill(folder: Path, leave: int = 0) -> Path:
    """Write a filler file until the disk is full, then free `leave` bytes of it."""
    filler = folder / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (CHUNK, 4096, 512, 1):  # then smaller writes, so the disk is truly full
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC, exc
    finally:
        os.close(fd)
    if leave:
        os.truncate(filler, filler.stat().st_size - leave)
    return filler


def long_text(words: int) -> bytes:
    return " ".join(f"word{n % 997} alpha{n % 13}" for n in range(words // 2)).encode()


# A stuck Chroma engine used to hang the retry for good: fail in minutes rather than at the suite's limit.
@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("leave", "failing_step"),
    [(0, "Could not keep a copy of 'big.txt'"), (256 * 1024, "Writing to the index 'documents' failed")],
    ids=["no-room-for-the-file", "room-for-the-file-not-its-vectors"],
)
def test_full_disk_gives_a_store_error_and_the_index_survives(
    small_disk: Path, open_workspace, monkeypatch: pytest.MonkeyPatch, leave: int, failing_step: str, report_pdf: bytes
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("DATA_DIR", str(small_disk / "data"))
    workspace = open_workspace(CHUNK_SIZE=64, CHUNK_OVERLAP=48)  # heavy overlap: the vectors outweigh the file
    [first] = workspace.ingest([("report.pdf", report_pdf)])
    assert first.status == "indexed"

    filler = fill(small_disk, leave)
    [result] = workspace.ingest([("big.txt", long_text(800))])

    assert result.status == "failed"
    assert failing_step in result.message, result.message
    assert "free" in result.message.lower() and "disk space" in result.message.lower(), result.message
    assert [d.name for d in workspace.documents()] == ["report.pdf"]
    passages = workspace.retrieve(PAGES[1][:60])
    assert passages and {p.file_name for p in passages} == {"report.pdf"}

    # The index still opens on the full disk, and answers from what was indexed before.
    reopened = open_workspace(CHUNK_SIZE=64, CHUNK_OVERLAP=48)
    assert [d.name for d in reopened.documents()] == ["report.pdf"]
    assert reopened.retrieve(PAGES[1][:60])[0].location == "page 2"

    # With room again, the same upload goes through in the same process and the same Workspace, and no
    # stale chunk of the failed one is left over: also where Chroma itself hit ENOSPC, whose engine used
    # to stay stuck in this process (a later write hung, or was reported done without showing up).
    filler.unlink()
    [retry] = workspace.ingest([("big.txt", long_text(800))])
    assert retry.status == "indexed", retry.message
    expected = first.chunks + retry.chunks
    assert workspace.index.count() == expected
    assert workspace.catalog.pending(workspace.index.name) == []
    assert {p.file_name for p in workspace.retrieve("word5 alpha5 word18")} >= {"big.txt"}
    assert reopened.index.count() == expected, "another Workspace of the folder follows the restarted engine"
    # A fresh process sees every record, and is not kept waiting by a lock this process still holds.
    count = subprocess.run(
        [sys.executable, "-c", COUNT_CHROMA_RECORDS, str(small_disk / "data" / "chroma")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    assert int(count.stdout) == expected
