"""A ticket's event stream (messages, calls, status and owner changes, custom events),
custom event logging, and the message/scheduled figures of the inbox home.

The API pages a stream newest first (`GET /v1/tickets/:id/events?page=N`); the ticket page
shows it oldest to newest, so each page is reversed here. Polling asks for what is newer
than the last event shown; scrolling back asks for what is older than the first.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Q

from avodash.avochato import AvochatoClient, parallel
from avodash.domain.parse import api_float, api_int, api_str, epoch, media_urls, safe_web_url
from avodash.domain.users import InboxUser
from avodash.models import AuditEntry
from inbox.services.types import (
    CallEvent,
    CustomEvent,
    Event,
    EventPage,
    MessageEvent,
    OwnerChangeEvent,
    PendingMessageEvent,
    StatusChangeEvent,
)

EVENTS_PER_PAGE = 30  # the API's page size for event streams (its `limit`)
MAX_POLL_PAGES = 5
MESSAGES_PER_PAGE = 25  # messages lists return 25 a page whatever `limit` says (NOTES.md)
STATS_CACHE_SECONDS = 300
STATS_MAX_PAGES = 40  # per direction: the chart says when it stopped counting
EVENT_TYPE_MAX = 64
EVENT_CONTEXT_MAX = 1000


# --- parsing ---------------------------------------------------------------------------


def event_from_api(raw: dict[str, Any]) -> Event:
    """One stream item as a typed event; user names are attached later (`events_attach_users`)."""
    etype = str(raw.get("element_type") or "")
    base = {
        "id": str(raw.get("event_id") or raw.get("element_id") or ""),
        "element_type": etype,
        "at": epoch(raw.get("sent_at") or raw.get("created_at")),
        "ticket_id": api_str(raw.get("ticket_id")),
    }
    if etype == "SmsMessage":
        direction = "in" if raw.get("direction") == "in" else "out"
        sender_type = api_str(raw.get("sender_type"))
        return MessageEvent(
            **base,
            kind=f"message_{direction}",
            direction=direction,
            body=str(raw.get("message") or ""),
            status=api_str(raw.get("status")),
            error_code=api_int(raw.get("error_code")) or None,
            error_text=api_str(raw.get("error_description")) or api_str(raw.get("reason")),
            media_urls=media_urls(raw),
            sender_id=api_str(raw.get("sender_id")),
            sender_type=sender_type,
            from_phone=api_str(raw.get("from")),
            to_phone=api_str(raw.get("to")),
        )
    if etype == "Call":
        return CallEvent(
            **base,
            kind="call",
            direction="in" if raw.get("direction") == "in" else "out",
            call_status=api_str(raw.get("call_status")),
            duration=api_int(raw.get("duration")),
            from_phone=api_str(raw.get("call_from")),
            to_phone=api_str(raw.get("call_to")),
            recording_url=safe_web_url(raw.get("recording_url")),
            voicemail=api_str(raw.get("voicemail")),
            transcript=api_str(raw.get("transcript")),
        )
    if etype == "StatusChange":
        return StatusChangeEvent(
            **base,
            kind="status_change",
            status=str(raw.get("status") or ""),
            by_id=api_str(raw.get("user_id")),
        )
    if etype == "OwnerChange":
        return OwnerChangeEvent(
            **base,
            kind="owner_change",
            owner_id=api_str(raw.get("owner_id")),
            old_owner_id=api_str(raw.get("old_owner_id")),
            by_id=api_str(raw.get("user_id")),
        )
    if etype == "CustomEvent":
        return CustomEvent(
            **base,
            kind="custom",
            type=str(raw.get("type") or "event"),
            context=api_str(raw.get("context")),
            revenue=api_float(raw.get("revenue")),
            by_id=api_str(raw.get("user_id")),
        )
    if etype == "PendingMessage":
        return PendingMessageEvent(
            **base,
            kind="pending_message",
            body=str(raw.get("message") or ""),
            scheduled_for=epoch(raw.get("scheduled_for")),
            sender_name=api_str(raw.get("sender")),
            media_url=safe_web_url(raw.get("media_url")),
            aborted=bool(raw.get("aborted")),
        )
    return Event(**base, kind="other")


def events_attach_users(events: Iterable[Event], users: Iterable[InboxUser]) -> None:
    """Fill senders, owners and actors from the inbox's user list (a former user keeps a label)."""
    by_id = {u.id: u for u in users}

    def ref(uid: str | None) -> InboxUser | None:
        if not uid:
            return None
        return by_id.get(uid) or InboxUser(id=uid, name="Former user")

    for e in events:
        if isinstance(e, MessageEvent) and e.sender_type == "User":
            e.sender = ref(e.sender_id)
        elif isinstance(e, (StatusChangeEvent, CustomEvent)):
            e.by = ref(e.by_id)
        elif isinstance(e, OwnerChangeEvent):
            e.owner, e.old_owner, e.by = ref(e.owner_id), ref(e.old_owner_id), ref(e.by_id)


# --- who did it, when the API says "the API user" ----------------------------------------------
# Avochato credits every API write to the credential's user ("Avodash API"). For status
# changes, assignments and custom events made through avodash, the audit trail knows the
# person: an `ok` entry of the same kind of action on the same ticket, recorded within this
# window of the event's time.
ATTRIBUTION_WINDOW = timedelta(minutes=2)
_ATTRIBUTED_ACTIONS = {
    "status_change": ("ticket.status", "tickets.bulk_update", "ticket.undo_close"),
    "owner_change": ("ticket.owner", "tickets.bulk_update", "ticket.undo_close"),
    "custom": ("ticket.event",),
}
_ACTOR_SUFFIX_RE = re.compile(r"\s*\([^()]*\)$")


def _audit_matches(event: Event, entry) -> bool:
    """Whether an audit entry records the same kind of change as the event."""
    params = entry.params if isinstance(entry.params, dict) else {}
    if isinstance(event, StatusChangeEvent):
        if entry.action not in _ATTRIBUTED_ACTIONS["status_change"] or "status" not in params:
            return False
        return params["status"] == event.status
    if isinstance(event, OwnerChangeEvent):
        if entry.action not in _ATTRIBUTED_ACTIONS["owner_change"] or "user_id" not in params:
            return False
        wanted = str(params["user_id"])
        if wanted == "unassign":
            return event.owner_id is None
        return wanted == "autoassign" or wanted == event.owner_id
    if isinstance(event, CustomEvent):
        return entry.action == "ticket.event" and params.get("type", event.type) == event.type
    return False


def _audit_person(entry) -> str:
    """The dashboard person of an audit entry: their name now, else the name recorded then."""
    actor = entry.actor
    if actor is not None:
        return actor.get_full_name() or actor.username
    # `actor_name` is "Full Name (username)"; the username adds nothing here.
    return _ACTOR_SUFFIX_RE.sub("", entry.actor_name or "") or entry.actor_name or "someone"


def events_attach_dashboard_people(
    events: Iterable[Event], *, inbox: str, ticket_id: str, api_user_id: Callable[[], str | None]
) -> None:
    """Set `dashboard_actor` (a person's name) on the events avodash made on someone's behalf.

    StatusChange, OwnerChange and custom events credited to the API credential's user are
    matched with the audit trail (`avodash.models.AuditEntry`): same ticket in `target`
    (one id or a comma-separated list), outcome ok, the same kind of action, recorded within
    ATTRIBUTION_WINDOW of the event; the closest entry wins and explains one event of a kind. One database
    query for all the events; `api_user_id` (an API call, cached) is only asked when an
    entry was found.
    """
    candidates = [e for e in events if e.kind in _ATTRIBUTED_ACTIONS and e.at and getattr(e, "by_id", None)]
    if not candidates or not ticket_id:
        return
    actions = sorted({a for e in candidates for a in _ATTRIBUTED_ACTIONS[e.kind]})
    same_ticket = (
        Q(target=ticket_id)
        | Q(target__startswith=f"{ticket_id},")
        | Q(target__endswith=f",{ticket_id}")
        | Q(target__contains=f",{ticket_id},")
    )
    entries = list(
        AuditEntry.objects.filter(
            same_ticket,
            inbox=inbox,
            outcome=AuditEntry.OK,
            action__in=actions,
            created_at__gte=min(e.at for e in candidates) - ATTRIBUTION_WINDOW,
            created_at__lte=max(e.at for e in candidates) + ATTRIBUTION_WINDOW,
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
    if not entries:
        return
    api_id = api_user_id()
    if not api_id:
        return
    window = ATTRIBUTION_WINDOW.total_seconds()
    used: set[tuple[int, str]] = set()  # a bulk entry may explain a status and an owner change
    for event in sorted(candidates, key=_ts):
        if event.by_id != api_id:
            continue
        best = None
        for entry in entries:
            if (entry.pk, event.kind) in used or not _audit_matches(event, entry):
                continue
            gap = abs((entry.created_at - event.at).total_seconds())
            if gap <= window and (best is None or gap < best[0]):
                best = (gap, entry)
        if best is not None:
            used.add((best[1].pk, event.kind))
            event.dashboard_actor = _audit_person(best[1])


def _ts(event: Event) -> float:
    return event.at.timestamp() if event.at else 0.0


# --- the stream --------------------------------------------------------------------------
def _events_page(
    client: AvochatoClient, ticket_ids: str, page: int, limit: int | None = None
) -> tuple[list[Event], bool]:
    """One API page, newest first, and whether an older page may exist."""
    params: dict[str, Any] = {"page": page}
    if limit:
        params["limit"] = limit
    envelope = client.get(("tickets", ticket_ids, "events"), params)
    raw = envelope["data"].get("events") or []
    per_page = api_int(envelope.get("limit")) or EVENTS_PER_PAGE
    events = [event_from_api(r) for r in raw if isinstance(r, dict)]
    events.sort(key=_ts, reverse=True)
    return events, len(raw) >= per_page


def ticket_events(
    *, client: AvochatoClient, ticket_id: str, page: int = 1, before: float | None = None
) -> EventPage:
    """A page of the stream, oldest first: `GET /v1/tickets/:id/events?page=N`.

    `before` (epoch seconds of the oldest event shown) drops events already on screen when
    new ones have shifted the pages since. Names: `events_attach_users`.
    """
    events, more = _events_page(client, ticket_id, page)
    if before is not None:
        events = [e for e in events if _ts(e) < before]
    events.reverse()
    return EventPage(events=events, page=page, has_older=more)


def ticket_poll(*, client: AvochatoClient, ticket_id: str, after: float) -> tuple[list[Event], list[Event]]:
    """(events newer than `after`, oldest first; every event read, page 1 first). The events
    read include the newest ones already shown, with their delivery state as it is now.

    `GET /v1/tickets/:id/events` from page 1 back until it reaches events already shown.
    """
    found: list[Event] = []
    read: list[Event] = []
    for page in range(1, MAX_POLL_PAGES + 1):
        events, more = _events_page(client, ticket_id, page)
        read.extend(events)
        newer = [e for e in events if _ts(e) > after]
        found.extend(newer)
        if len(newer) < len(events) or not more:
            break
    found.sort(key=_ts)
    return found, read


@dataclass(kw_only=True)
class TicketActivity:
    """The latest of a ticket's stream, for a queue row."""

    last_activity_at: datetime | None = None
    last_message: str | None = None
    last_message_direction: str | None = None
    last_inbound_at: datetime | None = None

    @property
    def wait_seconds(self) -> float | None:
        """Unaddressed wait: since the customer's last message (None when none was found)."""
        if self.last_inbound_at is None:
            return None
        return (datetime.now(UTC) - self.last_inbound_at).total_seconds()


ACTIVITY_MAX_ROUNDS = 5
ACTIVITY_PAGE_SIZE = 100  # asked for; a server that keeps its own page size just needs more rounds
ACTIVITY_CACHE_SECONDS = 30


def tickets_activity(*, client: AvochatoClient, ticket_ids: list[str]) -> dict[str, TicketActivity]:
    """Latest activity, last message and last inbound time of several tickets at once.

    The ticket object carries none of these, so they come from the merged streams:
    `GET /v1/tickets/:ids/events` (comma-separated, newest first, page 1, `limit` 100).
    Busy tickets can fill that page, so further rounds ask again for the tickets not seen
    yet (at most ACTIVITY_MAX_ROUNDS calls). A ticket whose latest message lies deeper than
    its newest events keeps what was found. A call names no ticket (the reference's Call event
    has no `ticket_id`), so in a merged stream it cannot be told apart and is not counted as
    activity. Cached briefly.
    """
    ids = list(dict.fromkeys(i for i in ticket_ids if i))
    digest = hashlib.sha256(",".join(sorted(ids)).encode()).hexdigest()[:32]
    key = f"inbox:activity:{client.subdomain}:{digest}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    found = {tid: TicketActivity() for tid in ids}
    unseen = list(ids)
    for _ in range(ACTIVITY_MAX_ROUNDS):
        if not unseen:
            break
        events, _more = _events_page(client, ",".join(unseen), 1, limit=ACTIVITY_PAGE_SIZE)
        need_msg = set(unseen)
        need_in = set(unseen)
        for e in events:
            act = found.get(e.ticket_id or "")
            if act is None or e.ticket_id not in need_msg | need_in:
                continue
            if act.last_activity_at is None:
                act.last_activity_at = e.at
            if isinstance(e, MessageEvent):
                if e.ticket_id in need_msg:
                    act.last_message = e.body or ("(attachment)" if e.media_urls else "")
                    act.last_message_direction = e.direction
                    need_msg.discard(e.ticket_id)
                if e.direction == "in" and e.ticket_id in need_in:
                    act.last_inbound_at = e.at
                    need_in.discard(e.ticket_id)
        unseen = [tid for tid in unseen if found[tid].last_activity_at is None]
        if not events:
            break
    cache.set(key, found, ACTIVITY_CACHE_SECONDS)
    return found


@dataclass(kw_only=True)
class LoggedEvent:
    id: str
    type: str


def clean_event_input(type_: str, context: str, revenue: float | None) -> tuple[str, str, float | None]:
    type_ = " ".join((type_ or "").split())
    if not type_:
        raise ValueError("Enter the event type, for example “sale”.")
    if len(type_) > EVENT_TYPE_MAX:
        raise ValueError(f"The type has at most {EVENT_TYPE_MAX} characters.")
    context = (context or "").strip()
    if len(context) > EVENT_CONTEXT_MAX:
        raise ValueError(f"The context has at most {EVENT_CONTEXT_MAX} characters.")
    return type_, context, revenue


def ticket_event_log(
    *, client: AvochatoClient, ticket_id: str, type: str, context: str = "", revenue: float | None = None
) -> LoggedEvent:
    """Add a custom event to the ticket's stream: `POST /v1/tickets/:id/events`."""
    type_, context, revenue = clean_event_input(type, context, revenue)
    data: dict[str, Any] = {"type": type_}
    if context:
        data["context"] = context
    if revenue is not None:
        data["revenue"] = revenue
    event = client.post(("tickets", ticket_id, "events"), data=data)["data"].get("event") or {}
    return LoggedEvent(id=str(event.get("event_id") or ""), type=type_)


# --- figures for the inbox home -------------------------------------------------------------
@dataclass(kw_only=True)
class DayCount:
    day: date
    inbound: int = 0
    outbound: int = 0


@dataclass(kw_only=True)
class MessageStats:
    days: list[DayCount]
    capped: bool = False  # stopped counting at STATS_MAX_PAGES pages

    @property
    def max_value(self) -> int:
        return max([1, *(max(d.inbound, d.outbound) for d in self.days)])

    @property
    def total_in(self) -> int:
        return sum(d.inbound for d in self.days)

    @property
    def total_out(self) -> int:
        return sum(d.outbound for d in self.days)


def _count_pages(client: AvochatoClient, path: tuple[str, ...], params: dict[str, Any], key: str):
    """Yield items over page=1,2,... (25 a page; a shorter page is the last), capped."""
    for page in range(1, STATS_MAX_PAGES + 1):
        items = client.get(path, {**params, "page": page})["data"].get(key) or []
        yield from (i for i in items if isinstance(i, dict))
        if len(items) < MESSAGES_PER_PAGE:
            return
    yield None  # marker: capped


def message_stats(*, client: AvochatoClient, days: int = 14, tz=UTC) -> MessageStats:
    """Messages in and out per day over the last `days` days (in `tz`), cached 5 minutes.

    `GET /v1/messages` with `direction` and `created_at[from]`, all pages, both directions in parallel.
    """
    today = datetime.now(tz).date()
    first = today - timedelta(days=days - 1)
    start = datetime(first.year, first.month, first.day, tzinfo=tz)
    key = f"inbox:msgstats:{client.subdomain}:{first.isoformat()}:{getattr(tz, 'key', str(tz))}:{days}"
    cached = cache.get(key)
    if cached is not None:
        return cached

    def collect(direction: str) -> tuple[list[datetime], bool]:
        params = {"direction": direction, "created_at[from]": start.timestamp()}
        times: list[datetime] = []
        capped = False
        for item in _count_pages(client, ("messages",), params, "messages"):
            if item is None:
                capped = True
                break
            when = epoch(item.get("created_at") or item.get("sent_at"))
            if when:
                times.append(when)
        return times, capped

    (ins, cap_in), (outs, cap_out) = parallel([lambda: collect("in"), lambda: collect("out")])
    by_day = {first + timedelta(days=i): DayCount(day=first + timedelta(days=i)) for i in range(days)}
    for when in ins:
        d = when.astimezone(tz).date()
        if d in by_day:
            by_day[d].inbound += 1
    for when in outs:
        d = when.astimezone(tz).date()
        if d in by_day:
            by_day[d].outbound += 1
    stats = MessageStats(days=list(by_day.values()), capped=cap_in or cap_out)
    cache.set(key, stats, STATS_CACHE_SECONDS)
    return stats


def scheduled_due_count(*, client: AvochatoClient, hours: int = 24) -> tuple[int, bool]:
    """Scheduled messages due in the next `hours` (not cancelled), and whether counting was capped.

    `GET /v1/messages/scheduled` with `scheduled_for[from]` / `scheduled_for[to]`, all pages.
    """
    now = datetime.now(UTC)
    params = {
        "scheduled_for[from]": now.timestamp(),
        "scheduled_for[to]": (now + timedelta(hours=hours)).timestamp(),
    }
    count = 0
    for item in _count_pages(client, ("messages", "scheduled"), params, "messages"):
        if item is None:
            return count, True
        if not item.get("aborted"):
            count += 1
    return count, False
