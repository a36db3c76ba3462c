"""Late chunking's text bookkeeping: merged windows, chunk spans, window sizes."""

from __future__ import annotations

from app.ingest.late_chunking import group_into_windows, merge_chunks


def test_merged_text_writes_overlaps_once_and_spans_point_at_each_chunk() -> None:
    chunks = ["The pump runs. It is loud.", "It is loud. The valve leaks.", "Fix it today."]
    text, spans = merge_chunks(chunks)
    assert text == "The pump runs. It is loud. The valve leaks. Fix it today."
    assert [text[start:end] for start, end in spans] == chunks


def test_chunks_without_shared_text_are_joined_by_a_space() -> None:
    text, spans = merge_chunks(["alpha", "beta"])
    assert text == "alpha beta"
    assert spans == [(0, 5), (6, 10)]


def test_windows_fill_up_to_the_budget_and_never_leave_a_chunk_out() -> None:
    assert group_into_windows([100, 100, 50, 200, 10], budget=250) == [range(0, 3), range(3, 5)]
    assert group_into_windows([300, 20], budget=250) == [range(0, 1), range(1, 2)]  # too big alone: its own window
    assert group_into_windows([], budget=250) == []
