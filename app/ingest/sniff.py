"""What a file really is, from its bytes: an upload's extension is a claim, not a fact."""

from __future__ import annotations

import io
import zipfile
import zlib
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
    "odt": "an OpenDocument text (.odt)",
    "ods": "an OpenDocument spreadsheet (.ods)",
    "odp": "an OpenDocument presentation (.odp)",
    "ole2": "an Outlook message (.msg) or an Office 97-2003 file (.doc, .xls, .ppt)",
}
_ODF_TYPES = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
    b"application/vnd.oasis.opendocument.presentation": "odp",
}
_ZIP_PACKAGES = {*_OOXML_MAIN_PARTS.values(), *_ODF_TYPES.values()}
# Compound File Binary (OLE2): Outlook's .msg and the Office formats before 2007. filetype names none of them.
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


_PDF_HEADER_WITHIN = 1024
_PDF_TAIL = 1024  # bytes at the end of a PDF in which its "%%EOF" marker lies


@dataclass(frozen=True)
class Sniffed:
    # 'pdf', 'docx', 'xlsx', 'pptx', 'odt', 'ods', 'odp', 'png', 'jpg', 'ole2', another filetype extension, or None
    kind: str | None
    mime: str | None = None

    def fix(self) -> str:
        """What to do with a file whose name claims another format than this content."""
        if self.kind == "ole2":  # renaming would not help: the app reads none of these formats
            return (
                "Open it in the program that made it and save it as .docx, .xlsx or .pptx (an Outlook message: as "
                ".eml), then upload that."
            )
        return "Rename it with the right extension, or upload the original file."

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
    if data[:8] == _OLE2_SIGNATURE:
        return Sniffed("ole2", "application/x-ole-storage")
    guess = filetype.guess(data)
    if guess is None:
        return Sniffed(None)
    return Sniffed("jpg" if guess.extension == "jpeg" else str(guess.extension), str(guess.mime))


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                for part, kind in _OOXML_MAIN_PARTS.items():
                    if part in names:
                        return kind
            if "mimetype" in names:  # OpenDocument: the package's first member names its type
                return _ODF_TYPES.get(archive.read("mimetype").strip(), "zip")
    except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError, NotImplementedError, zlib.error):
        # A damaged zip (a member cut short or scrambled: zlib.error, EOFError; a header claiming a zip version or
        # compression zipfile lacks: NotImplementedError): the reader of the claimed type reports the damage.
        return "zip"
    return "zip"


def check_kind(name: str, expected: str, sniffed: Sniffed) -> None:
    """Refuse a file whose content is another known format than its extension claims."""
    if sniffed.kind == expected or (expected in _ZIP_PACKAGES and sniffed.kind == "zip"):
        # A zip without the parts of its format, or a damaged one: the format's reader gives the precise reason.
        return
    if sniffed.kind is None:
        raise UnreadableFileError(
            f"'{name}' is not {_DESCRIPTIONS[expected]}: its content lacks that format's signature.",
            "Check the file type; the file may be damaged or renamed.",
        )
    raise UnreadableFileError(
        f"'{name}' is named like {_DESCRIPTIONS[expected]} but its content is {sniffed.describe()}.", sniffed.fix()
    )
