"""Files under the data folder: written whole or not at all, and the lock that serializes index writes."""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """A binary handle whose bytes appear at `path` only if the block ends without an error.

    They go to a hidden temporary file beside `path`, which then replaces it (`os.replace`, atomic on
    one file system): a reader, or a crash, sees the old file or the new one, never a part.

    Raises:
        OSError: the folder cannot be made or the disk is full; the temporary file is removed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (see `atomic_file`). Raises OSError."""
    with atomic_file(path) as handle:
        handle.write(data)


@contextmanager
def index_write_lock(path: Path, *, wait: bool = True) -> Iterator[bool]:
    """An exclusive lock on the index's writes, across threads and processes (CLI beside the app).

    Yields False, without the lock, when `wait` is False and another writer holds it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
