"""Browser tier: `streamlit run` as a real server, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.servers import free_port, running, start_server

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "Chromium is not installed (make test installs Debian's `chromium` when it can)."
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run this tier, never skip it
        pytest.skip(message)
    return path


@contextmanager
def streamlit_app(tmp_path_factory: pytest.TempPathFactory, port: int | None = None, **settings: str) -> Iterator[str]:
    """The app started as `make run` starts it (`python -m app.ui.launch`, which execs `streamlit run
    app/main.py`) on a loopback port (default: a free one), stopped by its PID."""
    data_dir = tmp_path_factory.mktemp("browser-data")
    port = port or free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_BASE", "LLM_API_BASE")}
    env.update(DATA_DIR=str(data_dir), HF_HUB_OFFLINE="1", **settings)
    server = start_server(
        [
            sys.executable, "-m", "app.ui.launch",
            "--server.address", "127.0.0.1", "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
        ],
        port=port, log=tmp_path_factory.mktemp("logs") / "streamlit.log", env=env,
    )  # fmt: skip
    with running(server, health="/_stcore/health", deadline_s=120, expect=b"ok"):
        yield server.url


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on its embedded defaults: no LLM, extractive answers."""
    with streamlit_app(tmp_path_factory) as url:
        yield url


@pytest.fixture(scope="module")
def llm_app_url(tmp_path_factory: pytest.TempPathFactory, chat_server) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app answering through the session's tiny vLLM chat server."""
    settings = {"LLM_API_BASE": chat_server.url, "LLM_MODEL": chat_server.model, "LLM_API_KEY": chat_server.api_key}
    # Random weights write only newlines at a low temperature: sample, and write past the end token.
    extra = {"LLM_MAX_TOKENS": "48", "LLM_TEMPERATURE": "0.8", "LLM_EXTRA_BODY": '{"seed": 1, "ignore_eos": true}'}
    with streamlit_app(tmp_path_factory, **settings, **extra) as url:
        yield url


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()
