"""The sidebar and the chat's notices, driven by AppTest: collections, retrieval choices, status, errors."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.test_streamlit_app import all_text, run_app
from tests.conftest import PAGE2_QUESTION, make_pdf
from tests.servers import free_port


def upload(app: AppTest, name: str, data: bytes) -> None:
    app.file_uploader[0].set_value((name, data, "application/pdf"))
    app.run()
    assert not app.exception, app.exception


def ask(app: AppTest, question: str) -> None:
    app.chat_input[0].set_value(question)
    app.run()
    assert not app.exception, app.exception


def button(app: AppTest, key: str):  # type: ignore[no-untyped-def]
    [found] = [b for b in app.button if b.key == key]
    return found


def rendered(app: AppTest) -> str:
    """Every element of the page as its protobuf text: all that reaches the browser."""
    parts: list[str] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        if getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app._tree)
    return "\n".join(parts)


def document_names(app: AppTest) -> list[str]:
    return [t.value for t in app.text]


@pytest.mark.usefixtures("data_dir")
def test_create_switch_and_delete_a_collection(report_pdf: bytes) -> None:
    app = run_app()
    upload(app, "report.pdf", report_pdf)
    app.text_input(key="new-collection-name").set_value("birds")
    button(app, "create-collection").click()
    app.run()
    assert not app.exception, app.exception
    assert app.selectbox[0].value == "birds" and app.selectbox[0].options == ["birds", "documents"]
    assert not any("report.pdf" in name for name in document_names(app)), "a new collection starts empty"

    upload(app, "puffins.pdf", make_pdf(["Puffins nest in burrows on rocky islands."]))
    assert "puffins.pdf (1 chunk) · English" in document_names(app), "each document is listed with its language"
    app.selectbox[0].set_value("documents")
    app.run()
    assert any("report.pdf (3 chunks)" in name for name in document_names(app))
    assert not any("puffins.pdf" in name for name in document_names(app))

    app.selectbox[0].set_value("birds")
    app.run()
    button(app, "remove-collection").click()
    app.run()
    assert "Delete the collection 'birds' and its 1 document?" in "\n".join(w.value for w in app.warning)
    button(app, "confirm-remove-collection").click()
    app.run()
    assert not app.exception, app.exception
    assert app.selectbox[0].options == ["documents"] and app.selectbox[0].value == "documents"
    assert any("report.pdf (3 chunks)" in name for name in document_names(app)), "the other collection is intact"


@pytest.mark.usefixtures("data_dir")
def test_an_invalid_collection_name_is_a_notice_not_a_trace() -> None:
    app = run_app()
    app.text_input(key="new-collection-name").set_value("no spaces please")
    button(app, "create-collection").click()
    app.run()
    assert not app.exception, app.exception
    assert "cannot name a collection" in app.error[0].value
    assert app.chat_input, "the rest of the page still works"


@pytest.mark.usefixtures("data_dir")
def test_top_k_chosen_in_the_sidebar_limits_the_sources(report_pdf: bytes) -> None:
    app = run_app()
    upload(app, "report.pdf", report_pdf)
    app.slider(key="top_k").set_value(1)
    ask(app, PAGE2_QUESTION)
    assert "Sources (1)" in [e.label for e in app.expander]
    assert "[1] report\\.pdf, page 2" in all_text(app)


@pytest.mark.usefixtures("data_dir")
def test_sources_offer_the_original_file_for_download(report_pdf: bytes) -> None:
    app = run_app()
    upload(app, "report.pdf", report_pdf)
    ask(app, PAGE2_QUESTION)
    assert [b.label for b in app.download_button] == ["Download report.pdf"], "one button per cited document"


@pytest.mark.usefixtures("data_dir")
def test_a_question_far_from_every_passage_is_not_found(report_pdf: bytes, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NOT_FOUND_THRESHOLD", "0.3")
    app = run_app()
    upload(app, "report.pdf", report_pdf)
    ask(app, "Which football club won the 1998 league title?")
    text = all_text(app)
    assert "Not found in your documents" in text and "below the 0\\.30 needed" in text
    assert any(e.label.startswith("Closest passages (") for e in app.expander)
    ask(app, PAGE2_QUESTION)
    assert "550 degrees" in all_text(app), "a question the documents answer still gets its answer"


@pytest.mark.usefixtures("data_dir")
def test_status_panel_reports_each_service_and_never_shows_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "sk-very-secret-0123456789"  # noqa: S105 - a fake key that must never be displayed
    down = f"http://user:{secret}@127.0.0.1:{free_port()}/v1"
    monkeypatch.setenv("LLM_API_BASE", down)
    monkeypatch.setenv("LLM_API_KEY", secret)
    monkeypatch.setenv("LLM_TIMEOUT", "5")
    app = run_app()
    markdown = "\n".join(m.value for m in app.markdown)
    assert "**Embedding**: local · sentence\\-transformers/all\\-MiniLM\\-L6\\-v2" in markdown and "384\\-d" in markdown
    assert "ms per query" in markdown
    assert "**Chroma**: embedded at" in markdown
    errors = "\n".join(e.value for e in app.error)
    assert "**LLM**: The chat server at http://127\\.0\\.0\\.1" in errors and "cannot be reached" in errors
    assert "Start the server, or fix LLM\\_API\\_BASE" in "\n".join(i.value for i in app.info)
    everything = rendered(app)
    assert "Answers: default at http://127.0.0.1:" in everything, "the walk does see the page's text"
    assert secret not in everything and "user:" not in everything


@pytest.mark.usefixtures("data_dir")
def test_status_panel_without_an_llm_says_answers_are_extractive() -> None:
    app = run_app()
    markdown = "\n".join(m.value for m in app.markdown)
    assert "**LLM**: none configured: answers are extractive" in markdown
    assert not app.error


@pytest.mark.usefixtures("data_dir")
def test_a_follow_up_without_an_llm_searches_with_the_previous_question(report_pdf: bytes) -> None:
    app = run_app()
    upload(app, "report.pdf", report_pdf)
    ask(app, "What does the Zephyr-9 reactor cooling loop use?")
    ask(app, "How hot is it?")
    captions = "\n".join(c.value for c in app.caption)
    assert "Searched for: What does the Zephyr\\-9 reactor cooling loop use? How hot is it?" in captions
    assert "550 degrees" in all_text(app)
