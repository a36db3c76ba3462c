"""Sign-in as the app shows it, driven by AppTest: off on loopback (the local admin), refused on every
interface without it, and a sign-in page when it is set up. The browser test signs in for real."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from app.ui.exposure import SIGN_IN_VARIABLES
from tests.app.test_sidebar import rendered
from tests.app.test_streamlit_app import APP, TIMEOUT, all_text, run_app

SIGN_IN = {
    "OIDC_SERVER_METADATA_URL": "http://127.0.0.1:9/.well-known/openid-configuration",
    "OIDC_CLIENT_ID": "chat-app",
    "OIDC_CLIENT_SECRET": "client-secret",
    "OIDC_REDIRECT_URL": "http://127.0.0.1:8501/oauth2callback",
    "AUTH_COOKIE_SECRET": "cookie-secret-of-enough-length-0123456789",
}


@pytest.fixture
def no_sign_in(data_dir: object, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*SIGN_IN_VARIABLES, "ALLOW_ANONYMOUS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def served_on_every_interface() -> Iterator[None]:
    before = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")  # noqa: S104 - only the option is read; nothing listens
    yield
    config.set_option("server.address", before)


def plain(markdown: str) -> str:
    """Text the app escaped for markdown, as the reader sees it."""
    return markdown.replace("\\", "")


def sidebar_text(app: AppTest) -> str:
    return "\n".join(str(element.value) for element in app.sidebar.caption)


@pytest.mark.usefixtures("no_sign_in")
def test_without_sign_in_on_loopback_the_sidebar_says_sign_in_is_off_and_documents_are_served() -> None:
    app = run_app()
    assert "Sign-in is off" in sidebar_text(app)
    assert "Index: documents" in all_text(app)
    assert not [b for b in app.button if b.key == "sign-out"]
    assert not app.error


@pytest.mark.usefixtures("no_sign_in", "served_on_every_interface")
def test_without_sign_in_on_every_interface_the_app_refuses_to_serve_documents_and_says_what_to_set() -> None:
    app = run_app()
    assert "Refusing to serve documents on 0.0.0.0 without sign-in" in plain(app.error[0].value)
    hint = plain(app.info[0].value)
    assert "ALLOW_ANONYMOUS=true" in hint and "OIDC_CLIENT_ID" in hint
    assert "Index:" not in all_text(app) and not app.sidebar.caption, "no collection, no document list"
    assert not app.chat_input


@pytest.mark.usefixtures("no_sign_in", "served_on_every_interface")
def test_allow_anonymous_serves_on_every_interface_without_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALLOW_ANONYMOUS", "true")
    app = run_app()
    assert not app.error
    assert "Sign-in is off" in sidebar_text(app) and "Index: documents" in all_text(app)


@pytest.mark.usefixtures("no_sign_in")
def test_a_visitor_who_is_not_signed_in_sees_only_the_sign_in_button(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SIGN_IN.items():
        monkeypatch.setenv(name, value)
    app = AppTest.from_file(APP, default_timeout=TIMEOUT)
    app.secrets["auth"] = {
        "redirect_uri": SIGN_IN["OIDC_REDIRECT_URL"],
        "cookie_secret": SIGN_IN["AUTH_COOKIE_SECRET"],
        "client_id": SIGN_IN["OIDC_CLIENT_ID"],
        "client_secret": SIGN_IN["OIDC_CLIENT_SECRET"],
        "server_metadata_url": SIGN_IN["OIDC_SERVER_METADATA_URL"],
    }
    app.run()
    assert not app.exception, app.exception
    assert [b.key for b in app.button] == ["sign-in"]
    assert "Sign in to see your documents." in all_text(app)
    assert not app.chat_input and not app.sidebar.caption and not app.selectbox
    page = rendered(app)
    assert SIGN_IN["OIDC_CLIENT_SECRET"] not in page and SIGN_IN["AUTH_COOKIE_SECRET"] not in page


@pytest.mark.usefixtures("no_sign_in")
def test_sign_in_settings_that_never_reached_streamlit_are_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SIGN_IN.items():
        monkeypatch.setenv(name, value)
    app = run_app()
    assert "Sign-in is set up but Streamlit did not receive it." in plain(app.error[0].value)
    assert "python -m app.ui.launch" in plain(app.info[0].value)
    assert not [b for b in app.button if b.key == "sign-in"]


@pytest.mark.usefixtures("no_sign_in")
def test_the_owner_shares_a_collection_lists_the_share_and_removes_it() -> None:
    app = run_app()  # sign-in off: the local admin manages every collection
    app.text_input(key="share-with").set_value("group:biology")
    [share] = [b for b in app.button if b.label == "Share"]
    share.click()
    app.run()
    assert not app.exception, app.exception
    assert "Shared with group:biology." in plain(all_text(app))
    assert [t.value for t in app.text if t.value.startswith(("group:", "user:"))] == ["group:biology"]

    app.text_input(key="share-with").set_value("ana@example.com")
    [share] = [b for b in app.button if b.label == "Share"]
    share.click()
    app.run()
    assert [t.value for t in app.text if t.value.startswith(("group:", "user:"))] == [
        "group:biology",
        "user:ana@example.com",
    ]
    [remove] = [b for b in app.button if b.key == "unshare-group:biology"]
    remove.click()
    app.run()
    assert not app.exception, app.exception
    assert [t.value for t in app.text if t.value.startswith(("group:", "user:"))] == ["user:ana@example.com"]
    assert not [b for b in app.button if b.key and b.key.startswith("revoke-")], "no API keys without sign-in"
    assert "API keys" not in [e.label for e in app.expander]
