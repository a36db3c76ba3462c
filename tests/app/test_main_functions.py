"""app/main.py's functions, imported by a test: importing the module must not draw (or open) the app."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def show_two_results() -> None:
    from app.ingest.pipeline import IngestResult
    from app.main import show_results

    show_results([IngestResult("a.pdf", "failed", message="damaged"), IngestResult("b.txt", "indexed", chunks=1)])


def test_a_page_importing_the_app_module_draws_only_what_it_calls() -> None:
    page = AppTest.from_function(show_two_results, default_timeout=120).run()
    assert not page.exception, page.exception
    assert not page.title, "importing app.main ran the whole app"
    assert [e.value for e in page.error] == [r"a\.pdf: damaged"]  # markdown-escaped names
    assert [s.value for s in page.success] == [r"b\.txt: indexed, 1 chunk"]
