"""Turn one file into LlamaIndex Documents, each tagged with where in the file its text came from."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from llama_index.core import Document

from app.errors import UnreadableFileError

Reader = Callable[[bytes, str], list[Document]]


def _no_text(name: str, hint: str = "") -> UnreadableFileError:
    return UnreadableFileError(f"'{name}' contains no text we can index.", hint)


def _decode_text(data: bytes, name: str) -> str:
    if b"\x00" in data[:8192]:
        raise UnreadableFileError(
            f"'{name}' looks like a binary file, not text.", "Upload the original document (PDF, DOCX, TXT, MD)."
        )
    # UTF-8 first, then Windows-1252 (the usual legacy encoding of Western text; it rejects a few
    # byte values, so non-Western text falls through to detection).
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None:
        raise UnreadableFileError(f"'{name}' is not in a text encoding we recognise.", "Save it as UTF-8.")
    return str(best)


def read_text(data: bytes, name: str) -> list[Document]:
    text = _decode_text(data, name)
    if not text.strip():
        raise _no_text(name)
    return [Document(text=text, metadata={})]


def read_pdf(data: bytes, name: str) -> list[Document]:
    from pypdf import PdfReader

    if not data.lstrip()[:5] == b"%PDF-":
        raise UnreadableFileError(f"'{name}' is not a PDF (it lacks the %PDF header).", "Check the file type.")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableFileError(f"'{name}' is password-protected.", "Remove the password and upload it again.")
        pages = [(number, page.extract_text() or "") for number, page in enumerate(reader.pages, start=1)]
    except UnreadableFileError:
        raise
    except Exception as exc:
        raise UnreadableFileError(
            f"'{name}' is damaged and cannot be read as a PDF ({exc}).", "Re-export or re-download the file."
        ) from exc
    documents = [Document(text=text, metadata={"page": number}) for number, text in pages if text.strip()]
    if not documents:
        raise _no_text(name, "The PDF has no text layer (a scan?). OCR support is planned; export it with text.")
    return documents


def read_docx(data: bytes, name: str) -> list[Document]:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFileError(
            f"'{name}' is damaged and cannot be read as a Word document.", "Re-save it as .docx and upload it again."
        ) from exc

    sections: list[tuple[str, list[str]]] = [("", [])]
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        if style.lower().startswith(("heading", "title")):
            sections.append((text, [text]))
        else:
            sections[-1][1].append(text)
    for table in document.tables:
        rows = [" | ".join(cell.text.strip() for cell in row.cells) for row in table.rows]
        sections.append(("table", [row for row in rows if row.strip(" |")]))

    documents = [
        Document(text="\n\n".join(lines), metadata={"section": heading} if heading else {})
        for heading, lines in sections
        if lines
    ]
    if not documents:
        raise _no_text(name)
    return documents


READERS: dict[str, Reader] = {
    ".txt": read_text,
    ".md": read_text,
    ".markdown": read_text,
    ".pdf": read_pdf,
    ".docx": read_docx,
}

SUPPORTED_SUFFIXES = tuple(sorted(READERS))


def read_document(data: bytes, name: str) -> list[Document]:
    """Documents for the file `name` with content `data`; raises UnreadableFileError with the reason."""
    suffix = Path(name).suffix.lower()
    reader = READERS.get(suffix)
    if reader is None:
        raise UnreadableFileError(
            f"'{name}': files of type '{suffix or 'without extension'}' are not supported.",
            f"Supported types: {', '.join(SUPPORTED_SUFFIXES)}.",
        )
    if not data.strip():
        raise UnreadableFileError(f"'{name}' is empty.", "Upload a file that has content.")
    return reader(data, name)


def format_location(metadata: dict[str, object]) -> str:
    """Where a passage sits in its file, for citations: 'page 2', 'section "Results"', or ''."""
    if "page" in metadata:
        return f"page {metadata['page']}"
    if "section" in metadata:
        return f'section "{metadata["section"]}"'
    return ""
