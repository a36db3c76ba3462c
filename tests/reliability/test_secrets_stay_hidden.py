"""API keys never reach the logs or the UI: every log record at DEBUG, and every string AppTest renders.

Keys are set for both servers; the LLM is real (this tier's tiny chat server, started with `--api-key`),
asked with the right key and with a wrong one (whose rejection is reported without echoing the key).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from tests.app.test_streamlit_app import run_app
from tests.conftest import PAGE2_QUESTION
from tests.reliability.conftest import CHAT_API_KEY, CHAT_MODEL, TINY_CHAT_SETTINGS
from tests.reliability.restartable import RestartableServer

EMBEDDING_KEY = "sk-reliability-embed-93d7aa"  # set beside the local backend: it must stay hidden too
WRONG_KEY = "sk-reliability-wrong-41f2c8"
SECRETS = (CHAT_API_KEY, EMBEDDING_KEY, WRONG_KEY)


def every_string(app: AppTest) -> str:
    """Each element's protobuf as text: labels, values, help, captions, markdown bodies, sidebar included."""
    found: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            found.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(app._tree)
    return "\n".join(found)


def test_api_keys_never_appear_in_the_logs(
    chat: RestartableServer, open_workspace, report_pdf: bytes, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)  # every library's debug output too (openai, httpx, chromadb)
    url = f"{chat.url}/v1"
    workspace = open_workspace(
        LLM_API_BASE=url,
        LLM_MODEL=CHAT_MODEL,
        LLM_API_KEY=CHAT_API_KEY,
        EMBEDDING_API_KEY=EMBEDDING_KEY,
        LLM_MAX_TOKENS=24,
        **TINY_CHAT_SETTINGS,
    )
    workspace.ingest([("report.pdf", report_pdf), ("broken.pdf", b"%PDF-1.7 garbage")])
    good = workspace.ask(PAGE2_QUESTION)
    assert good.mode == "llm", good.notice
    good.text()
    rejected = open_workspace(LLM_API_BASE=url, LLM_MODEL=CHAT_MODEL, LLM_API_KEY=WRONG_KEY).ask(PAGE2_QUESTION)
    assert rejected.mode == "extractive" and "rejected the API key" in rejected.notice

    assert len(caplog.records) > 10, "debug logging was captured"
    logged = caplog.text + "\n".join(str(record.__dict__) for record in caplog.records)
    for secret in SECRETS:
        assert secret not in logged
        assert secret not in rejected.notice + good.notice
    assert repr(workspace.settings).count(CHAT_API_KEY) == 0, "settings print keys masked"


def test_api_keys_never_appear_in_the_ui(
    chat: RestartableServer, data_dir: Path, report_pdf: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LLM_API_BASE", f"{chat.url}/v1")
    monkeypatch.setenv("LLM_MODEL", CHAT_MODEL)
    monkeypatch.setenv("EMBEDDING_API_KEY", EMBEDDING_KEY)
    monkeypatch.setenv("LLM_MAX_TOKENS", "24")
    for name, value in TINY_CHAT_SETTINGS.items():
        monkeypatch.setenv(name, json.dumps(value))
    shown = []
    for key in (CHAT_API_KEY, WRONG_KEY):
        monkeypatch.setenv("LLM_API_KEY", key)
        st.cache_resource.clear()  # the app keeps its Workspace per process; a new key means a fresh start
        app = run_app()
        app.file_uploader[0].set_value(("report.pdf", report_pdf, "application/pdf"))
        app.run()
        app.chat_input[0].set_value(PAGE2_QUESTION)
        app.run()
        assert not app.exception, app.exception
        shown.append(every_string(app) + "\n".join(w.value for w in app.warning))
    assert "rejected the API key" in shown[1], "the wrong key's notice is on screen"
    for secret in SECRETS:
        assert secret not in "\n".join(shown)
