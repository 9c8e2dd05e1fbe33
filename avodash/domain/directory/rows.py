"""The directory's rows: what it knows of each inbox's members, read and written here.

Reads for the pages, and write-through (`store`, `forget`) for every write made through avodash.
The sync (first fill, background passes) lives in `avodash.domain.directory.sync`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from avodash.domain.inbox_user import InboxUser, UserInbox
from avodash.models import DirectoryInbox, DirectoryMembership, DirectoryUser


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
    refresh_requested_at: datetime | None = None  # "Refresh now" asked, not finished
    refreshed: int = 0  # members read again since the request

    @property
    def complete(self) -> bool:
        return self.as_of is not None and self.detailed >= self.members

    @property
    def progress(self) -> str:
        if self.refresh_requested_at is not None:
            return f"{self.refreshed} of {self.members} people read again"
        return f"{self.detailed} of {self.members} people read"

    @property
    def percent(self) -> int:
        done = self.refreshed if self.refresh_requested_at is not None else self.detailed
        return 100 if not self.members else min(100, round(100 * done / self.members))


# --- rows <-> InboxUser -------------------------------------------------------------------------


# What a read needs of a membership row, as plain values (no model instances: a page of
# 1,000 people reads 2,000 rows).
ROW_VALUES = (
    "user__avochato_id",
    "user__name",
    "user__email",
    *LIST_FIELDS,
    *DETAIL_FIELDS,
    "details_at",
    "details_error",
)


def to_user(m: DirectoryMembership | dict[str, Any]) -> InboxUser:
    """An InboxUser from a membership row (a model instance, or a `.values(*ROW_VALUES)` dict)."""
    if not isinstance(m, dict):
        m = {
            "user__avochato_id": m.user.avochato_id,
            "user__name": m.user.name,
            "user__email": m.user.email,
            **{name: getattr(m, name) for name in ROW_VALUES if "__" not in name},
        }
    return InboxUser(
        id=m["user__avochato_id"],
        name=m["user__name"],
        email=m["user__email"] or None,
        phone=m["phone"] or None,
        phone_formatted=m["phone_formatted"] or None,
        require_2fa=m["require_2fa"],
        mfa_app_valid=m["mfa_app_valid"],
        phone_valid=m["phone_valid"],
        signed_in_at=m["signed_in_at"],
        created_at=m["created_at"],
        role=m["role"] or None,
        enabled=m["enabled"],
        added_at=m["added_at"],
        can_message=m["can_message"],
        can_call=m["can_call"],
        can_view_billing=m["can_view_billing"],
        can_view_org=m["can_view_org"],
        details_loaded=m["details_at"] is not None,
        details_at=m["details_at"],
        details_error=m["details_error"],
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


def doubt(*, subdomain: str, user: str) -> None:
    """What the directory holds of the user in `subdomain` may be out of date (a write's outcome
    is unknown): their details count as never read, so they are read from the API next."""
    DirectoryMembership.objects.filter(_lookup(user), inbox__subdomain=subdomain).update(details_at=None)


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
    rows = DirectoryMembership.objects.filter(inbox__subdomain__in=list(out)).values(
        "inbox__subdomain", *ROW_VALUES
    )
    for m in rows:
        out[m["inbox__subdomain"]].append(to_user(m))
    return {s: by_name(users) for s, users in out.items()}


def names(*, user_ids: Iterable[str]) -> dict[str, str]:
    """Names of Avochato users by id, from the directory in one query (unknown ids left out)."""
    rows = DirectoryUser.objects.filter(avochato_id__in=list(dict.fromkeys(user_ids))).values_list(
        "avochato_id", "name", "email"
    )
    return {uid: name or email or uid for uid, name, email in rows}


def memberships_of(*, user_id: str) -> list[UserInbox]:
    """The inboxes (already listed) one user belongs to, with their membership there."""
    rows = (
        DirectoryMembership.objects.filter(user__avochato_id=user_id, inbox__present=True)
        .select_related("user", "inbox")
        .order_by("inbox__name")
    )
    return [UserInbox(subdomain=m.inbox.subdomain, name=m.inbox.name, user=to_user(m)) for m in rows]


def find_people(*, text: str, subdomains: Iterable[str], limit: int = 20) -> list[InboxUser]:
    """People whose name, email or MFA phone contains `text` (any case; a phone typed any
    common way) in any of `subdomains`: the type-ahead of every person picker. One row per
    person, names that start with the text first."""
    from avodash.domain.phones import search_term

    text = (text or "").strip()
    if not text:
        return []
    match = Q(user__name__icontains=text) | Q(user__email__icontains=text)
    phone = search_term(text)
    if phone.startswith("+") or (phone.isdigit() and len(phone) >= 3):
        match |= Q(phone__contains=phone)
    rows = (
        DirectoryMembership.objects.filter(inbox__subdomain__in=list(subdomains))
        .filter(match)
        .select_related("user")
        .order_by("user__name", "user__avochato_id")
    )
    seen: dict[str, InboxUser] = {}
    for m in rows[: limit * 8]:
        seen.setdefault(m.user.avochato_id, to_user(m))
    low = text.lower()
    ranked = sorted(
        seen.values(), key=lambda u: (not u.display_name.lower().startswith(low), u.display_name.lower())
    )
    return ranked[:limit]


def person_memberships(*, user: str, subdomains: Iterable[str]) -> dict[str, InboxUser]:
    """One person's memberships among `subdomains` (by id or email), subdomain -> their user
    there: one query."""
    rows = DirectoryMembership.objects.filter(
        _lookup(user), inbox__subdomain__in=list(subdomains)
    ).select_related("user", "inbox")
    return {m.inbox.subdomain: to_user(m) for m in rows}


def inboxes_of(*, user_ids: Iterable[str], subdomains: Iterable[str]) -> dict[str, list[str]]:
    """user id -> the subdomains (among `subdomains`) they are in: one query for many people."""
    out: dict[str, list[str]] = {}
    rows = DirectoryMembership.objects.filter(
        user__avochato_id__in=list(user_ids), inbox__subdomain__in=list(subdomains)
    ).values_list("user__avochato_id", "inbox__subdomain")
    for uid, sub in rows:
        out.setdefault(uid, []).append(sub)
    return out


def freshness(*, subdomain: str) -> Freshness:
    return freshness_of(subdomains=[subdomain])[subdomain]


def freshness_of(*, subdomains: Iterable[str]) -> dict[str, Freshness]:
    """Each inbox's Freshness, in two queries however many inboxes there are."""
    subs = list(subdomains)
    inboxes = {i.subdomain: i for i in DirectoryInbox.objects.filter(subdomain__in=subs)}
    since = {i.pk: i.refresh_requested_at for i in inboxes.values() if i.refresh_requested_at}
    tallies = {"members": Count("id"), "detailed": Count("id", filter=Q(details_at__isnull=False))}
    if since:  # read again since "Refresh now" was asked, per inbox
        again = Q()
        for pk, at in since.items():
            again |= Q(inbox_id=pk, details_at__gte=at)
        tallies["refreshed"] = Count("id", filter=again)
    counts = {
        row["inbox_id"]: row
        for row in DirectoryMembership.objects.filter(inbox__in=list(inboxes.values()))
        .values("inbox_id")
        .annotate(**tallies)
    }
    out = {}
    for sub in subs:
        inbox = inboxes.get(sub)
        if inbox is None:
            out[sub] = Freshness(as_of=None, refreshing=False)
            continue
        c = {"members": 0, "detailed": 0, "refreshed": 0, **counts.get(inbox.pk, {})}
        running = bool(inbox.sync_started_at) and (
            inbox.sync_finished_at is None or inbox.sync_finished_at < inbox.sync_started_at
        )
        out[sub] = Freshness(
            as_of=inbox.listed_at,
            refreshing=running or c["detailed"] < c["members"] or inbox.refresh_requested_at is not None,
            members=c["members"],
            detailed=c["detailed"],
            error=inbox.list_error,
            refresh_requested_at=inbox.refresh_requested_at,
            refreshed=c["refreshed"],
        )
    return out


def _minutes(seconds: float) -> str:
    if seconds < 90:
        return f"{round(seconds)} seconds"
    return f"{round(seconds / 60)} minutes"


class FreshnessReport(list):
    """(inbox, Freshness) pairs for a page, with what the page says about them as a whole."""

    @property
    def refreshing(self) -> bool:
        return any(f.refreshing for _inbox, f in self)

    @property
    def requested(self) -> bool:
        return any(f.refresh_requested_at is not None for _inbox, f in self)

    @property
    def list_every(self) -> str:
        return _minutes(list_interval())

    @property
    def refresh_within(self) -> str:
        return _minutes(refresh_window())


def freshness_report(inboxes: Iterable[Any]) -> FreshnessReport:
    """The freshness of each inbox (anything with a `subdomain`), in two queries."""
    inboxes = list(inboxes)
    fresh = freshness_of(subdomains=[i.subdomain for i in inboxes])
    return FreshnessReport((i, fresh[i.subdomain]) for i in inboxes)


def clear() -> None:
    """Forget everything (tests, and `manage.py directory_sync --reset`)."""
    DirectoryMembership.objects.all().delete()
    DirectoryUser.objects.all().delete()
    DirectoryInbox.objects.all().delete()
