"""Zip-bomb checks for Office files (DOCX, XLSX, PPTX are zip packages) before any parser opens them.

The sizes checked are the ones the zip declares. They are a hard ceiling: Python's zipfile stops
at an entry's declared size (and fails its CRC check) if the compressed data would inflate further.
"""

from __future__ import annotations

import io
import zipfile

from app.errors import UnreadableFileError

MAX_ENTRIES = 10_000


def check_zip_package(data: bytes, name: str, max_unzipped_bytes: int) -> None:
    try:
        entries = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        # NotImplementedError: a header claiming a zip version zipfile does not read (seen in damaged files).
        raise UnreadableFileError(
            f"'{name}' is damaged: it is not a valid zip package ({exc}).", "Re-save the file and upload it again."
        ) from exc
    if len(entries) > MAX_ENTRIES:
        raise UnreadableFileError(
            f"'{name}' holds {len(entries)} parts, more than the {MAX_ENTRIES} an Office file plausibly has.",
            "Upload the original document; this looks like a crafted archive.",
        )
    unzipped = sum(entry.file_size for entry in entries)
    if unzipped > max_unzipped_bytes:
        raise UnreadableFileError(
            f"'{name}' would unpack to {unzipped / 1e6:,.0f} MB from {len(data) / 1e6:,.1f} MB, over the "
            f"{max_unzipped_bytes / 1e6:,.0f} MB limit (a zip bomb?). It was not opened.",
            "If the document is genuine, raise MAX_UNZIPPED_MB; otherwise discard it.",
        )
