"""A person's path through the app in a real browser: upload, watch progress, ask, read the sources."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PAGE2_QUESTION
from tests.servers import ARTIFACTS

TIMEOUT_MS = 120_000

HOSTILE_TEXT = (
    "The castle drawbridge was repaired by the guild of carpenters in 1412. "
    '<script>window.__injected = "script";</script> <img src="x" onerror="window.__injected = \'img\'"> '
    "[a link](javascript:alert(1)) and **bold** stay plain text."
)


def _upload(page, path: Path) -> None:  # type: ignore[no-untyped-def]
    # The first load can be slow; after a collection switch the old uploader stays until that run ends.
    page.wait_for_function("document.querySelectorAll('input[type=file]').length === 1", timeout=TIMEOUT_MS)
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_text(f"{path.name}: indexed").wait_for(timeout=TIMEOUT_MS)


def _wait_until_run_ends(page) -> None:  # type: ignore[no-untyped-def]
    """Until the page's script run has ended (Streamlit marks its state on the app's root element): text typed
    into the chat box while the page is still being built can be lost as the box is drawn again."""
    page.locator("[data-testid='stApp'][data-test-script-state='notRunning']").wait_for(timeout=TIMEOUT_MS)


def _save_sessions(pages, name: str) -> None:  # type: ignore[no-untyped-def]
    """Each page's screenshot and text in test-artifacts/, to see what a session showed when a test failed there."""
    ARTIFACTS.mkdir(exist_ok=True)
    for number, page in enumerate(pages):
        page.screenshot(path=str(ARTIFACTS / f"{name}-session{number}.png"), full_page=True)
        (ARTIFACTS / f"{name}-session{number}.txt").write_text(page.inner_text("body"))


def _ask(page, question: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_placeholder("Ask a question about your documents")
    box.fill(question)
    box.press("Enter")
    page.get_by_text("Sources (", exact=False).last.wait_for(timeout=TIMEOUT_MS)


def test_upload_ask_and_open_the_cited_source(page, app_url: str, tmp_path: Path, report_pdf: bytes) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = tmp_path / "reactor-report.pdf"
    pdf.write_bytes(report_pdf)
    page.goto(app_url)
    page.get_by_text("Chat with your documents").first.wait_for(timeout=TIMEOUT_MS)
    _upload(page, pdf)
    page.get_by_text("Done: 1 file(s)").wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("reactor-report.pdf (3 chunks)").wait_for()
    page.get_by_text("1 document · 3 chunks", exact=False).wait_for()

    _ask(page, PAGE2_QUESTION)
    page.get_by_text("Extractive answer", exact=False).last.wait_for()
    page.get_by_text("Sources (", exact=False).last.click()
    page.get_by_text("[1] reactor-report.pdf, page 2", exact=False).wait_for()
    page.get_by_text("[3] reactor-report.pdf", exact=False).wait_for()
    page.wait_for_timeout(800)  # let the expander finish opening before the screenshot
    page.screenshot(path=str(ARTIFACTS / "answer-with-sources.png"), full_page=True)

    with page.expect_download() as download:
        page.locator("[class*='st-key-download-'] button", has_text="Download reactor-report.pdf").first.click()
    assert Path(download.value.path()).read_bytes() == report_pdf, "the original file, byte for byte"
    assert download.value.suggested_filename == "reactor-report.pdf"

    page.locator("[class*='st-key-delete-'] button").first.click()
    page.get_by_text("0 documents", exact=False).wait_for(timeout=TIMEOUT_MS)
    # The list entry leaves when Streamlit finishes the rerun, which may come after the status line.
    page.get_by_text("reactor-report.pdf (3 chunks)").wait_for(state="detached", timeout=TIMEOUT_MS)


def test_document_markup_is_shown_as_text_and_never_runs(page, app_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(HOSTILE_TEXT)
    page.goto(app_url)
    _upload(page, hostile)
    _ask(page, "Who repaired the castle drawbridge?")
    page.get_by_text("Sources (", exact=False).last.click()
    page.get_by_text("<script>window.__injected", exact=False).first.wait_for()
    assert page.evaluate("window.__injected") is None
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "hostile-document.png"), full_page=True)


def test_cancel_stops_an_upload_and_keeps_the_files_finished_before(page, app_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from app.ingest.pipeline import EMBED_SLICE
    from tests.conftest import make_pdf

    first = tmp_path / "a-first-note.txt"
    first.write_text("The ferry to the island leaves at seven every morning.")
    ledger = tmp_path / "b-ledger.pdf"
    pages = 8 * EMBED_SLICE
    ledger.write_bytes(make_pdf([f"Ledger page {n}: {n * 7} sacks of grain for farm {n}." for n in range(pages)]))
    page.goto(app_url)
    page.locator("input[type=file]").set_input_files([str(first), str(ledger)])
    page.get_by_text(f"b-ledger.pdf ({pages} pages): embedding", exact=False).first.wait_for(timeout=TIMEOUT_MS)
    page.locator("[class*='st-key-cancel-ingest'] button").first.click()
    page.get_by_text("b-ledger.pdf: cancelled, not indexed", exact=False).wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("a-first-note.txt: indexed before the cancel", exact=False).wait_for()
    page.get_by_text("a-first-note.txt (1 chunk)").wait_for()
    assert page.get_by_text("b-ledger.pdf (", exact=False).count() == 0, "nothing of the cancelled file is listed"


def test_collections_are_created_switched_and_deleted(page, app_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    notes = tmp_path / "bird-notes.txt"
    notes.write_text("Atlantic puffins nest in burrows on rocky islands and eat sand eels.")
    page.goto(app_url)
    page.get_by_text("New or delete collection").click(timeout=TIMEOUT_MS)  # the first load can be slow
    page.get_by_label("New collection name").fill("birds")
    page.get_by_label("New collection name").press("Enter")
    page.locator(".st-key-create-collection button").click()
    page.get_by_text("Index: birds", exact=False).wait_for(timeout=TIMEOUT_MS)
    _upload(page, notes)
    page.get_by_text("bird-notes.txt (1 chunk)").wait_for(timeout=TIMEOUT_MS)
    _ask(page, "Where do puffins nest?")
    _ask(page, "And what do they eat?")
    page.get_by_text("Searched for: Where do puffins nest? And what do they eat?", exact=False).wait_for()

    remove = page.locator(".st-key-remove-collection button", has_text="Delete 'birds'")
    if not remove.is_visible():  # the expander keeps its open state across reruns
        page.get_by_text("New or delete collection").click()
    remove.click()
    page.get_by_text("Delete the collection 'birds' and its 1 document?", exact=False).wait_for()
    page.locator(".st-key-confirm-remove-collection button").click()
    page.get_by_text("Index: documents", exact=False).wait_for(timeout=TIMEOUT_MS)
    assert page.get_by_text("bird-notes.txt (1 chunk)").count() == 0


def test_an_llm_answer_streams_into_the_page_with_its_sources(
    page, llm_app_url: str, tmp_path: Path, report_pdf: bytes
) -> None:  # type: ignore[no-untyped-def]
    """Through vLLM serving a tiny random-weight model: the text is noise; the path is the real one."""
    pdf = tmp_path / "reactor-report.pdf"
    pdf.write_bytes(report_pdf)
    page.goto(llm_app_url)
    _upload(page, pdf)
    page.get_by_text("Answers: tiny-chat at", exact=False).wait_for()
    _ask(page, PAGE2_QUESTION)
    assert page.get_by_text("Extractive answer", exact=False).count() == 0, "the LLM answered"
    assert page.locator("[data-testid='stAlertContentWarning']").count() == 0, "no notice: the server answered"
    page.get_by_text("Sources (", exact=False).last.click()
    page.get_by_text("[1] reactor-report.pdf, page 2", exact=False).wait_for()
    page.wait_for_timeout(800)
    page.screenshot(path=str(ARTIFACTS / "llm-answer-with-sources.png"), full_page=True)


LIGHTHOUSE_PAGES = [
    "The Skerry Point lighthouse stands on a basalt reef eleven miles from the harbour.",
    "Its keeper replaced the mercury bath under the rotating lens in March 1931 after it leaked.",
    "Supplies came by boat every second Tuesday, weather permitting, with coal and lamp oil.",
]
LIGHTHOUSE_QUESTION = "When was the mercury bath under the lighthouse lens replaced?"
SESSIONS = 3


def test_browser_sessions_asking_at_once_each_get_an_llm_answer_with_sources(
    browser, llm_app_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The browser tier under load: one `streamlit run`, several sessions asking at the same moment.

    Each session's answer time (Enter to its sources showing) is printed and written to
    test-artifacts/browser-load.txt; times are reported, never asserted.
    """
    import time

    from benchmarks.load import percentile
    from tests.conftest import make_pdf

    pdf = tmp_path / "lighthouse-log.pdf"
    pdf.write_bytes(make_pdf(LIGHTHOUSE_PAGES))
    contexts = [browser.new_context(viewport={"width": 1400, "height": 1000}) for _ in range(SESSIONS)]
    try:
        pages = [context.new_page() for context in contexts]
        for page in pages:
            page.goto(llm_app_url)
        _upload(pages[0], pdf)
        for page in pages[1:]:  # the others load the app before the upload: they see it after a rerun
            page.reload()
            page.get_by_text("lighthouse-log.pdf (3 chunks)").wait_for(timeout=TIMEOUT_MS)

        boxes = [page.get_by_placeholder("Ask a question about your documents") for page in pages]
        for page, box in zip(pages, boxes, strict=True):
            _wait_until_run_ends(page)
            box.fill(LIGHTHOUSE_QUESTION)
            assert box.input_value() == LIGHTHOUSE_QUESTION
        asked: list[float] = []
        for box in boxes:  # back to back: the server runs the three answers at the same time
            box.press("Enter")
            asked.append(time.perf_counter())
        answered: dict[int, float] = {}
        deadline = time.perf_counter() + TIMEOUT_MS / 1000
        while len(answered) < SESSIONS and time.perf_counter() < deadline:
            for number, page in enumerate(pages):
                if number not in answered and page.get_by_text("Sources (", exact=False).count():
                    answered[number] = time.perf_counter()
            pages[0].wait_for_timeout(50)
        if len(answered) < SESSIONS:
            _save_sessions(pages, "browser-load-failed")
        assert len(answered) == SESSIONS, f"only sessions {sorted(answered)} got an answer (see test-artifacts/)"

        for page in pages:
            assert page.get_by_text("Extractive answer", exact=False).count() == 0, "the LLM answered"
            for kind in ("stException", "stAlertContentError", "stAlertContentWarning"):
                assert page.locator(f"[data-testid='{kind}']").count() == 0, f"{kind} shown"
            page.get_by_text("Sources (", exact=False).last.click()
            page.get_by_text("lighthouse-log.pdf, page 2", exact=False).first.wait_for(timeout=TIMEOUT_MS)
    finally:
        for context in contexts:
            context.close()

    seconds = [answered[number] - asked[number] for number in range(SESSIONS)]
    line = (
        f"browser load: {SESSIONS} sessions asking at once, answer (Enter to sources shown) "
        f"p50 {percentile(seconds, 50):.2f} s, p95 {percentile(seconds, 95):.2f} s; each: "
        + ", ".join(f"{value:.2f}" for value in seconds)
    )
    print(line)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "browser-load.txt").write_text(line + "\n")
