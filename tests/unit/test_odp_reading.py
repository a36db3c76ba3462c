"""OpenDocument presentations (.odp) made here with odfpy, read as uploaded: a passage per slide."""

from __future__ import annotations

import pytest

from app.errors import UnreadableFileError
from app.ingest.readers import parse_file
from app.store.chunk_text import format_location
from tests.files import make_odp, make_pptx


def _slides(data: bytes) -> list[tuple[str, str]]:
    return [(format_location(document.metadata), document.text) for document in parse_file(data, "deck.odp").documents]


def test_an_odp_slide_reads_its_title_first_then_its_shapes_top_to_bottom_then_its_notes() -> None:
    shapes: list[tuple[str, object]] = [
        ("box@8", "Costs fell in the third quarter."),
        ("title@10", "Q3 results"),  # drawn low on the slide, written late: still the slide's first line
        ("box@4", ["North grew 8%", "South grew 15%"]),
        ("table@12", [["Region", "2023"], ["North", "1,250"]]),
        ("group@6", [("box@6", "Both regions beat the plan.")]),
        ("notes", "Say the numbers slowly."),
    ]
    assert _slides(make_odp([shapes])) == [
        (
            "slide 1",
            "Q3 results\nNorth grew 8%\nSouth grew 15%\nBoth regions beat the plan.\nCosts fell in the third quarter.\n"
            "Region | 2023\nNorth | 1,250\nNotes: Say the numbers slowly.",
        )
    ]


def test_odp_slides_keep_their_numbers_past_an_empty_slide_and_a_hidden_one_says_so() -> None:
    slides = [[("title", "Welcome")], [], [("title", "Appendix"), ("box@3", "Backup figures.")]]
    parsed = parse_file(make_odp(slides, title="Quarterly review", hidden=(3,)), "deck.odp")
    assert [(format_location(document.metadata), document.text) for document in parsed.documents] == [
        ("slide 1", "Welcome"),
        ("slide 3", "(hidden slide)\nAppendix\nBackup figures."),
    ]
    assert (parsed.title, parsed.pages) == ("Quarterly review", 3)


def test_an_odp_and_a_pptx_under_each_others_names_are_told_apart() -> None:
    deck = make_odp([[("title", "Sales")]])
    with pytest.raises(
        UnreadableFileError, match=r"named like a PowerPoint presentation .* an OpenDocument presentation"
    ):
        parse_file(deck, "deck.pptx")
    with pytest.raises(UnreadableFileError, match=r"named like an OpenDocument presentation .* a PowerPoint"):
        parse_file(make_pptx([("Sales", "Up 8%")]), "deck.odp")


def test_an_odp_converted_from_powerpoint_reads_notes_without_the_slide_number_placeholder_and_keeps_line_breaks() -> (
    None
):
    shapes: list[tuple[str, object]] = [
        ("title", "Budget"),
        ("rotated@12", "Approved by the board."),  # placed by its transform alone: read where it sits, last
        ("box@4", "Prepared by Finance\nOctober 2024"),
        ("notes", "Thank the team."),
    ]
    assert _slides(make_odp([shapes])) == [
        ("slide 1", "Budget\nPrepared by Finance\nOctober 2024\nApproved by the board.\nNotes: Thank the team.")
    ]


def test_an_odp_chart_is_read_as_its_title_and_a_line_per_series_as_for_a_pptx() -> None:
    units = ("Units per year", {"Units sold": {"2022": 120, "2023": 150}, "Returns": {"2022": 4, "2023": 3}})
    assert _slides(make_odp([[("title", "Units"), ("chart@5", units)]])) == [
        ("slide 1", "Units\nUnits per year\nUnits sold | 2022: 120 | 2023: 150\nReturns | 2022: 4 | 2023: 3")
    ]
