"""Keeping the directory fresh: the first fill, the list pass, the details pass, the inbox
list, and the background task chain (see the package's docstring for the schedule)."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import default_task_backend, task

from avodash.avochato import AvochatoClient, AvochatoError, NotFoundError, parallel
from avodash.avochato.django import get_client
from avodash.domain.directory.rows import (
    LIST_FIELDS,
    ROW_VALUES,
    accounts_interval,
    by_name,
    first_fill_seconds,
    forget_reads,
    inbox_row,
    list_interval,
    read_once,
    refresh_window,
    store,
    to_user,
    user_row,
    values_of,
)
from avodash.domain.inbox_user import InboxUser, user_from_api, user_of
from avodash.domain.parse import api_str
from avodash.models import DirectoryCredential, DirectoryInbox, DirectoryMembership

log = logging.getLogger(__name__)

USERS_PAGE_SIZE = 25  # fixed by the API (NOTES.md): a shorter page is the last
MAX_USER_PAGES = 400
FIRST_FILL_WORKERS = 8
KICK_THROTTLE_SECONDS = 30


def members(*, client: AvochatoClient) -> list[InboxUser]:
    """Every member of the client's inbox, by name. First use fills the directory now."""
    subdomain = client.subdomain or "_default"

    def read() -> list[InboxUser]:
        ensure_listed(clients={subdomain: client})
        rows = DirectoryMembership.objects.filter(inbox__subdomain=subdomain).values(*ROW_VALUES)
        return by_name([to_user(m) for m in rows])

    return read_once(("members", subdomain), read)


# --- inboxes ------------------------------------------------------------------------------------


def inboxes_sync(*, client: AvochatoClient) -> None:
    """Every inbox the credential reaches (`GET /v1/accounts`, all pages) into the directory."""
    forget_reads()
    now = timezone.now()
    seen: list[str] = []
    for a in client.iter_pages(("accounts",), {}, key="accounts"):
        sub = str(a.get("subdomain") or "").strip()
        if not sub or sub in seen:
            continue
        seen.append(sub)
        DirectoryInbox.objects.update_or_create(
            subdomain=sub,
            defaults={
                "name": str(a.get("name") or sub)[:200],
                "phone": str(a.get("phone") or "")[:40],
                "present": True,
                "seen_at": now,
            },
        )
    DirectoryInbox.objects.exclude(subdomain__in=seen).update(present=False)
    learn_credential_user(client=client)


def credential_user(*, client: AvochatoClient) -> str | None:
    """The id of the user the API credential acts as, as the accounts pass last read it
    (`learn_credential_user`); None when it has not (yet). Never calls the API."""
    known = DirectoryCredential.objects.filter(credential=client.fingerprint).values_list(
        "user_id", flat=True
    )
    return known[0] if known else None


def learn_credential_user(*, client: AvochatoClient) -> str | None:
    """`GET /v1/whoami` and keep the answer in the directory: pages then never ask for it. None
    when the API cannot tell now (asked again by the next accounts pass, or by a page)."""
    try:
        envelope = client.get(("whoami",))
    except AvochatoError as err:
        log.warning("whoami unavailable: %s", err.message)
        return None
    raw = (envelope.get("data") or {}).get("user")
    user_id = api_str(raw.get("id")) if isinstance(raw, dict) else None
    if user_id:
        DirectoryCredential.objects.update_or_create(
            credential=client.fingerprint, defaults={"user_id": user_id[:64], "read_at": timezone.now()}
        )
    return user_id


def inbox_reachable(*, client: AvochatoClient, subdomain: str) -> bool:
    """Whether the credential reaches this one inbox now (`GET /v1/accounts/:ids`), for an inbox
    the directory does not know yet (created after its last accounts pass): when it does, it
    joins the directory at once. False for a subdomain Avochato does not know."""
    try:
        found = client.get(("accounts", subdomain))
    except NotFoundError:
        return False
    for a in (found.get("data") or {}).get("accounts") or []:
        if isinstance(a, dict) and str(a.get("subdomain") or "").strip() == subdomain:
            forget_reads()
            DirectoryInbox.objects.update_or_create(
                subdomain=subdomain,
                defaults={
                    "name": str(a.get("name") or subdomain)[:200],
                    "phone": str(a.get("phone") or "")[:40],
                    "present": True,
                    "seen_at": timezone.now(),
                },
            )
            return True
    return False


def inboxes_present() -> list[DirectoryInbox]:
    """The inboxes the credential reaches, by name. Listed now when the directory has none;
    refreshed in the background when the last pass is older than DIRECTORY_ACCOUNTS_SECONDS."""
    rows = list(DirectoryInbox.objects.all())  # one query: every page asks, before its first call
    last = max((r.seen_at for r in rows if r.seen_at), default=None)
    if last is None:
        inboxes_sync(client=get_client(None))
        rows = list(DirectoryInbox.objects.all())
    elif last < timezone.now() - timedelta(seconds=accounts_interval()):
        kick(subdomain="")
    present = [r for r in rows if r.present]
    present.sort(key=lambda i: i.name.lower())
    return present


# --- the list pass and the details pass ------------------------------------------------------------


def _list_users(client: AvochatoClient) -> list[InboxUser]:
    """`GET /v1/users` page=1,2,... until a short, empty or repeated page."""
    out: list[InboxUser] = []
    seen: set[str] = set()
    for page in range(1, MAX_USER_PAGES + 1):
        envelope = client.get(("users",), {"page": page})
        items = [u for u in (envelope.get("data") or {}).get("users") or [] if isinstance(u, dict)]
        fresh = [u for u in items if u.get("id") and str(u.get("id")) not in seen]
        seen.update(str(u["id"]) for u in fresh)
        out.extend(user_from_api(u) for u in fresh)
        if len(items) < USERS_PAGE_SIZE or not fresh:
            break
    else:
        log.warning("stopped paging the users of %s after %d pages", client.subdomain, MAX_USER_PAGES)
    return out


def list_pass(*, client: AvochatoClient) -> int:
    """Who is in the inbox now (`GET /v1/users`, every page): add new members, update the
    list fields, drop those who left. Returns the number of members."""
    return _apply_list(client.subdomain or "_default", _list_users(client))


def _apply_list(subdomain: str, listed: list[InboxUser]) -> int:
    """The list into the directory, in one transaction. Two processes filling the same inbox at
    once (first use, several app servers) race to create the same rows: the loser's transaction
    is rolled back and done again, over the rows the winner made."""
    for attempt in range(3):
        try:
            return _apply_list_once(subdomain, listed)
        except IntegrityError:
            if attempt == 2:
                raise
    return 0  # not reached


def _apply_list_once(subdomain: str, listed: list[InboxUser]) -> int:
    forget_reads()
    now = timezone.now()
    with transaction.atomic():
        inbox = inbox_row(subdomain)
        existing = {
            m.user.avochato_id: m
            for m in DirectoryMembership.objects.filter(inbox=inbox).select_related("user")
        }
        for user in listed:
            person = user_row(user)
            row = existing.pop(user.id, None)
            values = {**values_of(user, LIST_FIELDS), "listed_at": now}
            if row is None:
                DirectoryMembership.objects.create(inbox=inbox, user=person, **values)
            else:
                DirectoryMembership.objects.filter(pk=row.pk).update(**values)
        if existing:
            DirectoryMembership.objects.filter(pk__in=[m.pk for m in existing.values()]).delete()
        DirectoryInbox.objects.filter(pk=inbox.pk).update(listed_at=now, list_error="")
    return len(listed)


def _fetch_details(client: AvochatoClient, user_id: str) -> Callable[[], InboxUser | AvochatoError]:
    """`GET /v1/users/:id`, API only (safe in a worker thread: no database here)."""

    def run() -> InboxUser | AvochatoError:
        try:
            return user_of(client.get(("users", user_id)))
        except AvochatoError as err:
            return err

    return run


def _store_details(subdomain: str, user_id: str, found: InboxUser | AvochatoError) -> None:
    if isinstance(found, AvochatoError):
        log.info("directory %s: details of %s unavailable: %s", subdomain, user_id, found.message)
        forget_reads()
        DirectoryMembership.objects.filter(inbox__subdomain=subdomain, user__avochato_id=user_id).update(
            details_error=found.message[:500]
        )
    else:
        store(subdomain=subdomain, user=found)


def _due_ids(subdomain: str, limit: int) -> list[str]:
    """Members to read: never read first, then the ones read longest ago."""
    return list(
        DirectoryMembership.objects.filter(inbox__subdomain=subdomain)
        .order_by(F("details_at").asc(nulls_first=True), "pk")
        .values_list("user__avochato_id", flat=True)[: max(0, limit)]
    )


def details_pass(
    *, client: AvochatoClient, limit: int, workers: int = 2, deadline: float | None = None
) -> int:
    """Read the details of up to `limit` members, `workers` at a time; stop starting new
    reads after `deadline` (time.monotonic()). Returns how many were read."""
    subdomain = client.subdomain or "_default"
    ids = _due_ids(subdomain, limit)
    done = 0
    for start in range(0, len(ids), workers):
        if deadline is not None and time.monotonic() > deadline:
            break
        batch = ids[start : start + workers]
        results = parallel([_fetch_details(client, uid) for uid in batch], max_workers=workers)
        for uid, found in zip(batch, results, strict=True):
            _store_details(subdomain, uid, found)
        done += len(batch)
    return done


def details_due(*, subdomain: str) -> int:
    """How many members one background run reads, so that all are re-read within
    DIRECTORY_REFRESH_SECONDS (plus every member never read)."""
    qs = DirectoryMembership.objects.filter(inbox__subdomain=subdomain)
    total = qs.count()
    unread = qs.filter(details_at__isnull=True).count()
    asked = DirectoryInbox.objects.filter(subdomain=subdomain).values_list("refresh_requested_at", flat=True)
    if asked and asked[0] is not None:  # "Refresh now": everyone not read since the request
        unread += qs.filter(details_at__lt=asked[0]).count()
    per_run = math.ceil(total * list_interval() / max(refresh_window(), 1.0))
    return max(unread, per_run)


def _refresh_finished(subdomain: str) -> None:
    """Clear a "Refresh now" once every member has been read since it was asked."""
    inbox = DirectoryInbox.objects.filter(subdomain=subdomain).first()
    if inbox is None or inbox.refresh_requested_at is None:
        return
    behind = DirectoryMembership.objects.filter(inbox=inbox).filter(
        Q(details_at__isnull=True) | Q(details_at__lt=inbox.refresh_requested_at)
    )
    if not behind.exclude(details_error__gt="").exists():
        DirectoryInbox.objects.filter(pk=inbox.pk, refresh_requested_at=inbox.refresh_requested_at).update(
            refresh_requested_at=None
        )


def unlisted(*, subdomains: list[str]) -> list[str]:
    """The inboxes among `subdomains` never listed yet. The others start their background
    chain when it is due. One query however many inboxes (the cross-inbox pages ask for all)."""
    rows = DirectoryInbox.objects.filter(subdomain__in=subdomains).values_list(
        "subdomain", "listed_at", "next_sync_at"
    )
    known = {sub: (listed_at, due) for sub, listed_at, due in rows}
    new = []
    for sub in subdomains:
        listed_at, due = known.get(sub, (None, None))
        if listed_at is None:
            new.append(sub)
        elif _overdue(due):
            kick(subdomain=sub)
    return new


def ensure_listed(*, clients: dict[str, AvochatoClient]) -> None:
    """Make sure each inbox has been listed. Inboxes never listed are listed now (in parallel),
    then their members' details read, all inboxes at once, until FIRST_FILL_SECONDS have
    passed; the rest follows in the background while pages say how far it got. Inboxes listed
    before cost nothing here, but start the background chain when it is due.

    API calls run in worker threads; the database is only touched from the caller's thread.
    """
    new = unlisted(subdomains=list(clients))
    if not new:
        return
    if not DirectoryInbox.objects.exists():
        inboxes_present()  # the inboxes' names first, on the very first use
    # The lists count against the first fill's time too: with many inboxes the details wait
    # for the background (the pages say how far it got) rather than the person.
    deadline = time.monotonic() + first_fill_seconds()
    lists = parallel([lambda c=clients[s]: _list_users(c) for s in new], max_workers=FIRST_FILL_WORKERS)
    for sub, users in zip(new, lists, strict=True):
        _apply_list(sub, users)
    pending = [(s, u.id) for s, users in zip(new, lists, strict=True) for u in users]
    for start in range(0, len(pending), FIRST_FILL_WORKERS):
        if time.monotonic() > deadline:
            break
        batch = pending[start : start + FIRST_FILL_WORKERS]
        results = parallel(
            [_fetch_details(clients[s], uid) for s, uid in batch], max_workers=FIRST_FILL_WORKERS
        )
        for (sub, uid), found in zip(batch, results, strict=True):
            _store_details(sub, uid, found)
    for sub in new:
        _kick_if_due(sub)


# --- the background chain -----------------------------------------------------------------------


def sync_inbox(*, subdomain: str) -> dict:
    """One background run for an inbox: a list pass, then the details that are due."""
    DirectoryInbox.objects.update_or_create(subdomain=subdomain, defaults={"sync_started_at": timezone.now()})
    client = get_client(subdomain, background=True)
    try:
        members_count = list_pass(client=client)
        read = details_pass(client=client, limit=details_due(subdomain=subdomain))
    except AvochatoError as err:
        DirectoryInbox.objects.filter(subdomain=subdomain).update(
            list_error=err.message[:500], sync_finished_at=timezone.now()
        )
        return {"inbox": subdomain, "error": err.message}
    DirectoryInbox.objects.filter(subdomain=subdomain).update(sync_finished_at=timezone.now())
    _refresh_finished(subdomain)
    return {"inbox": subdomain, "members": members_count, "details": read}


@task()
def directory_sync(subdomain: str) -> dict:
    """The background task: one inbox's run (or, for "", the inbox list), then the next one queued."""
    if subdomain:
        result = sync_inbox(subdomain=subdomain)
    else:
        inboxes_sync(client=get_client(None, background=True))
        result = {"inboxes": DirectoryInbox.objects.filter(present=True).count()}
    _queue_next(subdomain)
    return result


def _queue_next(subdomain: str) -> None:
    if not subdomain or not default_task_backend.supports_defer:
        return
    when = timezone.now() + timedelta(seconds=list_interval())
    DirectoryInbox.objects.filter(subdomain=subdomain).update(next_sync_at=when)
    directory_sync.using(run_after=when).enqueue(subdomain)


def kick(*, subdomain: str) -> bool:
    """Queue a background run now (at most once per KICK_THROTTLE_SECONDS per inbox)."""
    if not cache.add(f"avodash:directory:kick:{subdomain or '-'}", 1, KICK_THROTTLE_SECONDS):
        return False
    if subdomain:
        DirectoryInbox.objects.filter(subdomain=subdomain).update(next_sync_at=timezone.now())
    try:
        directory_sync.enqueue(subdomain)
    except Exception:  # noqa: BLE001 - a page must never fail because the queue did
        log.exception("could not queue the directory sync of %s", subdomain or "the inbox list")
        return False
    return True


def refresh_now(*, subdomain: str) -> bool:
    """ "Refresh now" from a page: every member is read again (the pages show how far it got),
    in a run queued at once, past the throttle. Asking again while one runs changes nothing."""
    if subdomain:
        DirectoryInbox.objects.filter(subdomain=subdomain, refresh_requested_at__isnull=True).update(
            refresh_requested_at=timezone.now()
        )
    cache.delete(f"avodash:directory:kick:{subdomain or '-'}")
    return kick(subdomain=subdomain)


def _kick_if_due(subdomain: str) -> None:
    """Start the chain when no run is due, or the due one is long overdue (a dead worker)."""
    row = DirectoryInbox.objects.filter(subdomain=subdomain).values("next_sync_at").first()
    if _overdue(row["next_sync_at"] if row else None):
        kick(subdomain=subdomain)


def _overdue(due: datetime | None) -> bool:
    return due is None or due < timezone.now() - timedelta(seconds=list_interval() * 3)
