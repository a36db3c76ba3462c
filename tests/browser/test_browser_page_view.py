"""In a real browser: a cited PDF passage is shown on its page image, highlighted; the reader pages through
the document and opens a bigger view; a text source's markup stays text in its context view."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.browser.test_browser_chat import HOSTILE_TEXT, TIMEOUT_MS, _ask, _upload
from tests.conftest import PAGE2_QUESTION
from tests.servers import ARTIFACTS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_a_cited_pdf_passage_is_shown_on_its_page_and_the_reader_can_turn_pages(  # type: ignore[no-untyped-def]
    page, app_url: str, tmp_path: Path, report_pdf: bytes
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    pdf = tmp_path / "reactor-report.pdf"
    pdf.write_bytes(report_pdf)
    page.goto(app_url)
    _upload(page, pdf)
    _ask(page, PAGE2_QUESTION)
    page.get_by_text("Sources (", exact=False).last.click()
    page.get_by_text("[1] reactor-report.pdf, page 2", exact=False).wait_for(timeout=TIMEOUT_MS)

    first = page.locator("[class*='st-key-page-view-'] img").first
    first.wait_for(timeout=TIMEOUT_MS)
    page.get_by_text("Page 2 of 3").first.wait_for(timeout=TIMEOUT_MS)
    assert first.evaluate("image => image.naturalWidth") == 700, "the page image as rendered for the panel"
    page.wait_for_timeout(800)  # the expander's opening animation
    # The chat scrolls inside its own pane (a full-page screenshot would not show it): bring the source's
    # heading to the top of the window, so the picture shows the citation and its page.
    heading = page.get_by_text("[1] reactor-report.pdf, page 2", exact=False).first
    heading.evaluate("element => element.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)
    page.screenshot(path=str(ARTIFACTS / "page-view.png"))
    shutil.copyfile(ARTIFACTS / "page-view.png", DOCS / "page-view.png")

    page.locator("[class*='st-key-next-'] button").first.click()
    page.get_by_text("Page 3 of 3").first.wait_for(timeout=TIMEOUT_MS)
    page.locator("[class*='st-key-back-'] button").first.click()
    page.get_by_text("Page 2 of 3").first.wait_for(timeout=TIMEOUT_MS)

    page.locator("[class*='st-key-bigger-'] button").first.click()
    dialog = page.get_by_role("dialog")
    dialog.locator("img").wait_for(timeout=TIMEOUT_MS)
    assert dialog.locator("img").evaluate("image => image.naturalWidth") == 1400
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "page-view-bigger.png"))


def test_a_text_source_shows_its_markup_as_text_in_its_context_view(page, app_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    hostile = tmp_path / "hostile-notes.txt"
    hostile.write_text(HOSTILE_TEXT)
    page.goto(app_url)
    _upload(page, hostile)
    _ask(page, "Who repaired the castle drawbridge in 1412?")
    page.get_by_text("Sources (", exact=False).last.click()
    page.get_by_text("<script>window.__injected", exact=False).first.wait_for(timeout=TIMEOUT_MS)
    assert page.evaluate("window.__injected") is None
    assert page.locator("img[src='x']").count() == 0
    page.wait_for_timeout(500)
    page.screenshot(path=str(ARTIFACTS / "page-view-text-source.png"), full_page=True)
