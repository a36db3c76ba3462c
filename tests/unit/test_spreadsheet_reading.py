"""Spreadsheets read like tables: merged blocks, saved formula values, dates and numbers as shown,
self-describing rows, and citations naming the sheet and the exact rows of each passage.

Workbooks are written with openpyxl; a formula's saved value, which openpyxl cannot write, is spliced
into the sheet XML as Excel stores it.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from app.ingest.readers import parse_file
from app.ingest.tables import ROWS_PER_PASSAGE
from app.store.chunk_text import format_location


def workbook(build: Callable[[Worksheet], None], saved_values: dict[str, str] | None = None) -> bytes:
    """One sheet "Q1" written by `build`; saved_values maps a formula cell ("B4") to the value Excel saved."""
    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    sheet.title = "Q1"
    build(sheet)
    buffer = io.BytesIO()
    book.save(buffer)
    if not saved_values:
        return buffer.getvalue()
    source = zipfile.ZipFile(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for entry in source.infolist():
            part = source.read(entry.filename)
            if entry.filename == "xl/worksheets/sheet1.xml":
                text = part.decode()
                for cell, value in saved_values.items():
                    start = text.index(f'<c r="{cell}"')
                    end = text.index("</c>", start)
                    text = text[:start] + text[start:end].replace("<v></v>", f"<v>{value}</v>") + text[end:]
                part = text.encode()
            archive.writestr(entry, part)
    return out.getvalue()


def passages(data: bytes) -> list[tuple[str, str]]:
    """(citation, text) of every passage, in order."""
    return [(format_location(d.metadata), d.text) for d in parse_file(data, "sales.xlsx").documents]


def test_a_merged_block_value_appears_in_every_row_and_column_it_covers() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Region", "Month", "Plan", "Actual"])
        sheet.append(["North", "Jan", 100, 90])
        sheet.append([None, "Feb", 100, 120])
        sheet.append(["South", "Jan", 80, None])
        sheet.merge_cells("A2:A3")  # one region for two months
        sheet.merge_cells("C4:D4")  # plan and actual agreed as one figure

    assert passages(workbook(build)) == [
        (
            'sheet "Q1", rows 2-4',
            "Region: North; Month: Jan; Plan: 100; Actual: 90\n"
            "Region: North; Month: Feb; Plan: 100; Actual: 120\n"
            "Region: South; Month: Jan; Plan: 80; Actual: 80",
        )
    ]


def test_a_formula_gives_its_saved_value_and_one_without_keeps_its_text_with_a_note() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Item", "Cost"])
        sheet.append(["Pump", 40])
        sheet.append(["Valve", 15])
        sheet.append(["Total", "=SUM(B2:B3)"])
        sheet.append(["Average", "=AVERAGE(B2:B3)"])

    parsed = parse_file(workbook(build, saved_values={"B4": "55"}), "costs.xlsx")
    assert [d.text for d in parsed.documents] == [
        "Item: Pump; Cost: 40\nItem: Valve; Cost: 15\nItem: Total; Cost: 55\nItem: Average; Cost: =AVERAGE(B2:B3)"
    ]
    assert parsed.notes == [
        'sheet "Q1": 1 formula(s) saved without a value (B5) are read as their formula text; '
        "open and save the workbook in Excel to store their values"
    ]


def test_dates_times_and_numbers_print_as_the_sheet_shows_them() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Delivered", "Logged", "Shift", "Amount", "Boxes", "Share", "Paid"])
        sheet.append([date(2024, 3, 1), datetime(2024, 3, 1, 14, 30), time(6, 0), 1200.5, 3.0, 0.1 + 0.2, True])

    assert passages(workbook(build)) == [
        (
            'sheet "Q1", row 2',
            "Delivered: 2024-03-01; Logged: 2024-03-01 14:30; Shift: 06:00; Amount: 1200.5; Boxes: 3; "
            "Share: 0.3; Paid: TRUE",
        )
    ]


def test_a_percentage_prints_as_the_sheet_shows_it_not_as_its_stored_fraction() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Region", "Growth", "Margin", "Change", "Share"])
        sheet.append(["North", 0.125, 0.3, -0.0425, 0.5])
        for cell, number_format in (("B2", "0.0%"), ("C2", "0%"), ("D2", "0.00%;[Red]-0.00%"), ("E2", '0.0"%"')):
            sheet[cell].number_format = number_format

    # A quoted "%" is a literal sign, not a scale: the stored 0.5 is not multiplied by 100.
    assert passages(workbook(build)) == [
        ('sheet "Q1", row 2', "Region: North; Growth: 12.5%; Margin: 30%; Change: -4.25%; Share: 0.5")
    ]


def test_empty_rows_and_columns_are_left_out_and_a_lower_header_row_keeps_excel_row_numbers() -> None:
    def build(sheet: Worksheet) -> None:
        sheet["A3"], sheet["C3"], sheet["D3"] = "Pump", "Flow", "Note"  # the table starts at row 3, column B empty
        sheet["A4"], sheet["C4"] = "P-1", 40
        sheet["A6"], sheet["C6"], sheet["D6"] = "P-2", 55, "noisy"  # row 5 left empty

    assert passages(workbook(build)) == [
        ('sheet "Q1", rows 4-6', "Pump: P-1; Flow: 40\nPump: P-2; Flow: 55; Note: noisy")
    ]


def test_a_passage_from_the_middle_of_a_sheet_still_names_its_columns() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Invoice", "Customer", "Amount"])
        for n in range(1, 46):
            sheet.append([f"INV-{n:03d}", f"Customer {n}", n * 10])

    cited = passages(workbook(build))
    assert [citation for citation, _ in cited] == [
        'sheet "Q1", rows 2-21',
        'sheet "Q1", rows 22-41',
        'sheet "Q1", rows 42-46',
    ]
    assert ROWS_PER_PASSAGE == 20
    assert cited[1][1].splitlines()[0] == "Invoice: INV-021; Customer: Customer 21; Amount: 210"
    assert cited[2][1].splitlines()[-1] == "Invoice: INV-045; Customer: Customer 45; Amount: 450"


def test_a_title_row_above_the_header_is_not_taken_for_the_header_and_heads_every_passage() -> None:
    def build(sheet: Worksheet) -> None:
        sheet["A1"] = "Quarterly sales 2024"
        sheet.merge_cells("A1:C1")  # a title centred across the table
        sheet.append(["Region", "Units", "Revenue"])
        for n in range(1, 23):
            sheet.append([f"Region {n}", n, n * 100])

    cited = passages(workbook(build))
    assert [citation for citation, _ in cited] == ['sheet "Q1", rows 3-22', 'sheet "Q1", rows 23-24']
    assert cited[1][1] == (
        "Quarterly sales 2024\nRegion: Region 21; Units: 21; Revenue: 2100\nRegion: Region 22; Units: 22; Revenue: 2200"
    )


def test_a_sheet_without_a_header_row_is_read_row_by_row_without_empty_columns() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append([2021, None, "pump replaced"])
        sheet.append([2022, None, "valve replaced"])

    assert passages(workbook(build)) == [('sheet "Q1", rows 1-2', "2021 | pump replaced\n2022 | valve replaced")]


def test_csv_with_a_title_line_and_an_empty_column_is_read_like_a_sheet() -> None:
    data = b"Stock count March\n\nItem,,Boxes\napple,,3\npear,,12\n"
    [document] = parse_file(data, "stock.csv").documents
    assert (format_location(document.metadata), document.text) == (
        "rows 4-5",
        "Stock count March\nItem: apple; Boxes: 3\nItem: pear; Boxes: 12",
    )


def test_a_block_merged_down_a_whole_column_fills_only_the_rows_that_have_values() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Site", "Pump"])
        sheet.append(["Plant A", "P-1"])
        sheet.append([None, "P-2"])
        sheet.merge_cells("A2:A1048576")  # Excel's last row: a million rows if filled blindly

    assert passages(workbook(build)) == [('sheet "Q1", rows 2-3', "Site: Plant A; Pump: P-1\nSite: Plant A; Pump: P-2")]


def test_year_column_headers_name_the_values_under_them() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Line item", 2023, 2022])
        for number in range(1, ROWS_PER_PASSAGE + 3):
            sheet.append([f"Cost {number}", 1000 + number, 900 + number])

    cited = passages(workbook(build))

    assert cited[0][1].splitlines()[0] == "Line item: Cost 1; 2023: 1001; 2022: 901"
    n = ROWS_PER_PASSAGE + 1
    assert cited[1] == (
        f'sheet "Q1", rows {n + 1}-{n + 2}',
        f"Line item: Cost {n}; 2023: {1000 + n}; 2022: {900 + n}\n"
        f"Line item: Cost {n + 1}; 2023: {1001 + n}; 2022: {901 + n}",
    )
    [document] = parse_file(b"Line item,2023,2022\nMarketing expenses,1925,1625\n", "costs.csv").documents
    assert document.text == "Line item: Marketing expenses; 2023: 1925; 2022: 1625"


def test_month_end_dates_heading_the_columns_name_the_values_under_them() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Account", datetime(2024, 1, 31), datetime(2024, 2, 29)])
        for number in range(1, ROWS_PER_PASSAGE + 2):
            sheet.append([f"Account {number}", 100 * number, 100 * number + 7])

    cited = passages(workbook(build))

    n = ROWS_PER_PASSAGE + 1
    assert cited[1] == (
        f'sheet "Q1", row {n + 1}',
        f"Account: Account {n}; 2024-01-31: {100 * n}; 2024-02-29: {100 * n + 7}",
    )
    [document] = parse_file(b"Account,2024-01-31,2024-02-29\nCash,500,650\n", "balances.csv").documents
    assert document.text == "Account: Cash; 2024-01-31: 500; 2024-02-29: 650"


def test_a_title_and_subtitle_above_the_header_head_every_passage() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Sales report"])
        sheet.append(["All figures in EUR thousands"])
        sheet.append([])
        sheet.append(["Region", "Q1", "Q2"])
        sheet.append(["North", 100, 110])
        sheet.append(["South", 200, 210])

    assert passages(workbook(build)) == [
        (
            'sheet "Q1", rows 5-6',
            "Sales report\nAll figures in EUR thousands\n"
            "Region: North; Q1: 100; Q2: 110\nRegion: South; Q1: 200; Q2: 210",
        )
    ]


def test_a_duration_prints_in_hours_and_minutes_as_the_sheet_shows_it() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Task", "Time spent"])
        sheet.append(["Audit", timedelta(hours=27, minutes=15)])
        sheet.append(["Review", timedelta(minutes=45, seconds=30)])
        for row in (2, 3):
            sheet.cell(row, 2).number_format = "[h]:mm:ss"

    assert passages(workbook(build)) == [
        ('sheet "Q1", rows 2-3', "Task: Audit; Time spent: 27:15\nTask: Review; Time spent: 0:45:30")
    ]


def test_a_subtitle_merged_across_the_table_is_a_title_line_not_the_header() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["ACME Corp"])
        sheet.append(["Income statement, EUR thousands"])
        sheet.append(["Line item", 2023, 2024])
        sheet.append(["Revenue", 500, 620])
        sheet.merge_cells("A1:C1")
        sheet.merge_cells("A2:C2")

    assert passages(workbook(build)) == [
        ('sheet "Q1", row 4', "ACME Corp\nIncome statement, EUR thousands\nLine item: Revenue; 2023: 500; 2024: 620")
    ]


def test_a_semicolon_csv_with_decimal_commas_and_a_title_line_is_read_by_its_columns() -> None:
    balance = "Balance sheet\nAccount;2024-01-31;2024-02-29\nCash;100,5;120,25\nDebt;1.250,75;40\n"
    for data in (balance, balance.replace("Balance sheet\n", "Balance sheet;;\n")):  # Excel pads the title line
        [document] = parse_file(data.encode(), "balance.csv").documents
        assert (format_location(document.metadata), document.text) == (
            "rows 3-4",
            "Balance sheet\nAccount: Cash; 2024-01-31: 100,5; 2024-02-29: 120,25\n"
            "Account: Debt; 2024-01-31: 1.250,75; 2024-02-29: 40",
        )


def test_a_header_of_years_is_found_over_figures_written_with_separators_or_a_first_row_of_year_like_numbers() -> None:
    [document] = parse_file(b'Item,2023,2024\nRevenue,"1,200","1,350"\nCost,$500,$600\n', "income.csv").documents
    assert document.text == "Item: Revenue; 2023: 1,200; 2024: 1,350\nItem: Cost; 2023: $500; 2024: $600"

    def build(sheet: Worksheet) -> None:
        sheet.append(["Metric", 2023, 2024])
        sheet.append(["Employees", 1985, 2040])  # could be years
        sheet.append(["Revenue", 310.5, 355])

    assert passages(workbook(build)) == [
        ('sheet "Q1", rows 2-3', "Metric: Employees; 2023: 1985; 2024: 2040\nMetric: Revenue; 2023: 310.5; 2024: 355")
    ]


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"Hello\n", "Hello"),
        (b"Title\nSubtitle\n", "Title: Subtitle"),
        (b"T\nS\nU\nName,City\nAnn,Oslo\n", "T\nS\nU\nName: Ann; City: Oslo"),
    ],
)
def test_a_sheet_of_a_few_single_values_is_read_not_refused(data: bytes, text: str) -> None:
    assert [document.text for document in parse_file(data, "notes.csv").documents] == [text]


def test_two_tables_on_one_sheet_are_each_read_under_their_own_header_and_title() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Region", "Units"])
        sheet.append(["North", 120])
        sheet.append(["South", 80])
        sheet.append([])
        sheet.append(["Costs by supplier"])
        sheet.append(["Supplier", "Amount", "Due"])
        sheet.append(["Acme", 900, date(2024, 3, 1)])

    assert passages(workbook(build)) == [
        ('sheet "Q1", rows 2-3', "Region: North; Units: 120\nRegion: South; Units: 80"),
        ('sheet "Q1", row 7', "Costs by supplier\nSupplier: Acme; Amount: 900; Due: 2024-03-01"),
    ]


def test_an_empty_row_inside_one_table_does_not_start_another() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Name", "City", "Visits"])
        sheet.append(["Alice", "Paris", 3])
        sheet.append([])
        sheet.append(["Bob", "Rome", 5])  # names, then a number under a named column: data, not a header

    assert passages(workbook(build)) == [
        ('sheet "Q1", rows 2-4', "Name: Alice; City: Paris; Visits: 3\nName: Bob; City: Rome; Visits: 5")
    ]


def test_a_csv_of_two_tables_reads_each_under_its_own_header() -> None:
    data = b"Region,Units\nNorth,120\n\nSupplier,Amount\nAcme,900\n"
    cited = [(format_location(d.metadata), d.text) for d in parse_file(data, "report.csv").documents]
    assert cited == [("row 2", "Region: North; Units: 120"), ("row 5", "Supplier: Acme; Amount: 900")]


def test_a_cell_of_several_lines_stays_one_value_in_its_rows_line() -> None:
    def build(sheet: Worksheet) -> None:
        sheet.append(["Item", "Note", "Cost"])
        sheet.append(["pump", "worn seal\nreplace before May", 30])
        sheet.append(["valve", "ok", 12])

    assert passages(workbook(build)) == [
        (
            'sheet "Q1", rows 2-3',
            "Item: pump; Note: worn seal replace before May; Cost: 30\nItem: valve; Note: ok; Cost: 12",
        )
    ]


def _sheet(rows: list[list[object] | None]) -> Callable[[Worksheet], None]:
    def build(sheet: Worksheet) -> None:
        for number, row in enumerate(rows, start=1):
            for column, value in enumerate(row or [], start=1):
                if value is not None:
                    sheet.cell(number, column, value)

    return build


@pytest.mark.parametrize(
    "rows",
    [
        # amounts between 1900 and 2099 are no years heading columns
        [["Cost centre", "Budget", "Actual"], ["Marketing", 5400, 5100], None, ["IT", 2000, 2050], ["HR", 1500, 1420]],
        # a text standing in for a figure
        [
            ["Supplier", "Lead time", "Price"],
            ["Acme", 14, 2.5],
            None,
            ["Gamma", "N/A", "on request"],
            ["Delta", 21, 3.1],
        ],
        # a group label with a count, over rows that use a column it leaves unnamed
        [
            ["Customer", "Invoices", "Open"],
            ["Acme", 12, 4500],
            None,
            ["Small accounts", "2 customers"],
            ["Delta", 2, 150],
        ],
        # a section title over a row of one word repeated
        [
            ["Account", "Jan", "Feb"],
            ["Consulting", 5000, 6200],
            None,
            ["Expenses"],
            ["Office rent", "incl.", "incl."],
            ["Salaries", 3000, 3000],
        ],
    ],
)
def test_a_data_row_after_an_empty_row_is_not_taken_for_a_new_tables_header(rows: list[list[object] | None]) -> None:
    cited = passages(workbook(_sheet(rows)))
    assert len(cited) == 1, cited
    header = [str(name) for name in rows[0]]
    for line in cited[0][1].splitlines():
        assert line.startswith(f"{header[0]}: "), line  # every row still named by the header in force


def test_a_tables_source_line_stays_with_it_and_a_second_statement_headed_by_years_or_a_blank_corner_is_split() -> None:
    rows: list[list[object] | None] = [
        ["Region", "2022", "2023"], ["North", 1200, 1215], None, ["Source: Statistics Office"], None,
        ["Table 2: Jobs"], ["Region", "2022", "2023"], ["North", 51, 48], None,
        [None, "Jan", "Feb"], ["Web", 120, 135],
    ]  # fmt: skip
    assert passages(workbook(_sheet(rows))) == [
        ('sheet "Q1", rows 2-4', "Region: North; 2022: 1200; 2023: 1215\nRegion: Source: Statistics Office"),
        ('sheet "Q1", row 8', "Table 2: Jobs\nRegion: North; 2022: 51; 2023: 48"),
        ('sheet "Q1", row 11', "column 1: Web; Jan: 120; Feb: 135"),
    ]
