"""What the progress bar and the CLI say while a batch is ingested."""

from app.ingest.pipeline import IngestProgress


def test_progress_reports_pages_rate_and_time_left() -> None:
    event = IngestProgress(
        "ledger.pdf", 1, 2, "embedding", 50, 100, pages=200, elapsed=30.0, embeddings_done=50, embedding_seconds=20.0
    )
    assert event.fraction == 0.25  # (0 + 0.05 + 0.9 * 0.5) / 2
    assert event.embeddings_per_second == 2.5
    assert event.eta_seconds == 90.0  # 30 s for a quarter: 90 s for the rest
    assert event.describe() == (
        "1/2 ledger.pdf (200 pages): embedding 50/100 chunks · 2.5 chunks/s · about 1 min 30 s left"
    )


def test_progress_gives_no_rate_or_eta_before_there_is_a_pace() -> None:
    event = IngestProgress("a.txt", 1, 3, "reading", elapsed=0.2)
    assert event.embeddings_per_second is None and event.eta_seconds is None
    assert event.describe() == "1/3 a.txt: reading"


def test_sentence_vectors_show_their_own_count_while_the_bar_waits_before_storing() -> None:
    event = IngestProgress(
        "notes.md", 1, 1, "sentences", 40, 200, elapsed=30.0, embeddings_done=140, embedding_seconds=20.0
    )
    assert event.fraction == 0.95  # the chunks are embedded; the sentences come before storing
    assert event.eta_seconds is None
    assert event.describe() == "1/1 notes.md: embedding sentences 40/200"


def test_long_jobs_show_hours() -> None:
    event = IngestProgress("big.pdf", 1, 10, "storing", elapsed=1000.0, embeddings_done=10, embedding_seconds=900.0)
    assert "0.0111 chunks/s · about 2 h 38 min left" in event.describe()


def test_reading_a_long_pdf_reports_its_pages() -> None:
    event = IngestProgress("ledger.pdf", 1, 1, "reading", pages=200, pages_read=50)
    assert event.fraction == 0.0125  # a quarter of the reading share (5%)
    assert event.describe() == "1/1 ledger.pdf (200 pages): reading page 50"
