"""Who is using this browser session: the signed-in user (OIDC through `st.login`), or the local admin when
sign-in is off and the app is served on loopback (or ALLOW_ANONYMOUS=true)."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError

from app.chat.markdown import escape_markdown
from app.config import Settings
from app.errors import AppError, AuthenticationError, ConfigError
from app.store.access import LOCAL_ADMIN, AdminRule, User
from app.ui.exposure import check_sign_in


def server_address() -> str | None:
    """The address this Streamlit server listens on (`--server.address`); None = every interface."""
    address = st.get_option("server.address")
    return str(address) if address else None


def _auth_loaded() -> bool:
    """Whether Streamlit has the `[auth]` secrets `st.login` needs (the launcher writes them)."""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:  # no secrets file at all, or one that is not TOML
        return False


def session_user(settings: Settings) -> User:
    """The user this session acts as; shows the sign-in page (or why nothing is served) and stops otherwise.

    Sign-in off: the local admin, unless the address is not loopback and ALLOW_ANONYMOUS is not true, or the
    sign-in settings are half set. Sign-in on: the user the ID token's claims describe (`AdminRule`)."""
    try:
        check_sign_in(settings, server_address())
        if settings.sign_in_configured and not _auth_loaded():
            raise ConfigError(
                "Sign-in is set up but Streamlit did not receive it.",
                "Start the app with `make run` or `python -m app.ui.launch` (not `streamlit run`): it hands the "
                "OIDC_* settings to Streamlit.",
            )
    except ConfigError as error:
        _refuse(error)
    if not settings.sign_in_configured:
        return LOCAL_ADMIN
    if not st.user.get("is_logged_in"):  # absent, not False, where no server made the session (AppTest)
        st.info("Sign in to see your documents.")
        st.button("Sign in", key="sign-in", icon=":material/login:", type="primary", on_click=st.login)
        st.stop()
    admins = AdminRule(settings.admin_user_ids, settings.admin_group_names)
    try:
        return admins.user_from_claims(st.user.to_dict(), settings.groups_claim)
    except AuthenticationError as error:
        _refuse(error)
        raise  # not reached: _refuse stops the script


def _refuse(error: AppError) -> None:
    st.error(escape_markdown(error.message))
    if error.hint:
        st.info(escape_markdown(error.hint))
    st.stop()


def sign_in_panel(settings: Settings, user: User) -> None:
    """The sidebar's account lines: who is signed in and a sign-out button, or that sign-in is off."""
    if not settings.sign_in_configured:
        st.caption(
            "Sign-in is off: everyone who opens this page acts as the admin. Set the OIDC_* settings to require "
            "sign-in (README: Deploying for a team)."
        )
        return
    groups = f" · groups: {escape_markdown(', '.join(sorted(user.groups)))}" if user.groups else ""
    admin = " · admin" if user.is_admin else ""
    st.caption(f"Signed in as **{escape_markdown(user.label)}** ({escape_markdown(user.id)}){admin}{groups}")
    st.button("Sign out", key="sign-out", icon=":material/logout:", on_click=st.logout)
