"""Team services: the users of an inbox, their roles, access, MFA, and ticket handover.

Plain keyword-only functions that take an inbox's `AvochatoClient` (see docs/contracts.md)
and return the dataclasses below; views and the on/offboarding jobs call these, never the
client. A user is addressed by id or by email: `user="Pwebo1JXmD"` or
`user="alice@example.com"` (an email goes out as the path segment `_` plus `email=`, as
NOTES.md describes).

The users list omits `role` and `enabled` (NOTES.md), so `users_list` fetches every user's
details in parallel and keeps the assembled list in Django's cache for a short while. The
cache key carries a per-inbox version number; every team write here bumps it (success or
failure: a failed write may still have changed something), so all app servers sharing the
cache stop serving the old list at once.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache

from avodash.avochato import AvochatoClient, AvochatoError, NotFoundError, parallel

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
TEAM_CACHE_SECONDS = 60
WHOAMI_CACHE_SECONDS = 600
DETAIL_WORKERS = 8
USERS_PAGE_SIZE = 25  # fixed by the API (NOTES.md)
MAX_USER_PAGES = 200
HANDOVER_CHUNK = 50
E164_RE = re.compile(r"^\+[1-9]\d{6,14}$")


def is_e164(phone: str) -> bool:
    """`+` then 7 to 15 digits, the first not 0 (E.164)."""
    return bool(E164_RE.match(phone or ""))


# --- what the services return ------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TeamUser:
    """A user of one inbox. `role`/`enabled`/`added_at` are None when only the list was read."""

    id: str
    name: str
    email: str | None = None
    phone: str | None = None  # the verified MFA phone, E.164
    phone_formatted: str | None = None
    require_2fa: bool = False
    mfa_app_valid: bool = False
    phone_valid: bool = False
    signed_in_at: datetime | None = None
    created_at: datetime | None = None
    role: str | None = None
    enabled: bool | None = None
    added_at: datetime | None = None
    can_message: bool | None = None
    can_call: bool | None = None
    can_view_billing: bool | None = None
    can_view_org: bool | None = None
    details_loaded: bool = False  # role/enabled known (from a single-user answer)

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.id

    @property
    def mfa_complete(self) -> bool:
        """2FA not required, or an authenticator app or a verified phone is in place."""
        return (not self.require_2fa) or self.mfa_app_valid or self.phone_valid

    @property
    def mfa_incomplete(self) -> bool:
        return not self.mfa_complete


@dataclass(frozen=True, kw_only=True)
class UserInbox:
    """An inbox (Avochato account) a user belongs to (`GET /v1/users/:id/accounts`)."""

    id: str
    subdomain: str
    name: str
    phone: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class UserAddResult:
    """What `POST /v1/users` did: `invited` is True for a new Avochato user (invite email
    to set a password), False for an existing one (added to the inbox and notified)."""

    user: TeamUser
    invited: bool
    message: str = ""

    @property
    def outcome(self) -> str:
        if self.invited:
            return (
                f"{self.user.email or self.user.display_name} is new to Avochato: "
                "an invitation email was sent so they can set a password."
            )
        return (
            f"{self.user.email or self.user.display_name} already had an Avochato login: "
            "they were added to this inbox and notified."
        )


@dataclass(frozen=True, kw_only=True)
class HandoverResult:
    """Open tickets moved from one user to another (`tickets_handover`).

    `failed` holds (ticket id, reason) for tickets that were not moved; running the
    handover again picks up whatever is still assigned to `from_user_id`.
    """

    from_user_id: str
    to_user_id: str
    found: tuple[str, ...] = ()
    moved: tuple[str, ...] = ()
    failed: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def summary(self) -> str:
        if not self.found:
            return "No open tickets to hand over."
        text = f"Handed over {len(self.moved)} of {len(self.found)} open tickets."
        if self.failed:
            reasons = sorted({reason for _, reason in self.failed})
            text += f" {len(self.failed)} not moved: {'; '.join(reasons)}"
        return text


# --- parsing ----------------------------------------------------------------------------


def _epoch(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _iso(value: Any) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _epoch(value)
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _opt_bool(value: Any) -> bool | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def _opt_str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _user_from(d: dict[str, Any]) -> TeamUser:
    role = _opt_str(d.get("role"))
    enabled = _opt_bool(d.get("enabled"))
    return TeamUser(
        id=str(d.get("id") or ""),
        name=_opt_str(d.get("name")) or "",
        email=_opt_str(d.get("email")),
        phone=_opt_str(d.get("phone")),
        phone_formatted=_opt_str(d.get("phone_formatted")),
        require_2fa=bool(d.get("require_2fa")),
        mfa_app_valid=bool(d.get("mfa_app_valid")),
        phone_valid=bool(d.get("phone_valid")),
        signed_in_at=_iso(d.get("signed_in_at")),
        created_at=_epoch(d.get("created_at")),
        role=role.lower() if role else None,
        enabled=enabled,
        added_at=_epoch(d.get("added_at")),
        can_message=_opt_bool(d.get("can_message")),
        can_call=_opt_bool(d.get("can_call")),
        can_view_billing=_opt_bool(d.get("can_view_billing")),
        can_view_org=_opt_bool(d.get("can_view_org")),
        details_loaded=role is not None or enabled is not None,
    )


def _user_of(envelope: dict[str, Any]) -> TeamUser:
    """`data.user` of a single-user answer (an object; tolerate a one-item array)."""
    data = envelope.get("data") or {}
    raw = data.get("user")
    if raw is None and isinstance(data.get("users"), list):
        raw = data["users"][0] if data["users"] else None
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if not isinstance(raw, dict) or not raw.get("id"):
        raise NotFoundError(status=404)
    return _user_from(raw)


def _message_of(envelope: dict[str, Any]) -> str:
    message = (envelope.get("data") or {}).get("message")
    return message.strip() if isinstance(message, str) else ""


def _addressed(user: str, *suffix: str) -> tuple[tuple[str, ...], dict[str, str]]:
    """Path and parameters for a user given by id or by email (`_` + `email=`)."""
    user = (user or "").strip()
    if user in ("", ".", ".."):  # never a user; the client would refuse the segment anyway
        raise NotFoundError("No such user.", status=404)
    if "@" in user:
        return ("users", "_", *suffix), {"email": user}
    return ("users", user, *suffix), {}


# --- the cache ---------------------------------------------------------------------------


def _version_key(subdomain: str) -> str:
    return f"avodash:team:v:{subdomain}"


def _team_version(subdomain: str) -> int:
    key = _version_key(subdomain)
    version = cache.get(key)
    if version is None:
        # Start from the clock, not 1: an evicted version key must never bring back
        # entries stored under an earlier, reused number.
        cache.add(key, int(time.time() * 1000), None)
        version = cache.get(key)
    return int(version or 0)


def team_cache_invalidate(*, subdomain: str) -> None:
    """Forget the cached team of `subdomain` on every app server sharing the cache."""
    key = _version_key(subdomain)
    try:
        cache.incr(key)
    except ValueError:  # missing: start a fresh number above any earlier one
        cache.set(key, int(time.time() * 1000) + 1, None)


def _list_key(subdomain: str) -> str:
    return f"avodash:team:users:{subdomain}:{_team_version(subdomain)}"


def _inbox_of(client: AvochatoClient) -> str:
    return client.subdomain or "_default"


class _Write:
    """Bump the inbox's team version after a write, whether it worked or not."""

    def __init__(self, client: AvochatoClient) -> None:
        self.subdomain = _inbox_of(client)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        team_cache_invalidate(subdomain=self.subdomain)


# --- reads -------------------------------------------------------------------------------


def _list_pages(client: AvochatoClient) -> list[dict[str, Any]]:
    """`GET /v1/users` page=1,2,... The API sends 25 a page whatever `limit` says (NOTES.md),
    so a page of fewer than 25 is the last: a team of 12 costs one call, not two."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for page in range(1, MAX_USER_PAGES + 1):
        envelope = client.get(("users",), {"page": page})
        items = [u for u in (envelope.get("data") or {}).get("users") or [] if isinstance(u, dict)]
        fresh = [u for u in items if str(u.get("id")) not in seen]
        seen.update(str(u.get("id")) for u in fresh)
        out.extend(fresh)
        if len(items) < USERS_PAGE_SIZE or not fresh:  # short, empty, or a repeated page
            break
    else:
        log.warning("stopped paging the users of %s after %d pages", client.subdomain, MAX_USER_PAGES)
    return out


def users_list(client: AvochatoClient, *, use_cache: bool = True) -> list[TeamUser]:
    """Every user of the inbox with role and enabled, sorted by name.

    `GET /v1/users` (page=1,2,... until a short page: 25 a page), then `GET /v1/users/:id`
    for every user, in parallel. Cached for TEAM_CACHE_SECONDS per inbox; a user whose
    details could not be read keeps `details_loaded=False` (and the list is not cached).
    """
    subdomain = _inbox_of(client)
    key = _list_key(subdomain)
    if use_cache:
        cached = cache.get(key)
        if cached is not None:
            return cached
    listed = [_user_from(u) for u in _list_pages(client) if u.get("id")]

    def details(user: TeamUser):
        def fetch() -> TeamUser:
            try:
                return _user_of(client.get(("users", user.id)))
            except AvochatoError as err:
                log.warning("team %s: details of user %s unavailable: %s", subdomain, user.id, err.message)
                return user

        return fetch

    users = parallel([details(u) for u in listed], max_workers=DETAIL_WORKERS)
    users.sort(key=lambda u: (u.display_name.lower(), u.id))
    if all(u.details_loaded for u in users):
        cache.set(key, users, TEAM_CACHE_SECONDS)
    return users


def user_get(client: AvochatoClient, *, user: str) -> TeamUser:
    """One user of the inbox by id or email (`GET /v1/users/:id`, or `/v1/users/_?email=`).

    Raises NotFoundError when the user is not in this inbox.
    """
    path, params = _addressed(user)
    return _user_of(client.get(path, params))


def user_inboxes(client: AvochatoClient, *, user: str) -> list[UserInbox]:
    """The inboxes a user belongs to, by name (`GET /v1/users/:id/accounts`)."""
    path, params = _addressed(user, "accounts")
    envelope = client.get(path, params)
    accounts = (envelope.get("data") or {}).get("accounts") or []
    out = [
        UserInbox(
            id=str(a.get("id") or ""),
            subdomain=str(a.get("subdomain") or ""),
            name=_opt_str(a.get("name")) or str(a.get("subdomain") or ""),
            phone=_opt_str(a.get("phone")),
            created_at=_epoch(a.get("created_at")),
        )
        for a in accounts
        if isinstance(a, dict) and a.get("subdomain")
    ]
    out.sort(key=lambda i: i.name.lower())
    return out


def user_open_ticket_count(client: AvochatoClient, *, user_id: str) -> int:
    """How many not-closed tickets the user owns in this inbox.

    `GET /v1/tickets?user_id=...` (no status: the tickets that are not closed), reading
    `total_count`; falls back to counting the page when the answer has none.
    """
    envelope = client.get(("tickets",), {"user_id": user_id, "limit": 1})
    data = envelope.get("data") or {}
    total = data.get("total_count", envelope.get("total_count"))
    if isinstance(total, int) and not isinstance(total, bool):
        return total
    return sum(1 for t in data.get("tickets") or [] if t.get("status") != "Closed")


def user_open_ticket_ids(client: AvochatoClient, *, user_id: str) -> list[str]:
    """Ids of the not-closed tickets the user owns (`GET /v1/tickets?user_id=`, every page
    through the `last_key` cursor)."""
    ids: list[str] = []
    seen: set[str] = set()
    for t in client.iter_cursor(("tickets",), {"user_id": user_id}, key="tickets"):
        tid = str(t.get("id") or "")
        if not tid or tid in seen or t.get("status") == "Closed":
            continue
        if t.get("user_id", user_id) != user_id:
            continue  # defensive: a server ignoring the filter must not move others' tickets
        seen.add(tid)
        ids.append(tid)
    return ids


def credential_user_id(client: AvochatoClient) -> str | None:
    """The id of the user the dashboard's API credential acts as (`GET /v1/whoami`), cached.

    Disabling or removing that user cuts the dashboard off from the inbox, so the team
    pages refuse to. None when it cannot be told (the check then simply does not apply).
    """
    digest = hashlib.sha256(f"{client.base_url} {client.auth_id}".encode()).hexdigest()[:16]
    key = f"avodash:team:whoami:{digest}"
    cached = cache.get(key)
    if cached is not None:
        return cached or None
    try:
        envelope = client.get(("whoami",))
    except AvochatoError as err:
        log.warning("whoami unavailable: %s", err.message)
        return None
    user = (envelope.get("data") or {}).get("user")
    user_id = str(user.get("id") or "") if isinstance(user, dict) else ""
    cache.set(key, user_id, WHOAMI_CACHE_SECONDS)
    return user_id or None


# --- writes ------------------------------------------------------------------------------


def user_add(
    client: AvochatoClient,
    *,
    email: str,
    name: str | None = None,
    role: str = "member",
    phone: str | None = None,
) -> UserAddResult:
    """Add a user to the inbox (`POST /v1/users`): an existing Avochato user is added and
    notified; a new email creates a user who gets an invitation to set a password.

    `phone` (E.164) starts MFA phone setup. The API does not say which case happened in a
    field of its own: a `message` is used when present, else a user created at the moment
    they were added (and never signed in) counts as new.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if phone and not is_e164(phone):
        raise ValueError("phone must be in E.164 format, like +14155551234")
    data: dict[str, Any] = {"email": email.strip(), "role": role}
    if name:
        data["name"] = name.strip()
    if phone:
        data["phone"] = phone
    with _Write(client):
        envelope = client.post(("users",), data)
    user = _user_of(envelope)
    message = _message_of(envelope)
    raw = envelope.get("data") or {}
    invited: bool | None = None
    for flag in ("invited", "created", "new_user"):
        if isinstance(raw.get(flag), bool):
            invited = raw[flag]
            break
    if invited is None and message:
        low = message.lower()
        if "invit" in low or "created" in low:
            invited = True
        elif "added" in low or "notif" in low or "exist" in low:
            invited = False
    if invited is None:
        fresh = (
            user.created_at is not None
            and user.added_at is not None
            and abs((user.added_at - user.created_at).total_seconds()) < 60
        )
        invited = fresh and user.signed_in_at is None
    return UserAddResult(user=user, invited=invited, message=message)


def user_role_update(client: AvochatoClient, *, user: str, role: str) -> TeamUser:
    """Change the user's role in the inbox (`PUT /v1/users/:id` with `role`).

    The API refuses (ForbiddenError or ValidationError) when the credential's user is a
    manager promoting to owner or changing an owner: see ROLE_RULE.
    """
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    path, params = _addressed(user)
    with _Write(client):
        return _user_of(client.put(path, {**params, "role": role}))


def user_disable(client: AvochatoClient, *, user: str) -> TeamUser:
    """Disable the user in the inbox; history is kept (`POST /v1/users/:id/disable`)."""
    path, params = _addressed(user, "disable")
    with _Write(client):
        return _user_of(client.post(path, params))


def user_enable(client: AvochatoClient, *, user: str) -> TeamUser:
    """Re-enable a disabled user (`POST /v1/users/:id/enable`)."""
    path, params = _addressed(user, "enable")
    with _Write(client):
        return _user_of(client.post(path, params))


def user_mfa_phone_set(client: AvochatoClient, *, user: str, phone: str) -> TeamUser:
    """Set a pending MFA phone (`POST /v1/users/:id/mfa_phone`); the user must confirm it
    with the code Avochato texts them before it counts."""
    if not is_e164(phone):
        raise ValueError("phone must be in E.164 format, like +14155551234")
    path, params = _addressed(user, "mfa_phone")
    with _Write(client):
        envelope = client.post(path, {**params, "phone": phone})
    try:
        return _user_of(envelope)
    except NotFoundError:  # the answer carried only a message: read the user back
        return user_get(client, user=user)


def user_password_reset(client: AvochatoClient, *, user: str) -> str:
    """Email the user a password reset link, valid 48 hours (`POST /v1/users/:id/password_reset`).
    Returns the API's message."""
    path, params = _addressed(user, "password_reset")
    with _Write(client):
        envelope = client.post(path, params)
    return _message_of(envelope)


def user_delete(client: AvochatoClient, *, user: str) -> str:
    """Remove the user from this inbox (`DELETE /v1/users/:id`). Their tickets here become
    unassigned (hand them over first: `tickets_handover`); their Avochato login remains.
    Returns the API's message."""
    path, params = _addressed(user)
    with _Write(client):
        envelope = client.delete(path, params)
    return _message_of(envelope)


HANDOVER_AUTOASSIGN = "autoassign"
HANDOVER_UNASSIGN = "unassign"


def tickets_handover(
    client: AvochatoClient,
    *,
    from_user_id: str,
    to_user_id: str,
    chunk_size: int = HANDOVER_CHUNK,
) -> HandoverResult:
    """Reassign every not-closed ticket `from_user_id` owns in the inbox.

    `to_user_id` is a user id, or the API's words `autoassign` / `unassign`.
    `GET /v1/tickets?user_id=` through every page (cursor `last_key`), then
    `PUT /v1/tickets/:ids` with `user_id` for comma-separated chunks. Each returned ticket
    is checked (the new owner for a user id; any owner but the old one for autoassign; no
    owner for unassign); a chunk that fails is recorded and the rest go on.
    Both arguments are user ids (the ticket filter takes no email).
    """
    if not from_user_id or not to_user_id:
        raise ValueError("Both users are required.")
    if from_user_id == to_user_id:
        raise ValueError("Tickets cannot be handed over to the same user.")

    def moved_ok(owner: object) -> bool:
        if to_user_id == HANDOVER_AUTOASSIGN:
            return owner != from_user_id
        if to_user_id == HANDOVER_UNASSIGN:
            return not owner
        return owner == to_user_id

    ids = user_open_ticket_ids(client, user_id=from_user_id)
    moved: list[str] = []
    failed: list[tuple[str, str]] = []
    for start in range(0, len(ids), max(1, chunk_size)):
        chunk = ids[start : start + max(1, chunk_size)]
        try:
            envelope = client.put(("tickets", ",".join(chunk)), {"user_id": to_user_id})
        except AvochatoError as err:
            failed.extend((tid, err.message) for tid in chunk)
            continue
        returned = {
            str(t.get("id")): t
            for t in (envelope.get("data") or {}).get("tickets") or []
            if isinstance(t, dict)
        }
        for tid in chunk:
            t = returned.get(tid)
            if t is None:
                failed.append((tid, "Avochato did not return the ticket."))
            elif not moved_ok(t.get("user_id")):
                failed.append((tid, "Avochato did not change the owner."))
            else:
                moved.append(tid)
    return HandoverResult(
        from_user_id=from_user_id,
        to_user_id=to_user_id,
        found=tuple(ids),
        moved=tuple(moved),
        failed=tuple(failed),
    )


__all__ = [
    "E164_RE",
    "HANDOVER_CHUNK",
    "PASSWORD_RESET_EXPIRY_HOURS",
    "ROLES",
    "ROLE_HELP",
    "ROLE_RULE",
    "HandoverResult",
    "TeamUser",
    "UserAddResult",
    "UserInbox",
    "credential_user_id",
    "is_e164",
    "team_cache_invalidate",
    "tickets_handover",
    "user_add",
    "user_delete",
    "user_disable",
    "user_enable",
    "user_get",
    "user_inboxes",
    "user_mfa_phone_set",
    "user_open_ticket_count",
    "user_open_ticket_ids",
    "user_password_reset",
    "user_role_update",
    "users_list",
]
