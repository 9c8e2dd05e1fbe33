"""An inbox's users: one model (`InboxUser`), read from the local directory, written through the API.

Selectors read the directory (`avodash.models.DirectoryMembership`): a page never makes one
API call per user. The directory fills itself on an inbox's first use and is kept fresh in the
background (`avodash.domain.directory`). Services make the API write, then store what the API
answered in the directory at once (write-through), so every page shows the change in the same
request: a user disabled or removed through avodash is no longer offered as an owner anywhere.

A user is addressed by id or by email: `user="Pwebo1JXmD"` or `user="alice@example.com"` (an
email goes out as the path segment `_` plus `email=`, as NOTES.md describes).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from django.core.cache import cache

from avodash.avochato import AvochatoClient, AvochatoError, NotFoundError
from avodash.domain import directory
from avodash.domain.errors import ActionError
from avodash.domain.inbox_user import InboxUser, UserInbox, user_of
from avodash.domain.parse import api_str
from avodash.domain.phones import to_e164

log = logging.getLogger(__name__)

ROLES: tuple[str, ...] = ("member", "manager", "owner")
ROLE_HELP = {
    "member": "Views and answers conversations.",
    "manager": "Also manages team settings.",
    "owner": "Full control of the inbox, billing included.",
}
# The API's rule, shown when it refuses a role change.
ROLE_RULE = (
    "Avochato only lets owners (and Avochato admins) promote someone to owner or change an "
    "existing owner's role; managers can switch people between member and manager."
)
PASSWORD_RESET_EXPIRY_HOURS = 48


def role_change_needs_confirmation(old: str | None, new: str) -> bool:
    """Promotion to owner, and any change of an owner, is confirmed first (billing included)."""
    return old != new and "owner" in (old, new)


def role_change_words(old: str | None, new: str) -> str:
    """What the new role grants (and, for a former owner, what they lose), for the confirmation."""
    text = f"{new.capitalize()}: {ROLE_HELP.get(new, '')}"
    if old == "owner" and new != "owner":
        text += " They lose owner rights: full control of the inbox, billing included."
    return text


WHOAMI_CACHE_SECONDS = 600


@dataclass(frozen=True, kw_only=True)
class UserAddResult:
    """What `POST /v1/users` did: `invited` is True for a new Avochato user (invite email
    to set a password), False for an existing one (added to the inbox and notified)."""

    user: InboxUser
    invited: bool
    message: str = ""

    @property
    def outcome(self) -> str:
        who = self.user.email or self.user.display_name
        if self.invited:
            return f"{who} is new to Avochato: an invitation email was sent so they can set a password."
        return f"{who} already had an Avochato login: they were added to this inbox and notified."


# --- parsing ----------------------------------------------------------------------------


def _message_of(envelope: dict[str, Any]) -> str:
    message = (envelope.get("data") or {}).get("message")
    return message.strip() if isinstance(message, str) else ""


def addressed(user: str, *suffix: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """Path and parameters for a user given by id or by email (`_` + `email=`)."""
    user = (user or "").strip()
    if user in ("", ".", ".."):  # never a user; the client would refuse the segment anyway
        raise NotFoundError("No such user.", status=404)
    if "@" in user:
        return ("users", "_", *suffix), {"email": user}
    return ("users", user, *suffix), {}


# --- selectors: the directory ---------------------------------------------------------------


def inbox_users(*, client: AvochatoClient) -> list[InboxUser]:
    """Every user of the inbox (disabled ones included), by name, from the local directory.

    The inbox's first use fills the directory (`GET /v1/users`, every page, then details
    within a short budget); afterwards no API call unless the directory is due for a refresh,
    which runs in the background.
    """
    return directory.members(client=client)


def owner_choices(*, client: AvochatoClient) -> list[InboxUser]:
    """The users who may be given tickets: every member not known to be disabled."""
    return [u for u in inbox_users(client=client) if u.may_own_tickets]


def inbox_user(*, client: AvochatoClient, user: str) -> InboxUser:
    """One user of the inbox by id or email. The directory first; a user it does not know (or
    whose details were never read) is read from the API (`GET /v1/users/:id`, or
    `/v1/users/_?email=`) and stored. NotFoundError when they are not a member."""
    known = directory.member(subdomain=_inbox_of(client), user=user)
    if known is not None and known.details_loaded:
        return known
    path, params = addressed(user)
    try:
        found = user_of(client.get(path, params))
    except NotFoundError:
        directory.forget(subdomain=_inbox_of(client), user=user)
        raise
    return directory.store(subdomain=_inbox_of(client), user=found)


def known_user(*, client: AvochatoClient, user: str) -> InboxUser | None:
    """What the local directory holds of the user in this inbox (no API call), or None: for a
    page that must show them while Avochato cannot be reached."""
    return directory.member(subdomain=_inbox_of(client), user=user)


def member_by_email(*, client: AvochatoClient, email: str) -> InboxUser | None:
    """The inbox's user with this email, or None when they are not a member (read from the API:
    the on/offboarding steps act on what is true now)."""
    return user_read_back(client=client, user=email)


def user_read_back(*, client: AvochatoClient, user: str) -> InboxUser | None:
    """The user as Avochato has them now, by id or email (`GET /v1/users/:id`), never the
    directory's copy: what a write whose answer was unclear really did. The answer is written
    through to the directory; None (and forgotten there) when they are not a member."""
    try:
        path, params = addressed(user)
        found = user_of(client.get(path, params))
    except NotFoundError:
        directory.forget(subdomain=_inbox_of(client), user=user)
        return None
    return directory.store(subdomain=_inbox_of(client), user=found)


def user_doubt(*, client: AvochatoClient, user: str) -> None:
    """A write to the user may or may not have gone through, and reading them back failed:
    the directory's copy is not trusted until read again (the next page that shows them, or
    the background refresh, asks Avochato first)."""
    directory.doubt(subdomain=_inbox_of(client), user=user)


def user_inboxes(*, client: AvochatoClient, user: str) -> list[UserInbox]:
    """Every inbox the user belongs to, by name (`GET /v1/users/:id/accounts`, asked in an
    inbox they are in): also those the viewer is not granted, which pages count without
    naming them. API only (safe to run in parallel)."""
    path, params = addressed(user, "accounts")
    accounts = (client.get(path, params).get("data") or {}).get("accounts") or []
    out = [
        UserInbox(subdomain=str(a["subdomain"]), name=api_str(a.get("name")) or str(a["subdomain"]))
        for a in accounts
        if isinstance(a, dict) and a.get("subdomain")
    ]
    return sorted(out, key=lambda i: i.name.lower())


def users_by_id(users: Iterable[InboxUser]) -> dict[str, InboxUser]:
    return {u.id: u for u in users}


def user_names(*, user_ids: Iterable[str]) -> dict[str, str]:
    """Names of users by Avochato id, from the local directory (no API call; unknown ids
    are left out): for pages that show ids recorded earlier, like the audit trail."""
    return directory.names(user_ids=user_ids)


def user_for_email(users: Iterable[InboxUser], email: str | None) -> InboxUser | None:
    """The inbox user whose Avochato email is this (case-insensitive), if any."""
    if not email:
        return None
    wanted = email.strip().lower()
    return next((u for u in users if u.email and u.email.lower() == wanted), None)


def unknown_user(user_id: str) -> InboxUser:
    """An owner or sender the directory does not know (removed, or not yet synced)."""
    return InboxUser(id=user_id, name="Former user")


def credential_user_id(*, client: AvochatoClient) -> str | None:
    """The id of the user the dashboard's API credential acts as: cached, else as the directory's
    accounts pass read it, else `GET /v1/whoami` now (kept in the directory).

    Disabling or removing that user cuts the dashboard off from the inbox, so the team pages
    refuse to. None when it cannot be told (the check then simply does not apply). It reads the
    database: call it in the request's thread, not inside `parallel`.
    """
    key = f"avodash:whoami:{client.fingerprint}"
    cached = cache.get(key)
    if cached:
        return cached
    user_id = directory.credential_user(client=client) or directory.learn_credential_user(client=client)
    if user_id:
        cache.set(key, user_id, WHOAMI_CACHE_SECONDS)
    return user_id


# --- services: write through the API, then the directory -------------------------------------


def _inbox_of(client: AvochatoClient) -> str:
    return client.subdomain or "_default"


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ActionError(f"Choose a role: {', '.join(ROLES)}.", field="role")


def _checked_phone(phone: str) -> str:
    e164 = to_e164(phone)
    if not e164:
        raise ActionError("Enter the phone in E.164 format, like +14155551234.", field="phone")
    return e164


def _invited(envelope: dict[str, Any], user: InboxUser, message: str) -> bool:
    """Whether `POST /v1/users` created a new Avochato user. The API has no field of its own
    for it: a flag or the `message` is used when present, else a user created at the moment
    they were added (and never signed in) counts as new."""
    raw = envelope.get("data") or {}
    for flag in ("invited", "created", "new_user"):
        if isinstance(raw.get(flag), bool):
            return raw[flag]
    low = message.lower()
    if "invit" in low or "created" in low:
        return True
    if "added" in low or "notif" in low or "exist" in low:
        return False
    fresh = (
        user.created_at is not None
        and user.added_at is not None
        and abs((user.added_at - user.created_at).total_seconds()) < 60
    )
    return fresh and user.signed_in_at is None


def user_add(
    *,
    client: AvochatoClient,
    email: str,
    name: str | None = None,
    role: str = "member",
    phone: str | None = None,
) -> UserAddResult:
    """Add a user to the inbox (`POST /v1/users`): an existing Avochato user is added and
    notified; a new email creates a user who gets an invitation to set a password. `phone`
    starts MFA phone setup (any common format; sent as E.164)."""
    _check_role(role)
    data: dict[str, Any] = {"email": email.strip(), "role": role}
    if name:
        data["name"] = name.strip()
    if phone:
        data["phone"] = _checked_phone(phone)
    envelope = client.post(("users",), data)
    user = user_of(envelope)
    message = _message_of(envelope)
    stored = directory.store(subdomain=_inbox_of(client), user=user)
    return UserAddResult(user=stored, invited=_invited(envelope, user, message), message=message)


def user_role_update(*, client: AvochatoClient, user: str, role: str) -> InboxUser:
    """Change the user's role in the inbox (`PUT /v1/users/:id` with `role`).

    The API refuses (ForbiddenError or ValidationError) when the credential's user is a
    manager promoting to owner or changing an owner: see ROLE_RULE.
    """
    _check_role(role)
    path, params = addressed(user)
    # A PUT is retried on a timeout; leave part of the budget to read the user back if none answers.
    return directory.store(
        subdomain=_inbox_of(client), user=user_of(client.leaving().put(path, {**params, "role": role}))
    )


def user_disable(*, client: AvochatoClient, user: str) -> InboxUser:
    """Disable the user in the inbox; history is kept (`POST /v1/users/:id/disable`)."""
    path, params = addressed(user, "disable")
    found = user_of(client.post(path, params))
    if found.enabled is None:  # an answer without the flag: we know what we just did
        found = _with(found, enabled=False)
    return directory.store(subdomain=_inbox_of(client), user=found)


def user_enable(*, client: AvochatoClient, user: str) -> InboxUser:
    """Re-enable a disabled user (`POST /v1/users/:id/enable`)."""
    path, params = addressed(user, "enable")
    found = user_of(client.post(path, params))
    if found.enabled is None:
        found = _with(found, enabled=True)
    return directory.store(subdomain=_inbox_of(client), user=found)


def user_mfa_phone_set(*, client: AvochatoClient, user: str, phone: str) -> InboxUser:
    """Set a pending MFA phone (`POST /v1/users/:id/mfa_phone`); the user must confirm it
    with the code Avochato texts them before it counts."""
    e164 = _checked_phone(phone)
    path, params = addressed(user, "mfa_phone")
    envelope = client.post(path, {**params, "phone": e164})
    try:
        found = user_of(envelope)
    except NotFoundError:  # the answer carried only a message: read the user back
        try:
            found = user_of(client.get(*addressed(user)))
        except AvochatoError:  # the phone was set: only reading them failed
            return directory.member(subdomain=_inbox_of(client), user=user) or InboxUser(id=user)
    return directory.store(subdomain=_inbox_of(client), user=found)


def user_password_reset(*, client: AvochatoClient, user: str) -> str:
    """Email the user a password reset link, valid 48 hours (`POST /v1/users/:id/password_reset`).
    Returns the API's message."""
    path, params = addressed(user, "password_reset")
    return _message_of(client.post(path, params))


def user_delete(*, client: AvochatoClient, user: str) -> str:
    """Remove the user from this inbox (`DELETE /v1/users/:id`). Their tickets here become
    unassigned (hand them over first: `avodash.domain.tickets.tickets_handover`); their
    Avochato login remains. Returns the API's message."""
    path, params = addressed(user)
    message = _message_of(client.delete(path, params))
    directory.forget(subdomain=_inbox_of(client), user=user)
    return message


def _with(user: InboxUser, **changes: Any) -> InboxUser:
    return replace(user, **changes)
