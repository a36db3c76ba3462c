"""The sidebar's access panels: who a collection is shared with (owners and admins change it) and the
signed-in user's API keys. Every action goes through the user's `Workspace`, which enforces the rules."""

from __future__ import annotations

import streamlit as st

from app.chat.markdown import escape_markdown
from app.workspace import Workspace


def share_panel(workspace: Workspace) -> None:
    """Share the open collection with a user (e-mail) or `group:<name>`, list its shares, remove one.

    Shown to its owner and admins; a reader sees whose collection it is."""
    owner = workspace.collection_owner()
    if not workspace.can_manage():
        st.caption(
            f"Shared with you by {escape_markdown(owner or 'an admin')}: you can read it and ask about it; only "
            "its owner can change it."
        )
        return
    with st.expander("Share", icon=":material/share:"):
        st.caption(f"Owner: {escape_markdown(owner or 'the admins')}")
        with st.form("share-form", clear_on_submit=True, border=False):
            who = st.text_input("Share with", key="share-with", placeholder="name@example.com or group:<name>")
            if st.form_submit_button("Share", icon=":material/person_add:"):
                grantee = workspace.share(who)
                st.session_state["share-notice"] = f"Shared with {grantee}."
        if notice := st.session_state.pop("share-notice", ""):
            st.success(escape_markdown(notice))
        shares = workspace.shares()
        if not shares:
            st.caption("Not shared with anyone.")
        for grantee in shares:
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.text(grantee)
            if right.button(
                "", key=f"unshare-{grantee}", icon=":material/person_remove:", help=f"Stop sharing with {grantee}"
            ):
                workspace.unshare(grantee)
                st.rerun()


def api_keys_panel(workspace: Workspace) -> None:
    """Make an API key acting as the signed-in user (its secret shown once), list the keys, revoke one."""
    with st.expander("API keys", icon=":material/key:"):
        st.caption("A key acts as you in the HTTP API (README: HTTP API). Anyone holding it reads what you read.")
        with st.form("api-key-form", clear_on_submit=True, border=False):
            label = st.text_input("Key label", key="api-key-label", placeholder="e.g. laptop script")
            if st.form_submit_button("Create key", icon=":material/add:"):
                st.session_state["new-api-key"] = workspace.create_api_key(label)
        if secret := st.session_state.pop("new-api-key", ""):
            st.warning("Copy the key now: it is shown only this once.")
            st.code(secret, language=None)
        for record in workspace.api_keys():
            left, right = st.columns([5, 1], vertical_alignment="center")
            if record.revoked_at:
                left.caption(f"~~{escape_markdown(record.label)}~~ · {record.key_id} · revoked {record.revoked_at}")
                continue
            left.text(f"{record.label} · {record.key_id} · made {record.created_at}")
            if right.button("", key=f"revoke-{record.key_id}", icon=":material/block:", help=f"Revoke {record.label}"):
                workspace.revoke_api_key(record.key_id)
                st.rerun()
