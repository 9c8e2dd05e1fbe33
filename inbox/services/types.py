"""The inbox's domain objects: what services return and templates show.

Shared by the triage services (tickets, contacts, events) and the messaging services:
import from here (`from inbox.services.types import Contact, Ticket`). Times are aware
`datetime`s (UTC); ids are the API's opaque strings. Nothing here talks to the API.

Event kinds in a ticket's event stream (`Event.kind`):
  message_in / message_out  SmsMessage         -> MessageEvent
  call                      Call               -> CallEvent
  status_change             StatusChange       -> StatusChangeEvent
  owner_change              OwnerChange        -> OwnerChangeEvent
  custom                    CustomEvent        -> CustomEvent
  pending_message           PendingMessage     -> PendingMessageEvent (scheduled, not yet sent)
  other                     anything else      -> Event
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

STATUSES: tuple[str, ...] = ("New", "Open", "Pending", "Closed")

WEB_URL_MAX = 2048
_TAB_NEWLINE = re.compile(r"[\t\n\r]")  # browsers drop these anywhere in a URL
_EDGE_JUNK = "".join(chr(c) for c in range(0x21)) + "\x7f"  # C0 controls, space, DEL
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def safe_web_url(value: Any) -> str | None:
    """`value` as a link target that can only open a web page: http(s) with a host, else None.

    URLs from the API are untrusted: `javascript:`, `data:`, `vbscript:` (in any case, with
    leading blanks or control characters, tabs or newlines inside the scheme, the way
    browsers read an `href`) and anything else that is not http/https come back as None,
    so a template can link only what this returns. Leading/trailing blanks and control
    characters are stripped; a URL still holding a control character is refused.
    """
    if not isinstance(value, str):
        return None
    url = _TAB_NEWLINE.sub("", value).strip(_EDGE_JUNK).strip()
    if not url or len(url) > WEB_URL_MAX or _CONTROL.search(url):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return url


@dataclass(frozen=True, kw_only=True)
class UserRef:
    """A member (Avochato user) of the inbox: a ticket's owner, a message's sender."""

    id: str
    name: str
    email: str | None = None

    def __str__(self) -> str:
        return self.name


# A ticket's owner is an inbox user.
Owner = UserRef


@dataclass(kw_only=True)
class Contact:
    id: str
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    company: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    address: str | None = None
    notes: str | None = None
    other_phone: str | None = None
    tags: tuple[str, ...] = ()
    opted_out: bool = False
    blocked: bool = False
    muted: bool = False
    owner_id: str | None = None
    owner: UserRef | None = None
    created_at: datetime | None = None

    @property
    def display_name(self) -> str:
        """Name, else phone, else email: never the id."""
        return self.name or self.phone or self.email or "Unknown contact"

    @property
    def can_receive(self) -> bool:
        return not (self.opted_out or self.blocked)


@dataclass(kw_only=True)
class Ticket:
    """A conversation with one contact. `contact` / `owner` are filled in when fetched."""

    id: str
    contact_id: str | None
    status: str
    unaddressed: bool = False
    owner_id: str | None = None
    created_at: datetime | None = None
    origin: str | None = None
    channel: str | None = None
    contact: Contact | None = None
    owner: UserRef | None = None
    # Filled when the API (or a fetched event stream) tells us; None when unknown.
    last_activity_at: datetime | None = None
    last_message: str | None = None
    last_inbound_at: datetime | None = None

    @property
    def is_closed(self) -> bool:
        return self.status == "Closed"

    @property
    def contact_name(self) -> str:
        return self.contact.display_name if self.contact else "Unknown contact"

    @property
    def waiting_since(self) -> datetime | None:
        """How long the customer has waited: since the last inbound message, else creation."""
        return self.last_inbound_at or self.created_at

    @property
    def activity_at(self) -> datetime | None:
        return self.last_activity_at or self.created_at

    @property
    def wait_seconds(self) -> float | None:
        since = self.waiting_since
        return (datetime.now(UTC) - since).total_seconds() if since else None


@dataclass(kw_only=True)
class PreviousTicket:
    """An earlier ticket of the same contact (`GET /v1/tickets/:id/previous`)."""

    id: str
    created_at: datetime | None = None
    closed_at: datetime | None = None
    owner_name: str | None = None
    channel: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(kw_only=True)
class Event:
    """One item of a ticket's event stream. Subclasses carry the kind-specific fields."""

    id: str
    kind: str
    element_type: str
    at: datetime | None
    ticket_id: str | None = None

    @property
    def template_kind(self) -> str:
        return self.kind


@dataclass(kw_only=True)
class MessageEvent(Event):
    direction: str  # "in" | "out"
    body: str = ""
    status: str | None = None  # queued, sent, delivered, undelivered, failed, received
    error_code: int | None = None
    error_text: str | None = None
    media_urls: tuple[str, ...] = ()
    sender_id: str | None = None
    sender_type: str | None = None  # User, Contact, ...
    sender: UserRef | None = None
    from_phone: str | None = None
    to_phone: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "undelivered")


@dataclass(kw_only=True)
class CallEvent(Event):
    direction: str
    call_status: str | None = None
    duration: int | None = None
    from_phone: str | None = None
    to_phone: str | None = None
    recording_url: str | None = None
    voicemail: str | None = None
    transcript: str | None = None


@dataclass(kw_only=True)
class StatusChangeEvent(Event):
    status: str
    by_id: str | None = None
    by: UserRef | None = None


@dataclass(kw_only=True)
class OwnerChangeEvent(Event):
    owner_id: str | None = None
    old_owner_id: str | None = None
    by_id: str | None = None
    owner: UserRef | None = None
    old_owner: UserRef | None = None
    by: UserRef | None = None


@dataclass(kw_only=True)
class CustomEvent(Event):
    type: str
    context: str | None = None
    revenue: float | None = None
    by_id: str | None = None
    by: UserRef | None = None


@dataclass(kw_only=True)
class PendingMessageEvent(Event):
    """A message scheduled for later in this ticket (`element_type` PendingMessage)."""

    body: str = ""
    scheduled_for: datetime | None = None
    sender_name: str | None = None
    media_url: str | None = None
    aborted: bool = False


@dataclass(kw_only=True)
class EventPage:
    """A slice of a ticket's event stream, oldest first."""

    events: list[Event] = field(default_factory=list)
    page: int = 1
    has_older: bool = False


def api_int(value: Any) -> int | None:
    """A whole number from the API, or None for anything else (also `Infinity`, `NaN` and
    `1e400`, which JSON parsing lets through as floats, and booleans)."""
    if isinstance(value, bool):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None
