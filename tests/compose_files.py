"""The deployment's compose files, read the way `docker compose` reads them, for the tests that check them.

The compose files are the single source of the vLLM flags: the vLLM tier starts its servers from the
command lines written here, with only what a tiny CPU checkpoint needs swapped (`tiny_vllm_command`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILES = {
    "full": ROOT / "docker-compose.yml",
    "simple": ROOT / "docker-compose.simple.yml",
    "alternative": ROOT / "docker-compose.alternative.yml",
}
VLLM_IMAGE = "vllm/vllm-openai"

# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?error}, ${NAME:+alternative}, $NAME, and $$ (a literal $).
_VARIABLE = re.compile(r"\$(?:(?P<escaped>\$)|\{(?P<braced>\w+)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|(?P<bare>\w+))")


class InterpolationError(ValueError):
    """A ${NAME:?message} variable is unset, as `docker compose` would refuse it."""


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """Substitute variables as compose does (https://docs.docker.com/compose/how-tos/environment-variables/)."""

    def substitute(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["bare"]
        value, op, arg = env.get(name), match["op"], match["arg"] or ""
        is_set = value is not None if op is None or not op.startswith(":") else bool(value)
        if op in (":-", "-"):
            return value if is_set and value is not None else arg
        if op in (":?", "?"):
            if not is_set or value is None:
                raise InterpolationError(f"{name}: {arg or 'required variable is not set'}")
            return value
        if op in (":+", "+"):
            return arg if is_set else ""
        return value or ""

    return _VARIABLE.sub(substitute, text)


def variables(text: str) -> set[str]:
    """Names of the variables a compose file interpolates."""
    return {m["braced"] or m["bare"] for m in _VARIABLE.finditer(text) if not m["escaped"]}


def compose_text(name: str, env: Mapping[str, str] | None = None) -> str:
    return interpolate(COMPOSE_FILES[name].read_text(), env or {})


def load_compose(name: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The compose file as a dict, variables resolved from `env` (default: none set, so defaults apply)."""
    document = yaml.safe_load(compose_text(name, env))
    assert isinstance(document, dict)
    return document


def service(name: str, service_name: str) -> dict[str, Any]:
    services: dict[str, dict[str, Any]] = load_compose(name)["services"]
    return services[service_name]


def environment(spec: Mapping[str, Any]) -> dict[str, str]:
    """A service's `environment`, in either the mapping or the list form."""
    raw = spec.get("environment") or {}
    if isinstance(raw, list):
        pairs = (item.split("=", 1) if "=" in item else (item, "") for item in raw)
        return {key: value for key, value in pairs}
    return {str(key): "" if value is None else str(value) for key, value in raw.items()}


def vllm_services(name: str) -> dict[str, dict[str, Any]]:
    services: dict[str, dict[str, Any]] = load_compose(name)["services"]
    return {key: spec for key, spec in services.items() if str(spec.get("image", "")).startswith(VLLM_IMAGE)}


def vllm_argv(spec: Mapping[str, Any]) -> list[str]:
    """The arguments `vllm serve` (the image's entrypoint) receives: the service's command."""
    command = spec["command"]
    assert isinstance(command, list), "vLLM commands are written as lists: no shell quoting to get wrong"
    return [str(arg) for arg in command]


def split_flags(argv: list[str]) -> tuple[str | None, list[tuple[str, str | None]]]:
    """(positional model, [(flag, value or None)]) in order; `--flag=value` and `--flag value` alike."""
    model: str | None = None
    flags: list[tuple[str, str | None]] = []
    index = 0
    while index < len(argv):
        arg = argv[index]
        if not arg.startswith("-"):
            assert model is None, f"a second positional argument: {arg!r}"
            model = arg
        elif "=" in arg:
            flag, value = arg.split("=", 1)
            flags.append((flag, value))
        elif index + 1 < len(argv) and not argv[index + 1].startswith("--"):
            flags.append((arg, argv[index + 1]))
            index += 1
        else:
            flags.append((arg, None))
        index += 1
    return model, flags


def host_path(spec: Mapping[str, Any], container_path: str) -> Path:
    """The file on this machine that a service's bind mount puts at `container_path`."""
    for volume in spec.get("volumes", []):
        source, _, rest = str(volume).partition(":")
        target = rest.split(":")[0]
        if target == container_path and source.startswith((".", "/")):
            return (ROOT / source).resolve()
    raise KeyError(f"no bind mount provides {container_path}")


# What a tiny checkpoint on a 2-core CPU must change; every other flag is used exactly as written.
TINY_MATRYOSHKA = [16, 32, 64, 128]
TINY_SWAPS = {
    "--dtype": "float32",
    "--max-model-len": "2048",
    "--gpu-memory-utilization": "0.3",
}
TINY_EXTRA = ["--enforce-eager", "--kv-cache-memory-bytes", str(64 * 2**20)]
SWAPPED_FLAGS = {*TINY_SWAPS, "--hf-overrides", "--chat-template"}


def tiny_vllm_command(spec: Mapping[str, Any], model: Path) -> list[str]:
    """The service's vLLM arguments for the tiny jina-architecture checkpoint: model path, dtype, memory,
    context length and Matryoshka sizes swapped, the chat template taken from its bind mount."""
    _, flags = split_flags(vllm_argv(spec))
    argv = ["--model", str(model)]
    for flag, value in flags:
        if flag in TINY_SWAPS:
            value = TINY_SWAPS[flag]
        elif flag == "--hf-overrides" and value is not None:
            value = json.dumps({**json.loads(value), "matryoshka_dimensions": TINY_MATRYOSHKA})
        elif flag == "--chat-template" and value is not None:
            value = str(host_path(spec, value))
        argv += [flag] if value is None else [flag, value]
    return argv + TINY_EXTRA
