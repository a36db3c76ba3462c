"""The compose files publish the app on every interface: it starts only with sign-in or ALLOW_ANONYMOUS=true,
and the sign-in secrets come from .env or the environment, never from a default written in the file."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.errors import ConfigError
from app.ui.exposure import SIGN_IN_VARIABLES, auth_secrets, check_sign_in
from tests.compose_files import COMPOSE_FILES, environment, load_compose
from tests.deploy.test_app_image_commands import exec_form

FILES = sorted(COMPOSE_FILES)
SIGN_IN = {
    "OIDC_SERVER_METADATA_URL": "https://id.example.com/realms/team/.well-known/openid-configuration",
    "OIDC_CLIENT_ID": "chat-app",
    "OIDC_CLIENT_SECRET": "from-the-environment",
    "OIDC_REDIRECT_URL": "https://docs.example.com/oauth2callback",
    "AUTH_COOKIE_SECRET": "0123456789abcdef0123456789abcdef",
}
SECRETS = ("OIDC_CLIENT_SECRET", "AUTH_COOKIE_SECRET")


def app_settings(name: str, env: dict[str, str]) -> Settings:
    app = load_compose(name, env)["services"]["app"]
    return Settings(_env_file=None, **environment(app))  # type: ignore[call-arg]


def image_address() -> str:
    command = exec_form("CMD")
    return command[command.index("--server.address") + 1]


@pytest.mark.parametrize("name", FILES)
def test_the_app_runs_the_images_launcher_so_its_check_applies(name: str) -> None:
    app = load_compose(name)["services"]["app"]
    assert "command" not in app and "entrypoint" not in app, "the image's CMD (app.ui.launch) starts the app"
    assert exec_form("CMD")[:3] == ["python", "-m", "app.ui.launch"]


@pytest.mark.parametrize("name", FILES)
def test_without_sign_in_settings_the_published_app_refuses_to_start(name: str) -> None:
    with pytest.raises(ConfigError, match=r"Refusing to serve documents on 0\.0\.0\.0"):
        check_sign_in(app_settings(name, {}), image_address())


@pytest.mark.parametrize("name", FILES)
def test_allow_anonymous_from_the_environment_lets_it_start_without_sign_in(name: str) -> None:
    settings = app_settings(name, {"ALLOW_ANONYMOUS": "true"})
    check_sign_in(settings, image_address())
    assert not settings.sign_in_configured


@pytest.mark.parametrize("name", FILES)
def test_sign_in_settings_from_the_environment_reach_the_app_and_streamlit(name: str) -> None:
    settings = app_settings(name, SIGN_IN | {"OIDC_GROUPS_CLAIM": "roles", "ADMIN_GROUPS": "it"})
    check_sign_in(settings, image_address())
    assert auth_secrets(settings) == {
        "redirect_uri": SIGN_IN["OIDC_REDIRECT_URL"],
        "cookie_secret": SIGN_IN["AUTH_COOKIE_SECRET"],
        "client_id": SIGN_IN["OIDC_CLIENT_ID"],
        "client_secret": SIGN_IN["OIDC_CLIENT_SECRET"],
        "server_metadata_url": SIGN_IN["OIDC_SERVER_METADATA_URL"],
    }
    assert settings.groups_claim == "roles" and settings.admin_group_names == {"it"}


@pytest.mark.parametrize("name", FILES)
def test_no_sign_in_secret_has_a_default_in_the_compose_file(name: str) -> None:
    app = environment(load_compose(name)["services"]["app"])
    assert set(SIGN_IN_VARIABLES) <= set(app) and "ALLOW_ANONYMOUS" in app
    assert all(app[variable] == "" for variable in SIGN_IN_VARIABLES), "unset means empty, never a default"
    assert app["ALLOW_ANONYMOUS"] == "false"
    text = COMPOSE_FILES[name].read_text()
    assert 'ALLOW_ANONYMOUS: "${ALLOW_ANONYMOUS:-false}"' in text, "quoted: compose takes no YAML boolean here"
    for secret in SECRETS:
        assert f"{secret}: ${{{secret}:-}}" in text, f"{secret} comes only from the environment"
