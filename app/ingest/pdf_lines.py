"""pypdf's text of a page mended from PDFium's: lines broken after every drawn string, words split by a gap.

pypdf reads the strings of a page in the order they are drawn and decides from the moves between them where a
line or a space goes; PDFium places each character by where it stands on the page. Two kinds of page read badly
by pypdf and well by PDFium:

- **Broken-up lines.** Some PDF producers end each string they draw with a move to the next line (ReportLab's
  drawString writes `Tj T*`), or draw a heading one letter at a time. pypdf breaks its text at each of those
  moves, so a table row "North 1,250 1,410" comes out as three lines and "INCOME" as six. Such a page takes
  PDFium's text whole.
- **Split words.** Word processors and typesetters draw a word in pieces (to kern or justify it) and put the
  next piece a little apart; pypdf reads a space into a gap of 1.5 points in a 10-point line, PDFium does not.
  In the 26 FinanceBench filings about a third of the pages hold such words ("Operating Ex penses", "mil lion",
  "o f"). Those words are joined again in pypdf's text, and only where PDFium's text of the same page backs it.

Elsewhere pypdf's text, which this app's cleaning and right-to-left ordering were built and measured on, stays.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from itertools import pairwise
from statistics import median

# pypdf's text of a page may be broken up when it has at least this many lines and half of them are this short
# (characters, spaces around them left out).
MIN_LINES = 8
SHORT_LINE = 16
# PDFium's text replaces pypdf's when pypdf's has at least this many times as many lines.
LINES_RATIO = 1.5
# The most pieces one split word is joined from ("A f f iliated" is four).
MAX_PIECES = 6
# PDFium's mark where it joined a word hyphenated at a line end (its FPDFText text of the "hyphen" it removed).
_PDFIUM_LINE_END_HYPHEN = "\ufffe"
# Letters (of any script) separated by spaces on one line: the runs in which a split word can hide.
_LETTERS = re.compile(r"[^\W\d_]+")
_LETTER_RUN = re.compile(r"[^\W\d_]+(?: +[^\W\d_]+)+")
_PUNCTUATION = "\"'“”‘’()[]{}.,;:!?"


def may_be_broken_up(text: str) -> bool:
    """Whether pypdf's `text` of a page looks broken into a line per drawn string: many lines, most short."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return len(lines) >= MIN_LINES and median(len(line) for line in lines) < SHORT_LINE


def pdfium_texts(data: bytes, numbers: Iterable[int]) -> dict[int, str]:
    """PDFium's text of the pages `numbers` (1-based) of the PDF `data`, lines ended by "\\n"; a word PDFium joined
    across a line end is given back its hyphen and line end, for clean_pdf_text to judge as it judges pypdf's.

    Raises:
        ImportError: pypdfium2 is not installed.
        pypdfium2.PdfiumError: the file or a page PDFium cannot load.
    """
    import pypdfium2 as pdfium

    texts: dict[int, str] = {}
    document = pdfium.PdfDocument(data)
    try:
        for number in numbers:
            page = document[number - 1]
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_range()
            finally:
                textpage.close()
                page.close()
            texts[number] = text.replace("\r\n", "\n").replace(_PDFIUM_LINE_END_HYPHEN, "-\n")
    finally:
        document.close()
    return texts


def mended_pages(pypdf: Mapping[int, str], pdfium: Mapping[int, str], right_to_left: Collection[int]) -> dict[int, str]:
    """The pages of `pypdf` ({1-based page: pypdf's text}) that PDFium's text (`pdfium`, same keys) mends, with
    their mended text; pages it does not change are left out.

    A page broken up into a line per drawn string (may_be_broken_up, and LINES_RATIO times PDFium's lines) takes
    PDFium's text. On the others, words split by a gap are joined (see join_split_words). The pages in
    `right_to_left` are left as they are: their pypdf text is put in reading order (pdf_rtl), PDFium's is not.
    """
    counts = Counter(word for text in pdfium.values() for word in _words(text))
    mended: dict[int, str] = {}
    for number, text in pypdf.items():
        other = pdfium.get(number)
        if other is None or number in right_to_left:
            continue
        if may_be_broken_up(text) and _count_lines(text) >= LINES_RATIO * max(1, _count_lines(other)):
            mended[number] = other
        elif (joined := join_split_words(text, other, counts)) != text:
            mended[number] = joined
    return mended


def join_split_words(text: str, pdfium: str, counts: Mapping[str, int]) -> str:
    """pypdf's `text` of a page with its split words joined: "Operating Ex penses" -> "Operating Expenses".

    Pieces of letters separated by spaces on one line (up to MAX_PIECES) are joined when PDFium's text of the same
    page (`pdfium`) holds the joined word and never puts two of the pieces side by side, and the joined word occurs
    at least twice in PDFium's text of the whole document (`counts`: {word: occurrences}). A run whose pieces are all
    words of two letters or more in the document stays as it is: "FINANCIAL ASSETS" is two words even where PDFium,
    reading a letter-spaced heading, ran them together.
    """
    words = set(_words(pdfium))
    neighbours = _neighbours(pdfium)

    def joinable(pieces: list[str]) -> bool:
        joined = "".join(pieces)
        return (
            joined in words
            and counts.get(joined, 0) >= 2
            and not any(pair in neighbours for pair in pairwise(pieces))
            and not all(len(piece) > 1 and counts.get(piece, 0) > 0 for piece in pieces)
        )

    def join(run: re.Match[str]) -> str:
        pieces, out, start = run.group(0).split(), [], 0
        while start < len(pieces):
            longest = min(len(pieces), start + MAX_PIECES)
            end = next((end for end in range(longest, start + 1, -1) if joinable(pieces[start:end])), start + 1)
            out.append("".join(pieces[start:end]))
            start = end
        return " ".join(out)

    return _LETTER_RUN.sub(join, text)


def _words(text: str) -> Iterable[str]:
    """The words of `text` that are letters only, punctuation around them left out."""
    for word in _stripped(text.split()):
        if word.isalpha():
            yield word


def _stripped(tokens: list[str]) -> list[str]:
    return [token.strip(_PUNCTUATION) for token in tokens]


def _neighbours(text: str) -> set[tuple[str, str]]:
    """The pairs of letter runs that `text` puts side by side with only spaces between: ("a", "long") in "a
    long-term loan"."""
    pairs = set()
    for line in text.splitlines():
        for first, second in pairwise(_LETTERS.finditer(line)):
            if line[first.end() : second.start()].isspace():
                pairs.add((first.group(), second.group()))
    return pairs


def _count_lines(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())
