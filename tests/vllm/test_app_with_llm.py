"""The Streamlit app with a chat server configured: the answer is streamed by the LLM, not extractive."""

from __future__ import annotations

import pytest

from tests.app.test_streamlit_app import all_text, run_app
from tests.conftest import PAGE2_QUESTION
from tests.vllm.conftest import ServedModel


@pytest.mark.usefixtures("data_dir")
def test_app_streams_an_llm_answer_with_sources(
    chat_server: ServedModel, report_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_API_BASE", chat_server.url)
    monkeypatch.setenv("LLM_MODEL", chat_server.model)
    monkeypatch.setenv("LLM_API_KEY", str(chat_server.api_key))
    monkeypatch.setenv("LLM_MAX_TOKENS", "32")
    # Random weights write only newlines at a low temperature (the app then answers extractively): sample.
    monkeypatch.setenv("LLM_TEMPERATURE", "0.8")
    monkeypatch.setenv("LLM_EXTRA_BODY", '{"seed": 1, "ignore_eos": true}')
    app = run_app()
    assert "Answers: tiny-chat at" in "\n".join(c.value for c in app.caption)
    app.file_uploader[0].set_value(("report.pdf", report_pdf, "application/pdf"))
    app.run()
    app.chat_input[0].set_value(PAGE2_QUESTION)
    app.run()
    assert not app.exception, app.exception
    assert not app.warning, [w.value for w in app.warning]  # no "LLM unreachable" notice
    text = all_text(app)
    assert "Extractive answer" not in text
    assert "[1] report\\.pdf, page 2" in text
