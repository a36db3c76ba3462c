"""OpenDocument spreadsheets (.ods: LibreOffice Calc, and Excel or Google Sheets saving as ODF), read with odfpy.

Each sheet becomes the rows that `tables.rows_to_documents` writes as passages, as for .xlsx: cited by sheet name
and row numbers, a merged block's value in every cell it covers.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from app.errors import UnreadableFileError
from app.ingest.opendocument import (
    OFFICE_NS,
    TABLE_NS,
    check_parts,
    count_attribute,
    damaged,
    document_title,
    element_text,
)
from app.ingest.parsed import ParsedFile, ReadOptions
from app.ingest.tables import Row, rows_to_documents, uncached_formulas_note

_KIND = "an OpenDocument spreadsheet"
# A sheet holds at most this many rows and columns in LibreOffice Calc (and Excel): a repeat count past them is damage.
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
_CELL = (TABLE_NS, "table-cell")
_COVERED_CELL = (TABLE_NS, "covered-table-cell")  # a cell hidden under a merged block: a reader does not see it
_ROW = (TABLE_NS, "table-row")
# Elements that group rows (a header row repeated on printed pages, outline groups); their rows are the sheet's.
_ROW_GROUPS = {(TABLE_NS, "table-header-rows"), (TABLE_NS, "table-row-group"), (TABLE_NS, "table-rows")}
_ANNOTATION = (OFFICE_NS, "annotation")  # a comment on a cell, not its value


def read_ods(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    """Each sheet's rows as passages (see tables.rows_to_documents), located by sheet name and row numbers.

    A number is read as its value (1234.5678, whatever the cell's format rounds it to), a percentage or an amount of
    money as the sheet shows it ("12.5%", "€1,200.00"), a date as 2024-03-01 (with its time when it has one), a
    time as shown. A formula gives the value the file saved with it; one saved without a value is read as its text
    ("=SUM([.B2:.B9])"), with a note. Comments on cells are left out.

    Raises:
        UnreadableFileError: the package is damaged, has more sheets than options.max_pages, or repeats a row or
            cell past a sheet's 1,048,576 rows or 16,384 columns.
    """
    from odf.opendocument import load

    check_parts(data, name, _KIND)
    document = load(io.BytesIO(data))
    body = getattr(document, "spreadsheet", None)  # odfpy sets it only for a package whose mimetype says spreadsheet
    if body is None:
        raise damaged(name, _KIND, "it has no sheets (content.xml)")
    sheets = [child for child in body.childNodes if getattr(child, "qname", None) == (TABLE_NS, "table")]
    if len(sheets) > options.max_pages:
        raise UnreadableFileError(
            f"'{name}' has {len(sheets)} sheets, over the {options.max_pages}-page limit.",
            "Split the workbook, or raise MAX_PAGES.",
        )
    documents = []
    notes = []
    for number, sheet in enumerate(sheets, start=1):
        title = str(sheet.getAttrNS(TABLE_NS, "name") or f"Sheet{number}")
        options.page_read(number, len(sheets))
        rows, uncached = _sheet_rows(sheet, name)
        documents.extend(rows_to_documents(rows, {"sheet": title}))
        if uncached:
            notes.append(uncached_formulas_note(title, uncached, "open and save the workbook in LibreOffice"))
    return ParsedFile(documents=documents, pages=len(sheets), notes=notes, title=document_title(document))


def _sheet_rows(sheet: Any, name: str) -> tuple[list[Row], list[str]]:
    """The non-empty rows of a sheet, numbered as Calc numbers them, with merged blocks filled; and the cells (B7)
    of formulas saved without a value.

    Calc writes a run of identical rows or cells once with a repeat count (a sheet's empty tail is one row
    "repeated" a million times): empty runs only move the count on, filled ones are read that many times.
    """
    rows: dict[int, dict[int, object]] = {}
    merged: list[tuple[int, int, int, int, object]] = []  # (first row, first column, rows, columns, value)
    uncached: list[str] = []
    number = 0  # the row before the next one
    for row in _rows(sheet):
        repeat = count_attribute(row.getAttrNS(TABLE_NS, "number-rows-repeated"))
        values, blocks, formulas = _row_cells(row, number + 1, name)
        if values and number + repeat > MAX_ROWS:
            raise damaged(name, _KIND, f"a row is repeated past the {MAX_ROWS:,} rows a sheet can have")
        if values:
            for offset in range(repeat):
                rows[number + 1 + offset] = values
                merged.extend((number + 1 + offset, *block) for block in blocks)
            uncached.extend(formulas)
        number += repeat
    last_row = max(rows, default=0)
    last_column = max((max(values) for values in rows.values()), default=0)
    for first_row, first_column, height, width, value in merged:  # as far as the sheet has values, as for .xlsx
        for row_number in range(first_row, min(first_row + height - 1, last_row) + 1):
            filled = rows[row_number] = dict(rows.get(row_number, {}))  # repeated rows share one dict until here
            for column in range(first_column, min(first_column + width - 1, last_column) + 1):
                filled[column] = value
    table: list[Row] = []
    for row_number in sorted(rows):
        values = rows[row_number]
        table.append((row_number, [values.get(column) for column in range(1, max(values) + 1)]))
    return table, uncached


def _rows(element: Any) -> Iterator[Any]:
    """A sheet's rows in order, inside row groups too (not the rows of a table nested in a cell)."""
    for child in element.childNodes:
        qname = getattr(child, "qname", None)
        if qname == _ROW:
            yield child
        elif qname in _ROW_GROUPS:
            yield from _rows(child)


def _row_cells(
    row: Any, number: int, name: str
) -> tuple[dict[int, object], list[tuple[int, int, int, object]], list[str]]:
    """A row's {column (1-based): value}, its merged blocks (first column, rows, columns, value) and the cells of
    formulas saved without a value."""
    values: dict[int, object] = {}
    blocks: list[tuple[int, int, int, object]] = []
    uncached: list[str] = []
    column = 0  # the column before the next cell
    for cell in row.childNodes:
        qname = getattr(cell, "qname", None)
        if qname not in (_CELL, _COVERED_CELL):
            continue
        repeat = count_attribute(cell.getAttrNS(TABLE_NS, "number-columns-repeated"))
        value = _cell_value(cell) if qname == _CELL else None
        if value is not None:
            if column + repeat > MAX_COLUMNS:
                raise damaged(name, _KIND, f"a cell is repeated past the {MAX_COLUMNS:,} columns a sheet can have")
            height = count_attribute(cell.getAttrNS(TABLE_NS, "number-rows-spanned"))
            width = count_attribute(cell.getAttrNS(TABLE_NS, "number-columns-spanned"))
            for offset in range(repeat):
                values[column + 1 + offset] = value
                if height > 1 or width > 1:
                    blocks.append((column + 1 + offset, height, width, value))
            if _saved_without_value(cell):
                uncached.append(f"{_column_letters(column + 1)}{number}")
        column += repeat
    return values, blocks, uncached


def _cell_value(cell: Any) -> object:
    """What a cell holds, as `tables.cell_text` writes it; None for an empty cell."""
    shown = " ".join(
        text for child in cell.childNodes if getattr(child, "qname", None) != _ANNOTATION and (text := _shown(child))
    )
    value_type = cell.getAttrNS(OFFICE_NS, "value-type")
    if value_type == "float":
        try:
            return float(cell.getAttrNS(OFFICE_NS, "value"))
        except (TypeError, ValueError):
            return shown or None
    if value_type == "date":
        try:
            return datetime.fromisoformat(str(cell.getAttrNS(OFFICE_NS, "date-value")))
        except (TypeError, ValueError):
            return shown or None
    if value_type == "boolean":
        return str(cell.getAttrNS(OFFICE_NS, "boolean-value")).lower() == "true"
    if shown:  # percentages and money as shown; text; a time ("27:15:00")
        return shown
    if value_type in ("percentage", "currency"):
        return cell.getAttrNS(OFFICE_NS, "value")
    formula = cell.getAttrNS(TABLE_NS, "formula")
    return _formula_text(formula) if formula else None


def _shown(child: Any) -> str:
    return " ".join(element_text(child).split()) if hasattr(child, "qname") else ""


def _saved_without_value(cell: Any) -> bool:
    return bool(cell.getAttrNS(TABLE_NS, "formula")) and not cell.getAttrNS(OFFICE_NS, "value-type")


def _formula_text(formula: object) -> str:
    """A formula as Calc's input line shows it: "of:=SUM([.B2:.B9])" is "=SUM([.B2:.B9])"."""
    text = str(formula)
    prefix, colon, rest = text.partition(":")
    return rest if colon and prefix.isalpha() and rest.startswith("=") else text


def _column_letters(column: int) -> str:
    """1 -> A, 27 -> AA."""
    letters = ""
    while column:
        column, remainder = divmod(column - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters
