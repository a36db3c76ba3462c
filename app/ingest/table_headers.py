"""Column headers as a reader needs them beside each cell: the words they all share said once, above the rows."""

from __future__ import annotations

from collections.abc import Sequence

MIN_SHARED_WORDS = 2  # "Year Ended December 31," yes; "Total" (of "Total assets", "Total liabilities") no


def shared_header_words(headers: Sequence[str]) -> tuple[str, list[str]]:
    """(the words every named column's header starts with, each header without them), or ("", `headers`) when
    they share fewer than MIN_SHARED_WORDS, differ in length ("As of December 31", "As of December 31, 2021"), or a
    header would be left with nothing.

    A statement's columns are "Year Ended December 31, 2020", "Year Ended December 31, 2019", ...: written before
    every cell, the shared words made a row "Hardware revenue | Year Ended December 31, 2020: 91,654 | Year Ended
    December 31, 2019: ...", twice as long as "Hardware revenue | 2020: 91,654 | 2019: ...", so that a chunk held
    half the rows and its embedding was mostly those words. The shared words come back once, above the rows, with
    trailing punctuation dropped ("Year Ended December 31").
    """
    named = [header.split() for header in headers if header]
    if len(named) < 2 or len({len(words) for words in named}) > 1:  # headers of one pattern only
        return "", list(headers)
    shared = 0
    while all(len(words) > shared + 1 and words[shared] == named[0][shared] for words in named):
        shared += 1
    if shared < MIN_SHARED_WORDS:
        return "", list(headers)
    return (
        " ".join(named[0][:shared]).rstrip(",:;"),
        [" ".join(header.split()[shared:]) if header else "" for header in headers],
    )
