"""The words all column headers share are said once above a table's rows, not before every cell."""

from __future__ import annotations

import pytest

from app.ingest.table_headers import shared_header_words


def test_a_statement_s_year_columns_are_labelled_by_their_years_under_the_words_they_share() -> None:
    headers = ["", "Year Ended December 31, 2020", "Year Ended December 31, 2019", "Year Ended December 31, 2018"]
    assert shared_header_words(headers) == ("Year Ended December 31", ["", "2020", "2019", "2018"])


@pytest.mark.parametrize(
    "headers",
    [
        [
            "Three months ended December 31, 2022",
            "Twelve months ended December 31, 2022",
        ],  # nothing shared at the start
        ["Total assets", "Total liabilities"],  # one shared word: "assets" alone would say too little
        ["As of December 31", "As of December 31, 2021"],  # the first would be left with nothing
        ["", "2022"],  # one named column
    ],
)
def test_headers_that_share_too_little_are_kept_whole(headers: list[str]) -> None:
    assert shared_header_words(headers) == ("", headers)
