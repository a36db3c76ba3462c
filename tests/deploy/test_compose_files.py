"""The three compose files: valid compose, wired to the app's real settings, safe to expose, all on jina v4.

No Docker engine is needed: the files are parsed by the `compose-spec` validator (a strict, typed model of
the Compose Specification) after variables are substituted as `docker compose` would.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from compose_spec import PyCompose

from app.config import Settings
from tests.compose_files import (
    COMPOSE_FILES,
    ROOT,
    compose_text,
    environment,
    load_compose,
    service,
    split_flags,
    variables,
    vllm_argv,
    vllm_services,
)

FILES = sorted(COMPOSE_FILES)
JINA_CHECKPOINT = "jinaai/jina-embeddings-v4-vllm-retrieval"


def env_example() -> dict[str, str]:
    """The variables .env.example sets (commented-out ones included, with their example values)."""
    values: dict[str, str] = {}
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.removeprefix("# ").strip()
        if "=" in line and line.split("=", 1)[0].isupper() and " " not in line.split("=", 1)[0]:
            key, value = line.split("=", 1)
            values[key] = value
    return values


def settings_aliases() -> set[str]:
    aliases: set[str] = set()
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        choices = getattr(alias, "choices", [alias])
        aliases.update(str(choice) for choice in choices if choice)
    return aliases


def flags_of(spec: dict[str, Any]) -> dict[str, str | None]:
    return dict(split_flags(vllm_argv(spec))[1])


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("env", ["defaults", ".env.example"])
def test_each_compose_file_validates_against_the_compose_specification(name: str, env: str) -> None:
    text = compose_text(name, env_example() if env == ".env.example" else {})
    compose = PyCompose.from_yaml(text)
    compose.validate()
    assert "app" in compose.service_names()


@pytest.mark.parametrize(
    ("broken", "reason"),
    [
        ("services:\n  app:\n    image: x\n    imagee: y\n", "imagee"),
        ("services:\n  app:\n    image: x\n    ports: 8501\n", "ports"),
        ("services:\n  app:\n    image: x\n    healthcheck:\n      interval: soon\n", "interval"),
        ("services:\n  app:\n    image: x\n    depends_on:\n      db:\n        condition: up\n", "condition"),
    ],
)
def test_the_validator_rejects_what_compose_would_reject(broken: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        PyCompose.from_yaml(broken).validate()


@pytest.mark.parametrize("name", FILES)
def test_services_refer_only_to_defined_services_and_volumes(name: str) -> None:
    compose = load_compose(name)
    services: dict[str, dict[str, Any]] = compose["services"]
    named_volumes = set(compose.get("volumes") or {})
    for key, spec in services.items():
        assert "image" in spec or "build" in spec, key
        assert set(spec.get("depends_on") or {}) <= set(services), key
        for volume in spec.get("volumes", []):
            source = str(volume).split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{key}: bind mount {source} is not in the repository"
            else:
                assert source in named_volumes, f"{key}: volume {source} is not declared"
    assert {"condition": "service_healthy"} in list((services["app"].get("depends_on") or {}).values())
    assert all("healthcheck" in spec for key, spec in services.items() if key != "app"), "app: Dockerfile's"


def published_ports(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """(host ip, host port) of every published port, short or long syntax."""
    published = []
    for port in spec.get("ports", []):
        if isinstance(port, dict):
            published.append((str(port.get("host_ip", "")), str(port.get("published", ""))))
            continue
        parts = str(port).split(":")
        if len(parts) == 3:
            published.append((parts[0], parts[1]))
        elif len(parts) == 2:
            published.append(("", parts[0]))
        else:
            published.append(("", "(random)"))
    return published


# The front ends, published on every interface: the app (sign-in), the HTTP API and the MCP server (API keys).
FRONT_ENDS = {"app": "8501", "api": "8600", "mcp": "8700"}


@pytest.mark.parametrize("name", FILES)
def test_only_the_front_ends_are_published_on_all_interfaces(name: str) -> None:
    services: dict[str, dict[str, Any]] = load_compose(name)["services"]
    for key, port in FRONT_ENDS.items():
        assert published_ports(services[key]) == [("", port)], key
    for key, spec in services.items():
        assert spec.get("network_mode") != "host", key
        if key not in FRONT_ENDS:
            assert all(ip == "127.0.0.1" for ip, _ in published_ports(spec)), f"{key} is reachable from outside"


def command_port(spec: dict[str, Any]) -> str:
    command = [str(arg) for arg in spec["command"]]
    return command[command.index("--port") + 1]


@pytest.mark.parametrize("name", FILES)
def test_the_api_and_mcp_services_serve_the_apps_data_with_its_settings(name: str) -> None:
    services: dict[str, dict[str, Any]] = load_compose(name)["services"]
    app = services["app"]
    everywhere = "0.0.0.0"  # noqa: S104 - inside the container; the published ports decide what the host exposes
    expected = {
        "api": ["python", "-m", "app", "serve-api", "--host", everywhere, "--port", "8600"],
        "mcp": ["python", "-m", "app", "mcp", "--http", "--host", everywhere, "--port", "8700"],
    }
    for key, command in expected.items():
        spec = services[key]
        assert spec["command"] == command, key
        assert spec["image"] == app["image"] and spec["build"] == app["build"], key
        assert environment(spec) == environment(app), f"{key}: another index configuration than the app's"
        assert "app-data:/data" in spec["volumes"] and "app-data:/data" in app["volumes"], key
        assert spec["depends_on"] == app["depends_on"], key
        published = published_ports(spec)[0][1]
        assert spec["ports"] == [f"{published}:{command_port(spec)}"], key
        # The image's own healthcheck asks Streamlit (8501): each overrides it with a probe of its own port.
        probe = spec["healthcheck"]["test"]
        assert probe[:3] == ["CMD", "python", "-c"] and "8501" not in probe[3], key
        port = command_port(spec)
        assert f"127.0.0.1', {port})" in probe[3] or f"127.0.0.1:{port}/" in probe[3], key


@pytest.mark.parametrize("name", FILES)
def test_no_service_holds_a_secret_of_its_own(name: str) -> None:
    """Keys and secrets come from .env (or secret files): with no variable set, every one of them is empty."""
    secret = ("KEY", "SECRET", "TOKEN", "PASSWORD")
    for key, spec in load_compose(name)["services"].items():
        held = {var: value for var, value in environment(spec).items() if any(s in var for s in secret) and value}
        assert not held, f"{key} sets {sorted(held)} in the compose file"


@pytest.mark.parametrize("name", FILES)
def test_every_variable_the_app_reads_is_one_of_its_settings(name: str) -> None:
    app_env = environment(service(name, "app"))
    unknown = set(app_env) - settings_aliases()
    assert not unknown, f"the app ignores {sorted(unknown)}: not a Settings alias"
    Settings(**{key: value for key, value in app_env.items()})  # every value as written is accepted


@pytest.mark.parametrize("name", FILES)
def test_the_app_settings_built_from_compose_point_at_its_services(name: str) -> None:
    from urllib.parse import urlsplit

    services: dict[str, dict[str, Any]] = load_compose(name)["services"]
    settings = Settings(**environment(services["app"]))
    assert settings.embedding_backend == "vllm" and settings.embedding_model == "jina-embeddings-v4"
    assert str(settings.data_dir) == "/data" and any(str(v).endswith(":/data") for v in services["app"]["volumes"])
    urls = [settings.embedding_api_base] + ([settings.llm_api_base] if name != "simple" else [])
    for url in urls:
        parts = urlsplit(str(url))
        assert parts.hostname in services and parts.port == 8000, url  # vLLM's port inside its container
    if name != "simple":
        assert settings.chroma_host in services and settings.chroma_port == 8000
        assert "chroma-data:/data" in services["chroma"]["volumes"], "the image's default data folder"


def test_settings_aliases_are_read_from_the_real_settings() -> None:
    assert {"CHROMA_HOST", "EMBEDDING_API_BASE", "OPENAI_API_BASE", "VECTOR_TYPE"} <= settings_aliases()
    assert "EMBEDDING_HOST" not in settings_aliases()


@pytest.mark.parametrize("name", FILES)
def test_every_compose_variable_is_documented_in_env_example(name: str) -> None:
    undocumented = variables(COMPOSE_FILES[name].read_text()) - set(env_example())
    assert not undocumented, f"add {sorted(undocumented)} to .env.example"


@pytest.mark.parametrize("name", FILES)
def test_the_embedding_server_is_jina_v4_with_its_serving_flags(name: str) -> None:
    spec = service(name, "vllm-embedding")
    model, _ = split_flags(vllm_argv(spec))
    flags = flags_of(spec)
    assert model == JINA_CHECKPOINT
    assert flags["--served-model-name"] == "jina-embeddings-v4"
    assert flags["--runner"] == "pooling" and flags["--dtype"] == "bfloat16"
    assert json.loads(flags["--pooler-config"] or "{}")["seq_pooling_type"] == "MEAN"
    assert json.loads(flags["--hf-overrides"] or "{}") == {"matryoshka_dimensions": [128, 256, 512, 1024, 2048]}
    assert json.loads(flags["--limit-mm-per-prompt"] or "{}") == {"image": 1, "video": 0}
    assert flags["--chat-template"] == "/templates/jina-v4-chat-template.jinja"
    assert not {"--task", "--override-pooler-config"} & set(flags), "removed from vLLM"
    app = environment(service(name, "app"))
    assert app["EMBEDDING_MODEL"] == flags["--served-model-name"]
    assert app["EMBEDDING_API_BASE"] == "http://vllm-embedding:8000"
    assert environment(spec)["VLLM_API_KEY"] == app["EMBEDDING_API_KEY"] == ""  # both from .env's one key


def test_full_serves_dense_with_32k_context_and_alternative_serves_tokens_for_late_mode() -> None:
    full, alternative = service("full", "vllm-embedding"), service("alternative", "vllm-embedding")
    assert flags_of(full)["--max-model-len"] == "32768"
    assert "task" not in json.loads(flags_of(full)["--pooler-config"] or "{}")
    assert environment(service("full", "app"))["VECTOR_TYPE"] == "dense"
    assert json.loads(flags_of(alternative)["--pooler-config"] or "{}")["task"] == "token_embed"
    assert environment(service("alternative", "app"))["VECTOR_TYPE"] == "late"
    simple = flags_of(service("simple", "vllm-embedding"))
    assert {k: v for k, v in simple.items() if k != "--gpu-memory-utilization"} == {
        k: v for k, v in flags_of(full).items() if k != "--gpu-memory-utilization"
    }, "simple and full serve the same embedding model the same way"


@pytest.mark.parametrize("name", FILES)
def test_servers_sharing_a_gpu_leave_it_headroom(name: str) -> None:
    shares: dict[str, float] = defaultdict(float)
    for spec in vllm_services(name).values():
        [device] = spec["deploy"]["resources"]["reservations"]["devices"]
        assert device["capabilities"] == ["gpu"]
        shares[",".join(device["device_ids"])] += float(flags_of(spec)["--gpu-memory-utilization"] or 0.9)
    assert shares and all(total <= 0.92 for total in shares.values()), dict(shares)


@pytest.mark.parametrize("name", ["full", "alternative"])
def test_the_app_asks_the_llm_server_for_the_model_it_serves(name: str) -> None:
    llm = flags_of(service(name, "vllm-llm"))
    app = environment(service(name, "app"))
    assert app["LLM_MODEL"] == llm["--served-model-name"]
    assert app["LLM_API_BASE"] == "http://vllm-llm:8000/v1"
    assert app["CHROMA_HOST"] == "chroma" and app["CHROMA_PORT"] == "8000"


def test_simple_keeps_chroma_embedded_and_the_llm_optional() -> None:
    app = environment(service("simple", "app"))
    assert set(load_compose("simple")["services"]) == {"vllm-embedding", "app", "api", "mcp"}
    assert "CHROMA_HOST" not in app and app["LLM_API_BASE"] == ""
    assert Settings(**app).llm_api_base is None  # empty: extractive answers


def test_chat_template_renders_jinas_image_prompt() -> None:
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    # The options transformers (and so vLLM) render chat templates with.
    jinja = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    template = jinja.from_string((ROOT / "docker" / "jina-v4-chat-template.jinja").read_text())
    image = [
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
                {"type": "text", "text": "Describe the image."},
            ],
        }
    ]
    rendered = template.render(messages=image, add_generation_prompt=False)
    assert rendered == "<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Describe the image.<|im_end|>\n"
    text = template.render(messages=[{"role": "user", "content": "Query: hi"}], add_generation_prompt=False)
    assert text == "<|im_start|>user\nQuery: hi<|im_end|>\n", "no default system prompt"


def test_app_image_runs_as_non_root_with_a_streamlit_healthcheck() -> None:
    dockerfile = (ROOT / "docker" / "app.Dockerfile").read_text()
    joined = dockerfile.replace("\\\n", " ").splitlines()
    lines = [line.strip() for line in joined if line.strip() and not line.startswith("#")]
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    [healthcheck] = [line for line in lines if line.startswith("HEALTHCHECK ")]
    assert "http://127.0.0.1:8501/_stcore/health" in healthcheck
    assert "EXPOSE 8501" in lines
    assert lines[0].startswith("FROM python:3.11-slim")
    assert any('"torch==${TORCH_VERSION}"' in line and "whl/cpu" in dockerfile for line in lines)


def dockerignored(path: str) -> bool:
    """Whether .dockerignore leaves `path` out of the build context (its last matching rule wins)."""
    from fnmatch import fnmatch

    excluded = False
    for rule in (ROOT / ".dockerignore").read_text().splitlines():
        rule = rule.strip()
        if not rule or rule.startswith("#"):
            continue
        negate, pattern = rule.startswith("!"), rule.lstrip("!").rstrip("/")
        pattern = pattern.removeprefix("**/")
        parts = Path(path).parts
        if any(fnmatch("/".join(parts[: i + 1]), pattern) or fnmatch(part, pattern) for i, part in enumerate(parts)):
            excluded = not negate
    return excluded


def test_everything_the_app_image_copies_is_in_the_build_context() -> None:
    dockerfile = (ROOT / "docker" / "app.Dockerfile").read_text()
    sources = [s for line in dockerfile.splitlines() if line.startswith("COPY ") for s in line.split()[1:-1]]
    assert {"pyproject.toml", "app", ".streamlit"} <= set(sources)
    for source in sources:
        assert (ROOT / source).exists() and not dockerignored(source), source
    assert dockerignored(".venv") and dockerignored("data") and dockerignored(".env") and dockerignored("tests")
    assert not dockerignored("app/main.py") and dockerignored("app/__pycache__")


def test_a_dotenv_copied_from_the_example_keeps_make_run_on_its_defaults(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cp .env.example .env` is the first deployment step, and `make run` in the same folder reads .env too."""
    for name in env_example() | {"CHUNK_SIZE": "", "EMBEDDING_DIMENSIONS": "", "CHROMA_HOST": ""}:
        monkeypatch.delenv(name, raising=False)
    dotenv = tmp_path / ".env"
    dotenv.write_text((ROOT / ".env.example").read_text())
    with_example = Settings(_env_file=dotenv)  # type: ignore[call-arg]
    without = Settings(_env_file=None)  # type: ignore[call-arg]
    fields = ["embedding_backend", "chunk_size", "chunk_overlap", "embedding_dimensions", "chroma_host", "llm_api_base"]
    assert {f: getattr(with_example, f) for f in fields} == {f: getattr(without, f) for f in fields}
    assert with_example.embedding_api_key.get_secret_value() == "change-me-embedding-key", "the file was read"
