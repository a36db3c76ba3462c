"""The Streamlit script driven by AppTest: real model, real Chroma, a generated PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import PAGE2_QUESTION

APP = str(Path(__file__).resolve().parents[2] / "app" / "main.py")
TIMEOUT = 120


def run_app() -> AppTest:
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.run()
    assert not app.exception, app.exception
    return app


def all_text(app: AppTest) -> str:
    parts = [m.value for m in app.markdown] + [t.value for t in app.text] + [c.value for c in app.caption]
    parts += [e.value for e in app.error] + [s.value for s in app.success] + [i.value for i in app.info]
    return "\n".join(str(p) for p in parts)


@pytest.mark.usefixtures("data_dir")
def test_upload_pdf_then_ask_cites_file_and_page(report_pdf: bytes) -> None:
    app = run_app()
    app.file_uploader[0].set_value(("report.pdf", report_pdf, "application/pdf"))
    app.run()
    assert not app.exception, app.exception
    assert any("report\\.pdf: indexed" in s.value for s in app.success), [s.value for s in app.success]
    assert any("report.pdf (" in t.value for t in app.text), "the document is listed in the sidebar"

    app.chat_input[0].set_value(PAGE2_QUESTION)
    app.run()
    assert not app.exception, app.exception
    text = all_text(app)
    assert "Extractive answer" in text
    assert "550 degrees" in text
    assert "[1] report\\.pdf, page 2" in text, "the first source cites the file and page 2"
    assert "**The Zephyr\\-9 reactor cooling loop uses liquid sodium at 550 degrees Celsius\\.**" in text


@pytest.mark.usefixtures("data_dir")
def test_upload_batch_with_bad_files_indexes_the_good_one(report_pdf: bytes) -> None:
    app = run_app()
    app.file_uploader[0].set_value(
        [
            ("empty.txt", b"", "text/plain"),
            ("broken.pdf", b"%PDF-1.7\n garbage that is not a pdf", "application/pdf"),
            ("tool.exe", b"MZ\x90\x00binary", "application/octet-stream"),
            ("report.pdf", report_pdf, "application/pdf"),
        ]
    )
    app.run()
    assert not app.exception, app.exception
    errors = "\n".join(e.value for e in app.error)
    assert "empty\\.txt" in errors and "is empty" in errors
    assert "broken\\.pdf" in errors and "damaged" in errors
    assert "tool\\.exe" in errors and "not supported" in errors
    assert any("report\\.pdf: indexed" in s.value for s in app.success), [s.value for s in app.success]


@pytest.mark.usefixtures("data_dir")
def test_delete_button_removes_the_document(report_pdf: bytes) -> None:
    app = run_app()
    app.file_uploader[0].set_value(("report.pdf", report_pdf, "application/pdf"))
    app.run()
    delete = [b for b in app.button if b.key and b.key.startswith("delete-")]
    assert len(delete) == 1
    delete[0].click()
    app.run()
    assert not app.exception, app.exception
    assert not [b for b in app.button if b.key and b.key.startswith("delete-")]
    assert "0 documents · 0 chunks" in "\n".join(c.value for c in app.caption)


def test_index_built_with_other_settings_shows_the_fingerprint_error(
    data_dir, report_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    app = run_app()
    app.file_uploader[0].set_value(("report.pdf", report_pdf, "application/pdf"))
    app.run()
    monkeypatch.setenv("CHUNK_SIZE", "120")
    reopened = run_app()
    [banner] = reopened.warning
    assert "was built with" in banner.value and "sentence/200/30" in banner.value
    assert "reindex" in reopened.info[0].value and "Switch the settings back" in reopened.info[0].value
    assert reopened.button(key="reindex").label == "Re-index all documents"
    assert not reopened.chat_input, "the chat is not offered over a mismatched index"


@pytest.mark.usefixtures("data_dir")
def test_changed_embedding_config_shows_a_banner_whose_button_reindexes(
    report_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = run_app()
    app.file_uploader[0].set_value(("report.pdf", report_pdf, "application/pdf"))
    app.run()
    assert any("report\\.pdf: indexed" in s.value for s in app.success)

    monkeypatch.setenv("EMBEDDING_DIMENSIONS", "128")
    app = run_app()
    assert any("dimension: 384 \\-\\> 128" in w.value for w in app.warning), [w.value for w in app.warning]
    assert app.chat_input.len == 0, "no questions against an index of another model"
    app.button(key="reindex").click()
    app.run()
    assert not app.exception, app.exception
    shown = [s.value.replace("\\", "") for s in app.success]  # markdown escapes removed
    assert any("Re-indexed 1 documents (3 chunks)" in s and "128-d" in s for s in shown), shown
    assert any("report.pdf (3 chunks)" in t.value for t in app.text)
    app.chat_input[0].set_value(PAGE2_QUESTION)
    app.run()
    assert "550 degrees" in all_text(app)


@pytest.mark.usefixtures("data_dir")
def test_a_question_of_only_spaces_shows_why_it_is_not_searched() -> None:
    app = run_app()
    app.chat_input[0].set_value("   ")
    app.run()
    assert not app.exception, app.exception
    assert [e.value for e in app.error] == ["There is no question to answer: it is empty\\."]
    assert [i.value for i in app.info] == [
        "Type a question about your documents, e\\.g\\. “What temperature is the reactor coolant?”"
    ]
    assert not app.chat_message, "no blank question bubble, no answer"
    assert not app.session_state["history"], "nothing was asked"
