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
from collections import Counter
from collections.abc import Mapping

MAX_LINES = 3  # a title wrapped over two lines, and the line under it ("Years ended December 31")
MAX_LINE_CHARS = 60  # a body line fills the page's width: 80-120 characters in a filing or a paper
MAX_HEADING_CHARS = 120  # the context line takes room from each chunk of the page
RUNNING_SHARE = 0.25  # a line on this share of the pages or more is a running header or footer
_BODY_END = re.compile(r"[.,;]$")
_LETTER = re.compile(r"[^\W\d_]")


def page_headings(pages: Mapping[int, str]) -> dict[int, str]:
    """{page number: its heading} for the pages of `pages` ({page number: its text}) that open with one.

    The heading's lines are joined by spaces ("Property, Plant and Equipment - net"), at most
    MAX_HEADING_CHARS characters.
    """
    running = _running_lines(pages)
    headings: dict[int, str] = {}
    for number, text in pages.items():
        lines: list[str] = []
        for raw in text.splitlines():
            line = " ".join(raw.split())
            if not line or line in running:
                continue
            if not _is_heading_line(line):
                break
            lines.append(line)
            if len(lines) == MAX_LINES:
                break
        heading = " ".join(lines)[:MAX_HEADING_CHARS].strip()
        if heading:
            headings[number] = heading
    return headings


def _running_lines(pages: Mapping[int, str]) -> set[str]:
    """Lines found on RUNNING_SHARE of the pages or more (at least 3): running headers and footers."""
    counts = Counter(line for text in pages.values() for line in {" ".join(raw.split()) for raw in text.splitlines()})
    least = max(3, RUNNING_SHARE * len(pages))
    return {line for line, count in counts.items() if count >= least}


def _is_heading_line(line: str) -> bool:
    return (
        len(line) <= MAX_LINE_CHARS
        and "|" not in line  # a table row (pdf_tables writes cells apart by " | ")
        and _LETTER.search(line) is not None  # not a page number or a row of figures
        and _BODY_END.search(line) is None
    )
