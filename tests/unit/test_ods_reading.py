"""OpenDocument spreadsheets (.ods) made here with odfpy as LibreOffice Calc writes them, read as uploaded."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import pytest

from app.errors import UnreadableFileError
from app.ingest.opendocument_sheets import MAX_FILLED_CELLS, MAX_ROWS
from app.ingest.readers import parse_file
from app.store.chunk_text import format_location
from tests.files import make_odp, make_ods, make_odt, make_xlsx


def _passages(data: bytes, name: str = "budget.ods") -> list[tuple[str, str]]:
    return [(format_location(document.metadata), document.text) for document in parse_file(data, name).documents]


def test_an_ods_sheet_reads_like_a_table_with_every_row_naming_its_columns_and_cited_by_sheet_and_rows() -> None:
    data = make_ods({"Costs": [["Item", "Cost", "Ordered"], ["pump", 1234.5678, date(2024, 3, 1)]]}, title="Budget")
    parsed = parse_file(data, "budget.ods")
    assert _passages(data) == [('sheet "Costs", row 2', "Item: pump; Cost: 1234.5678; Ordered: 2024-03-01")]
    assert parsed.title == "Budget"
    assert parsed.pages == 1


def test_ods_values_print_as_the_sheet_shows_them() -> None:
    cells = [
        datetime(2024, 3, 1, 10, 30),
        {"value": 0.125, "type": "percentage", "shown": "12.5%"},
        {"value": 1200, "type": "currency", "shown": "€1,200.00"},
        {"value": "PT27H15M00S", "type": "time", "shown": "27:15:00"},
        True,
        3.0,
    ]
    data = make_ods({"Log": [["When", "Share", "Price", "Hours", "Paid", "Units"], cells]})
    assert _passages(data) == [
        (
            'sheet "Log", row 2',
            "When: 2024-03-01 10:30; Share: 12.5%; Price: €1,200.00; Hours: 27:15:00; Paid: TRUE; Units: 3",
        )
    ]


def test_a_merged_ods_block_value_appears_in_every_row_and_column_it_covers() -> None:
    rows = [
        ["Region", "Quarter", "Sales"],
        [{"value": "North", "span": (2, 1)}, "Q1", 10],
        [None, "Q2", 12],
        [{"value": "Both halves", "span": (1, 2)}, 22],
    ]
    assert _passages(make_ods({"Sales": rows})) == [
        (
            'sheet "Sales", rows 2-4',
            "Region: North; Quarter: Q1; Sales: 10\nRegion: North; Quarter: Q2; Sales: 12\n"
            "Region: Both halves; Quarter: Both halves; Sales: 22",
        )
    ]


def test_rows_and_cells_calc_writes_once_with_a_repeat_count_keep_their_row_numbers_and_columns() -> None:
    rows = [
        ["Item", {"value": None, "repeat": 3}, "Cost"],  # three empty columns Calc writes as one cell
        {"repeat": 2, "cells": ["valve", {"value": None, "repeat": 3}, 12]},  # two identical rows, written once
        {"repeat": 4, "cells": []},  # four empty rows
        ["pump", {"value": None, "repeat": 3}, 90],
    ]
    assert _passages(make_ods({"Stock": rows})) == [
        ('sheet "Stock", rows 2-8', "Item: valve; Cost: 12\nItem: valve; Cost: 12\nItem: pump; Cost: 90")
    ]


def test_an_ods_formula_gives_its_saved_value_and_one_without_keeps_its_text_with_a_note() -> None:
    rows = [
        ["Item", "Cost"],
        ["pump", {"value": 30, "formula": "of:=10+20"}],
        ["total", {"formula": "of:=SUM([.B2:.B2])"}],
    ]
    parsed = parse_file(make_ods({"Costs": rows}), "costs.ods")
    assert [document.text for document in parsed.documents] == [
        "Item: pump; Cost: 30\nItem: total; Cost: =SUM([.B2:.B2])"
    ]
    assert parsed.notes == [
        'sheet "Costs": 1 formula(s) saved without a value (B3) are read as their formula text; '
        "open and save the workbook in LibreOffice to store their values"
    ]


def test_comments_on_ods_cells_are_not_read_as_their_values_and_a_cell_of_several_lines_is_one_value() -> None:
    note = {"value": "worn seal", "shown": ["worn seal,", "loud"]}
    rows = [["Item", "Cost", "Notes"], ["pump", {"value": 30, "comment": "Ask Dana about the discount"}, note]]
    assert _passages(make_ods({"Costs": rows})) == [
        ('sheet "Costs", row 2', "Item: pump; Cost: 30; Notes: worn seal, loud")
    ]


def test_each_ods_sheet_is_cited_by_its_own_name() -> None:
    data = make_ods({"2023": [["Item", "Cost"], ["pump", 30]], "2024": [["Item", "Cost"], ["valve", 12]]})
    assert _passages(data) == [
        ('sheet "2023", row 2', "Item: pump; Cost: 30"),
        ('sheet "2024", row 2', "Item: valve; Cost: 12"),
    ]


def test_a_row_repeated_past_the_rows_a_sheet_can_have_is_refused_as_damage_not_read() -> None:
    rows = [["Item", "Cost"], {"repeat": MAX_ROWS, "cells": ["valve", 12]}]
    with pytest.raises(UnreadableFileError, match=r"'big\.ods' is damaged .* repeated past the 1,048,576 rows"):
        parse_file(make_ods({"Stock": rows}, tail_rows=1), "big.ods")


def test_an_ods_xlsx_and_odt_under_each_others_names_are_told_apart() -> None:
    sheet = make_ods({"Costs": [["Item", "Cost"], ["pump", 30]]})
    with pytest.raises(UnreadableFileError, match=r"named like an Excel workbook .* an OpenDocument spreadsheet"):
        parse_file(sheet, "costs.xlsx")
    with pytest.raises(UnreadableFileError, match=r"named like an OpenDocument text .* an OpenDocument spreadsheet"):
        parse_file(sheet, "costs.odt")
    with pytest.raises(UnreadableFileError, match=r"named like an OpenDocument spreadsheet .* an Excel workbook"):
        parse_file(make_xlsx({"Costs": [["Item", "Cost"], ["pump", 30]]}), "costs.ods")
    with pytest.raises(UnreadableFileError, match=r"named like an OpenDocument spreadsheet .* an OpenDocument text"):
        parse_file(make_odt([("p", "Hello.")]), "costs.ods")


def test_a_damaged_ods_says_which_part_is_damaged() -> None:
    buffer = io.BytesIO()
    original = io.BytesIO(make_ods({"Costs": [["Item"], ["pump"]]}))
    with zipfile.ZipFile(original) as source, zipfile.ZipFile(buffer, "w") as copy:
        for item in source.infolist():
            content = source.read(item)
            copy.writestr(item, content[: len(content) // 2] if item.filename == "content.xml" else content)
    damage = r"damaged .* OpenDocument spreadsheet: its content\.xml is not well-formed"
    with pytest.raises(UnreadableFileError, match=damage):
        parse_file(buffer.getvalue(), "costs.ods")


def test_a_text_box_anchored_to_a_cell_is_not_read_as_its_value() -> None:
    rows = [["Item", "Remark"], ["Bolt", {"value": "ok", "anchored": "CALLOUT TEXT"}]]
    assert _passages(make_ods({"Parts": rows})) == [('sheet "Parts", row 2', "Item: Bolt; Remark: ok")]


def test_excels_true_and_false_converted_by_libreoffice_read_as_truth_values_not_1_and_0() -> None:
    # LibreOffice writes Excel's TRUE as the number 1 with the formula TRUE() and the text it shows.
    flag = {"value": 1, "formula": "of:=TRUE()", "shown": "TRUE"}
    rows = [["Check", "Passed"], ["pressure", flag], ["leak", {"value": 0, "formula": "of:=FALSE()"}]]
    assert _passages(make_ods({"Checks": rows})) == [
        ('sheet "Checks", rows 2-3', "Check: pressure; Passed: TRUE\nCheck: leak; Passed: FALSE")
    ]


def test_a_few_hundred_bytes_repeating_a_filled_cell_into_millions_are_refused_not_read() -> None:
    rows = [["Item"], {"repeat": 1_000, "cells": [{"value": "x", "repeat": 16_384}]}]
    data = make_ods({"Bomb": rows}, tail_rows=1)
    assert len(data) < 10_000
    with pytest.raises(UnreadableFileError, match=rf"holds more than {MAX_FILLED_CELLS:,} filled cells"):
        parse_file(data, "bomb.ods")


def _with_password(data: bytes) -> bytes:
    """The package as LibreOffice saves it with a password: its parts encrypted, the manifest saying how."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as copy:
        for item in source.infolist():
            content = source.read(item)
            if item.filename == "META-INF/manifest.xml":
                content = content.replace(
                    b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
                    b'manifest:full-path="content.xml"><manifest:encryption-data manifest:checksum-type="SHA1/1K" '
                    b'manifest:checksum="AAAA"/></manifest:file-entry>',
                )
            elif item.filename.endswith(".xml"):
                content = bytes((byte * 7 + 3) % 256 for byte in content)  # ciphertext, as far as a parser can tell
            copy.writestr(item, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("salaries.ods", lambda: make_ods({"Pay": [["Name", "Pay"], ["Dana", 50_000]]})),
        ("salaries.odt", lambda: make_odt([("p", "Dana earns 50,000.")])),
        ("salaries.odp", lambda: make_odp([[("title", "Pay")]])),
    ],
)
def test_an_opendocument_saved_with_a_password_says_so_and_how_to_read_it_not_that_it_is_damaged(
    name: str, make
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(UnreadableFileError, match=r"is protected with a password") as caught:
        parse_file(_with_password(make()), name)
    assert "damaged" not in caught.value.message
    assert "without the password" in caught.value.hint
