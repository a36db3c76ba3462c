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


def show_a_chinese_result() -> None:
    from app.ingest.pipeline import IngestResult, language_notice
    from app.main import show_results

    notice = language_notice("zh", "sentence-transformers/all-MiniLM-L6-v2")
    show_results([IngestResult("wall.txt", "indexed", chunks=2, language="zh", notice=notice)])


def test_an_upload_result_shows_the_language_and_the_notice_under_it() -> None:
    page = AppTest.from_function(show_a_chinese_result, default_timeout=120).run()
    assert not page.exception, page.exception
    assert [s.value for s in page.success] == [r"wall\.txt: indexed, 2 chunks, Chinese"]
    [warning] = [w.value for w in page.warning]
    assert warning.startswith(r"wall\.txt: written in Chinese")
    assert r"reindex \-\-model multilingual\-e5\-small" in warning
