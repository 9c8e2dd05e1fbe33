"""Messages: send now, schedule, read one, search; the send guards and the composer's rules.

The only callers of the client for messages. Views get typed objects (`Message`, pages of
them) with aware datetimes, never API JSON. Scheduled messages (search, cancel) live in
`avodash.domain.scheduled`, which offboarding shares.

API operations used (reference: "Messages"):
* `POST /v1/messages`            send now, or schedule with `scheduled_for` (never retried by
                                 the client once it may have reached the server)
* `GET /v1/messages/:id`         one message (sent or scheduled)
* `GET /v1/messages`             search: query, direction, status, from, to, contact_id,
                                 ticket_id, sender_id, created_at[from]/[to]; 25 a page
* `GET /v1/contacts?query=phone:...`  the contact behind a typed phone (send guards)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from avodash.avochato import AvochatoClient, parallel
from avodash.domain import phones
from avodash.domain.contacts import Contact, contact_from_api
from avodash.domain.parse import api_int, api_str, epoch, media_urls
from avodash.domain.scheduled import (
    PER_PAGE,
    ScheduledMessage,
    items,
    one_message,
    scheduled_from_api,
    ticket_ref,
    timestamp,
    with_people,
)
from avodash.domain.users import InboxUser, inbox_users, user_for_email

MAX_LENGTH = 1600  # characters per message (reference and NOTES.md)
EXPORT_CAP = 2000  # messages a CSV export fetches at most
EXPORT_PARALLEL_PAGES = 6  # pages fetched at once while exporting
SCHEDULE_MIN_LEAD = timedelta(minutes=1)
SCHEDULE_MAX_AHEAD = timedelta(days=365)
DELIVERY_STATUSES = ("queued", "sent", "delivered", "undelivered", "failed")
# Not an API value: the quick filter for messages that did not reach the phone.
NOT_DELIVERED = "not_delivered"
NOT_DELIVERED_STATUSES = ("failed", "undelivered")

# What the dashboard's URLs take as a ticket id (inbox.forms_triage.ID_RE): a ticket id from
# the API that is anything else is dropped rather than linked (it could not be opened anyway).

# GSM 03.38: the basic set costs one unit, the extension set two; anything else makes the
# whole message UCS-2 (70 characters a segment instead of 160).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")


# --- domain objects ----------------------------------------------------------------------
@dataclass(kw_only=True)
class Message:
    """A sent or received SMS (`element_type` SmsMessage)."""

    id: str  # the event id: what `GET /v1/messages/:id` and the ticket's stream use
    ticket_id: str | None = None
    contact_id: str | None = None
    direction: str = "out"
    body: str = ""
    status: str | None = None
    from_phone: str | None = None
    to_phone: str | None = None
    sender_id: str | None = None
    sender_type: str | None = None
    created_at: datetime | None = None
    sent_at: datetime | None = None
    segments: int | None = None
    error_code: int | None = None
    error_text: str | None = None
    media_urls: tuple[str, ...] = ()
    origin: str | None = None
    contact: Contact | None = None
    sender: InboxUser | None = None

    @property
    def not_delivered(self) -> bool:
        return self.status in NOT_DELIVERED_STATUSES

    @property
    def contact_phone(self) -> str | None:
        return self.from_phone if self.direction == "in" else self.to_phone

    @property
    def contact_name(self) -> str:
        if self.contact:
            return self.contact.display_name
        return phones.shown(self.contact_phone) or "Unknown contact"


@dataclass(kw_only=True)
class MessagePage:
    messages: list[Message]
    page: int
    has_next: bool


@dataclass(frozen=True, kw_only=True)
class MessageFilters:
    """Every parameter of "Search Messages"; `status` may also be NOT_DELIVERED."""

    query: str = ""
    direction: str | None = None
    status: str | None = None
    from_phone: str | None = None
    to_phone: str | None = None
    contact_id: str | None = None
    ticket_id: str | None = None
    sender_id: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class Draft:
    """What the composer sends. `send_as_email` None: the API credential's user sends."""

    phone: str
    text: str
    media_url: str | None = None
    mark_addressed: bool = False
    tags: tuple[str, ...] = ()
    send_as_email: str | None = None


@dataclass(frozen=True, kw_only=True)
class SendAs:
    """Who a message goes out as: the logged-in person when their email is a user of the
    inbox (`send_as_user_email`), otherwise the API credential's user."""

    user: InboxUser | None
    email: str | None  # the dashboard user's email, when it matched

    @property
    def as_self(self) -> bool:
        return self.user is not None


@dataclass(frozen=True, kw_only=True)
class SegmentEstimate:
    chars: int
    segments: int
    encoding: str  # "GSM-7" or "UCS-2"


# --- input rules (used by the forms, before any API call) -----------------------------------
def sms_segments(text: str) -> SegmentEstimate:
    """How many SMS segments the text takes (an estimate: carriers may differ)."""
    chars = len(text)
    if not text:
        return SegmentEstimate(chars=0, segments=0, encoding="GSM-7")
    if all(c in GSM_BASIC or c in GSM_EXTENSION for c in text):
        units = chars + sum(1 for c in text if c in GSM_EXTENSION)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else -(-units // multi)
    return SegmentEstimate(chars=chars, segments=segments, encoding=encoding)


def schedule_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The earliest and latest time a message may be scheduled for."""
    now = now or datetime.now(UTC)
    return now + SCHEDULE_MIN_LEAD, now + SCHEDULE_MAX_AHEAD


def schedule_presets(tz: tzinfo, now: datetime | None = None) -> list[tuple[str, str, datetime]]:
    """Quick picks in the viewer's zone: (key, label, when)."""
    now = (now or datetime.now(UTC)).astimezone(tz)
    in_hour = (now + timedelta(hours=1)).replace(second=0, microsecond=0)
    tomorrow = now.date() + timedelta(days=1)
    monday = now.date() + timedelta(days=(7 - now.weekday()) % 7 or 7)

    def at_nine(day: date) -> datetime:
        return datetime.combine(day, time(9, 0), tzinfo=tz)

    return [
        ("in_1h", "In 1 hour", in_hour),
        ("tomorrow_9", "Tomorrow 9:00", at_nine(tomorrow)),
        ("monday_9", "Monday 9:00", at_nine(monday)),
    ]


# --- parsing -----------------------------------------------------------------------------


def message_from_api(raw: dict[str, Any]) -> Message:
    return Message(
        id=str(raw.get("event_id") or raw.get("element_id") or ""),
        ticket_id=ticket_ref(raw.get("ticket_id")),
        contact_id=api_str(raw.get("contact_id")),
        direction="in" if raw.get("direction") == "in" else "out",
        body=str(raw.get("message") or ""),
        status=api_str(raw.get("status")),
        from_phone=api_str(raw.get("from")),
        to_phone=api_str(raw.get("to")),
        sender_id=api_str(raw.get("sender_id")),
        sender_type=api_str(raw.get("sender_type")),
        created_at=epoch(raw.get("created_at")),
        sent_at=epoch(raw.get("sent_at")),
        segments=api_int(raw.get("segments")),
        error_code=api_int(raw.get("error_code")) or None,
        error_text=api_str(raw.get("error_description")) or api_str(raw.get("reason")),
        media_urls=media_urls(raw),
        origin=api_str(raw.get("origin")),
    )


# --- people: who sends, who is who ------------------------------------------------------------
def send_as_for(*, client: AvochatoClient, email: str | None) -> SendAs:
    """The inbox user with this email (the users list, cached), else the API user."""
    user = user_for_email(inbox_users(client=client), email)
    return SendAs(user=user, email=user.email if user else None)


def contact_for_phone(*, client: AvochatoClient, phone: str) -> Contact | None:
    """The inbox's contact with exactly this phone, if any: `GET /v1/contacts?query=phone:"..."`."""
    envelope = client.get(("contacts",), {"query": f'phone:"{phone}"', "limit": 10})
    for raw in items(envelope, "contacts"):
        if api_str(raw.get("phone")) == phone:
            return contact_from_api(raw)
    return None


# --- send, schedule, cancel ----------------------------------------------------------------
def _send_params(draft: Draft) -> dict[str, Any]:
    params: dict[str, Any] = {"phone": draft.phone, "message": draft.text}
    if draft.media_url:
        params["media_url"] = draft.media_url
    if draft.mark_addressed:
        params["mark_addressed"] = "true"
    if draft.tags:
        params["tags"] = ",".join(draft.tags)
    if draft.send_as_email:
        params["send_as_user_email"] = draft.send_as_email
    return params


def message_send(*, client: AvochatoClient, draft: Draft) -> Message:
    """Send now: `POST /v1/messages` (phone, message, media_url, mark_addressed, tags,
    send_as_user_email). Never retried once it may have reached Avochato: an
    `UnavailableError` with `maybe_sent` means the outcome is unknown."""
    return message_from_api(one_message(client.post(("messages",), data=_send_params(draft))))


def message_schedule(*, client: AvochatoClient, draft: Draft, scheduled_for: datetime) -> ScheduledMessage:
    """Schedule: `POST /v1/messages` with `scheduled_for` (Unix timestamp, whole seconds)."""
    params = {**_send_params(draft), "scheduled_for": int(scheduled_for.timestamp())}
    return scheduled_from_api(one_message(client.post(("messages",), data=params)))


def message_get(*, client: AvochatoClient, message_id: str) -> Message | ScheduledMessage:
    """One message by event id: `GET /v1/messages/:id` (sent, received or scheduled)."""
    raw = one_message(client.get(("messages", message_id)))
    if raw.get("element_type") == "PendingMessage":
        return scheduled_from_api(raw)
    return message_from_api(raw)


# --- search ------------------------------------------------------------------------------
def _search_params(filters: MessageFilters, page: int, status: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"page": page}
    if filters.query:
        params["query"] = filters.query
    for key, value in (
        ("direction", filters.direction),
        ("status", status),
        ("from", filters.from_phone),
        ("to", filters.to_phone),
        ("contact_id", filters.contact_id),
        ("ticket_id", filters.ticket_id),
        ("sender_id", filters.sender_id),
        ("created_at[from]", timestamp(filters.created_from)),
        ("created_at[to]", timestamp(filters.created_to)),
    ):
        if value not in (None, ""):
            params[key] = value
    return params


def _statuses(filters: MessageFilters) -> tuple[str | None, ...]:
    return NOT_DELIVERED_STATUSES if filters.status == NOT_DELIVERED else (filters.status,)


def _search_page(client: AvochatoClient, filters: MessageFilters, page: int) -> tuple[list[Message], bool]:
    """One page; "not delivered" asks for failed and undelivered at once and merges them
    newest first (the API takes one status per call)."""
    calls = [
        (lambda s=s: items(client.get(("messages",), _search_params(filters, page, s))))
        for s in _statuses(filters)
    ]
    batches = parallel(calls)
    messages = [message_from_api(raw) for batch in batches for raw in batch]
    messages.sort(key=lambda m: m.created_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return messages, any(len(b) >= PER_PAGE for b in batches)


def messages_search(
    *, client: AvochatoClient, filters: MessageFilters, page: int = 1, with_names: bool = True
) -> MessagePage:
    """A page of "Search Messages" (`GET /v1/messages`, 25 a page), newest first; with
    `with_names`, each message's contact and sender filled in (one more round, batched), else
    left to the caller (avodash.domain.scheduled's `contacts_of` and `attach_people`)."""
    messages, more = _search_page(client, filters, page)
    if with_names:
        with_people(client=client, messages=messages)
    return MessagePage(messages=messages, page=page, has_next=more)


def messages_export(
    *, client: AvochatoClient, filters: MessageFilters, cap: int = EXPORT_CAP
) -> tuple[list[Message], bool]:
    """Every match up to `cap`, for CSV: pages fetched a few at a time in parallel.
    Returns (messages, capped) where capped says more matches exist beyond the cap."""
    found: list[Message] = []
    seen: set[str] = set()
    page, more = 1, True
    while more and len(found) < cap:
        batch = list(range(page, page + EXPORT_PARALLEL_PAGES))
        results = parallel([(lambda p=p: _search_page(client, filters, p)) for p in batch])
        for messages, page_more in results:
            for m in messages:
                if m.id not in seen:
                    seen.add(m.id)
                    found.append(m)
            if not page_more:
                more = False
                break
        page += EXPORT_PARALLEL_PAGES
    capped = len(found) > cap or (more and len(found) >= cap)
    found = found[:cap]
    with_people(client=client, messages=found)
    return found, capped
