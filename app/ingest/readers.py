"""Turn one file into LlamaIndex Documents (and images to embed), each tagged with where in the file it came from.

The extension picks the reader, but only after the content agrees: a ZIP renamed `.pdf`, or a PDF
renamed `.txt`, is refused with a message naming what the file really is.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from llama_index.core import Document

from app.errors import AppError, UnreadableFileError
from app.ingest.archive import check_zip_package
from app.ingest.file_types import LEGACY_FORMAT_FIXES, SUPPORTED_SUFFIXES
from app.ingest.images import read_image
from app.ingest.mail import read_email
from app.ingest.markdown import read_markdown
from app.ingest.office import read_docx, read_pptx
from app.ingest.opendocument import read_odt
from app.ingest.opendocument_sheets import read_ods
from app.ingest.opendocument_slides import read_odp
from app.ingest.parsed import ParsedFile, ReadOptions
from app.ingest.pdf import read_pdf
from app.ingest.sniff import check_kind, sniff
from app.ingest.tables import read_csv, read_xlsx
from app.ingest.text import read_html, read_text

log = logging.getLogger(__name__)

__all__ = ["SUPPORTED_SUFFIXES", "ParsedFile", "ReadOptions", "parse_file", "read_document"]

Reader = Callable[[bytes, str, ReadOptions], ParsedFile]
_OFFICE = ("docx", "xlsx", "pptx", "odt", "ods", "odp")  # zip packages: their unzipped size is checked before reading
# Content that is one of these is never read as text, whatever its name says.
_BINARY_DOCUMENTS = ("pdf", "docx", "xlsx", "pptx", "odt", "ods", "odp", "zip", "png", "jpg", "ole2")


@dataclass(frozen=True)
class Format:
    signature: str | None  # the sniffed kind the content must have; None for text formats
    read: Reader


FORMATS: dict[str, Format] = {
    ".pdf": Format("pdf", read_pdf),
    ".docx": Format("docx", read_docx),
    ".pptx": Format("pptx", read_pptx),
    ".odt": Format("odt", read_odt),
    ".ods": Format("ods", read_ods),
    ".odp": Format("odp", read_odp),
    ".xlsx": Format("xlsx", read_xlsx),
    ".csv": Format(None, read_csv),
    ".html": Format(None, read_html),
    ".htm": Format(None, read_html),
    ".txt": Format(None, read_text),
    ".eml": Format(None, read_email),
    ".md": Format(None, read_markdown),
    ".markdown": Format(None, read_markdown),
    ".png": Format("png", partial(read_image, mime_type="image/png")),
    ".jpg": Format("jpg", partial(read_image, mime_type="image/jpeg")),
    ".jpeg": Format("jpg", partial(read_image, mime_type="image/jpeg")),
}


def parse_file(data: bytes, name: str, options: ReadOptions | None = None) -> ParsedFile:
    """What `name` with content `data` holds; raises UnreadableFileError with the reason and the fix."""
    options = options or ReadOptions()
    suffix = Path(name).suffix.lower()
    file_format = FORMATS.get(suffix)
    if file_format is None:
        raise UnreadableFileError(
            f"'{name}': files of type '{suffix or 'without extension'}' are not supported.",
            LEGACY_FORMAT_FIXES.get(suffix, f"Supported types: {', '.join(SUPPORTED_SUFFIXES)}."),
        )
    if not data.strip():
        raise UnreadableFileError(f"'{name}' is empty.", "Upload a file that has content.")
    sniffed = sniff(data)
    if file_format.signature is not None:
        check_kind(name, file_format.signature, sniffed)
    elif sniffed.kind in _BINARY_DOCUMENTS:
        raise UnreadableFileError(
            f"'{name}' is named like a text file but its content is {sniffed.describe()}.", sniffed.fix()
        )
    if file_format.signature in _OFFICE:
        check_zip_package(data, name, options.max_unzipped_bytes)
    try:
        parsed = file_format.read(data, name, options)
    except AppError:
        raise
    except Exception as exc:
        # Parsing libraries raise whatever their innards hit on a damaged file (lxml's XMLSyntaxError
        # from an Office file with broken XML, found by tests/reliability/test_reader_fuzz.py); one bad
        # file must fail alone, with a reason, never abort the batch it came in.
        log.warning("reading '%s' failed", name, exc_info=True)
        kind = suffix.lstrip(".").upper()
        if (place := _own_code_at_fault(exc)) is not None:
            raise UnreadableFileError(
                f"'{name}' could not be read: the app's {kind} reader failed on it ({type(exc).__name__} at {place}). "
                "That is the app's fault, not necessarily the file's.",
                "Please report it with this message; until it is fixed, re-saving the file (or another format of "
                "it) may get it in.",
            ) from exc
        raise UnreadableFileError(
            f"'{name}' is damaged and cannot be read as a {kind} file ({type(exc).__name__}).",
            "Re-save or re-export the file and upload it again.",
        ) from exc
    parsed.documents = [document for document in parsed.documents if document.text.strip()]
    if not parsed.documents and not parsed.images:
        raise UnreadableFileError(f"'{name}' contains no text we can index.")
    return parsed


def _own_code_at_fault(exc: BaseException) -> str | None:
    """Where in the app's own code (`app/ingest/tables.py:81`) an exception was raised, when it was raised there
    and not inside a library or Python's own modules; None otherwise.

    A library raising on a file it cannot parse says the file is damaged; the app's own reader raising (an
    IndexError on a sheet of one value, found twice in a session) is a bug, and blaming the file for it sends
    the user to re-save a file that is fine.
    """
    frames = traceback.extract_tb(exc.__traceback__)
    innermost = Path(frames[-1].filename).resolve() if frames else None
    if innermost is None or _APP not in innermost.parents:
        return None
    return f"{innermost.relative_to(_APP.parent).as_posix()}:{frames[-1].lineno}"


_APP = Path(__file__).resolve().parents[1]  # the app package, wherever it is installed


def read_document(data: bytes, name: str, options: ReadOptions | None = None) -> list[Document]:
    """The text Documents of a file (images aside); raises UnreadableFileError with the reason."""
    return parse_file(data, name, options).documents
