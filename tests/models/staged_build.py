"""Build a model folder so that an interrupted build never looks complete."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path


def is_complete(folder: Path, marker: str, version: str) -> bool:
    path = folder / marker
    return path.is_file() and path.read_text().strip() == version


def build_staged(folder: Path, *, marker: str, version: str, write: Callable[[Path], None]) -> Path:
    """Run `write(staging)` in a sibling folder, then rename it into place; no-op if already built.

    `folder` may be missing, empty, or an older build with the same marker; anything else is refused
    rather than deleted.
    """
    folder = Path(folder)
    if is_complete(folder, marker, version):
        return folder
    if folder.exists() and any(folder.iterdir()) and not (folder / marker).exists():
        raise FileExistsError(f"{folder} is not empty and holds no '{marker}'; refusing to overwrite it")
    staging = folder.with_name(folder.name + ".building")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    write(staging)
    (staging / marker).write_text(version + "\n")  # written last: marks the build complete
    if folder.exists():
        shutil.rmtree(folder)  # empty, or an outdated build of ours
    staging.rename(folder)
    return folder
