"""What a file really is, from its bytes: an upload's extension is a claim, not a fact."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

import filetype

from app.errors import UnreadableFileError

# Office Open XML packages are zip files; the part that names the document type tells them apart.
_OOXML_MAIN_PARTS = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
_DESCRIPTIONS = {
    "pdf": "a PDF",
    "docx": "a Word document (.docx)",
    "xlsx": "an Excel workbook (.xlsx)",
    "pptx": "a PowerPoint presentation (.pptx)",
    "png": "a PNG image",
    "jpg": "a JPEG image",
    "zip": "a zip archive",
}


_PDF_HEADER_WITHIN = 1024
_PDF_TAIL = 1024  # bytes at the end of a PDF in which its "%%EOF" marker lies


@dataclass(frozen=True)
class Sniffed:
    kind: str | None  # 'pdf', 'docx', 'xlsx', 'pptx', 'png', 'jpg', another filetype extension, or None (text?)
    mime: str | None = None

    def describe(self) -> str:
        if self.kind is None:
            return "text or an unknown format"
        return _DESCRIPTIONS.get(self.kind, f"a .{self.kind} file ({self.mime})")


def sniff(data: bytes) -> Sniffed:
    """The format the content shows; `kind` is None when no binary signature matches (text, CSV, HTML...)."""
    if data.lstrip()[:5] == b"%PDF-" or (b"%PDF-" in data[:_PDF_HEADER_WITHIN] and b"%%EOF" in data[-_PDF_TAIL:]):
        # Readers (Acrobat, pypdf, PDFium) look for the header in the first 1,024 bytes: a mail or HTTP header
        # saved before it still leaves a PDF. A text that quotes "%PDF-" there rarely ends in "%%EOF" as well.
        return Sniffed("pdf", "application/pdf")
    if data[:4] == b"PK\x03\x04":
        return Sniffed(_zip_kind(data), "application/zip")
    guess = filetype.guess(data)
    if guess is None:
        return Sniffed(None)
    return Sniffed("jpg" if guess.extension == "jpeg" else str(guess.extension), str(guess.mime))


def _zip_kind(data: bytes) -> str:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return "zip"  # a damaged zip: the reader of the claimed type reports the damage
    if "[Content_Types].xml" in names:
        for part, kind in _OOXML_MAIN_PARTS.items():
            if part in names:
                return kind
    return "zip"


def check_kind(name: str, expected: str, sniffed: Sniffed) -> None:
    """Refuse a file whose content is another known format than its extension claims."""
    if sniffed.kind == expected or (expected in _OOXML_MAIN_PARTS.values() and sniffed.kind == "zip"):
        # A zip without the OOXML parts, or a damaged one: the format's reader gives the precise reason.
        return
    if sniffed.kind is None:
        raise UnreadableFileError(
            f"'{name}' is not {_DESCRIPTIONS[expected]}: its content lacks that format's signature.",
            "Check the file type; the file may be damaged or renamed.",
        )
    raise UnreadableFileError(
        f"'{name}' is named like {_DESCRIPTIONS[expected]} but its content is {sniffed.describe()}.",
        "Rename it with the right extension, or upload the original file.",
    )
