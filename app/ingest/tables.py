"""Spreadsheets (XLSX) and CSV: rows in passages of a few rows each, located by sheet and row numbers.

A header row's names are repeated in every row ("Price: 12"), so a passage keeps its meaning
when it is retrieved alone.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time

from llama_index.core import Document

from app.errors import UnreadableFileError
from app.ingest.parsed import ParsedFile, ReadOptions
from app.ingest.text import decode_text

ROWS_PER_PASSAGE = 20


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def rows_to_documents(rows: Iterable[Sequence[object]], metadata: dict[str, object]) -> list[Document]:
    """Passages of ROWS_PER_PASSAGE rows; `rows` metadata holds 1-based row numbers as in the file."""
    header: list[str] | None = None
    documents: list[Document] = []
    block: list[str] = []
    first = 0
    last = 0
    for number, raw in enumerate(rows, start=1):
        cells = [_cell(value) for value in raw]
        if not any(cells):
            continue
        if header is None and number == 1 and all(cells) and not any(_numeric(c) for c in cells):
            header = cells
            continue
        if header is not None:
            line = "; ".join(
                f"{header[i] if i < len(header) else f'column {i + 1}'}: {c}" for i, c in enumerate(cells) if c
            )
        else:
            line = " | ".join(cells)
        if not block:
            first = number
        block.append(line)
        last = number
        if len(block) == ROWS_PER_PASSAGE:
            documents.append(_passage(block, first, last, metadata))
            block = []
    if block:
        documents.append(_passage(block, first, last, metadata))
    return documents


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _passage(lines: list[str], first: int, last: int, metadata: dict[str, object]) -> Document:
    rows = str(first) if first == last else f"{first}-{last}"
    return Document(text="\n".join(lines), metadata={**metadata, "rows": rows})


def read_xlsx(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    from openpyxl import load_workbook

    try:
        # read_only streams rows; data_only gives formulas' cached values, which is what a reader sees.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise UnreadableFileError(
            f"'{name}' is damaged and cannot be read as an Excel workbook.", "Re-save it as .xlsx and upload it again."
        ) from exc
    try:
        sheets = workbook.worksheets
        if len(sheets) > options.max_pages:
            raise UnreadableFileError(
                f"'{name}' has {len(sheets)} sheets, over the {options.max_pages}-page limit.",
                "Split the workbook, or raise MAX_PAGES.",
            )
        documents: list[Document] = []
        for sheet in sheets:
            documents.extend(rows_to_documents(sheet.iter_rows(values_only=True), {"sheet": sheet.title}))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
        raise UnreadableFileError(
            f"'{name}' is damaged: a sheet could not be read ({exc}).", "Re-save it as .xlsx and upload it again."
        ) from exc
    finally:
        workbook.close()
    return ParsedFile(documents=documents, pages=len(sheets))


def read_csv(data: bytes, name: str, options: ReadOptions) -> ParsedFile:
    decoded = decode_text(data, name)
    text = decoded.text
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:16384], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel  # one column, or too irregular to tell: plain commas
    try:
        rows = list(csv.reader(io.StringIO(text), dialect))
    except csv.Error as exc:
        raise UnreadableFileError(f"'{name}' is not valid CSV ({exc}).", "Check the quoting of the file.") from exc
    return ParsedFile(documents=rows_to_documents(rows, {}), notes=decoded.notes())
