"""The directory's rows: what it knows of each inbox's members, read and written here.

Reads for the pages, and write-through (`store`, `forget`) for every write made through avodash.
The sync (first fill, background passes) lives in `avodash.domain.directory.sync`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from avodash.models import DirectoryInbox, DirectoryMembership, DirectoryUser

if TYPE_CHECKING:
    from avodash.domain.users import InboxUser, UserInbox


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def list_interval() -> float:
    return _setting("DIRECTORY_LIST_SECONDS", 60)


def refresh_window() -> float:
    return _setting("DIRECTORY_REFRESH_SECONDS", 900)


def accounts_interval() -> float:
    return _setting("DIRECTORY_ACCOUNTS_SECONDS", 300)


def first_fill_seconds() -> float:
    return _setting("DIRECTORY_FIRST_FILL_SECONDS", 3)


# Membership fields copied from an InboxUser: from the list, and from the single-user answer.
LIST_FIELDS = (
    "phone",
    "phone_formatted",
    "require_2fa",
    "mfa_app_valid",
    "phone_valid",
    "signed_in_at",
    "created_at",
)
DETAIL_FIELDS = ("role", "enabled", "added_at", "can_message", "can_call", "can_view_billing", "can_view_org")


@dataclass(frozen=True, kw_only=True)
class Freshness:
    """How fresh an inbox's part of the directory is, in words a page can show."""

    as_of: datetime | None  # the last list pass
    refreshing: bool
    members: int = 0
    detailed: int = 0  # members whose role/enabled have been read
    error: str = ""

    @property
    def complete(self) -> bool:
        return self.as_of is not None and self.detailed >= self.members

    @property
    def progress(self) -> str:
        return f"{self.detailed} of {self.members} people read"


# --- rows <-> InboxUser -------------------------------------------------------------------------


def to_user(m: DirectoryMembership) -> InboxUser:
    from avodash.domain.users import InboxUser

    return InboxUser(
        id=m.user.avochato_id,
        name=m.user.name,
        email=m.user.email or None,
        phone=m.phone or None,
        phone_formatted=m.phone_formatted or None,
        require_2fa=m.require_2fa,
        mfa_app_valid=m.mfa_app_valid,
        phone_valid=m.phone_valid,
        signed_in_at=m.signed_in_at,
        created_at=m.created_at,
        role=m.role or None,
        enabled=m.enabled,
        added_at=m.added_at,
        can_message=m.can_message,
        can_call=m.can_call,
        can_view_billing=m.can_view_billing,
        can_view_org=m.can_view_org,
        details_loaded=m.details_at is not None,
        details_at=m.details_at,
        details_error=m.details_error,
    )


def values_of(user: InboxUser, names: Iterable[str]) -> dict[str, Any]:
    out = {}
    for name in names:
        value = getattr(user, name)
        out[name] = "" if value is None and name in ("phone", "phone_formatted", "role") else value
    return out


def by_name(users: list[InboxUser]) -> list[InboxUser]:
    return sorted(users, key=lambda u: (u.display_name.lower(), u.id))


def inbox_row(subdomain: str) -> DirectoryInbox:
    row, _ = DirectoryInbox.objects.get_or_create(subdomain=subdomain, defaults={"name": subdomain})
    return row


def user_row(user: InboxUser) -> DirectoryUser:
    row, created = DirectoryUser.objects.get_or_create(
        avochato_id=user.id, defaults={"name": user.name, "email": user.email or ""}
    )
    if not created and (row.name != user.name or row.email != (user.email or "")):
        row.name, row.email = user.name, user.email or ""
        row.save(update_fields=["name", "email"])
    return row


def _lookup(user: str) -> Q:
    user = (user or "").strip()
    if "@" in user:
        return Q(user__email__iexact=user)
    return Q(user__avochato_id=user)


# --- write-through ---------------------------------------------------------------------------


def store(*, subdomain: str, user: InboxUser) -> InboxUser:
    """Keep what the API just said of `user` in `subdomain`; returns it as the directory has it.

    A list-form answer (no role/enabled) updates the list fields and keeps known details."""
    now = timezone.now()
    names = LIST_FIELDS + (DETAIL_FIELDS if user.details_loaded else ())
    values = {**values_of(user, names), "listed_at": now}
    if user.details_loaded:
        values.update(details_at=now, details_error="")
    for _attempt in range(2):  # two requests storing the same new member at once
        try:
            with transaction.atomic():
                inbox, person = inbox_row(subdomain), user_row(user)
                membership, _ = DirectoryMembership.objects.update_or_create(
                    inbox=inbox, user=person, defaults=values
                )
            break
        except IntegrityError:
            continue
    else:
        membership = DirectoryMembership.objects.get(inbox__subdomain=subdomain, user__avochato_id=user.id)
    membership.user = person
    return to_user(membership)


def forget(*, subdomain: str, user: str) -> None:
    """The user is no longer a member of `subdomain` (removed, or the API says not found)."""
    DirectoryMembership.objects.filter(_lookup(user), inbox__subdomain=subdomain).delete()


# --- reads -------------------------------------------------------------------------------------


def member(*, subdomain: str, user: str) -> InboxUser | None:
    row = (
        DirectoryMembership.objects.filter(_lookup(user), inbox__subdomain=subdomain)
        .select_related("user")
        .first()
    )
    return to_user(row) if row else None


def memberships(*, subdomains: Iterable[str]) -> dict[str, list[InboxUser]]:
    """Members per inbox for several inboxes in one query (the cross-inbox pages). The
    caller makes sure they were listed (`ensure_listed`)."""
    out: dict[str, list[InboxUser]] = {s: [] for s in subdomains}
    rows = DirectoryMembership.objects.filter(inbox__subdomain__in=list(out)).select_related("user", "inbox")
    for m in rows:
        out[m.inbox.subdomain].append(to_user(m))
    return {s: by_name(users) for s, users in out.items()}


def names(*, user_ids: Iterable[str]) -> dict[str, str]:
    """Names of Avochato users by id, from the directory in one query (unknown ids left out)."""
    rows = DirectoryUser.objects.filter(avochato_id__in=list(dict.fromkeys(user_ids))).values_list(
        "avochato_id", "name", "email"
    )
    return {uid: name or email or uid for uid, name, email in rows}


def memberships_of(*, user_id: str) -> list[UserInbox]:
    """The inboxes (already listed) one user belongs to, with their membership there."""
    from avodash.domain.users import UserInbox

    rows = (
        DirectoryMembership.objects.filter(user__avochato_id=user_id, inbox__present=True)
        .select_related("user", "inbox")
        .order_by("inbox__name")
    )
    return [UserInbox(subdomain=m.inbox.subdomain, name=m.inbox.name, user=to_user(m)) for m in rows]


def find_people(*, text: str, subdomains: Iterable[str], limit: int = 20) -> list[InboxUser]:
    """People whose name or email contains `text` (any case) in any of `subdomains`: the
    type-ahead of every person picker. One row per person."""
    text = (text or "").strip()
    if not text:
        return []
    rows = (
        DirectoryMembership.objects.filter(inbox__subdomain__in=list(subdomains))
        .filter(Q(user__name__icontains=text) | Q(user__email__icontains=text))
        .select_related("user")
        .order_by("user__name")
    )
    seen: dict[str, InboxUser] = {}
    for m in rows:
        seen.setdefault(m.user.avochato_id, to_user(m))
        if len(seen) >= limit:
            break
    return list(seen.values())


def freshness(*, subdomain: str) -> Freshness:
    inbox = DirectoryInbox.objects.filter(subdomain=subdomain).first()
    if inbox is None:
        return Freshness(as_of=None, refreshing=False)
    counts = DirectoryMembership.objects.filter(inbox=inbox).aggregate(
        members=Count("id"), detailed=Count("id", filter=Q(details_at__isnull=False))
    )
    running = bool(inbox.sync_started_at) and (
        inbox.sync_finished_at is None or inbox.sync_finished_at < inbox.sync_started_at
    )
    return Freshness(
        as_of=inbox.listed_at,
        refreshing=running or (counts["detailed"] < counts["members"]),
        members=counts["members"],
        detailed=counts["detailed"],
        error=inbox.list_error,
    )


def clear() -> None:
    """Forget everything (tests, and `manage.py directory_sync --reset`)."""
    DirectoryMembership.objects.all().delete()
    DirectoryUser.objects.all().delete()
    DirectoryInbox.objects.all().delete()
