import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.config import load_settings
from app.errors import ConfigError

NAMES = (
    "OPENAI_API_BASE",
    "OPENAI_API_KEY",
    "LLM_API_BASE",
    "LLM_API_KEY",
    "EMBEDDING_API_BASE",
    "EMBEDDING_MODEL",
    "EMBEDDING_DIMENSIONS",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env file
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def test_a_secret_can_come_from_a_file_in_the_secrets_folder_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets = tmp_path / "secrets"  # as Docker mounts compose `secrets:` at /run/secrets
    secrets.mkdir()
    (secrets / "OIDC_CLIENT_SECRET").write_text("s3cret-from-file\n")
    (secrets / "LLM_API_KEY").write_text("key-from-file")
    monkeypatch.setenv("SECRETS_DIR", str(secrets))
    monkeypatch.setenv("OIDC_CLIENT_SECRET", "")  # as compose passes `${OIDC_CLIENT_SECRET:-}` when it is unset
    monkeypatch.setenv("LLM_API_KEY", "key-from-environment")

    settings = load_settings()

    assert settings.oidc_client_secret.get_secret_value() == "s3cret-from-file"
    assert settings.llm_api_key.get_secret_value() == "key-from-environment"


def test_a_missing_secrets_folder_is_no_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SECRETS_DIR", str(tmp_path / "absent"))
    assert load_settings().oidc_client_secret.get_secret_value() == ""


def test_defaults_are_embedded_and_extractive() -> None:
    settings = load_settings()
    assert settings.embedding_backend == "local"
    assert settings.llm_api_base is None
    assert settings.resolved_chroma_path == settings.data_dir / "chroma"


def test_old_variable_names_keep_working(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_BASE", "http://llm:8000/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-old")
    monkeypatch.setenv("EMBEDDING_MODEL", "/models/minilm")
    settings = load_settings()
    assert settings.llm_api_base == "http://llm:8000/v1"
    assert settings.embedding_api_base == "http://llm:8000/v1"
    assert settings.llm_api_key.get_secret_value() == "sk-old"
    assert settings.embedding_model == "/models/minilm"


def test_new_names_win_over_old_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_BASE", "http://old/v1")
    monkeypatch.setenv("LLM_API_BASE", "http://new/v1")
    monkeypatch.setenv("EMBEDDING_API_BASE", "http://embed/v1")
    settings = load_settings()
    assert settings.llm_api_base == "http://new/v1"
    assert settings.embedding_api_base == "http://embed/v1"


def test_api_key_is_hidden_in_reprs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-value")
    settings = load_settings()
    assert isinstance(settings.llm_api_key, SecretStr)
    assert "sk-secret-value" not in repr(settings)


def test_invalid_dimension_is_a_readable_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDDING_DIMENSIONS", "300")
    with pytest.raises(ConfigError, match="EMBEDDING_DIMENSIONS must be one of"):
        load_settings()


def test_blank_values_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMBEDDING_DIMENSIONS", "")
    monkeypatch.setenv("OPENAI_API_BASE", " ")
    settings = load_settings()
    assert settings.embedding_dimensions is None
    assert settings.llm_api_base is None


@pytest.mark.parametrize(("given", "expected"), [(None, "PASSIVE"), ("ACTIVE", "ACTIVE")])
def test_importing_the_app_asks_openmp_not_to_spin_unless_told_otherwise(given: str | None, expected: str) -> None:
    env = {name: value for name, value in os.environ.items() if name != "OMP_WAIT_POLICY"}
    if given is not None:
        env["OMP_WAIT_POLICY"] = given
    shown = subprocess.run(
        [sys.executable, "-c", "import app, os; print(os.environ['OMP_WAIT_POLICY'])"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert shown == expected
