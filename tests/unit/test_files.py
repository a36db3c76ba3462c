"""Files written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.files import atomic_file, write_atomically


def test_an_atomic_write_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "source.txt"
    write_atomically(target, b"first")
    write_atomically(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["source.txt"]


def test_a_failed_atomic_write_keeps_the_old_file_and_leaves_no_part(tmp_path: Path) -> None:
    target = tmp_path / "source.txt"
    write_atomically(target, b"kept")
    with pytest.raises(OSError, match="disk full"), atomic_file(target) as handle:
        handle.write(b"half of the new")
        raise OSError("disk full")
    assert target.read_bytes() == b"kept"
    assert [p.name for p in tmp_path.iterdir()] == ["source.txt"]
