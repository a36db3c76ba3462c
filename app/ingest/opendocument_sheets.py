"""OpenDocument spreadsheets (.ods: LibreOffice Calc, and Excel or Google Sheets saving as ODF).

Each sheet becomes the rows that `tables.rows_to_documents` writes as passages, as for .xlsx: cited by sheet name
and row numbers, a merged block's value in every cell it covers. The sheets are streamed row by row from
content.xml (defusedxml's iterparse) rather than loaded whole with odfpy, whose document tree took 1.9 GB for a
2 MB file of 50,000 rows.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from app.errors import UnreadableFileError
from app.ingest.opendocument import DRAW_NS, OFFICE_NS, TABLE_NS, TEXT_NS, check_package, count_attribute, damaged
from app.ingest.parsed import ParsedFile, ReadOptions
from app.ingest.tables import Row, rows_to_documents, uncached_formulas_note

_KIND = "an OpenDocument spreadsheet"
# A sheet holds at most this many rows and columns in LibreOffice Calc (and Excel): a repeat count past them is damage.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
# Calc writes a run of identical cells or rows once, with a count: 800 bytes can stand for 17 billion filled cells.
# Past this many filled cells (counted as repeated) a workbook is refused before it fills the memory.
MAX_FILLED_CELLS = 2_000_000


def _tag(namespace: str, name: str) -> str:
    return f"{{{namespace}}}{name}"


_TABLE = _tag(TABLE_NS, "table")
_ROW = _tag(TABLE_NS, "table-row")
_CELL = _tag(TABLE_NS, "table-cell")
_COVERED_CELL = _tag(TABLE_NS, "covered-table-cell")  # a cell hidden under a merged block: a reader does not see it
_PARAGRAPHS = {_tag(TEXT_NS, "p"), _tag(TEXT_NS, "h")}
# In a cell but not its value: a comment on it, and shapes or pictures anchored to it.
_NOT_VALUE = {_tag(OFFICE_NS, "annotation")}
_SPACE, _TAB, _LINE_BREAK = _tag(TEXT_NS, "s"), _tag(TEXT_NS, "tab"), _tag(TEXT_NS, "line-break")
_TITLE = "{http://purl.org/dc/elements/1.1/}title"
# Excel's TRUE and FALSE as LibreOffice converts them: a number with the formula TRUE() and the text it shows.
_BOOLEAN_FORMULA = re.compile(r"(?:of:)?=(TRUE|FALSE)\(\)", re.IGNORECASE)


def read_ods(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    """Each sheet's rows as passages (see tables.rows_to_documents), located by sheet name and row numbers.

    A number is read as its value (1234.5678, whatever the cell's format rounds it to), a percentage or an amount of
    money as the sheet shows it ("12.5%", "€1,200.00"), a date as 2024-03-01 (with its time when it has one), a
    time and a truth value as shown. A formula gives the value the file saved with it; one saved without a value is
    read as its text ("=SUM([.B2:.B9])"), with a note. Comments on cells, and shapes and pictures anchored to them,
    are left out.

    Raises:
        UnreadableFileError: the package is damaged or saved with a password; it has more sheets than
            options.max_pages; it repeats a row or cell past a sheet's 1,048,576 rows or 16,384 columns, or to more
            than MAX_FILLED_CELLS filled cells.
    """
    from defusedxml import ElementTree

    documents = []
    notes = []
    sheets = 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            check_package(package, name, _KIND)
            title = _title(package)
            with package.open("content.xml") as content:
                for sheet, rows, uncached in _SheetReader(name).sheets(content):
                    sheets += 1
                    if sheets > options.max_pages:
                        raise UnreadableFileError(
                            f"'{name}' has more than {options.max_pages} sheets, over the page limit.",
                            "Split the workbook, or raise MAX_PAGES.",
                        )
                    options.page_read(sheets, 0)
                    documents.extend(rows_to_documents(rows, {"sheet": sheet}))
                    if uncached:
                        fix = "open and save the workbook in LibreOffice"
                        notes.append(uncached_formulas_note(sheet, uncached, fix))
    except ElementTree.ParseError as exc:
        raise damaged(name, _KIND, f"its content.xml is not well-formed XML ({exc})") from exc
    return ParsedFile(documents=documents, pages=sheets, notes=notes, title=title)


def _title(package: zipfile.ZipFile) -> str:
    """The title in the package's metadata (meta.xml's dc:title); "" when it has none or its metadata is damaged."""
    from defusedxml import ElementTree

    if "meta.xml" not in package.namelist():
        return ""
    try:
        meta = ElementTree.fromstring(package.read("meta.xml"))
    except ElementTree.ParseError:
        return ""
    return " ".join(" ".join("".join(element.itertext()).split()) for element in meta.iter(_TITLE)).strip()


class _SheetReader:
    """Streams content.xml: each sheet's non-empty rows (numbered as Calc numbers them, merged blocks filled) and the
    cells of formulas saved without a value (B7), one sheet at a time.

    Calc writes a run of identical rows or cells once with a repeat count (a sheet's empty tail is one row "repeated"
    a million times): empty runs only move the count on, filled ones are read that many times.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.filled = 0  # filled cells of the workbook so far, repeats counted

    def sheets(self, content: IO[bytes]) -> Iterator[tuple[str, list[Row], list[str]]]:
        from defusedxml import ElementTree

        depth = 0  # of tables: a table inside a cell is part of that cell, not a sheet
        for event, element in ElementTree.iterparse(content, events=("start", "end")):
            if element.tag == _TABLE:
                depth += 1 if event == "start" else -1
                if event == "start" and depth == 1:
                    sheet = str(element.get(_tag(TABLE_NS, "name")) or "")
                    rows: dict[int, dict[int, object]] = {}
                    # Merged blocks: (first row, first column, rows, columns, value).
                    merged: list[tuple[int, int, int, int, object]] = []
                    uncached: list[str] = []
                    number = 0  # the row before the next one
                elif event == "end" and depth == 0:
                    yield sheet, _filled_in(rows, merged), uncached
                    element.clear()
            elif event == "end" and element.tag == _ROW and depth == 1:
                repeat = count_attribute(element.get(_tag(TABLE_NS, "number-rows-repeated")))
                values, blocks, formulas = self._cells(element, number + 1)
                if values:
                    if number + repeat > MAX_ROWS:
                        why = f"a row is repeated past the {MAX_ROWS:,} rows a sheet can have"
                        raise damaged(self.name, _KIND, why)
                    self._count_filled(len(values) * repeat)
                    for offset in range(repeat):
                        rows[number + 1 + offset] = values
                        merged.extend((number + 1 + offset, *block) for block in blocks)
                    uncached.extend(formulas)
                number += repeat
                element.clear()  # the row is read: its cells need not stay in memory

    def _count_filled(self, cells: int) -> None:
        self.filled += cells
        if self.filled > MAX_FILLED_CELLS:
            raise UnreadableFileError(
                f"'{self.name}' holds more than {MAX_FILLED_CELLS:,} filled cells once the cells LibreOffice writes "
                "once with a repeat count are counted. It was not read.",
                "If the workbook is genuine, split it or save its sheets as CSV files; otherwise discard it.",
            )

    def _cells(self, row: Any, number: int) -> tuple[dict[int, object], list[tuple[int, int, int, object]], list[str]]:
        """A row's {column (1-based): value}, its merged blocks (first column, rows, columns, value) and the cells of
        formulas saved without a value."""
        from openpyxl.utils import get_column_letter  # imported when a sheet is read, as tables.py imports openpyxl

        values: dict[int, object] = {}
        blocks: list[tuple[int, int, int, object]] = []
        uncached: list[str] = []
        column = 0  # the column before the next cell
        for cell in row:
            if cell.tag not in (_CELL, _COVERED_CELL):
                continue
            repeat = count_attribute(cell.get(_tag(TABLE_NS, "number-columns-repeated")))
            value = _cell_value(cell) if cell.tag == _CELL else None
            if value is not None:
                if column + repeat > MAX_COLUMNS:
                    raise damaged(
                        self.name, _KIND, f"a cell is repeated past the {MAX_COLUMNS:,} columns a sheet can have"
                    )
                self._count_filled(repeat)
                height = count_attribute(cell.get(_tag(TABLE_NS, "number-rows-spanned")))
                width = count_attribute(cell.get(_tag(TABLE_NS, "number-columns-spanned")))
                for offset in range(repeat):
                    values[column + 1 + offset] = value
                    if height > 1 or width > 1:
                        blocks.append((column + 1 + offset, height, width, value))
                if cell.get(_tag(TABLE_NS, "formula")) and not cell.get(_tag(OFFICE_NS, "value-type")):
                    uncached.append(f"{get_column_letter(column + 1)}{number}")
            column += repeat
        return values, blocks, uncached


def _filled_in(rows: dict[int, dict[int, object]], merged: list[tuple[int, int, int, int, object]]) -> list[Row]:
    """The rows in order with each merged block's value in every cell it covers, as far as the sheet has values (as
    for .xlsx)."""
    last_row = max(rows, default=0)
    last_column = max((max(values) for values in rows.values()), default=0)
    for first_row, first_column, height, width, value in merged:
        for row_number in range(first_row, min(first_row + height - 1, last_row) + 1):
            filled = rows[row_number] = dict(rows.get(row_number, {}))  # repeated rows share one dict until here
            for column in range(first_column, min(first_column + width - 1, last_column) + 1):
                filled[column] = value
    return [
        (row_number, [rows[row_number].get(column) for column in range(1, max(rows[row_number]) + 1)])
        for row_number in sorted(rows)
    ]


def _cell_value(cell: Any) -> object:
    """What a cell holds, as `tables.cell_text` writes it; None for an empty cell."""
    shown = " ".join(text for paragraph in _paragraphs(cell) if (text := " ".join(_inline_text(paragraph).split())))
    value_type = cell.get(_tag(OFFICE_NS, "value-type"))
    formula = cell.get(_tag(TABLE_NS, "formula"))
    if value_type == "float":
        if formula and (truth := _BOOLEAN_FORMULA.fullmatch(formula)):
            return truth[1].upper() == "TRUE"
        if shown.isalpha():  # a number in a truth-value format: TRUE, or WAHR in a German Calc
            return shown
        try:
            return float(cell.get(_tag(OFFICE_NS, "value")))
        except (TypeError, ValueError):
            return shown or None
    if value_type == "date":
        try:
            return datetime.fromisoformat(str(cell.get(_tag(OFFICE_NS, "date-value"))))
        except ValueError:
            return shown or None
    if value_type == "boolean":
        return str(cell.get(_tag(OFFICE_NS, "boolean-value"))).lower() == "true"
    if shown:  # percentages and money as shown; text; a time ("27:15:00")
        return shown
    if value_type in ("percentage", "currency"):
        return cell.get(_tag(OFFICE_NS, "value"))
    return _formula_text(formula) if formula else None


def _paragraphs(element: Any) -> Iterator[Any]:
    """The paragraphs of a cell in order, in lists too; not a comment's, nor those of shapes anchored in it."""
    for child in element:
        if child.tag in _PARAGRAPHS:
            yield child
        elif child.tag not in _NOT_VALUE and not child.tag.startswith(f"{{{DRAW_NS}}}"):
            yield from _paragraphs(child)


def _inline_text(element: Any) -> str:
    """A paragraph's text: spaces (text:s with its count), tabs and line breaks written out; comments and anchored
    shapes left out."""
    parts = [element.text or ""]
    for child in element:
        if child.tag == _SPACE:
            parts.append(" " * min(count_attribute(child.get(_tag(TEXT_NS, "c"))), 100))
        elif child.tag in (_TAB, _LINE_BREAK):
            parts.append(" ")
        elif child.tag not in _NOT_VALUE and not child.tag.startswith(f"{{{DRAW_NS}}}"):
            parts.append(_inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _formula_text(formula: object) -> str:
    """A formula as Calc's input line shows it: "of:=SUM([.B2:.B9])" is "=SUM([.B2:.B9])"."""
    text = str(formula)
    prefix, colon, rest = text.partition(":")
    return rest if colon and prefix.isalpha() and rest.startswith("=") else text
