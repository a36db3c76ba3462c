"""Pages whose pypdf text breaks the line after every string drawn, read by PDFium's text instead.

Some PDF producers end each string they draw with a move to the next line (ReportLab's drawString writes
`Tj T*`), or draw a heading one letter at a time. pypdf breaks its text at each of those moves, so a table row
"North 1,250 1,410" comes out as three lines and "INCOME" as six; PDFium puts characters on lines by where
they stand on the page. PDFium's text is taken for such a page only: elsewhere pypdf's text, which this app's
cleaning and right-to-left ordering were built and measured on, stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from statistics import median

# pypdf's text of a page may be broken up when it has at least this many lines and half of them are this short
# (characters, spaces around them left out); only then is PDFium asked.
MIN_LINES = 8
SHORT_LINE = 16
# PDFium's text replaces pypdf's when pypdf's has at least this many times as many lines.
LINES_RATIO = 1.5
# PDFium's mark where it joined a word hyphenated at a line end (its FPDFText text of the "hyphen" it removed).
_PDFIUM_LINE_END_HYPHEN = "\ufffe"


def may_be_broken_up(text: str) -> bool:
    """Whether pypdf's `text` of a page looks broken into a line per drawn string: many lines, most short."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return len(lines) >= MIN_LINES and median(len(line) for line in lines) < SHORT_LINE


def pdfium_lines(data: bytes, texts: Mapping[int, str]) -> dict[int, str]:
    """PDFium's text of each page of `texts` ({1-based page: pypdf's text}) whose pypdf text has LINES_RATIO times
    as many lines as PDFium's; the other pages are left out. A word PDFium joined across a line end is given
    back its hyphen and line end, for clean_pdf_text to judge as it judges pypdf's.

    Raises:
        ImportError: pypdfium2 is not installed.
        pypdfium2.PdfiumError: the file or a page PDFium cannot load.
    """
    import pypdfium2 as pdfium

    better: dict[int, str] = {}
    document = pdfium.PdfDocument(data)
    try:
        for number, text in texts.items():
            page = document[number - 1]
            textpage = page.get_textpage()
            try:
                lines = textpage.get_text_range().replace("\r\n", "\n").replace(_PDFIUM_LINE_END_HYPHEN, "-\n")
            finally:
                textpage.close()
                page.close()
            if _count_lines(text) >= LINES_RATIO * max(1, _count_lines(lines)):
                better[number] = lines
    finally:
        document.close()
    return better


def _count_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())
