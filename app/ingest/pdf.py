"""PDF: text per page with its page number; pages without a text layer are OCR'd (and kept as images)."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from llama_index.core import Document

from app.errors import AppError, UnreadableFileError
from app.ingest.ocr import OCR_DPI
from app.ingest.parsed import PageImage, ParsedFile, ReadOptions
from app.ingest.pdf_headings import page_headings
from app.ingest.pdf_lines import mended_pages, pdfium_texts
from app.ingest.pdf_rtl import holds_right_to_left, reading_order_text
from app.ingest.pdf_tables import may_hold_table, read_table_pages
from app.ingest.pdf_text import clean_pdf_text, is_readable_text

if TYPE_CHECKING:
    from pypdf import PageObject

log = logging.getLogger(__name__)

PROGRESS_EVERY = 10  # pages of text extraction between progress reports
# A page with fewer non-space characters of text than this, and images over SCAN_IMAGE_SHARE of it, may be a scan.
SCAN_TEXT_CHARACTERS = 200
SCAN_IMAGE_SHARE = 0.8
# Such a page is read by OCR only when OCR reads OCR_GAIN times as many non-space characters and OCR_MARGIN more.
OCR_GAIN = 2
OCR_MARGIN = 20


def read_pdf(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    """The text of each page of a PDF, 1-based `page` in each Document's metadata, and `section` where the
    page opens with a heading (pdf_headings).

    Lines written right to left are read in reading order (pdf_rtl). Pages without a text layer, or whose
    text layer is not readable text (a font without a Unicode map), are OCR'd; `ParsedFile.notes` names the
    latter. The values filled into a form's fields follow their page's text as "Label: value" lines (see
    pdf_forms).

    Raises:
        UnreadableFileError: the file is damaged, needs a password, is over `options.max_pages`,
            holds no text at all, or this installation lacks a package the PDF needs (not "damaged").
    """
    from pypdf.errors import DependencyError

    notes: list[str] = []
    try:
        reading = _read_pages(data, name, options)
        notes.extend(_attachment_notes(reading.attached))
    except AppError:  # ours (a clear refusal, or a cancel), not damage
        raise
    except (DependencyError, ImportError) as exc:  # a fault of this installation, not of the file
        raise _missing_package_error(name, exc) from exc
    except Exception as exc:  # pypdf raises many types (and bare ValueErrors) on damaged files
        second_reading = _pages_read_by_pdfium(data, name, options)
        if second_reading is None:
            raise UnreadableFileError(
                f"'{name}' is damaged and cannot be read as a PDF ({exc}).", "Re-export or re-download the file."
            ) from exc
        notes.append(
            f"the file is damaged ({exc}): read by a second PDF reader (PDFium), which may miss what the damage "
            "hides, and without its form values and comments; re-download or re-export the file to be sure"
        )
        reading = _PdfReading(second_reading)
    pages, turned = reading.pages, reading.turned
    count = len(pages)
    parsed = ParsedFile(pages=count, notes=notes)
    textless = [number for number, text in pages if not text.strip()]
    garbled = [number for number, text in pages if text.strip() and not is_readable_text(text)]
    read = {number: text for number, text in pages if number not in textless and number not in garbled}
    # pypdf's text of a turned page may lose its spaces ("Net income5,1164,019"): no cheap test there. The table
    # reader has no right-to-left reading order: a page with right-to-left words is read as lines (pdf_rtl).
    read.update(_mended_pages(data, name, read))
    candidates = [
        number
        for number, text in read.items()
        if (number in turned or may_hold_table(text)) and not holds_right_to_left(text)
    ]
    read.update(_table_pages(data, name, candidates))
    # A scan with a stamp, fax header or envelope ID in its text layer: that line is not the page.
    thin = [number for number, text in read.items() if len("".join(text.split())) < SCAN_TEXT_CHARACTERS]
    scanned = {number: read.pop(number) for number in _covered_by_images(data, name, thin)}
    parsed.documents = [Document(text=clean_pdf_text(text), metadata={"page": number}) for number, text in read.items()]
    if scanned:
        _read_scanned_pages(data, name, scanned, options, parsed)
    if textless:
        _read_textless_pages(data, name, textless, options, parsed)
    if garbled:
        _read_garbled_pages(data, name, garbled, options, parsed)
    _add_annotation_text(name, reading.annotated, parsed)
    if not parsed.documents and not parsed.images:
        raise UnreadableFileError(
            f"'{name}' contains no text we can index, not even by OCR.", "Check that the pages are not blank."
        )
    parsed.documents.sort(key=lambda document: int(document.metadata["page"]))
    headings = page_headings({int(document.metadata["page"]): document.text for document in parsed.documents})
    for document in parsed.documents:
        if heading := headings.get(int(document.metadata["page"])):
            document.metadata["section"] = heading  # indexed with each of the page's chunks; cited as the page
    return parsed


@dataclass
class _PdfReading:
    """What one reading of a PDF gives: (page number, text) of each page, the pages with /Rotate (landscape pages,
    mostly tables), the pages with annotations (among them form fields' widgets) and the attached files' names."""

    pages: list[tuple[int, str]]
    turned: set[int] = field(default_factory=set)
    annotated: dict[int, PageObject] = field(default_factory=dict)
    attached: list[str] = field(default_factory=list)


def _read_pages(data: bytes, name: str, options: ReadOptions) -> _PdfReading:
    """The pages of a PDF as pypdf reads them (see _PdfReading)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    # A PDF with only an owner password (print/copy restrictions) opens with the empty user password.
    if reader.is_encrypted and not reader.decrypt(""):
        raise UnreadableFileError(
            f"'{name}' is password-protected: it needs a password to open.",
            "Remove the password (open it with the password and save or print it to a new PDF), then upload it again.",
        )
    count = len(reader.pages)
    _check_page_count(name, count, options)
    reading = _PdfReading([])
    for number, page in enumerate(reader.pages, start=1):
        reading.pages.append((number, reading_order_text(page, page.extract_text() or "")))
        if page.rotation % 360:
            reading.turned.add(number)
        if "/Annots" in page:
            reading.annotated[number] = page
        if number % PROGRESS_EVERY == 0 or number == count:
            options.page_read(number, count)
    try:
        reading.attached = sorted(reader.attachments)
    except Exception:  # naming the attachments is a courtesy: the pages are read already
        log.warning("'%s': attached files not listed", name, exc_info=True)
    return reading


def _attachment_notes(names: list[str]) -> list[str]:
    """A note naming the files attached to the PDF (its embedded files), which are not read; none without any."""
    if not names:
        return []
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return [
        f"{len(names)} attached file(s) not read ({shown}): save them from a PDF viewer and upload them on their own"
    ]


def _pages_read_by_pdfium(data: bytes, name: str, options: ReadOptions) -> list[tuple[int, str]] | None:
    """(page number, text) of each page by PDFium, which rebuilds a damaged file's cross-reference table (a
    download cut before its end) where pypdf gives up; None when PDFium cannot open the file either, or finds
    no page in it."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError:
        return None
    try:
        count = len(document)
        if not count:
            return None
        _check_page_count(name, count, options)
        pages = []
        for number in range(1, count + 1):
            textpage = document[number - 1].get_textpage()
            try:
                pages.append((number, textpage.get_text_range().replace("\r\n", "\n")))
            finally:
                textpage.close()
            if number % PROGRESS_EVERY == 0 or number == count:
                options.page_read(number, count)
        return pages
    except pdfium.PdfiumError:
        return None
    finally:
        document.close()


def _check_page_count(name: str, count: int, options: ReadOptions) -> None:
    if count > options.max_pages:
        raise UnreadableFileError(
            f"'{name}' has {count} pages, over the {options.max_pages}-page limit.",
            "Split the document, or raise MAX_PAGES.",
        )


def _mended_pages(data: bytes, name: str, read: dict[int, str]) -> dict[int, str]:
    """The pages whose pypdf text PDFium's mends (lines broken after every drawn string, words split by a gap; see
    pdf_lines), with their mended text."""
    right_to_left = {number for number, text in read.items() if holds_right_to_left(text)}
    pdfium = _pdfium_pass(name, "pages not mended", lambda: pdfium_texts(data, read))
    return mended_pages(read, pdfium, right_to_left)


def _table_pages(data: bytes, name: str, numbers: list[int]) -> dict[int, str]:
    """The text of the pages among `numbers` that hold tables, rows kept (see pdf_tables); {} when none do."""
    return _pdfium_pass(name, "tables not read", lambda: read_table_pages(data, numbers)) if numbers else {}


def _pdfium_pass(name: str, lost: str, read: Callable[[], dict[int, str]]) -> dict[int, str]:
    """`read()`'s pages, a second pass over pages pypdf has read already: if PDFium fails on them, they keep pypdf's
    text (and the log says what was `lost`); a missing package is the installation's fault, not the file's."""
    from pypdfium2 import PdfiumError

    try:
        return read()
    except ImportError as exc:
        raise _missing_package_error(name, exc) from exc
    except (PdfiumError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        log.warning("'%s': %s (PDFium failed: %s); the pages keep pypdf's text", name, lost, exc)
        return {}


def _add_annotation_text(name: str, pages: dict[int, PageObject], parsed: ParsedFile) -> None:
    """Append the values filled into each page's form fields, then its comments, to that page's Document, or
    make it one (pdf_forms)."""
    from pypdf.errors import PyPdfError

    from app.ingest.pdf_forms import comment_lines, form_field_lines  # imports pypdf, imported here only when used

    documents = {int(document.metadata["page"]): document for document in parsed.documents}
    for number, page in pages.items():
        document = documents.get(number)
        page_text = document.text if document else ""
        try:
            lines = form_field_lines(page, page_text) + comment_lines(page, page_text)
        except (PyPdfError, KeyError, ValueError, TypeError, AttributeError) as exc:
            # The page's text is read already: a damaged annotation costs its text, not the page.
            log.warning(
                "'%s' page %d: form values and comments not read (%s); the page keeps its text", name, number, exc
            )
            continue
        if not lines:
            continue
        values = clean_pdf_text("\n".join(lines))
        if document is None:
            parsed.documents.append(Document(text=values, metadata={"page": number}))
        else:
            document.set_content(f"{document.text}\n{values}")


def _missing_package_error(name: str, exc: Exception) -> UnreadableFileError:
    # pypdf's DependencyError names the package ("cryptography>=3.1 is required for AES algorithm").
    return UnreadableFileError(
        f"'{name}' cannot be read because this installation lacks a package the PDF needs ({exc}); "
        "the file itself is not at fault.",
        "Install the missing package into the app's Python environment (for AES-encrypted PDFs: "
        "pip install 'cryptography>=3.1'; reinstalling the app with pip brings it), then upload the file again.",
    )


def _covered_by_images(data: bytes, name: str, numbers: list[int]) -> list[int]:
    """The pages among `numbers` whose images cover SCAN_IMAGE_SHARE of the page or more (their bounding boxes,
    summed: a scan is one image, or a few strips)."""
    if not numbers:
        return []
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    covered = []
    try:
        document = pdfium.PdfDocument(data)
        try:
            for number in numbers:
                page = document[number - 1]
                area = 0.0
                for image in page.get_objects(filter=(raw.FPDF_PAGEOBJ_IMAGE,)):
                    left, bottom, right, top = image.get_bounds()
                    area += max(0.0, right - left) * max(0.0, top - bottom)
                if area >= SCAN_IMAGE_SHARE * page.get_width() * page.get_height():
                    covered.append(number)
        finally:
            document.close()
    except pdfium.PdfiumError as exc:  # pypdf read the pages: they keep the text it found
        log.warning("'%s': images not measured (PDFium failed: %s); pages keep their text layer", name, exc)
        return []
    return covered


def _read_scanned_pages(
    data: bytes, name: str, layers: dict[int, str], options: ReadOptions, parsed: ParsedFile
) -> None:
    """OCR the pages that may be scans with a line or two in their text layer (`layers`: {page: that text}).

    A page whose OCR reads clearly more than its text layer (OCR_GAIN times as many non-space characters and
    OCR_MARGIN more) is a scan: it is read by OCR, keeping its text layer's lines that OCR did not read (a stamp
    in small print). Any other page (a slide's title over a background picture) keeps its text layer as it is.
    Without OCR, every page keeps its text layer, and the report says which may be scans.
    """
    if not options.ocr.available():
        parsed.documents.extend(Document(text=clean_pdf_text(t), metadata={"page": n}) for n, t in layers.items())
        parsed.notes.append(
            f"{_pages(list(layers))} may be scans (a picture over most of the page, a line or two of text): only "
            "their text layer was read (Tesseract OCR is not installed)"
        )
        return
    rendered = dict(_render(data, name, list(layers)))
    scans = []
    for number, layer in layers.items():
        options.page_read(number, parsed.pages)
        text = options.ocr.image_to_text(rendered[number], f"'{name}' page {number}") if number in rendered else ""
        read, held = len("".join(text.split())), len("".join(layer.split()))
        if read < OCR_GAIN * held + OCR_MARGIN:
            parsed.documents.append(Document(text=clean_pdf_text(layer), metadata={"page": number}))
            continue
        scans.append(number)
        flat = " ".join(text.split())
        missed = [line.strip() for line in layer.splitlines() if line.strip() and " ".join(line.split()) not in flat]
        parsed.documents.append(
            Document(
                text=clean_pdf_text("\n".join([text.strip(), *missed]).strip()), metadata={"page": number, "ocr": True}
            )
        )
        if options.embed_images and number in rendered:
            parsed.images.append(PageImage(rendered[number], "image/png", text.strip(), {"page": number}))
    if scans:
        parsed.notes.append(f"{_pages(scans)} OCR'd: scanned, with only a few lines in their text layer")


def _read_garbled_pages(data: bytes, name: str, numbers: list[int], options: ReadOptions, parsed: ParsedFile) -> None:
    """OCR the pages whose text layer holds glyph codes rather than text (a font without a Unicode map)."""
    if options.ocr.available() or options.embed_images:
        _read_textless_pages(data, name, numbers, options, parsed)
        if options.ocr.available():
            parsed.notes.append(f"{_pages(numbers)} OCR'd: their text layer was not readable text")
        return
    if not parsed.documents:
        raise UnreadableFileError(
            f"The text layer of '{name}' is not readable text (its fonts map no letters), and OCR is not "
            f"available: the Tesseract program '{options.ocr.command}' was not found.",
            options.ocr.unavailable_error(f"'{name}'").hint,
        )
    parsed.notes.append(
        f"{_pages(numbers)} skipped: their text layer was not readable text (Tesseract OCR is not installed)"
    )


def _read_textless_pages(data: bytes, name: str, numbers: list[int], options: ReadOptions, parsed: ParsedFile) -> None:
    """OCR the pages (scans) that have no text layer; on an image-capable backend, embed them as images too."""
    if not options.ocr.available() and not options.embed_images:
        if not parsed.documents:
            raise options.ocr.unavailable_error(f"'{name}'")
        parsed.notes.append(f"{_pages(numbers)} without a text layer skipped (Tesseract OCR is not installed)")
        return
    for number, png in _render(data, name, numbers):
        options.page_read(number, parsed.pages)  # OCR takes seconds a page: report each one
        text = options.ocr.image_to_text(png, f"'{name}' page {number}") if options.ocr.available() else ""
        if text.strip():
            parsed.documents.append(Document(text=text, metadata={"page": number, "ocr": True}))
        if options.embed_images:
            parsed.images.append(PageImage(png, "image/png", text.strip(), {"page": number}))
    if not options.ocr.available():
        parsed.notes.append(f"{_pages(numbers)} embedded as images only (Tesseract OCR is not installed)")


def _render(data: bytes, name: str, numbers: list[int]) -> list[tuple[int, bytes]]:
    """PNG renderings of the given pages, blank pages left out."""
    import pypdfium2 as pdfium

    rendered: list[tuple[int, bytes]] = []
    try:
        document = pdfium.PdfDocument(data)
        try:
            for number in numbers:
                image = document[number - 1].render(scale=OCR_DPI / 72).to_pil().convert("L")
                low, high = image.getextrema()
                if low == high:  # a blank page: nothing to read or to embed
                    continue
                buffer = io.BytesIO()
                image.save(buffer, format="PNG")
                rendered.append((number, buffer.getvalue()))
        finally:
            document.close()
    except pdfium.PdfiumError as exc:
        raise UnreadableFileError(
            f"'{name}' has pages without text that could not be rendered for OCR ({exc}).",
            "Re-export the PDF and upload it again.",
        ) from exc
    return rendered


def _pages(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:10]) + (", …" if len(numbers) > 10 else "")
    return f"page{'s' if len(numbers) > 1 else ''} {shown}"
