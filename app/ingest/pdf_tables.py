"""Tables in PDF pages read as rows of cells under their column headers, from PDFium's word positions.

Only the pages whose pypdf text may hold a table (`may_hold_table`) are read again; the others keep
pypdf's text. Reading the words of every page with PDFium and looking for tables in them took 10%
of pypdf's text extraction time on 3M's 2018 10-K and 37% on Netflix's 2017 10-K (one run each);
pdfplumber took three times pypdf's, too much for the 40% of a 10-K's pages that hold tables.

A table row reads "Total revenues | 2022: 66,608 | 2021: 62,286": the row's label, then each cell
after its column's header, so that a passage keeps its meaning when it is retrieved alone.
"""

from __future__ import annotations

import io
import itertools
import logging
import math
import re
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pypdf import PageObject
    from pypdfium2 import PdfPage

log = logging.getLogger(__name__)

# A number as financial statements print it: 1,204  (3.5)  -12%  $ 66,608  —  or a year.
_NUMBER = re.compile(r"^[(\-−]?[$€£]?\s*\d[\d,]*(\.\d+)?\)?%?$|^[—–-]$")
_YEAR = re.compile(r"^(19|20)\d\d$")
_DAY = re.compile(r"^([1-9]|[12]\d|3[01]),?$")  # "December 31," in a column header
# A page "may hold a table" when at least TABLE_LINES of its lines carry two numbers or more, or when it
# holds TABLE_FIGURES numbers other than years: pypdf puts each cell of many 10-K statements on a line
# of its own. Together they picked every page with a table on 3M's 2018 10-K (120 of 160 pages, 64 with
# a table; the line test alone missed 23 of them), MGM's Q4 2022 release and Netflix's 2017 10-K.
TABLE_LINES = 3
TABLE_FIGURES = 12
Word = tuple[float, float, float, float, str]  # x0, x1, top, bottom in points from the page's top-left; text
_CURRENCY = {"$", "€", "£"}
_LEADER = re.compile(r"^\.[.\s]*$")  # dot leaders between a row's label and its figures
LINE_TOLERANCE = 3.0  # points between the tops of the words of one line (pdfplumber's own default)
SIDEWAYS = 0.1  # radians a word's first character may turn and still be upright
WORD_GAP = 3.0  # points between two characters of one word, at most (pdfplumber's x_tolerance)
COLUMN_GAP = 12.0  # points: right edges of figures of one column lie within half of this of each other
COLUMN_LINES = 3  # rows a column needs, so that a stray pair of numbers in prose makes no table
MAX_HEADER_LINES = 4  # lines above a table's first row that may be its column headers
MAX_ROW_GAP = 3  # lines without figures a table runs through (sub-headings such as "Current assets")


def may_hold_table(text: str) -> bool:
    """A cheap test on a page's extracted text: TABLE_LINES lines with two numbers or more, or TABLE_FIGURES figures."""
    lines = figures = 0
    for line in text.splitlines():
        numbers = sum(1 for token in line.split() if _NUMBER.match(token) and not _YEAR.match(token))
        figures += numbers
        lines += numbers >= 2
        if lines >= TABLE_LINES or figures >= TABLE_FIGURES:
            return True
    return False


def read_table_pages(data: bytes, numbers: Sequence[int]) -> dict[int, str]:
    """The text of each given page (1-based) that holds a table, tables as rows in reading order.

    Pages where no table is found are left out: their caller keeps the text it has.

    Raises:
        ImportError: pypdfium2 is not installed.
        pypdfium2.PdfiumError: a page PDFium cannot load.
    """
    import pypdfium2 as pdfium
    from pypdf import PdfReader

    texts: dict[int, str] = {}
    document = pdfium.PdfDocument(data)
    reader: PdfReader | None = None  # parsed once, at the first rotated page
    try:
        for number in numbers:
            page = document[number - 1]
            try:
                if page.get_rotation():
                    reader = reader or PdfReader(io.BytesIO(data))
                    text = _rotated_page_text(reader.pages[number - 1])
                else:
                    text = _page_text(page)
            finally:
                page.close()
            if text is not None:
                texts[number] = text
    finally:
        document.close()
    return texts


def _rotated_page_text(rotated: PageObject) -> str | None:
    """A page with /Rotate read from a copy with the rotation drawn into its content.

    PDFium gives character boxes in the page's unturned space; with the rotation in the content
    (/Rotate 0), lines and columns are where a reader sees them.
    """
    import pypdfium2 as pdfium
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_page(rotated)
    writer.pages[0].transfer_rotation_to_content()
    buffer = io.BytesIO()
    writer.write(buffer)
    document = pdfium.PdfDocument(buffer.getvalue())
    try:
        page = document[0]
        try:
            return _page_text(page)
        finally:
            page.close()
    finally:
        document.close()


def _page_text(page: PdfPage) -> str | None:
    words, sideways = page_words(page)
    # Text running down the page (drawn sideways, no /Rotate to turn it back): rows would be read as
    # columns, so the page keeps pypdf's text.
    if sideways * 2 > len(words):
        return None
    return table_page_text(words)


def page_words(page: PdfPage) -> tuple[list[Word], int]:
    """The words of a page from PDFium's characters, and how many of them are not upright.

    PDFium reads a page's characters in C (see the module's docstring for the cost).
    A word ends at a space (PDFium adds those it infers from gaps) or at a gap over WORD_GAP points.
    A page whose text is tilted a little (the text layer of a skewed scan) is read in its text's own
    frame: turned back by the median angle of its upright characters, its rows are level again.
    """
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        height = page.get_height()
        characters: list[tuple[str, tuple[float, float, float, float] | None, float]] = []
        for index in range(textpage.count_chars()):
            char = chr(raw.FPDFText_GetUnicode(textpage, index))
            if char.isspace() or not char.isprintable():
                characters.append((char, None, 0.0))
                continue
            characters.append(
                (char, textpage.get_charbox(index, loose=True), raw.FPDFText_GetCharAngle(textpage, index))
            )
    finally:
        textpage.close()
    tilts = [_signed(angle) for _, box, angle in characters if box is not None and _turn(angle) <= SIDEWAYS]
    tilt = statistics.median(tilts) if tilts else 0.0
    words: list[Word] = []
    sideways = 0
    chars: list[Word] = []  # the word being read, a character each, top-down coordinates
    for char, charbox, angle in characters:
        box = None if charbox is None else _level(charbox, tilt, height, char)
        # Glyphs of one word may overlap a little (kerning): -1 point.
        if chars and (
            box is None or abs(box[2] - chars[-1][2]) > LINE_TOLERANCE or not -1.0 <= box[0] - chars[-1][1] <= WORD_GAP
        ):
            words.append((chars[0][0], chars[-1][1], chars[0][2], chars[0][3], "".join(c[4] for c in chars)))
            chars = []
        if box is None:
            continue
        if not chars:
            sideways += _turn(angle) > SIDEWAYS
        chars.append(box)
    if chars:
        words.append((chars[0][0], chars[-1][1], chars[0][2], chars[0][3], "".join(c[4] for c in chars)))
    return words, sideways


def _level(box: tuple[float, float, float, float], tilt: float, height: float, char: str) -> Word:
    """A character's box (left, bottom, right, top; PDF points, y up) turned back by `tilt` radians about the
    page's origin, in top-down coordinates (x0, x1, top, bottom) with the character. PDFium measures a glyph's
    angle clockwise: a line rising to the right has a small negative tilt, and turning it by that levels it."""
    left, bottom, right, top = box
    if abs(tilt) > _LEVEL:
        cos, sin = math.cos(tilt), math.sin(tilt)
        x, y = (left + right) / 2, (bottom + top) / 2
        half_width, half_height = (right - left) / 2, (top - bottom) / 2
        x, y = x * cos - y * sin, y * cos + x * sin
        left, right, bottom, top = x - half_width, x + half_width, y - half_height, y + half_height
    return (left, right, height - top, height - bottom, char)


_LEVEL = 0.0005  # radians of tilt below which a page is taken as level (0.15 points over a 300-point line)


def _turn(angle: float) -> float:
    """How far, in radians either way, a glyph is turned from upright, given PDFium's angle (0 to 2 pi: a glyph
    tilted a hair the other way reads 6.28)."""
    return abs(_signed(angle))


def _signed(angle: float) -> float:
    """PDFium's angle (0 to 2 pi) as -pi to pi: 6.28 is a hair below 0."""
    angle %= math.tau
    return angle - math.tau if angle > math.pi else angle


def table_page_text(words: Sequence[Word]) -> str | None:
    """A page's text from its words, each table as rows "label | header: cell"; None when it holds no table.

    A table is found from its numbers, not from rules or cell shading: statements converted from
    HTML draw a shaded box per cell (pdfplumber's ruled tables are then one row each) and put "$" in a
    column of its own. A column is COLUMN_LINES numbers or more ending rows, their right edges aligned
    (figures are right-aligned); a row is a line ending with numbers in two columns or more; the
    lines above the first row whose words lie over the columns are its column headers.
    """
    lines = _words_to_lines(words)
    columns = _columns(lines)
    if len(columns) < 2:
        return None
    rows = [i for i, line in enumerate(lines) if _is_row(line, columns)]
    if len(rows) < 2:
        return None
    tables: list[tuple[int, int]] = []  # first and last line of each table
    for i in rows:
        if tables and i - tables[-1][1] <= MAX_ROW_GAP + 1:
            tables[-1] = (tables[-1][0], i)
        else:
            tables.append((i, i))
    tables = [(first, last) for first, last in tables if sum(first <= i <= last for i in rows) >= 2]
    if not tables:
        return None
    out: list[str] = []
    done = 0
    for first, last in tables:
        # Sub-headings without figures ("Assets", "Current assets") open a table's body, under its headers.
        body = first
        while body > done and first - body < MAX_ROW_GAP and _is_sub_heading(lines[body - 1], columns):
            body -= 1
        first = body
        top = first
        while top > done and first - top < MAX_HEADER_LINES and _is_header_line(lines[top - 1], columns):
            top -= 1
        out.extend(_plain(line) for line in lines[done:top])
        headers = [_header_cells(line, columns) for line in lines[top:first]]
        for line in headers:  # a header line's own label ("(Dollars in millions)") stays as text
            if line[0]:
                out.append(line[0])
        cells: list[list[str | None]] = [["", *line[1:]] for line in headers]
        cells.extend(_cells(line, columns) for line in lines[first : last + 1])
        out.extend(table_rows(cells, len(headers)))
        done = last + 1
    out.extend(_plain(line) for line in lines[done:])
    return "\n".join(line for line in out if line.strip())


def _words_to_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Words grouped into lines, top to bottom, each left to right."""
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w[2], w[0])):
        if lines and abs(lines[-1][0][2] - word[2]) <= LINE_TOLERANCE:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [sorted(line, key=lambda w: w[0]) for line in lines]


def _plain(line: list[Word]) -> str:
    return " ".join(w[4] for w in line)


def _trailing_numbers(line: list[Word]) -> list[Word]:
    """The numbers that end a line (its cells if it is a row), "$" signs skipped.

    A number a space from the word before it belongs to the label's text ("less reserves: 2021, $305")
    and ends the run: cells stand apart.
    """
    cells: list[Word] = []
    words = [word for word in line if word[4] not in _CURRENCY]
    for index in range(len(words) - 1, -1, -1):
        word = words[index]
        if not _NUMBER.match(word[4]):
            break
        if index and word[0] - words[index - 1][1] <= _space(word):
            break
        cells.append(word)
    return cells[::-1]


def _columns(lines: list[list[Word]]) -> list[tuple[float, float]]:
    """Value columns as (left, right) spans in points, left to right; a "$" before a column's figures is in it.

    Column headers are centred over the whole cell, "$" included (Costco's "2021" sits left of its figures).
    """
    figures = [[w for w in _trailing_numbers(line) if not _YEAR.match(w[4])] for line in lines]
    # A line ending with one number is prose ("(Note 16)") as often as a row: its number marks no column.
    edges = sorted(w[1] for cells in figures if len(cells) >= 2 for w in cells)
    clusters: list[list[float]] = []
    for edge in edges:
        if clusters and edge - clusters[-1][-1] <= COLUMN_GAP / 2:
            clusters[-1].append(edge)
        else:
            clusters.append([edge])
    spans = []
    for cluster in clusters:
        if len(cluster) >= COLUMN_LINES:
            low, right = min(cluster), max(cluster)
            lefts = [
                (before if before[4] in _CURRENCY else word)[0]
                for line in lines
                for before, word in itertools.pairwise([line[0], *line])
                if low <= word[1] <= right and _NUMBER.match(word[4]) and word in _trailing_numbers(line)
            ]
            spans.append((min(lefts), right))
    return spans


def _column_of(word: Word, columns: list[tuple[float, float]]) -> int | None:
    """The 1-based column a number belongs to (its right edge at the column's), or None."""
    for index, (_, right) in enumerate(columns, start=1):
        if abs(word[1] - right) <= COLUMN_GAP / 2:
            return index
    return None


def _is_row(line: list[Word], columns: list[tuple[float, float]]) -> bool:
    # Years alone make a header line ("Year Ended June 30, 2016 2015 2014"), not a row.
    placed = {_column_of(w, columns) for w in _trailing_numbers(line) if not _YEAR.match(w[4])} - {None}
    return len(placed) >= 2


def _cells(line: list[Word], columns: list[tuple[float, float]]) -> list[str | None]:
    """[label, cell per column] of a row line: numbers go to their column, the rest (dot leaders out) is the label."""
    cells: list[str | None] = [""] * (len(columns) + 1)
    label = []
    for word in line:
        column = _column_of(word, columns) if _NUMBER.match(word[4]) else None
        if column is not None:
            cells[column] = f"{cells[column]} {word[4]}".strip()
        elif word[4] not in _CURRENCY and not _LEADER.match(word[4]):
            label.append(word[4].rstrip("."))
    cells[0] = " ".join(part for part in label if part)
    return cells


def _is_sub_heading(line: list[Word], columns: list[tuple[float, float]]) -> bool:
    """A short line left of the columns, such as "Current assets": a row without figures."""
    return len(line) <= 8 and all(w[1] < columns[0][0] - COLUMN_GAP for w in line)


def _is_header_line(line: list[Word], columns: list[tuple[float, float]]) -> bool:
    """A line of column headers: no number but years, and words over the columns."""
    if any(_NUMBER.match(w[4]) and not _YEAR.match(w[4]) and not _DAY.match(w[4]) for w in line):
        return False
    edge = columns[0][0] - COLUMN_GAP
    # A line of prose runs from the label area over the columns, its words a space apart.
    crossing = any(a[1] < edge < b[1] and b[0] - a[1] <= _space(a) for a, b in itertools.pairwise(line))
    return not crossing and any(w[1] > edge for w in line)


def _space(word: Word) -> float:
    """Points between two words of one phrase, at most: wider than a space (a third of the font's height)."""
    return 2 * (word[3] - word[2]) / 3


def _header_cells(line: list[Word], columns: list[tuple[float, float]]) -> list[str]:
    """[text left of the columns, header per column].

    A phrase heads the columns whose centres it covers; a phrase centred in the gap between two
    columns ("Three months ended" over two quarters), or alone on its line and centred over all
    the columns ("Year Ended December 31,"), heads each of them; any other, its nearest column.
    """
    phrases: list[list[Word]] = []
    for word in line:
        if phrases and word[0] - phrases[-1][-1][1] <= _space(word):
            phrases[-1].append(word)
        else:
            phrases.append([word])
    edge = columns[0][0] - COLUMN_GAP
    over = [phrase for phrase in phrases if phrase[-1][1] >= edge]
    centres = [(left + right) / 2 for left, right in columns]
    middle, width = (columns[0][0] + columns[-1][1]) / 2, columns[-1][1] - columns[0][0]
    cells = [""] * (len(columns) + 1)
    for phrase in phrases:
        x0, x1, text = phrase[0][0], phrase[-1][1], _plain(phrase)
        centre = (x0 + x1) / 2
        if phrase not in over or (text.startswith("(") and text.endswith(")")):  # "(Unaudited)": a note
            heads = [0]
        elif len(over) == 1 and abs(centre - middle) < width / 8:
            heads = list(range(1, len(columns) + 1))
        else:
            heads = [i for i, middle_of in enumerate(centres, start=1) if x0 <= middle_of <= x1]
            gaps = [i for i in range(1, len(columns)) if columns[i - 1][1] < centre < columns[i][0]]
            if len(heads) < 2 and gaps:
                heads = [gaps[0], gaps[0] + 1]
            elif not heads:
                heads = [min(range(1, len(columns) + 1), key=lambda i: abs(centres[i - 1] - centre))]
        for index in heads:
            cells[index] = f"{cells[index]} {text}".strip()
    return cells


def _is_number(cell: str) -> bool:
    return bool(_NUMBER.match(" ".join(cell.split())))


def table_rows(rows: list[list[str | None]], header_count: int | None = None) -> list[str]:
    """Lines "label | header: cell | ..." from a table's rows (None marks a cell merged with its left one).

    The first `header_count` rows are the column headers; by default, the leading rows without
    numbers other than years. A cell of a column that has no header is written alone.
    """
    cells = [[" ".join((cell or "").split()) for cell in row] for row in rows]
    merged = [[cell is None for cell in row] for row in rows]
    if header_count is None:
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
