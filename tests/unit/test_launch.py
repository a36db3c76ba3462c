"""The launcher's hand-over of the sign-in settings to Streamlit, and the loopback rule it enforces."""

from __future__ import annotations

import stat
import tomllib
from pathlib import Path

import pytest

from app.config import Settings
from app.errors import ConfigError
from app.ui.exposure import SIGN_IN_VARIABLES, check_sign_in, is_loopback
from app.ui.launch import MAIN, streamlit_command

ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - an address checked, never bound
SIGN_IN = {
    "OIDC_SERVER_METADATA_URL": "https://id.example.com/realms/team/.well-known/openid-configuration",
    "OIDC_CLIENT_ID": "chat-app",
    "OIDC_CLIENT_SECRET": 'se"cret\\with\nodd ✓ characters',
    "OIDC_REDIRECT_URL": "https://docs.example.com/oauth2callback",
    "AUTH_COOKIE_SECRET": "0123456789abcdef0123456789abcdef",
}


def settings(tmp_path: Path, **values: str) -> Settings:
    return Settings(_env_file=None, DATA_DIR=str(tmp_path / "data"), **values)  # type: ignore[call-arg]


def test_sign_in_settings_reach_streamlit_as_an_auth_table_only_the_owner_can_read(tmp_path: Path) -> None:
    command = streamlit_command(settings(tmp_path, **SIGN_IN), ["--server.address", ALL_INTERFACES])
    assert command[1:5] == ["-m", "streamlit", "run", str(MAIN)]
    assert command[-2] == "--secrets.files"
    path = Path(command[-1])
    assert path.parent == tmp_path / "data"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tomllib.loads(path.read_text())["auth"] == {
        "redirect_uri": SIGN_IN["OIDC_REDIRECT_URL"],
        "cookie_secret": SIGN_IN["AUTH_COOKIE_SECRET"],
        "client_id": SIGN_IN["OIDC_CLIENT_ID"],
        "client_secret": SIGN_IN["OIDC_CLIENT_SECRET"],
        "server_metadata_url": SIGN_IN["OIDC_SERVER_METADATA_URL"],
    }


def test_with_sign_in_off_no_secrets_file_is_left_behind_and_the_app_listens_on_loopback(tmp_path: Path) -> None:
    streamlit_command(settings(tmp_path, **SIGN_IN), [])
    [written] = (tmp_path / "data").glob("*secrets*")
    command = streamlit_command(settings(tmp_path), ["--server.port", "8600"])
    assert not written.exists(), "the client secret of an earlier start is removed"
    assert "--secrets.files" not in command
    assert command[-4:] == ["--server.port", "8600", "--server.address", "127.0.0.1"]


@pytest.mark.parametrize("address", [ALL_INTERFACES, "", "192.168.1.20", "docs.example.com", "::"])
def test_without_sign_in_a_non_loopback_address_is_refused_with_what_to_set(tmp_path: Path, address: str) -> None:
    with pytest.raises(ConfigError, match="Refusing to serve documents") as refused:
        streamlit_command(settings(tmp_path), [f"--server.address={address}"])
    assert "ALLOW_ANONYMOUS=true" in refused.value.hint
    assert all(name in refused.value.hint for name in SIGN_IN_VARIABLES)


def test_allow_anonymous_or_sign_in_lets_the_app_serve_on_every_interface(tmp_path: Path) -> None:
    check_sign_in(settings(tmp_path, ALLOW_ANONYMOUS="true"), ALL_INTERFACES)
    check_sign_in(settings(tmp_path, **SIGN_IN), ALL_INTERFACES)


@pytest.mark.parametrize("address", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_addresses_need_no_sign_in(tmp_path: Path, address: str) -> None:
    assert is_loopback(address)
    check_sign_in(settings(tmp_path), address)


def test_half_set_up_sign_in_is_refused_on_every_address_naming_what_is_missing(tmp_path: Path) -> None:
    half = {k: v for k, v in SIGN_IN.items() if k not in ("AUTH_COOKIE_SECRET", "OIDC_CLIENT_ID")}
    with pytest.raises(ConfigError, match="OIDC_CLIENT_ID, AUTH_COOKIE_SECRET are empty"):
        check_sign_in(settings(tmp_path, **half), "127.0.0.1")


def test_a_redirect_url_that_streamlit_does_not_serve_is_refused(tmp_path: Path) -> None:
    wrong = SIGN_IN | {"OIDC_REDIRECT_URL": "https://docs.example.com/callback"}
    with pytest.raises(ConfigError, match="must end in /oauth2callback"):
        check_sign_in(settings(tmp_path, **wrong), "127.0.0.1")
