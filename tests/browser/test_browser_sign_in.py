"""Two people sign in through a real OpenID provider (oidc-provider-mock, its own login form) to a real app
started by the launcher: one's collection stays hidden from the other until it is shared with their group;
the reader may ask but not delete; signing out ends the session."""

from __future__ import annotations

import json
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import streamlit_app
from tests.servers import ARTIFACTS, free_port, running, start_server

TIMEOUT_MS = 120_000
ALICE = {"sub": "alice@example.com", "email": "alice@example.com", "name": "Alice", "groups": ["research"]}
BOB = {"sub": "bob@example.com", "email": "bob@example.com", "name": "Bob", "groups": ["biology"]}


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The OpenID provider on a free loopback port, with the two users' claims (e-mail, name, groups)."""
    port = free_port()
    command = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for user in (ALICE, BOB):
        command += ["--user-claims", json.dumps(user)]
    server = start_server(command, port=port, log=tmp_path_factory.mktemp("logs") / "oidc-provider.log")
    with running(server, health="/.well-known/openid-configuration", deadline_s=60):
        yield server.url


@pytest.fixture(scope="module")
def signed_in_app(tmp_path_factory: pytest.TempPathFactory, provider: str) -> Iterator[str]:
    port = free_port()
    settings = {
        "OIDC_SERVER_METADATA_URL": f"{provider}/.well-known/openid-configuration",
        "OIDC_CLIENT_ID": "chat-app",
        "OIDC_CLIENT_SECRET": secrets.token_hex(16),
        "OIDC_REDIRECT_URL": f"http://127.0.0.1:{port}/oauth2callback",
        "AUTH_COOKIE_SECRET": secrets.token_hex(32),
    }
    with streamlit_app(tmp_path_factory, port=port, **settings) as url:
        yield url


def sign_in(page, app_url: str, user: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    """Through the provider's own form: type the subject, authorize, land back in the app."""
    page.goto(app_url)
    page.get_by_text("Sign in to see your documents.").wait_for(timeout=TIMEOUT_MS)
    page.locator(".st-key-sign-in button").click()
    page.get_by_placeholder("sub").fill(str(user["sub"]))
    page.get_by_role("button", name="Authorize").click()
    page.get_by_text(f"Signed in as {user['name']}", exact=False).wait_for(timeout=TIMEOUT_MS)


def test_a_collection_is_seen_only_once_shared_and_its_reader_may_ask_but_not_delete(
    browser, signed_in_app: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    notes = tmp_path / "puffin-notes.txt"
    notes.write_text("Atlantic puffins nest in burrows on rocky islands and eat sand eels.")
    alice_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    bob_context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        alice, bob = alice_context.new_page(), bob_context.new_page()
        sign_in(alice, signed_in_app, ALICE)
        alice.get_by_text("You have no collection yet", exact=False).wait_for(timeout=TIMEOUT_MS)
        alice.get_by_label("New collection name").fill("seabirds")
        alice.locator(".st-key-create-first-collection button").click()
        alice.get_by_text("Index: seabirds", exact=False).wait_for(timeout=TIMEOUT_MS)
        alice.locator("input[type=file]").set_input_files(str(notes))
        alice.get_by_text("puffin-notes.txt (1 chunk)").wait_for(timeout=TIMEOUT_MS)

        sign_in(bob, signed_in_app, BOB)
        bob.get_by_text("You have no collection yet", exact=False).wait_for(timeout=TIMEOUT_MS)
        assert bob.get_by_text("seabirds", exact=False).count() == 0, "Alice's collection is hidden from Bob"
        assert bob.get_by_text("puffin-notes.txt", exact=False).count() == 0

        alice.get_by_text("Share", exact=True).first.click()
        alice.get_by_label("Share with").fill("group:biology")
        alice.locator("[data-testid='stFormSubmitButton'] button", has_text="Share").click()
        alice.get_by_text("Shared with group:biology.").wait_for(timeout=TIMEOUT_MS)
        alice.get_by_text("group:biology", exact=True).wait_for()  # listed, with its remove button

        bob.reload()
        bob.get_by_text("Index: seabirds", exact=False).wait_for(timeout=TIMEOUT_MS)
        bob.get_by_text("puffin-notes.txt (1 chunk)").wait_for()
        bob.get_by_text("Shared with you by alice@example.com", exact=False).wait_for()
        assert bob.locator("input[type=file]").count() == 0, "a reader gets no uploader"
        assert bob.locator("[class*='st-key-delete-']").count() == 0, "nor a delete button per document"
        assert bob.locator(".st-key-remove-collection").count() == 0, "nor the collection's delete button"
        assert bob.get_by_text("Share", exact=True).count() == 0, "nor the share control"
        box = bob.get_by_placeholder("Ask a question about your documents")
        box.fill("Where do puffins nest?")
        box.press("Enter")
        bob.get_by_text("Sources (", exact=False).last.click(timeout=TIMEOUT_MS)
        bob.get_by_text("[1] puffin-notes.txt", exact=False).wait_for()
        bob.wait_for_timeout(800)
        bob.screenshot(path=str(ARTIFACTS / "shared-collection-reader.png"), full_page=True)

        alice.locator("[class*='st-key-unshare-'] button").first.click()  # the share's remove button
        alice.get_by_text("Not shared with anyone.").wait_for(timeout=TIMEOUT_MS)
        bob.reload()
        bob.get_by_text("You have no collection yet", exact=False).wait_for(timeout=TIMEOUT_MS)
        assert bob.get_by_text("puffin-notes.txt", exact=False).count() == 0, "unshared: hidden again"

        bob.locator(".st-key-sign-out button").click()
        bob.get_by_role("button", name="End session").click(timeout=TIMEOUT_MS)  # the provider's own page
        bob.get_by_text("Sign in to see your documents.").wait_for(timeout=TIMEOUT_MS)
        bob.reload()
        bob.get_by_text("Sign in to see your documents.").wait_for(timeout=TIMEOUT_MS)
        assert bob.get_by_text("puffin-notes.txt", exact=False).count() == 0, "signed out: nothing is shown"
        alice.reload()
        alice.get_by_text("Signed in as Alice", exact=False).wait_for(timeout=TIMEOUT_MS)  # her session goes on

        alice.get_by_text("API keys", exact=True).click()
        alice.get_by_label("Key label").fill("laptop script")
        alice.locator("[data-testid='stFormSubmitButton'] button", has_text="Create key").click()
        alice.get_by_text("Copy the key now: it is shown only this once.").wait_for(timeout=TIMEOUT_MS)
        key = alice.locator("[data-testid='stCode'] code").inner_text().strip()
        assert key.startswith("jrag_") and len(key) > 40, key
        key_id = key.split("_")[1]
        alice.get_by_text(f"laptop script · {key_id}", exact=False).wait_for()
        alice.locator(f".st-key-revoke-{key_id} button").first.click()
        alice.get_by_text("revoked", exact=False).wait_for(timeout=TIMEOUT_MS)
        assert alice.get_by_text(key).count() == 0, "the secret is not shown again"
    finally:
        alice_context.close()
        bob_context.close()
