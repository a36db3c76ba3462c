"""The heading a PDF page opens with ("Consolidated Statement of Cash Flows"), for its chunks' context line.

A PDF's text layer does not mark headings, and most filings, reports and papers carry no outline. What
their pages do have is a title in their first lines: a financial statement, a note, a chapter. Every chunk
of the page is indexed with it (as a section), so that the fourth chunk of a balance sheet is still found
by "balance sheet", though only the first one holds those words.

The heading is the page's first short lines, after the lines every few pages repeat (running headers
such as "Table of Contents", the company's name, page numbers), up to the first line of body text: a
long line (a paragraph wrapped at the page's width), a table row, or a sentence's end. A page that
opens in the middle of a paragraph has no heading.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Mapping

MAX_LINES = 4  # the company, the title, the period and the units ("Years ended December 31", "(Millions)")
MAX_LINE_CHARS = 60  # a body line fills the page's width: 80-120 characters in a filing or a paper
MAX_HEADING_CHARS = 120  # the context line takes room from each chunk of the page
HEADING_SHARE = 0.7  # of the page's 90th-percentile line width, on pages of MIN_LINES_FOR_SHARE lines or more
MIN_LINES_FOR_SHARE = 8
_BULLETS = ("•", "·", "▪", "●", "○", "■", "□", "►", "✓", "- ", "* ", "– ")
RUNNING_SHARE = 0.25  # a line on this share of the pages or more is a running header or footer
# A sentence's or clause's end in Latin script, and its ideographic, full-width, Devanagari and Arabic forms.
_BODY_END = re.compile(r"[.,;。，、；．｡､।॥،؛۔]$")
_LETTER = re.compile(r"[^\W\d_]")
# A numbered heading's label on a line of its own, or before its title: "Item 8.", "Note 5", "2.1.", "§ 12", "IV.".
_NUMBERED_LABEL = re.compile(r"(?:[^\W\d_]{1,12}\s+)?§?\s*(?:\d{1,3}(?:\.\d{1,3})*|[IVXLC]{1,6}|[A-Z])\.?")
_NUMBER = re.compile(r"\d+")
# A page number on a line of its own ("7", "- 7 -", "Page 7", "7 of 12", "iv"): it differs from page to page, so it
# is no running line, and it comes before the heading as often as after it.
_PAGE_NUMBER = re.compile(
    r"(page\s*)?[-–—(\[]?\s*(\d{1,4}|(?=[ivxlcdm])m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3}))\s*[-–—)\]]?"
    r"(\s*(of|/)\s*\d{1,4})?",
    re.IGNORECASE,
)


def page_headings(pages: Mapping[int, str]) -> dict[int, str]:
    """{page number: its heading} for the pages of `pages` ({page number: its text}) that open with one.

    The heading's lines are joined by spaces ("Property, Plant and Equipment - net"), at most
    MAX_HEADING_CHARS characters.
    """
    running = _running_lines(pages)
    headings: dict[int, str] = {}
    for number, text in pages.items():
        lines: list[str] = []
        widest = _widest_heading(text)
        for raw in text.splitlines():
            line = " ".join(raw.split())
            if not line or _shape(line) in running or (not lines and _PAGE_NUMBER.fullmatch(line)):
                continue
            if not _is_heading_line(line, widest):
                break
            lines.append(line)
            if len(lines) == MAX_LINES or line.endswith(":"):  # a colon opens what follows: "Revenue:", "Assets:"
                break
        heading = " ".join(lines)[:MAX_HEADING_CHARS].strip()
        if heading:
            headings[number] = heading
    return headings


def _running_lines(pages: Mapping[int, str]) -> set[str]:
    """Lines found on RUNNING_SHARE of the pages or more (at least 3), as `_shape` gives them: running headers and
    footers, those that number their page too ("Annual Report 2021 - Page 7") among them."""
    counts = Counter(line for text in pages.values() for line in {_shape(raw) for raw in text.splitlines()})
    least = max(3, RUNNING_SHARE * len(pages))
    return {line for line, count in counts.items() if count >= least}


def _shape(line: str) -> str:
    """`line` with its runs of white space made one space and its numbers made "#", Roman ones too: a running
    line's page number changes from page to page ("Page iii" in the front matter, "Page 3" after it)."""
    return _ROMAN_WORD.sub(_roman_as_number, _NUMBER.sub("#", " ".join(line.split())))


_ROMAN_WORD = re.compile(r"\b(?:[ivxlcdm]+|[IVXLCDM]+)\b")  # in one case: "Mix" is a word, "xii" and "XII" numbers
_ROMAN_NUMERAL = re.compile(r"m{0,3}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})", re.IGNORECASE)


def _roman_as_number(match: re.Match[str]) -> str:
    return "#" if _ROMAN_NUMERAL.fullmatch(match.group()) else match.group()


def _widest_heading(text: str) -> float:
    """The widest a heading line of this page may be: MAX_LINE_CHARS, or less on a page of short lines.

    In two columns, a poem, an address or a code listing, body lines are short too: a heading is then one
    clearly shorter than most of the page's lines (HEADING_SHARE of the 90th percentile of their widths).
    """
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    # Table rows (pdf_tables writes cells apart by " | ") say nothing of the width of the page's text; a page mostly
    # of them is a table in one column, whose other lines (row labels, units) are short without being columns.
    widths = sorted(_width(line) for line in lines if "|" not in line)
    if len(lines) < MIN_LINES_FOR_SHARE or 2 * len(widths) < len(lines):
        return MAX_LINE_CHARS
    return min(MAX_LINE_CHARS, HEADING_SHARE * widths[int(0.9 * (len(widths) - 1))])


def _is_heading_line(line: str, widest: float) -> bool:
    if _NUMBERED_LABEL.fullmatch(line):
        return True
    return (
        _width(line) <= widest
        and not line.startswith(_BULLETS)  # an item of a list
        and "|" not in line  # a table row (pdf_tables writes cells apart by " | ")
        and _LETTER.search(line) is not None  # not a page number or a row of figures
        and (_BODY_END.search(line) is None or _ends_in_legal_form(line))
    )


def _ends_in_legal_form(line: str) -> bool:
    """Whether `line` ends in a company's legal form ("NETFLIX, INC.", "Koninklijke Philips N.V.", "SIEMENS AG."), whose
    full stop ends no sentence. The forms are cleanco's (many countries'); one written in lower case ("as", "e.g.")
    is a word."""
    if not line.endswith("."):
        return False
    from cleanco import basename  # its term list is built at import (about 5 ms), only for a PDF with such a line

    name = basename(line)
    form = line[len(name) :].lstrip(" ,")
    return name != line and line.startswith(name) and form[:1].isupper()


def _width(line: str) -> int:
    """`line`'s length in Latin characters' widths: a Chinese or Japanese character (East Asian wide) is two, so
    that a line of CJK body text at the page's width (35-50 characters) is as long as a Latin one."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in line)
