"""Tables in PDF pages read as rows of cells under their column headers, by pdfplumber (pdfminer.six geometry).

pdfplumber costs about 0.4 s a page (pure-Python layout), three times pypdf's text extraction, so it
only reads the pages whose pypdf text looks like a table (`may_hold_table`); the others keep pypdf's text.

A table row reads "Total revenues | 2022: 66,608 | 2021: 62,286": the row's label, then each cell
after its column's header, so that a passage keeps its meaning when it is retrieved alone.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pdfplumber.page import Page
    from pdfplumber.table import Table

log = logging.getLogger(__name__)

# A number as financial statements print it: 1,204  (3.5)  -12%  $ 66,608  —  or a year.
_NUMBER = re.compile(r"^[(\-−]?[$€£]?\s*\d[\d,]*(\.\d+)?\)?%?$|^[—–-]$")
_YEAR = re.compile(r"^(19|20)\d\d$")
# A page "may hold a table" when at least this many of its lines carry two numbers or more. Not tuned
# yet: it picks 91 of the 160 pages of 3M's 2018 10-K and 12 of 15 of MGM's Q4 2022 release.
TABLE_LINES = 3
# pdfplumber's text strategy (columns from aligned words, for tables without rules) draws column
# edges through words on dense pages; such a table is dropped (`_cuts_words`) and the page keeps its text.
_ALIGNED = {"vertical_strategy": "text", "horizontal_strategy": "text"}


def may_hold_table(text: str) -> bool:
    """A cheap test on a page's extracted text: whether it has TABLE_LINES lines with two numbers or more."""
    lines = 0
    for line in text.splitlines():
        if sum(1 for token in line.split() if _NUMBER.match(token)) >= 2:
            lines += 1
            if lines >= TABLE_LINES:
                return True
    return False


def read_table_pages(data: bytes, numbers: Sequence[int]) -> dict[int, str]:
    """The text of each given page (1-based) that holds a table, tables as rows in reading order.

    Pages where no table is found are left out: their caller keeps the text it has.

    Raises:
        ImportError: pdfplumber is not installed.
        pdfminer's PSException/PDFException, ValueError, KeyError, TypeError: a page pdfminer cannot parse.
    """
    import pdfplumber

    texts: dict[int, str] = {}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for number in numbers:
            page = pdf.pages[number - 1]
            text = _rotated_page_text(data, number) if page.rotation else None
            if text is None:  # not rotated, or the copy held no table (seen with /Rotate 270)
                text = _page_text(page)
            if text is not None:
                texts[number] = text
            page.close()  # its parsed objects are cached until then: a 300-page filing would hold them all
    return texts


def _rotated_page_text(data: bytes, number: int) -> str | None:
    """A page with /Rotate read from a copy with the rotation drawn into its content.

    On a page with /Rotate 90, pdfplumber 0.11 drops a row label of a ruled table (a cell's characters
    and its ruling lines turned differently); with the rotation in the content, /Rotate 0, both agree.
    """
    import pdfplumber
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.add_page(PdfReader(io.BytesIO(data)).pages[number - 1])
    writer.pages[0].transfer_rotation_to_content()
    buffer = io.BytesIO()
    writer.write(buffer)
    with pdfplumber.open(buffer) as pdf:
        return _page_text(pdf.pages[0])


Bbox = tuple[float, float, float, float]  # x0, top, x1, bottom in points, as pdfplumber gives them
Rows = list[list[str | None]]


def _page_text(page: Page) -> str | None:
    # Text running down the page (drawn sideways, no /Rotate to turn it back): rows would be read as
    # columns, so the page keeps pypdf's text.
    if sum(1 for char in page.chars if not char["upright"]) * 2 > len(page.chars):
        return None
    tables = [(table.bbox, rows) for table in page.find_tables() if _is_data_table(rows := table.extract())]
    if not tables:
        tables = [found for table in page.find_tables(_ALIGNED) if (found := _aligned_table(page, table))]
    if not tables:
        return None
    tables.sort(key=lambda table: table[0][1])
    outside = page
    for bbox, _ in tables:
        outside = outside.outside_bbox(bbox)
    x0, top, x1, bottom = page.bbox
    parts: list[str] = []
    for bbox, rows in tables:
        parts.append(_text_in(outside, (x0, top, x1, bbox[1])))
        parts.append("\n".join(table_rows(rows)))
        parts.append(_text_in(outside, (x0, bbox[1], x1, bbox[3])))  # text beside the table
        top = max(top, bbox[3])
    parts.append(_text_in(outside, (x0, top, x1, bottom)))
    return "\n".join(part for part in parts if part.strip())


def _text_in(page: Page, bbox: Bbox) -> str:
    if bbox[3] - bbox[1] <= 0:
        return ""
    return str(page.crop(bbox, strict=False).extract_text())


def _aligned_table(page: Page, table: Table) -> tuple[Bbox, Rows] | None:
    """The rows of a text-strategy table from its header to its last row with a number, or None.

    That strategy takes the lines of prose above and below a table into it; they are left out (and
    stay page text). None when what is left is no data table, or when a column edge cuts a word.
    """
    rows = table.extract()
    numeric = [i for i, row in enumerate(rows) if any(cell and _is_number(cell) for cell in row[1:])]
    if not numeric:
        return None
    first, last = numeric[0], numeric[-1]
    while first > 0 and _is_header(rows[first - 1]):
        first -= 1
    kept = [(row, group) for row, group in zip(rows, table.rows, strict=True)][first : last + 1]
    kept = [(row, group) for row, group in kept if any(row)]
    if not _is_data_table([row for row, _ in kept]):
        return None
    boxes = [group.bbox for _, group in kept]
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    words = {word["text"] for word in page.crop(bbox, strict=False).extract_words()}
    if any(token not in words for row, _ in kept for cell in row if cell for token in cell.split()):
        return None
    return bbox, [row for row, _ in kept]


def _is_header(row: list[str | None]) -> bool:
    """A column-header line: no label, and only years or words in the columns (not prose cut into cells)."""
    values = [cell for cell in row[1:] if cell]
    return not row[0] and bool(values) and all(_YEAR.match(cell) or not _is_number(cell) for cell in values)


def _is_data_table(rows: list[list[str | None]]) -> bool:
    # Two columns and two rows with a number at least: a layout grid of prose or a boxed note is not one.
    widths = [sum(1 for cell in row if cell and cell.strip()) for row in rows]
    numeric_rows = sum(1 for row in rows if any(cell and _is_number(cell) for cell in row[1:]))
    return max(widths, default=0) >= 2 and numeric_rows >= 2


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.match(" ".join(cell.split())))


def table_rows(rows: list[list[str | None]]) -> list[str]:
    """Lines "label | header: cell | ..." from a table's rows (None marks a cell merged with its left one).

    The leading rows without numbers other than years are the column headers; a cell of a row
    that has no header is written alone.
    """
    cells = [[" ".join((cell or "").split()) for cell in row] for row in rows]
    merged = [[cell is None for cell in row] for row in rows]
    header_count = 0
    for row in cells:
        values = [cell for cell in row[1:] if cell]
        if any(_is_number(cell) and not _YEAR.match(cell) for cell in values) or not any(row):
            break
        header_count += 1
    if header_count == len(cells):  # no row with a number: not a header, all body (a list of names)
        header_count = 0
    headers = _column_headers(cells[:header_count], merged[:header_count])
    lines = []
    for row in cells[header_count:]:
        if not any(row):
            continue
        label, values = row[0], row[1:]
        shown = [label] if label else []
        for column, value in enumerate(values, start=1):
            if value:
                header = headers[column] if column < len(headers) else ""
                shown.append(f"{header}: {value}" if header else value)
        lines.append(" | ".join(shown))
    return lines


def _column_headers(rows: list[list[str]], merged: list[list[bool]]) -> list[str]:
    """One header per column, the header rows' texts joined top to bottom; a merged cell spans to its left's."""
    if not rows:
        return []
    width = max(len(row) for row in rows)
    headers = [""] * width
    for row, spans in zip(rows, merged, strict=True):
        last = ""
        for column, cell in enumerate(row):
            text = last if spans[column] else cell
            last = text
            if text:
                headers[column] = f"{headers[column]} {text}".strip()
    return headers
