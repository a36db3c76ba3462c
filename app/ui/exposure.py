"""Who may reach the app, without Streamlit: the loopback rule and the `[auth]` secrets `st.login` reads.

Streamlit reads its OIDC client from the `[auth]` table of its secrets, never from the environment; the
launcher writes that table from `Settings` (`auth_secrets`) into a file only the app's user can read.
"""

from __future__ import annotations

import ipaddress
import json

from app.config import Settings
from app.errors import ConfigError

# The settings `st.login` needs, by variable name, with the value each one has.
SIGN_IN_VARIABLES = (
    "OIDC_SERVER_METADATA_URL",
    "OIDC_CLIENT_ID",
    "OIDC_CLIENT_SECRET",
    "OIDC_REDIRECT_URL",
    "AUTH_COOKIE_SECRET",
)
CALLBACK_PATH = "/oauth2callback"  # Streamlit serves the provider's answer there


def _sign_in_values(settings: Settings) -> dict[str, str]:
    return {
        "OIDC_SERVER_METADATA_URL": settings.oidc_server_metadata_url or "",
        "OIDC_CLIENT_ID": settings.oidc_client_id,
        "OIDC_CLIENT_SECRET": settings.oidc_client_secret.get_secret_value(),
        "OIDC_REDIRECT_URL": settings.oidc_redirect_url or "",
        "AUTH_COOKIE_SECRET": settings.auth_cookie_secret.get_secret_value(),
    }


def missing_sign_in_settings(settings: Settings) -> list[str]:
    """The variables of SIGN_IN_VARIABLES that are empty, in that order."""
    return [name for name, value in _sign_in_values(settings).items() if not value.strip()]


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to `address` is reachable only from this machine (127.0.0.0/8, ::1, localhost).

    An empty or missing address binds every interface: not loopback."""
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def check_sign_in(settings: Settings, address: str | None) -> None:
    """Refuse a set-up that would serve documents to strangers or half-configure sign-in.

    Raises ConfigError when only some sign-in settings are set, when the redirect URL does not end in
    /oauth2callback, or when `address` is not loopback and sign-in is off and ALLOW_ANONYMOUS is not true."""
    missing = missing_sign_in_settings(settings)
    if missing and len(missing) < len(SIGN_IN_VARIABLES):
        raise ConfigError(
            f"Sign-in is half set up: {', '.join(missing)} {'is' if len(missing) == 1 else 'are'} empty.",
            "Set every one of " + ", ".join(SIGN_IN_VARIABLES) + " (README: Deploying for a team), or none.",
        )
    if not missing and not (settings.oidc_redirect_url or "").rstrip("/").endswith(CALLBACK_PATH):
        raise ConfigError(
            f"OIDC_REDIRECT_URL must end in {CALLBACK_PATH}: {settings.oidc_redirect_url}.",
            f"Set it to the app's address + {CALLBACK_PATH}, e.g. https://docs.example.com{CALLBACK_PATH}, and "
            "register the same URL at the provider.",
        )
    if missing and not settings.allow_anonymous and not is_loopback(address):
        raise ConfigError(
            f"Refusing to serve documents on {address or 'every interface'} without sign-in: anyone who can reach "
            "it would act as the admin.",
            "Set " + ", ".join(SIGN_IN_VARIABLES) + " to require sign-in (README: Deploying for a team), set "
            "ALLOW_ANONYMOUS=true to serve it without sign-in anyway, or serve on 127.0.0.1.",
        )


def auth_secrets(settings: Settings) -> dict[str, str]:
    """The `[auth]` table `st.login` reads (redirect_uri, cookie_secret, client_id, client_secret,
    server_metadata_url); empty when sign-in is not configured."""
    if not settings.sign_in_configured:
        return {}
    values = _sign_in_values(settings)
    return {
        "redirect_uri": values["OIDC_REDIRECT_URL"],
        "cookie_secret": values["AUTH_COOKIE_SECRET"],
        "client_id": values["OIDC_CLIENT_ID"],
        "client_secret": values["OIDC_CLIENT_SECRET"],
        "server_metadata_url": values["OIDC_SERVER_METADATA_URL"],
    }


def secrets_toml(auth: dict[str, str]) -> str:
    """`auth` as the TOML of Streamlit's secrets file (JSON strings are valid TOML basic strings)."""
    lines = ["# Written by app.ui.launch from the OIDC_* settings at each start; do not edit.", "[auth]"]
    lines += [f"{key} = {_toml_string(value)}" for key, value in auth.items()]
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    # JSON's escapes (\" \\ \n \uXXXX) are TOML's; DEL is the one control character JSON leaves raw.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
