"""Messages: send now, schedule, cancel, search; the inbox's scheduled (pending) messages.

The only callers of the client for messages. Views get typed objects (`Message`,
`ScheduledMessage`, pages of them) with aware datetimes, never API JSON.

API operations used (reference: "Messages"):
* `POST /v1/messages`            send now, or schedule with `scheduled_for` (never retried by
                                 the client once it may have reached the server)
* `DELETE /v1/messages/:id`      cancel a scheduled message
* `GET /v1/messages/:id`         one message (sent or scheduled)
* `GET /v1/messages`             search: query, direction, status, from, to, contact_id,
                                 ticket_id, sender_id, created_at[from]/[to]; 25 a page
* `GET /v1/messages/scheduled`   scheduled search: query (`aborted: false` leaves out the
                                 cancelled ones), from, to, contact_id, ticket_id, sender_id,
                                 scheduled_for[from]/[to], created_at[from]/[to]; 25 a page
* `GET /v1/contacts?query=phone:...`  the contact behind a typed phone (send guards)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from django.utils import timezone as djtz

from avodash.avochato import AvochatoClient, AvochatoError, BadResponseError, parallel
from inbox.services.contacts import contact_from_api, contacts_get, epoch
from inbox.services.tickets import inbox_users, user_for_email
from inbox.services.types import Contact, UserRef, api_int, safe_web_url

MAX_LENGTH = 1600  # characters per message (reference and NOTES.md)
PER_PAGE = 25  # messages lists answer 25 a page whatever `limit` says (NOTES.md)
EXPORT_CAP = 2000  # messages a CSV export fetches at most
EXPORT_PARALLEL_PAGES = 6  # pages fetched at once while exporting
SCHEDULE_MIN_LEAD = timedelta(minutes=1)
SCHEDULE_MAX_AHEAD = timedelta(days=365)
DIRECTIONS = ("in", "out")
DELIVERY_STATUSES = ("queued", "sent", "delivered", "undelivered", "failed")
# Not an API value: the quick filter for messages that did not reach the phone.
NOT_DELIVERED = "not_delivered"
NOT_DELIVERED_STATUSES = ("failed", "undelivered")

# E.164: "+", then 8 to 15 digits, the first (the country code's) never 0. A NANP number
# (+1: US, Canada, Caribbean) has exactly 10 digits after the 1, and neither its area code
# nor its exchange starts with 0 or 1.
E164_RE = re.compile(r"^\+[1-9]\d{7,14}$")
NANP_RE = re.compile(r"^\+1[2-9]\d{2}[2-9]\d{6}$")
E164_HELP = "Enter the number in E.164 format: + then the country code and number, like +14155551234."
# What the dashboard's URLs take as a ticket id (inbox.forms_triage.ID_RE): a ticket id from
# the API that is anything else is dropped rather than linked (it could not be opened anyway).
TICKET_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_SEPARATORS = re.compile(r"[\s\-().]")

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
    sender: UserRef | None = None

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
        return self.contact_phone or "Unknown contact"


@dataclass(kw_only=True)
class ScheduledMessage:
    """A message queued to go out later (`element_type` PendingMessage)."""

    id: str  # event id: what `DELETE /v1/messages/:id` takes
    ticket_id: str | None = None
    contact_id: str | None = None
    body: str = ""
    media_url: str | None = None  # a web (http/https) link, safe for an href; else None
    media_text: str | None = None  # the API's media_url as given: text to show, never a link
    scheduled_for: datetime | None = None
    created_at: datetime | None = None
    sender_login: str | None = None  # the API's `sender`: a login name
    sender_id: str | None = None
    to_phone: str | None = None
    aborted: bool = False
    aborted_by: str | None = None
    abort_reason: str | None = None
    sent_message_id: str | None = None
    contact: Contact | None = None
    sender: UserRef | None = None

    @property
    def state(self) -> str:
        if self.aborted:
            return "cancelled"
        if self.sent_message_id:
            return "sent"
        return "pending"

    @property
    def is_pending(self) -> bool:
        return self.state == "pending"

    @property
    def sender_name(self) -> str:
        if self.sender:
            return self.sender.name
        return self.sender_login or "—"

    @property
    def when_text(self) -> str:
        """When it goes out, in the viewer's zone with the zone named: "Sat 28 Nov 09:00 PST"."""
        return local_when(self.scheduled_for)

    @property
    def contact_name(self) -> str:
        if self.contact:
            return self.contact.display_name
        return self.to_phone or "Unknown contact"


def local_when(value: datetime | None, now: datetime | None = None) -> str:
    """A scheduled time in the viewer's zone, with the zone's abbreviation, as the messaging
    screens show it: "Sat 28 Nov 09:00 PST" (the year added when it is not this year)."""
    if value is None:
        return "—"
    local = djtz.localtime(value)
    this_year = djtz.localtime(now or djtz.now()).year
    year = f" {local.year}" if local.year != this_year else ""
    zone = local.strftime("%Z") or djtz.get_current_timezone_name()
    return f"{local:%a} {local.day} {local:%b}{year} {local:%H:%M} {zone}"


@dataclass(kw_only=True)
class MessagePage:
    messages: list[Message]
    page: int
    has_next: bool


@dataclass(kw_only=True)
class ScheduledPage:
    messages: list[ScheduledMessage]
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
class ScheduledFilters:
    query: str = ""
    contact_id: str | None = None
    ticket_id: str | None = None
    sender_id: str | None = None
    to_phone: str | None = None
    scheduled_from: datetime | None = None
    scheduled_to: datetime | None = None
    include_cancelled: bool = False


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

    user: UserRef | None
    email: str | None  # the dashboard user's email, when it matched

    @property
    def as_self(self) -> bool:
        return self.user is not None


@dataclass(frozen=True, kw_only=True)
class SegmentEstimate:
    chars: int
    segments: int
    encoding: str  # "GSM-7" or "UCS-2"


@dataclass(kw_only=True)
class CancelOutcome:
    message_id: str
    ok: bool
    error: str = ""
    message: ScheduledMessage | None = None


# --- input rules (used by the forms, before any API call) -----------------------------------
def phone_problem(raw: str) -> str | None:
    """Why what was typed is not a number we can text (None when it is), in words fit for the
    field's error. Checked before any API call, so Avochato never sees a malformed number."""
    text = (raw or "").strip()
    if not text:
        return "Enter a phone number."
    if not text.startswith("+"):
        return E164_HELP
    rest = _SEPARATORS.sub("", text[1:])
    if not rest.isdigit() or not rest.isascii():
        return f"A phone number has only digits after the +. {E164_HELP}"
    if rest.startswith("0"):
        return f"A country code never starts with 0. {E164_HELP}"
    if len(rest) < 8:
        return f"That number is too short: it has {len(rest)} digits after the +, and E.164 numbers have 8 to 15. {E164_HELP}"
    if len(rest) > 15:
        return f"That number is too long: it has {len(rest)} digits after the +, and E.164 numbers have at most 15. {E164_HELP}"
    if rest.startswith("1"):
        national = rest[1:]
        if len(national) != 10:
            return (
                f"A +1 number (US, Canada) has exactly 10 digits after +1 (area code and number); "
                f"this one has {len(national)}. Like +14155551234."
            )
        if national[0] in "01":
            return (
                "A +1 number's area code (the 3 digits after +1) never starts with 0 or 1. Like +14155551234."
            )
        if national[3] in "01":
            return "A +1 number's exchange (the 3 digits after the area code) never starts with 0 or 1. Like +14155551234."
    return None


def phone_normalize(raw: str, *, strict: bool = True) -> str | None:
    """E.164 from what was typed: `+1 415-555-1234` -> `+14155551234`; None if it is not a
    valid E.164 number (see `phone_problem` for why).

    `strict` (sending): a +1 number must also be a possible NANP number (area code and
    exchange not starting with 0 or 1). Searches pass `strict=False`: they look for numbers
    already stored, which may be fictional ones like +1 555 123 4567, and finding them is
    harmless; they still need the E.164 shape and, for +1, exactly 10 digits after the 1.

    A number without the leading `+` is not guessed at here (see `phone_suggestion`)."""
    text = (raw or "").strip()
    if not text.startswith("+"):
        return None
    candidate = "+" + _SEPARATORS.sub("", text[1:])
    if not (candidate.isascii() and E164_RE.match(candidate)):
        return None
    if candidate.startswith("+1"):
        if len(candidate) != 12 or (strict and not NANP_RE.match(candidate)):
            return None
    return candidate


def phone_suggestion(raw: str, *, strict: bool = True) -> str | None:
    """The E.164 form of a US number typed without a country code, like `(415) 555-1234`.
    `strict=False` (searches) skips the area code and exchange rules, as `phone_normalize`."""
    text = (raw or "").strip()
    if text.startswith("+") or not re.fullmatch(r"[\d\s\-().]+", text):
        return None
    digits = re.sub(r"\D", "", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) != 10:
        return None
    if strict and not (digits[0] in "23456789" and digits[3] in "23456789"):
        return None
    return "+1" + digits


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
def _str(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _ticket_id(value: Any) -> str | None:
    text = _str(value)
    return text if text and TICKET_ID_RE.match(text) else None

    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


def _media(raw: dict[str, Any]) -> tuple[str, ...]:
    """The message's attachments: web (http/https) links only, as `safe_web_url` allows;
    `javascript:`, `data:` and any other scheme are dropped."""
    urls: list[Any] = []
    contents = raw.get("contents")
    for item in contents if isinstance(contents, list) else []:
        urls.append(item.get("url") if isinstance(item, dict) else item)
    urls.append(raw.get("media_url"))
    safe = (safe_web_url(u) for u in urls)
    return tuple(dict.fromkeys(u for u in safe if u))


def message_from_api(raw: dict[str, Any]) -> Message:
    return Message(
        id=str(raw.get("event_id") or raw.get("element_id") or ""),
        ticket_id=_ticket_id(raw.get("ticket_id")),
        contact_id=_str(raw.get("contact_id")),
        direction="in" if raw.get("direction") == "in" else "out",
        body=str(raw.get("message") or ""),
        status=_str(raw.get("status")),
        from_phone=_str(raw.get("from")),
        to_phone=_str(raw.get("to")),
        sender_id=_str(raw.get("sender_id")),
        sender_type=_str(raw.get("sender_type")),
        created_at=epoch(raw.get("created_at")),
        sent_at=epoch(raw.get("sent_at")),
        segments=api_int(raw.get("segments")),
        error_code=api_int(raw.get("error_code")) or None,
        error_text=_str(raw.get("error_description")) or _str(raw.get("reason")),
        media_urls=_media(raw),
        origin=_str(raw.get("origin")),
    )


def scheduled_from_api(raw: dict[str, Any]) -> ScheduledMessage:
    sent = raw.get("sent") if isinstance(raw.get("sent"), dict) else {}
    return ScheduledMessage(
        id=str(raw.get("event_id") or raw.get("element_id") or ""),
        ticket_id=_ticket_id(raw.get("ticket_id")),
        contact_id=_str(raw.get("contact_id")),
        body=str(raw.get("message") or ""),
        media_url=safe_web_url(raw.get("media_url")),  # http(s) only: None for anything else
        media_text=_str(raw.get("media_url")),
        scheduled_for=epoch(raw.get("scheduled_for")),
        created_at=epoch(raw.get("created_at")),
        sender_login=_str(raw.get("sender")),
        sender_id=_str(raw.get("sender_id")),
        to_phone=_str(raw.get("to")),
        aborted=bool(raw.get("aborted")),
        aborted_by=_str(raw.get("aborted_by")),
        abort_reason=_str(raw.get("abort_reason")),
        sent_message_id=_str(sent.get("element_id")),
    )


def _one(envelope: dict[str, Any], key: str = "message") -> dict[str, Any]:
    """The single object of a message answer (`data.message`; an array is accepted too)."""
    data = envelope.get("data") or {}
    item = data.get(key)
    if isinstance(item, list):
        item = item[0] if item else None
    if not isinstance(item, dict):
        raise BadResponseError("Avochato's answer did not include the message.")
    return item


def _items(envelope: dict[str, Any], key: str = "messages") -> list[dict[str, Any]]:
    items = (envelope.get("data") or {}).get(key) or []
    return [i for i in items if isinstance(i, dict)]


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


# --- people: who sends, who is who ------------------------------------------------------------
def send_as_for(*, client: AvochatoClient, email: str | None) -> SendAs:
    """The inbox user with this email (the users list, cached), else the API user."""
    user = user_for_email(inbox_users(client=client), email)
    return SendAs(user=user, email=user.email if user else None)


def _login(email: str | None) -> str | None:
    return email.split("@")[0].lower() if email and "@" in email else None


def attach_people(
    *,
    messages: Sequence[Message | ScheduledMessage],
    contacts: dict[str, Contact],
    users: Iterable[UserRef],
) -> None:
    """Fill contacts and senders. A scheduled message's `sender` is a login name: it is matched
    to the inbox user whose email starts with it, when exactly one does."""
    users = list(users)
    by_id = {u.id: u for u in users}
    by_login: dict[str, list[UserRef]] = {}
    for u in users:
        if login := _login(u.email):
            by_login.setdefault(login, []).append(u)
    for m in messages:
        if m.contact_id:
            m.contact = contacts.get(m.contact_id)
        if m.sender_id and m.sender_id in by_id:
            m.sender = by_id[m.sender_id]
        elif isinstance(m, ScheduledMessage) and m.sender_login:
            found = by_login.get(m.sender_login.lower()) or []
            m.sender = found[0] if len(found) == 1 else None
        elif isinstance(m, Message) and m.sender_id and m.sender_type == "User":
            m.sender = UserRef(id=m.sender_id, name="Former user")


def _with_people(client: AvochatoClient, messages: Sequence[Message | ScheduledMessage]) -> None:
    """One round: the page's contacts (batched) and the inbox's users (cached), in parallel."""
    ids = [m.contact_id for m in messages if m.contact_id]
    contacts, users = parallel(
        [
            lambda: contacts_get(client=client, contact_ids=ids),
            lambda: inbox_users(client=client),
        ]
    )
    attach_people(messages=messages, contacts=contacts, users=users)


def contact_for_phone(*, client: AvochatoClient, phone: str) -> Contact | None:
    """The inbox's contact with exactly this phone, if any: `GET /v1/contacts?query=phone:"..."`."""
    envelope = client.get(("contacts",), {"query": f'phone:"{phone}"', "limit": 10})
    for raw in _items(envelope, "contacts"):
        if _str(raw.get("phone")) == phone:
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
    return message_from_api(_one(client.post(("messages",), data=_send_params(draft))))


def message_schedule(*, client: AvochatoClient, draft: Draft, scheduled_for: datetime) -> ScheduledMessage:
    """Schedule: `POST /v1/messages` with `scheduled_for` (Unix timestamp, whole seconds)."""
    params = {**_send_params(draft), "scheduled_for": int(scheduled_for.timestamp())}
    return scheduled_from_api(_one(client.post(("messages",), data=params)))


def scheduled_cancel(*, client: AvochatoClient, message_id: str) -> ScheduledMessage:
    """Cancel one scheduled message: `DELETE /v1/messages/:id`."""
    return scheduled_from_api(_one(client.delete(("messages", message_id))))


def scheduled_cancel_many(
    *,
    client: AvochatoClient,
    message_ids: Sequence[str],
    on_each: Callable[[CancelOutcome], None] | None = None,
) -> list[CancelOutcome]:
    """Cancel several (`DELETE /v1/messages/:id` each, a few at once); one outcome per id,
    in order. A failure of one does not stop the others."""

    def cancel(mid: str) -> Callable[[], CancelOutcome]:
        def run() -> CancelOutcome:
            try:
                return CancelOutcome(
                    message_id=mid, ok=True, message=scheduled_cancel(client=client, message_id=mid)
                )
            except AvochatoError as err:
                return CancelOutcome(message_id=mid, ok=False, error=err.message)

        return run

    outcomes = parallel([cancel(m) for m in dict.fromkeys(message_ids)], max_workers=4)
    if on_each:
        for outcome in outcomes:
            on_each(outcome)
    return outcomes


def message_get(*, client: AvochatoClient, message_id: str) -> Message | ScheduledMessage:
    """One message by event id: `GET /v1/messages/:id` (sent, received or scheduled)."""
    raw = _one(client.get(("messages", message_id)))
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
        ("created_at[from]", _ts(filters.created_from)),
        ("created_at[to]", _ts(filters.created_to)),
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
        (lambda s=s: _items(client.get(("messages",), _search_params(filters, page, s))))
        for s in _statuses(filters)
    ]
    batches = parallel(calls)
    messages = [message_from_api(raw) for batch in batches for raw in batch]
    messages.sort(key=lambda m: m.created_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return messages, any(len(b) >= PER_PAGE for b in batches)


def messages_search(*, client: AvochatoClient, filters: MessageFilters, page: int = 1) -> MessagePage:
    """A page of "Search Messages" (`GET /v1/messages`, 25 a page), newest first, with each
    message's contact and sender filled in (one more round, batched)."""
    messages, more = _search_page(client, filters, page)
    _with_people(client, messages)
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
    _with_people(client, found)
    return found, capped


def _scheduled_params(filters: ScheduledFilters, page: int) -> dict[str, Any]:
    query = filters.query.strip()
    if not filters.include_cancelled:
        # The reference's "Search Scheduled Uncancelled Messages" example.
        query = f"{query} aborted: false".strip()
    params: dict[str, Any] = {"page": page, "query": query}
    for key, value in (
        ("contact_id", filters.contact_id),
        ("ticket_id", filters.ticket_id),
        ("sender_id", filters.sender_id),
        ("to", filters.to_phone),
        ("scheduled_for[from]", _ts(filters.scheduled_from)),
        ("scheduled_for[to]", _ts(filters.scheduled_to)),
    ):
        if value not in (None, ""):
            params[key] = value
    return params


def scheduled_search(
    *, client: AvochatoClient, filters: ScheduledFilters, page: int = 1, with_people: bool = True
) -> ScheduledPage:
    """A page of the inbox's scheduled messages (`GET /v1/messages/scheduled`, 25 a page),
    soonest first, with contacts and senders filled in."""
    raw = _items(client.get(("messages", "scheduled"), _scheduled_params(filters, page)))
    messages = [scheduled_from_api(r) for r in raw]
    if not filters.include_cancelled:
        messages = [m for m in messages if not m.aborted]
    messages.sort(key=lambda m: m.scheduled_for or datetime.max.replace(tzinfo=UTC))
    if with_people and messages:
        _with_people(client, messages)
    return ScheduledPage(messages=messages, page=page, has_next=len(raw) >= PER_PAGE)


def scheduled_for_ticket(*, client: AvochatoClient, ticket_id: str) -> list[ScheduledMessage]:
    """The ticket's own pending messages (first page: 25 is plenty for one conversation).
    `GET /v1/messages/scheduled?ticket_id=...&query=aborted: false`; senders from the
    cached users list, no contact lookup (the ticket page has the contact)."""
    page = scheduled_search(client=client, filters=ScheduledFilters(ticket_id=ticket_id), with_people=False)
    attach_people(messages=page.messages, contacts={}, users=inbox_users(client=client))
    return [m for m in page.messages if m.is_pending]
