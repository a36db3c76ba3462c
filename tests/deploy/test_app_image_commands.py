"""The app image's own CMD and HEALTHCHECK, run here as written (no Docker engine): the CMD serves the app,
the healthcheck passes against it and fails when nothing answers. Only the bind address and port are swapped
(tests listen on 127.0.0.1)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from app.ui.exposure import SIGN_IN_VARIABLES
from tests.compose_files import ROOT
from tests.servers import Server, free_port, running, start_server

DOCKERFILE = ROOT / "docker" / "app.Dockerfile"


def exec_form(instruction: str) -> list[str]:
    """The JSON argument list of the Dockerfile's last `instruction` (exec form), continuation lines joined."""
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    [*_, line] = [line for line in text.splitlines() if line.startswith(f"{instruction} ")]
    arguments = line[line.index("[") :] if instruction == "CMD" else line[line.index(" CMD ") + 5 :]
    parsed = json.loads(arguments)
    assert isinstance(parsed, list)
    return [str(arg) for arg in parsed]


def swap(argv: list[str], flag: str, value: str) -> list[str]:
    at = argv.index(flag)
    return [*argv[: at + 1], value, *argv[at + 2 :]]


def image_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """This environment without what would point the app elsewhere (LLM, Chroma) or turn sign-in on."""
    dropped = {"OPENAI_API_BASE", "LLM_API_BASE", "CHROMA_HOST", "ALLOW_ANONYMOUS", *SIGN_IN_VARIABLES}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    return env | {
        "DATA_DIR": str(tmp_path_factory.mktemp("image-data")),
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
    }


@pytest.fixture(scope="module")
def image_cmd_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    command = exec_form("CMD")
    assert command[:3] == ["python", "-m", "app.ui.launch"]
    port = free_port()
    command = swap(swap(command, "--server.address", "127.0.0.1"), "--server.port", str(port))
    env = image_env(tmp_path_factory)
    log = tmp_path_factory.mktemp("image-logs") / "streamlit.log"
    # The image runs from WORKDIR /app, a copy of the repository's app/ and .streamlit/: here, the repository.
    server = start_server([sys.executable, *command[1:]], port=port, log=log, env=env)
    with running(server, health="/_stcore/health", deadline_s=120, expect=b"ok"):
        yield server


def healthcheck(port: int) -> int:
    command = exec_form("HEALTHCHECK")
    assert command[0] == "python" and "http://127.0.0.1:8501/_stcore/health" in command[-1]
    command = [sys.executable, *command[1:-1], command[-1].replace(":8501/", f":{port}/")]
    return subprocess.run(command, capture_output=True, timeout=30, cwd=ROOT).returncode


def test_the_image_healthcheck_passes_against_the_image_cmd(image_cmd_server: Server) -> None:
    assert healthcheck(int(image_cmd_server.url.rsplit(":", 1)[1])) == 0


def test_the_image_healthcheck_fails_when_nothing_answers() -> None:
    assert healthcheck(free_port()) != 0


def test_the_image_cmd_as_written_refuses_to_start_on_every_interface_without_sign_in(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """The image listens on 0.0.0.0 (the compose file publishes it): without sign-in it must not serve."""
    command = exec_form("CMD")
    assert command[command.index("--server.address") + 1] == "0.0.0.0"  # noqa: S104 - checked, not bound
    # The launcher stops before Streamlit starts: nothing listens, whatever the outcome.
    done = subprocess.run(
        [sys.executable, *command[1:]],
        env=image_env(tmp_path_factory),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert done.returncode == 2, done.stderr
    assert "Not starting: Refusing to serve documents on 0.0.0.0 without sign-in" in done.stderr
    assert "ALLOW_ANONYMOUS=true" in done.stderr and "OIDC_CLIENT_SECRET" in done.stderr
