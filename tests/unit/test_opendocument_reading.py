"""OpenDocument text (.odt) made here with odfpy, read as a user would upload it."""

from __future__ import annotations

import io
import zipfile

import pytest

from app.errors import UnreadableFileError
from app.ingest.readers import parse_file
from app.store.chunk_text import format_location
from tests.files import make_docx, make_odt


def test_an_odt_is_read_in_order_under_its_headings_with_changes_accepted_and_notes_in_place() -> None:
    blocks: list[tuple[str, object]] = [("h1", "Results"), ("p", "Revenue rose 12% in 2023.")]
    blocks += [("list", ["North grew 8%", "South grew 15%"]), ("h2", "By region")]
    blocks += [("table", [["Region", "2023"], ["North", "1,250"]]), ("p", "Outlook is stable.")]
    data = make_odt(blocks, title="Annual report", deleted="Revenue fell. ", footnote=("Staff: 1,450.", "Full-time."))
    parsed = parse_file(data, "report.odt")
    assert [(format_location(document.metadata), document.text) for document in parsed.documents] == [
        ('section "Results"', "Results\nRevenue rose 12% in 2023.\nNorth grew 8%\nSouth grew 15%"),
        (
            'section "Results > By region"',
            "By region\nRegion | 2023\nNorth | 1,250\nOutlook is stable.\nStaff: 1,450. (Full-time.)",
        ),
    ]
    assert parsed.title == "Annual report"


def test_odt_text_boxes_and_lists_in_cells_keep_their_paragraphs_apart_and_comments_and_contents_are_not_read() -> None:
    blocks: list[tuple[str, object]] = [
        ("toc", ["Results ..... 3", "Outlook ..... 4"]),
        ("h1", "Results"),
        ("boxed", ("The plant opened in 1998.", ["Capacity: 40 MW.", "Staff: 120."])),
        ("commented", ("Output rose 4%", "Check this figure with Dana")),
        ("table", [["Unit", "Changes"], ["Turbine 2", ["New blades", "New seals"]]]),
    ]
    assert [document.text for document in parse_file(make_odt(blocks), "plant.odt").documents] == [
        "Results\nThe plant opened in 1998.\nCapacity: 40 MW.\nStaff: 120.\nOutput rose 4% (end)\n"
        "Unit | Changes\nTurbine 2 | New blades New seals"
    ]


def test_an_odt_and_a_docx_under_each_others_names_are_told_apart() -> None:
    with pytest.raises(UnreadableFileError, match=r"named like a Word document .* its content is an OpenDocument text"):
        parse_file(make_odt([("p", "Hello.")]), "letter.docx")
    with pytest.raises(UnreadableFileError, match=r"named like an OpenDocument text .* Word document"):
        parse_file(make_docx({"Results": "Hello."}), "letter.odt")


def test_a_damaged_odt_says_which_part_is_damaged_and_prints_none_of_its_text(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # odfpy prints an XML part it cannot parse, the user's text in it, to standard output and reads on without it.
    original = make_odt([("p", "Salary of J. Doe: 98,000.")])
    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            part = source.read(info)
            target.writestr(info, part[: len(part) // 2] if info.filename == "content.xml" else part)
    with pytest.raises(UnreadableFileError) as caught:
        parse_file(damaged.getvalue(), "salaries.odt")
    assert caught.value.message.startswith(
        "'salaries.odt' is damaged and cannot be read as an OpenDocument text: its content.xml is not well-formed XML"
    )
    assert caught.value.hint == "Open it in LibreOffice, save it again, and upload that."
    assert "98,000" not in capsys.readouterr().out


def test_a_merged_cell_of_an_odt_table_is_read_in_each_row_and_column_it_covers() -> None:
    rows = [
        ["Region", {"text": "Sales", "span": (1, 2)}, None],
        [{"text": "North and South", "span": (2, 1)}, "10", "20"],
        [None, "30", "40"],
    ]
    assert [document.text for document in parse_file(make_odt([("table", rows)]), "sales.odt").documents] == [
        "Region | Sales | Sales\nNorth and South | 10 | 20\nNorth and South | 30 | 40"
    ]


def test_an_odt_page_header_and_footer_are_read_once_each_as_for_a_docx() -> None:
    data = make_odt([("h1", "Results"), ("p", "Revenue rose.")], header="ACME Corp - Confidential", footer="Page 1")
    assert [
        (format_location(document.metadata), document.text) for document in parse_file(data, "r.odt").documents
    ] == [
        ('section "page header"', "ACME Corp - Confidential"),
        ('section "Results"', "Results\nRevenue rose."),
        ('section "page footer"', "Page 1"),
    ]
