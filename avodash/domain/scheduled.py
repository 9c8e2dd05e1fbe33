"""Scheduled (pending) messages: search, cancel, a sender's pending ones; and who sent what.

Used by the inbox's scheduled page and composer, and by offboarding (cancel a person's
pending messages). API operations: `GET /v1/messages/scheduled` (query `aborted: false`
leaves out cancelled ones; contact_id, ticket_id, sender_id, to, scheduled_for[from]/[to];
25 a page) and `DELETE /v1/messages/:id`.

A scheduled message, as the reference shows it, names its contact (`contact_id`) and its sender
by login name (`sender`), not by user id and not by phone: the phone it goes to is the contact's
(filled in with the contact), the sender the inbox user whose email starts with that login.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.core.cache import cache
from django.utils import timezone as djtz

from avodash.avochato import (
    AvochatoClient,
    AvochatoError,
    BadResponseError,
    NotFoundError,
    alongside,
    parallel,
)
from avodash.domain import phones
from avodash.domain.contacts import Contact, contacts_get
from avodash.domain.outcomes import APPLIED, UNKNOWN, settle
from avodash.domain.parse import api_str, epoch, safe_web_url
from avodash.domain.users import InboxUser, inbox_users, unknown_user

PER_PAGE = 25  # messages lists answer 25 a page whatever `limit` says (NOTES.md)
MAX_SENDER_PAGES = 40
# How long an inbox whose pending list was more than a page is remembered as such: its ticket
# pages then ask for their own messages at once instead of reading the list first.
OVERFLOW_SECONDS = 300
# What the dashboard's URLs take as a ticket id: a ticket id from the API that is anything else
# is dropped rather than linked (it could not be opened anyway).
TICKET_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


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
    aborted: bool = False
    aborted_by: str | None = None
    abort_reason: str | None = None
    sent_message_id: str | None = None
    contact: Contact | None = None
    sender: InboxUser | None = None

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
    def to_phone(self) -> str | None:
        """The phone it goes to: its contact's (known once `contact` is filled in)."""
        return self.contact.phone if self.contact else None

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
        return phones.shown(self.to_phone) or "Unknown contact"


@dataclass(kw_only=True)
class ScheduledPage:
    messages: list[ScheduledMessage]
    page: int
    has_next: bool


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


@dataclass(kw_only=True)
class CancelOutcome:
    """`checked`: Avochato's answer was unclear and the message was read back to know.
    `unknown`: it could not be read back either (then `ok` is False)."""

    message_id: str
    ok: bool
    error: str = ""
    message: ScheduledMessage | None = None
    checked: bool = False
    unknown: bool = False


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


# --- parsing ---------------------------------------------------------------------------------


def ticket_ref(value: Any) -> str | None:
    """A ticket id from the API that a dashboard URL can carry, else None."""
    text = api_str(value)
    return text if text and TICKET_ID_RE.match(text) else None


def one_message(envelope: dict[str, Any], key: str = "message") -> dict[str, Any]:
    """The single object of a message answer (`data.message`; an array is accepted too)."""
    data = envelope.get("data") or {}
    item = data.get(key)
    if isinstance(item, list):
        item = item[0] if item else None
    if not isinstance(item, dict):
        raise BadResponseError("Avochato's answer did not include the message.")
    return item


def items(envelope: dict[str, Any], key: str = "messages") -> list[dict[str, Any]]:
    found = (envelope.get("data") or {}).get(key) or []
    return [i for i in found if isinstance(i, dict)]


def timestamp(value: datetime | None) -> float | None:
    return value.timestamp() if value else None


def scheduled_from_api(raw: dict[str, Any]) -> ScheduledMessage:
    sent = raw.get("sent") if isinstance(raw.get("sent"), dict) else {}
    return ScheduledMessage(
        id=str(raw.get("event_id") or raw.get("element_id") or ""),
        ticket_id=ticket_ref(raw.get("ticket_id")),
        contact_id=api_str(raw.get("contact_id")),
        body=str(raw.get("message") or ""),
        media_url=safe_web_url(raw.get("media_url")),  # http(s) only: None for anything else
        media_text=api_str(raw.get("media_url")),
        scheduled_for=epoch(raw.get("scheduled_for")),
        created_at=epoch(raw.get("created_at")),
        sender_login=api_str(raw.get("sender")),
        aborted=bool(raw.get("aborted")),
        aborted_by=api_str(raw.get("aborted_by")),
        abort_reason=api_str(raw.get("abort_reason")),
        sent_message_id=api_str(sent.get("element_id")),
    )


# --- people: contacts and senders ---------------------------------------------------------------


def _login(email: str | None) -> str | None:
    return email.split("@")[0].lower() if email and "@" in email else None


def attach_people(
    *, messages: Sequence[Any], contacts: dict[str, Contact], users: Iterable[InboxUser]
) -> None:
    """Fill each message's `contact` and `sender`. A scheduled message's `sender` is a login
    name: it is matched to the inbox user whose email starts with it, when exactly one does;
    a sent message's user sender the directory does not know is a former user."""
    users = list(users)
    by_id = {u.id: u for u in users}
    by_login: dict[str, list[InboxUser]] = {}
    for u in users:
        if login := _login(u.email):
            by_login.setdefault(login, []).append(u)
    attach_contacts(messages, contacts)
    for m in messages:
        sender_id = getattr(m, "sender_id", None)  # sent messages name their sender by id
        if sender_id and sender_id in by_id:
            m.sender = by_id[sender_id]
        elif getattr(m, "sender_login", None):
            found = by_login.get(m.sender_login.lower()) or []
            m.sender = found[0] if len(found) == 1 else None
        elif sender_id and getattr(m, "sender_type", None) == "User":
            m.sender = unknown_user(sender_id)


def attach_contacts(messages: Sequence[Any], contacts: dict[str, Contact]) -> None:
    for m in messages:
        if m.contact_id:
            m.contact = contacts.get(m.contact_id)


def contacts_of(*, client: AvochatoClient, messages: Sequence[Any]) -> dict[str, Contact]:
    """The messages' contacts: `GET /v1/contacts/:ids`, batched (the round after the list)."""
    return contacts_get(client=client, contact_ids=[m.contact_id for m in messages if m.contact_id])


def with_people(*, client: AvochatoClient, messages: Sequence[Any]) -> None:
    """The page's contacts (one batched call) and, meanwhile, senders (the directory): one round."""
    users, (contacts,) = alongside(
        lambda: inbox_users(client=client), [lambda: contacts_of(client=client, messages=messages)]
    )
    attach_people(messages=messages, contacts=contacts, users=users)


# --- reads --------------------------------------------------------------------------------------


def _params(filters: ScheduledFilters, page: int) -> dict[str, Any]:
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
        ("scheduled_for[from]", timestamp(filters.scheduled_from)),
        ("scheduled_for[to]", timestamp(filters.scheduled_to)),
    ):
        if value not in (None, ""):
            params[key] = value
    return params


def scheduled_search(
    *, client: AvochatoClient, filters: ScheduledFilters, page: int = 1, with_names: bool = True
) -> ScheduledPage:
    """A page of the inbox's scheduled messages (`GET /v1/messages/scheduled`, 25 a page),
    soonest first; with `with_names`, contacts and senders filled in (one more round)."""
    raw = items(client.get(("messages", "scheduled"), _params(filters, page)))
    messages = [scheduled_from_api(r) for r in raw]
    if not filters.include_cancelled:
        messages = [m for m in messages if not m.aborted]
    messages.sort(key=lambda m: m.scheduled_for or datetime.max.replace(tzinfo=UTC))
    if with_names and messages:
        with_people(client=client, messages=messages)
    return ScheduledPage(messages=messages, page=page, has_next=len(raw) >= PER_PAGE)


def _overflow_key(client: AvochatoClient) -> str:
    return f"avodash:scheduled:overflow:{client.fingerprint}:{client.subdomain or '_default'}"


def scheduled_in_inbox(*, client: AvochatoClient) -> list[ScheduledMessage] | None:
    """Every pending scheduled message of the inbox when they all fit on the first page, else
    None. The same read for every ticket page of the inbox, so shared by everyone on it: one
    call every few seconds instead of one per ticket page (`scheduled_for_ticket(inbox=...)`).
    An inbox found to have more is remembered for OVERFLOW_SECONDS (`inbox_list_overflows`)."""
    page = scheduled_search(client=client, filters=ScheduledFilters(), with_names=False)
    if page.has_next:
        cache.set(_overflow_key(client), True, OVERFLOW_SECONDS)
        return None
    return page.messages


def inbox_list_overflows(*, client: AvochatoClient) -> bool:
    """Whether the inbox's pending list was more than one page when last read: then reading it
    only to find out costs a ticket page a call, and `scheduled_for_ticket` asks directly."""
    return bool(cache.get(_overflow_key(client)))


def scheduled_for_ticket(
    *,
    client: AvochatoClient,
    ticket_id: str,
    users: list[InboxUser] | None = None,
    inbox: list[ScheduledMessage] | None = None,
) -> list[ScheduledMessage]:
    """The ticket's own pending messages: taken from `inbox` (`scheduled_in_inbox`) when given,
    else asked for (first page: 25 is plenty for one conversation). Senders from the directory
    (or `users`, read already: then no database access, so it can run in a worker thread beside
    the page's other calls), no contact lookup (the ticket page has the contact)."""
    if inbox is not None:
        messages = [m for m in inbox if m.ticket_id == ticket_id]
    else:
        messages = scheduled_search(
            client=client, filters=ScheduledFilters(ticket_id=ticket_id), with_names=False
        ).messages
    users = inbox_users(client=client) if users is None else users
    attach_people(messages=messages, contacts={}, users=users)
    return [m for m in messages if m.is_pending]


def scheduled_by_sender(
    *, client: AvochatoClient, user_id: str, email: str | None = None
) -> list[ScheduledMessage]:
    """Pending scheduled messages of one sender, soonest first, every page
    (`GET /v1/messages/scheduled?sender_id=...&query=aborted: false`: the documented filter).

    The answer names senders by login only (`sender`); with the user's `email`, a message whose
    login is another's is left out, so a server ignoring the filter never gets others' messages
    cancelled. Without it, the filter alone decides."""
    login = _login(email)
    found: list[ScheduledMessage] = []
    for page in range(1, MAX_SENDER_PAGES + 1):
        result = scheduled_search(
            client=client, filters=ScheduledFilters(sender_id=user_id), page=page, with_names=False
        )
        found += [
            m
            for m in result.messages
            if m.is_pending and (login is None or (m.sender_login or login).lower() == login)
        ]
        if not result.has_next:
            break
    found.sort(key=lambda m: m.scheduled_for or datetime.max.replace(tzinfo=UTC))
    return found


def scheduled_state(*, client: AvochatoClient, message_id: str) -> str:
    """What became of one scheduled message, read now (`GET /v1/messages/:id`): "pending",
    "cancelled", "sent", or "gone" when Avochato no longer knows it. How a cancel whose answer
    was lost is checked."""
    try:
        return scheduled_from_api(one_message(client.get(("messages", message_id)))).state
    except NotFoundError:
        return "gone"


# --- writes -------------------------------------------------------------------------------------


def scheduled_cancel(*, client: AvochatoClient, message_id: str) -> ScheduledMessage:
    """Cancel one scheduled message: `DELETE /v1/messages/:id`."""
    return scheduled_from_api(one_message(client.delete(("messages", message_id))))


def scheduled_get(*, client: AvochatoClient, message_id: str) -> ScheduledMessage:
    """One scheduled message as it is now: `GET /v1/messages/:id`."""
    return scheduled_from_api(one_message(client.get(("messages", message_id))))


def scheduled_cancel_settled(*, client: AvochatoClient, message_id: str) -> CancelOutcome:
    """Cancel one (`DELETE /v1/messages/:id`) and know what happened: when the answer did not
    say (a 5xx, an unreadable body, a timeout after sending) the message is read back
    (`GET /v1/messages/:id`): cancelled when it shows aborted, else not, or unknown."""
    try:
        return CancelOutcome(
            message_id=message_id, ok=True, message=scheduled_cancel(client=client, message_id=message_id)
        )
    except AvochatoError as err:
        seen: list[ScheduledMessage] = []

        def aborted() -> bool:
            seen.append(scheduled_get(client=client, message_id=message_id))
            return seen[-1].aborted

        truth = settle(err, aborted)
    if truth.state == APPLIED:
        return CancelOutcome(message_id=message_id, ok=True, message=seen[-1], checked=True)
    return CancelOutcome(
        message_id=message_id, ok=False, error=truth.error, unknown=truth.state == UNKNOWN, checked=bool(seen)
    )


def scheduled_cancel_many(
    *,
    client: AvochatoClient,
    message_ids: Sequence[str],
) -> list[CancelOutcome]:
    """Cancel several (`DELETE /v1/messages/:id` each, a few at once; each settled as in
    `scheduled_cancel_settled`); one outcome per id, in order. A failure of one does not stop
    the others."""
    calls = [
        lambda m=m: scheduled_cancel_settled(client=client, message_id=m) for m in dict.fromkeys(message_ids)
    ]
    return parallel(calls, max_workers=4)
