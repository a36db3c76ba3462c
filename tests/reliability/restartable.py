"""A real vLLM server that a test can crash (SIGKILL) and start again on the same port."""

from __future__ import annotations

import contextlib
import json
import os
import signal
from collections.abc import Sequence
from pathlib import Path

from tests.servers import Server, free_port, start_server
from tests.vllm.conftest import COMMON_FLAGS, SERVER_ENV, VLLM_PYTHON

HEALTH_DEADLINE_S = 400


class RestartableServer:
    def __init__(self, name: str, model: Path, flags: Sequence[str], log: Path) -> None:
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.starts: list[float] = []  # seconds to healthy, per start
        self._command = [str(VLLM_PYTHON), "-m", "vllm.entrypoints.openai.api_server", "--model", str(model)]
        self._command += ["--host", "127.0.0.1", "--port", str(self.port), "--served-model-name", name]
        self._command += [*COMMON_FLAGS, *flags]
        self._server: Server | None = None

    def start(self) -> None:
        self._server = start_server(self._command, port=self.port, log=self.log, env=SERVER_ENV, own_group=True)
        self.starts.append(self._server.wait_healthy("/health", HEALTH_DEADLINE_S))

    def alive(self) -> bool:
        return self._server is not None and self._server.process.poll() is None

    def kill(self) -> None:
        assert self._server is not None
        self._server.kill()

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stop()
        with contextlib.suppress(ProcessLookupError):  # workers that outlived their parent are still in its group
            os.killpg(self._server.process.pid, signal.SIGKILL)


def minilm_embed_flags() -> list[str]:
    return ["--runner", "pooling", "--max-model-len", "256", "--hf-overrides", json.dumps({"is_matryoshka": True})]
