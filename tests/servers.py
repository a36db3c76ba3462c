"""Start and stop the real servers the tests use: by PID, on 127.0.0.1, logs kept for failures."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def require(path: Path, what: str) -> None:
    """Skip without the tool, except in CI, where a missing tool must fail the run."""
    if path.exists():
        return
    message = f"{what} is not installed at {path} (`make test` installs it)."
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    url: str
    log: Path
    started: float = field(default_factory=time.monotonic)

    def wait_healthy(self, path: str, deadline_s: float, expect: bytes | None = None) -> float:
        """Seconds from start until healthy (also written to test-artifacts/server-startup.txt)."""
        deadline = time.monotonic() + deadline_s
        last_error: OSError | None = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; log:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=2) as response:  # noqa: S310 - loopback only
                    body = response.read().strip()
                    if response.status == 200 and (expect is None or body == expect):
                        return self._record_startup()
            except OSError as exc:  # refused until the server listens
                last_error = exc
            time.sleep(0.5)
        raise RuntimeError(f"{self.url} not healthy within {deadline_s} s ({last_error}); log:\n{self.tail()}")

    def _record_startup(self) -> float:
        seconds = time.monotonic() - self.started
        ARTIFACTS.mkdir(exist_ok=True)
        with (ARTIFACTS / "server-startup.txt").open("a") as record:
            record.write(f"{self.log.stem}\t{seconds:.1f} s\n")
        return seconds

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        """Die at once, as in a crash: SIGKILL to the server's process group (its workers too).

        Only for servers started with `own_group=True`: their group holds nothing else.
        """
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_server(
    command: Sequence[str], *, port: int, log: Path, env: dict[str, str] | None = None, own_group: bool = False
) -> Server:
    """Start a server; `own_group` puts it (and the workers it spawns) in a new process group for `kill()`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as handle:
        process = subprocess.Popen(
            list(command),
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            start_new_session=own_group,
        )
    return Server(process, f"http://127.0.0.1:{port}", log)


@contextmanager
def running(
    *servers: Server, health: str = "/health", deadline_s: float = 400, expect: bytes | None = None
) -> Iterator[None]:
    """Wait until every server (started side by side) is healthy; stop them all afterwards, whatever happens."""
    try:
        for server in servers:
            server.wait_healthy(health, deadline_s, expect)
        yield
    finally:
        for server in servers:
            server.stop()
