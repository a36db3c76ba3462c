"""Who may read and manage a collection, and API keys, over a real catalog file."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.errors import AuthenticationError, ConfigError, NotFoundError, PermissionDeniedError
from app.store.access import LOCAL_ADMIN, Access, AdminRule, User, grantee_of
from app.store.catalog import Catalog
from app.store.collections import Collections

ALICE = User("alice@example.com", frozenset({"finance"}))
BOB = User("bob@example.com", frozenset({"legal"}))
CAROL = User("carol@example.com", frozenset({"legal", "finance"}))


@pytest.fixture
def access(tmp_path: Path) -> Access:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    catalog.register_collection("legacy")
    access = Access(catalog, AdminRule(frozenset({"root@example.com"}), frozenset({"it"})))
    access.create(ALICE, Collections(catalog, tmp_path / "sources"), "alice-notes")
    return access


def test_a_collection_is_read_and_managed_by_its_owner_only_until_shared(access: Access) -> None:
    assert access.can_read(ALICE, "alice-notes") and access.can_manage(ALICE, "alice-notes")
    assert not access.can_read(BOB, "alice-notes")
    with pytest.raises(NotFoundError, match="no collection named 'alice-notes' that you can read"):
        access.require_read(BOB, "alice-notes")


def test_sharing_with_a_group_lets_its_members_read_but_not_delete(access: Access) -> None:
    assert access.share(ALICE, "alice-notes", "group:legal") == "group:legal"
    assert access.can_read(BOB, "alice-notes") and access.can_read(CAROL, "alice-notes")
    with pytest.raises(PermissionDeniedError, match=r"Only the owner .* may delete it") as raised:
        access.require_manage(BOB, "alice-notes", "delete it")
    assert "alice@example.com" in raised.value.hint


def test_sharing_with_a_user_by_e_mail_lets_only_that_user_read(access: Access) -> None:
    access.share(ALICE, "alice-notes", " bob@example.com ")
    assert access.shares("alice-notes") == ["user:bob@example.com"]
    assert access.can_read(BOB, "alice-notes") and not access.can_read(CAROL, "alice-notes")
    access.unshare(ALICE, "alice-notes", "bob@example.com")
    assert not access.can_read(BOB, "alice-notes")


def test_a_reader_cannot_share_and_a_stranger_is_told_the_collection_is_missing(access: Access) -> None:
    access.share(ALICE, "alice-notes", "group:legal")
    with pytest.raises(PermissionDeniedError):
        access.share(BOB, "alice-notes", "group:everyone")
    with pytest.raises(NotFoundError):
        access.share(User("mallory@example.com"), "alice-notes", "mallory@example.com")
    assert access.shares("alice-notes") == ["group:legal"]


def test_a_collection_without_an_owner_belongs_to_the_admins(access: Access) -> None:
    root = access.admins.user("root@example.com")
    it_member = access.admins.user("dave@example.com", ["it"])
    assert root.is_admin and it_member.is_admin
    for admin in (root, it_member, LOCAL_ADMIN):
        assert access.can_manage(admin, "legacy") and access.can_manage(admin, "alice-notes")
    assert not access.can_read(ALICE, "legacy")
    assert access.owner("legacy") is None


def test_the_local_admin_leaves_what_it_creates_to_the_admins(access: Access, tmp_path: Path) -> None:
    collections = Collections(Catalog(tmp_path / "catalog.sqlite3"), tmp_path / "sources")
    assert access.create(LOCAL_ADMIN, collections, " cli-made ") == "cli-made"
    assert access.owner("cli-made") is None


def test_a_taken_collection_name_cannot_be_created_again(access: Access, tmp_path: Path) -> None:
    collections = Collections(Catalog(tmp_path / "catalog.sqlite3"), tmp_path / "sources")
    with pytest.raises(ConfigError, match="already exists"):
        access.create(BOB, collections, "alice-notes")
    assert access.owner("alice-notes") == "alice@example.com"


def test_sharing_with_nobody_is_refused() -> None:
    with pytest.raises(ConfigError, match="Nobody to share with"):
        grantee_of("group:  ")
    assert grantee_of("user:bob") == "user:bob"


def test_an_api_key_acts_as_its_user_until_revoked(access: Access) -> None:
    key = access.create_api_key(ALICE, "laptop")
    assert access.user_for_api_key(key) == User("alice@example.com", frozenset({"finance"}))
    (record,) = access.api_keys(ALICE)
    assert record.label == "laptop" and key not in repr(record) and record.secret_sha256 not in key
    access.revoke_api_key(ALICE, record.key_id)
    with pytest.raises(AuthenticationError, match="was revoked"):
        access.user_for_api_key(key)


@pytest.mark.parametrize("key", [None, "", "Bearer x", "jrag_000000000000_" + "a" * 43])
def test_a_missing_malformed_or_unknown_api_key_is_refused(access: Access, key: str | None) -> None:
    with pytest.raises(AuthenticationError, match="API key"):
        access.user_for_api_key(key)


def test_a_key_with_a_changed_secret_is_refused(access: Access) -> None:
    key = access.create_api_key(BOB)
    forged = key[:-4] + ("AAAA" if not key.endswith("AAAA") else "BBBB")
    with pytest.raises(AuthenticationError, match="not valid"):
        access.user_for_api_key(forged)


def test_a_user_cannot_revoke_another_users_key(access: Access) -> None:
    access.create_api_key(ALICE)
    (record,) = access.api_keys(ALICE)
    with pytest.raises(NotFoundError):
        access.revoke_api_key(BOB, record.key_id)
    access.revoke_api_key(access.admins.user("root@example.com"), record.key_id)
    assert access.api_keys(ALICE)[0].revoked_at is not None


def test_an_admin_named_in_the_settings_is_an_admin_through_their_key(access: Access) -> None:
    key = access.create_api_key(User("root@example.com"))
    assert access.user_for_api_key(key).is_admin


def test_the_user_is_the_verified_e_mail_else_the_subject_with_groups_from_the_named_claim() -> None:
    rule = AdminRule()
    user = rule.user_from_claims({"sub": "u1", "email": "a@x.org", "roles": ["r1", "r2"]}, groups_claim="roles")
    assert user == User("a@x.org", frozenset({"r1", "r2"}))
    unverified = rule.user_from_claims({"sub": "u1", "email": "a@x.org", "email_verified": False, "groups": "g"})
    assert unverified == User("u1", frozenset({"g"}))
    with pytest.raises(AuthenticationError, match="did not say who you are"):
        rule.user_from_claims({"name": "nobody"})


def test_deleting_a_collection_forgets_its_owner_and_shares(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    catalog.register_collection("gone")
    catalog.set_owner("gone", "alice@example.com")
    catalog.add_share("gone", "group:legal")
    catalog.drop_collection("gone", {"gone"})
    catalog.register_collection("gone")
    assert catalog.owner("gone") is None and catalog.shares("gone") == []


def test_a_new_collection_cannot_be_named_like_the_index_a_reindex_builds(access: Access, tmp_path: Path) -> None:
    collections = Collections(Catalog(tmp_path / "catalog.sqlite3"), tmp_path / "sources")
    with pytest.raises(ConfigError, match="'--' is kept for the indexes a reindex builds"):
        access.create(BOB, collections, "alice-notes--b1ffc2be8e")


def test_a_new_collection_cannot_take_the_name_of_another_collections_index(access: Access, tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    catalog.set_physical("alice-notes", "alice-notes-v2")
    with pytest.raises(ConfigError, match="already exists"):
        access.create(BOB, Collections(catalog, tmp_path / "sources"), "alice-notes-v2")


def test_a_collection_that_does_not_exist_cannot_be_shared(access: Access) -> None:
    with pytest.raises(NotFoundError):
        access.share(access.admins.user("root@example.com"), "payroll", "bob@example.com")


def test_a_new_collection_of_a_deleted_name_starts_with_no_shares(access: Access, tmp_path: Path) -> None:
    catalog = Catalog(tmp_path / "catalog.sqlite3")
    catalog.add_share("payroll", "user:bob@example.com")  # left by an older version's delete
    access.create(CAROL, Collections(catalog, tmp_path / "sources"), "payroll")
    assert access.shares("payroll") == [] and not access.can_read(BOB, "payroll")


@pytest.mark.parametrize("several", ["bob@example.com, carol@example.com", "group:a b", "bob@example.com;carol"])
def test_several_names_in_one_share_are_refused(access: Access, several: str) -> None:
    with pytest.raises(ConfigError, match="one e-mail address or group"):
        access.share(ALICE, "alice-notes", several)
    assert access.shares("alice-notes") == []


def test_sharing_with_the_owner_is_refused(access: Access) -> None:
    with pytest.raises(ConfigError, match="owns 'alice-notes'"):
        access.share(ALICE, "alice-notes", "Alice@Example.com")


def test_e_mail_addresses_match_whatever_their_case(access: Access) -> None:
    access.share(ALICE, "alice-notes", "Bob@Example.COM")
    assert access.shares("alice-notes") == ["user:bob@example.com"]
    assert access.can_read(AdminRule().user_from_claims({"email": "BOB@example.com"}), "alice-notes")
    assert AdminRule(frozenset({"Root@Example.com"})).user("root@example.com").is_admin
