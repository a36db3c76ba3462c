"""Per-collection access through the service layer, with the real model and Chroma: what every front end gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import load_settings
from app.errors import NotFoundError, PermissionDeniedError
from app.store.access import LOCAL_ADMIN, User
from app.workspace import Workspace
from app.workspaces import Workspaces

ALICE = User("alice@example.com", frozenset({"finance"}))
BOB = User("bob@example.com", frozenset({"legal"}))
NOTE = ("payroll.txt", b"The payroll run happens on the 25th of every month, approved by the controller.")


@pytest.fixture
def alice_workspace(data_dir: Path, embedding) -> Workspace:  # type: ignore[no-untyped-def]
    workspace = Workspace(load_settings(collection="alice-notes"), embedding=embedding, user=ALICE)
    assert [result.status for result in workspace.ingest([NOTE])] == ["indexed"]
    return workspace


def test_a_collection_is_invisible_to_another_user_until_shared_with_their_group(
    alice_workspace: Workspace, embedding
) -> None:  # type: ignore[no-untyped-def]
    pool = Workspaces(alice_workspace.settings, embedding)
    assert "alice-notes" not in pool.collection_names(BOB)
    with pytest.raises(NotFoundError) as hidden:
        pool.get(BOB, "alice-notes")
    with pytest.raises(NotFoundError) as missing:
        pool.get(BOB, "no-such-collection")
    assert hidden.value.message.replace("alice-notes", "X") == missing.value.message.replace("no-such-collection", "X")

    alice_workspace.share("group:legal")
    bob = pool.get(BOB, "alice-notes")
    assert "alice-notes" in pool.collection_names(BOB)
    (top, *_) = bob.retrieve("When is payroll run?")
    assert top.file_name == "payroll.txt"
    assert "25th" in bob.ask("When is payroll run?").text()


def test_a_reader_can_neither_add_nor_delete_documents_nor_delete_the_collection(
    alice_workspace: Workspace,
) -> None:
    alice_workspace.share("bob@example.com")
    bob = alice_workspace.for_user(BOB)
    with pytest.raises(PermissionDeniedError, match="add documents"):
        bob.ingest([("more.txt", b"Another note about the payroll.")])
    with pytest.raises(PermissionDeniedError, match="delete its documents"):
        bob.delete(alice_workspace.documents()[0].sha256)
    with pytest.raises(PermissionDeniedError, match="delete it"):
        bob.delete_collection("alice-notes")
    assert [record.name for record in alice_workspace.documents()] == ["payroll.txt"]


def test_the_cli_acts_as_the_local_admin_and_sees_every_collection(alice_workspace: Workspace, embedding) -> None:  # type: ignore[no-untyped-def]
    admin = Workspace(load_settings(), embedding=embedding)
    assert admin.user == LOCAL_ADMIN
    assert set(admin.collection_names()) == {"alice-notes", "documents"}
    assert admin.collection_owner("alice-notes") == "alice@example.com"
    assert admin.collection_owner() is None  # made by the CLI: the admins' own
    assert alice_workspace.collection_names() == ["alice-notes"]


def test_a_user_opening_a_new_collection_owns_it(data_dir: Path, embedding) -> None:  # type: ignore[no-untyped-def]
    bob = Workspace(load_settings(collection="bob-cases"), embedding=embedding, user=BOB)
    assert bob.collection_owner() == "bob@example.com" and bob.can_manage()
    with pytest.raises(NotFoundError):
        Workspace(load_settings(collection="bob-cases"), embedding=embedding, user=ALICE)


def test_a_collection_deleted_and_made_again_elsewhere_is_served_afresh(alice_workspace: Workspace, embedding) -> None:  # type: ignore[no-untyped-def]
    pool = Workspaces(alice_workspace.settings, embedding)
    assert pool.get(ALICE, "alice-notes").documents()[0].name == "payroll.txt"
    alice_workspace.delete_collection("alice-notes")  # in the UI, while the API holds it open
    bob = Workspace(load_settings(collection="alice-notes"), embedding=embedding, user=BOB)
    bob.ingest([("cases.txt", b"The appeal hearing is set for the third of March in the district court.")])

    with pytest.raises(NotFoundError):
        pool.get(ALICE, "alice-notes")
    served = pool.get(BOB, "alice-notes")
    assert [record.name for record in served.documents()] == ["cases.txt"]
    assert served.retrieve("When is the appeal hearing?")[0].file_name == "cases.txt"
