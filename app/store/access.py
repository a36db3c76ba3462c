"""Who may do what to a collection, and the API keys that act as a user.

Rules (the issue "Team deployment"):
- an admin (`ADMIN_USERS`, `ADMIN_GROUPS`, or the CLI's local admin) reads and manages every collection;
- a collection's owner reads and manages it: manage = upload, delete documents, delete or share it;
- a user it is shared with, by name or through one of their groups, reads it: sees, searches, downloads
  and cites its documents;
- a collection with no owner (made before sign-in existed, or by the CLI) belongs to the admins.

A collection a user may not read is reported as missing (NotFoundError), so its name does not leak.
The rows live in the catalog (`Catalog` owns the SQL); this module holds the rules.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.errors import AuthenticationError, ConfigError, NotFoundError, PermissionDeniedError
from app.store.catalog import ApiKeyRecord, Catalog
from app.store.collections import Collections, check_collection_name

_KEY_PREFIX = "jrag"
_KEY_FORM = re.compile(r"^jrag_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")
_USER, _GROUP = "user:", "group:"


@dataclass(frozen=True)
class User:
    """A signed-in person (or the key acting as them). `id` is their e-mail address when the provider vouches
    for it, else the provider's subject id; `groups` come from the ID-token claim `OIDC_GROUPS_CLAIM`."""

    id: str
    groups: frozenset[str] = field(default_factory=frozenset)
    is_admin: bool = False
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or self.id


# The CLI, the eval and an app without sign-in on 127.0.0.1 act as this user: it may do everything.
LOCAL_ADMIN = User("local-admin", is_admin=True, name="local admin")


@dataclass(frozen=True)
class AdminRule:
    """Who is an admin: by user id or by group (the settings `ADMIN_USERS`, `ADMIN_GROUPS`)."""

    users: frozenset[str] = frozenset()
    groups: frozenset[str] = frozenset()

    def user(self, id_: str, groups: Iterable[str] = (), name: str = "") -> User:
        group_set, id_ = frozenset(groups), user_id(id_)
        admins = {user_id(admin) for admin in self.users}
        return User(id_, group_set, id_ in admins or bool(group_set & self.groups), name)

    def user_from_claims(self, claims: Mapping[str, object], groups_claim: str = "groups") -> User:
        """The user an ID token's claims describe: `email` (unless `email_verified` is false), else `sub`.

        Raises AuthenticationError when the claims name nobody (no `email` and no `sub`)."""
        email = claims.get("email")
        verified = claims.get("email_verified", True) is not False
        subject = email if isinstance(email, str) and email and verified else claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise AuthenticationError(
                "The sign-in provider did not say who you are (no e-mail address or subject in the ID token).",
                "Ask the administrator to include the `email` or `sub` claim.",
            )
        raw_groups = claims.get(groups_claim) or []
        groups = [raw_groups] if isinstance(raw_groups, str) else raw_groups if isinstance(raw_groups, list) else []
        name = claims.get("name")
        return self.user(subject, (str(group) for group in groups), name if isinstance(name, str) else "")


def user_id(value: str) -> str:
    """A user id as stored and compared: e-mail addresses in lower case (providers and people vary the case),
    subject ids as they are."""
    value = value.strip()
    return value.lower() if "@" in value else value


def grantee_of(text: str) -> str:
    """`user:<id>` or `group:<name>` from what a person typed: an e-mail or id, `group:<name>` or `user:<id>`.

    Raises ConfigError for an empty name, or several names at once (commas, spaces)."""
    text = text.strip()
    kind, name = (_GROUP, text[len(_GROUP) :]) if text.startswith(_GROUP) else (_USER, text.removeprefix(_USER))
    name = name.strip()
    if not name:
        raise ConfigError("Nobody to share with.", "Type a user's e-mail address, or group:<name> for a group.")
    if re.search(r"[\s,;]", name):
        raise ConfigError(
            f"'{name}' is not one user or group.", "Share with one e-mail address or group:<name> at a time."
        )
    return kind + (user_id(name) if kind == _USER else name)


class Access:
    """The access rules of one data folder's collections, over its catalog."""

    def __init__(self, catalog: Catalog, admins: AdminRule) -> None:
        self._catalog = catalog
        self.admins = admins

    # Collections.

    def owner(self, collection: str) -> str | None:
        """The owner's user id; None when the admins own it."""
        return self._catalog.owner(collection)

    def can_read(self, user: User, collection: str) -> bool:
        if self.can_manage(user, collection):
            return True
        shares = set(self._catalog.shares(collection))
        return _USER + user.id in shares or any(_GROUP + group in shares for group in user.groups)

    def can_manage(self, user: User, collection: str) -> bool:
        return user.is_admin or (user.id == self._catalog.owner(collection))

    def readable(self, user: User, collections: Iterable[str]) -> list[str]:
        return [name for name in collections if self.can_read(user, name)]

    def require_read(self, user: User, collection: str) -> None:
        """Raises NotFoundError when `user` may not read `collection` (as if it did not exist)."""
        if not self.can_read(user, collection):
            raise missing_collection(collection)

    def require_manage(self, user: User, collection: str, action: str) -> None:
        """Raises NotFoundError (may not read it) or PermissionDeniedError (may read, not manage) for `action`,
        e.g. "delete it"."""
        self.require_read(user, collection)
        if not self.can_manage(user, collection):
            raise PermissionDeniedError(
                f"Only the owner of the collection '{collection}' or an admin may {action}.",
                f"Ask {self._catalog.owner(collection) or 'an admin'} to do it.",
            )

    def create(self, user: User, collections: Collections, name: str) -> str:
        """Register the new collection `name`, owned by `user` (the local admin leaves it to the admins), and
        return its name, stripped. Raises ConfigError for an invalid or taken name."""
        name = check_collection_name(name)
        if "--" in name:  # `<collection>--<hash>` names the index a reindex builds: a new name must not take one
            raise ConfigError(
                f"'{name}' cannot name a new collection: '--' is kept for the indexes a reindex builds.",
                "Use a single dash.",
            )
        if any(name in record.names for record in collections.records()):
            raise ConfigError(f"A collection named '{name}' already exists.", "Pick another name, or switch to it.")
        self._catalog.forget_access(name)  # nothing a deleted collection of that name had carries over
        collections.ensure(name)
        if user != LOCAL_ADMIN:
            self._catalog.set_owner(name, user.id)
        return name

    def shares(self, collection: str) -> list[str]:
        """Who `collection` is shared with: `user:<id>` and `group:<name>` entries, sorted."""
        return self._catalog.shares(collection)

    def share(self, user: User, collection: str, with_whom: str) -> str:
        """Share `collection` with a user or `group:<name>`; returns the grantee as stored.
        Raises NotFoundError, PermissionDeniedError (not the owner or an admin), ConfigError (empty name)."""
        if self._catalog.collection_record(collection) is None:
            raise missing_collection(collection)
        self.require_manage(user, collection, "share it")
        grantee = grantee_of(with_whom)
        if grantee == _USER + (self.owner(collection) or ""):
            raise ConfigError(f"{with_whom.strip()} owns '{collection}' and can read it already.", "")
        self._catalog.add_share(collection, grantee)
        return grantee

    def unshare(self, user: User, collection: str, grantee: str) -> None:
        self.require_manage(user, collection, "change who it is shared with")
        self._catalog.remove_share(collection, grantee_of(grantee))

    # API keys.

    def create_api_key(self, user: User, label: str = "") -> str:
        """A new key acting as `user` (with their groups as of now). Returns the secret, shown only this once:
        the catalog keeps its SHA-256."""
        key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
        self._catalog.add_api_key(
            ApiKeyRecord(
                key_id=key_id,
                user_id=user.id,
                groups=tuple(sorted(user.groups)),
                label=label.strip() or "API key",
                secret_sha256=_sha256(secret),
                created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                revoked_at=None,
            )
        )
        return f"{_KEY_PREFIX}_{key_id}_{secret}"

    def api_keys(self, user: User) -> list[ApiKeyRecord]:
        """`user`'s keys, revoked ones included, oldest first."""
        return self._catalog.api_keys(user_id=user.id)

    def revoke_api_key(self, user: User, key_id: str) -> None:
        """Revoke `user`'s key `key_id` (an admin may revoke anyone's). Raises NotFoundError for another's key."""
        keys = self._catalog.api_keys(key_id=key_id)
        if not keys or not (user.is_admin or keys[0].user_id == user.id):
            raise NotFoundError(f"You have no API key '{key_id}'.", "Pick one from your list of keys.")
        self._catalog.revoke_api_key(key_id)

    def user_for_api_key(self, key: str | None) -> User:
        """The user a key acts as (admin status from today's settings).

        Raises AuthenticationError for a missing, malformed, unknown or revoked key."""
        match = _KEY_FORM.match((key or "").strip())
        keys = self._catalog.api_keys(key_id=match.group(1)) if match else []
        record = keys[0] if keys else None
        if match is None or record is None or not hmac.compare_digest(record.secret_sha256, _sha256(match.group(2))):
            raise AuthenticationError(
                "No valid API key was sent." if not key else "The API key is not valid.",
                "Send a key made in the app's sidebar (API keys) as 'Authorization: Bearer <key>'.",
            )
        if record.revoked_at is not None:
            raise AuthenticationError(
                f"The API key '{record.key_id}' was revoked on {record.revoked_at}.", "Make a new key in the app."
            )
        return self.admins.user(record.user_id, record.groups)


def missing_collection(collection: str) -> NotFoundError:
    return NotFoundError(
        f"There is no collection named '{collection}' that you can read.",
        "Pick one of your collections, or ask its owner to share it with you.",
    )


def _sha256(secret: str) -> str:
    # The secret has 256 random bits: a fast hash cannot be brute-forced, unlike a password.
    return hashlib.sha256(secret.encode()).hexdigest()
