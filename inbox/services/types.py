"""The inbox's domain objects: what services return and templates show.

The ticket, contact and user objects live in the shared domain package
(`avodash.domain.tickets`, `.contacts`, `.users`); these are the event stream's own. Times are aware
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

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from avodash.domain.users import InboxUser


# A ticket's owner is an inbox user.


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
    sender: InboxUser | None = None
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
    by: InboxUser | None = None


@dataclass(kw_only=True)
class OwnerChangeEvent(Event):
    owner_id: str | None = None
    old_owner_id: str | None = None
    by_id: str | None = None
    owner: InboxUser | None = None
    old_owner: InboxUser | None = None
    by: InboxUser | None = None


@dataclass(kw_only=True)
class CustomEvent(Event):
    type: str
    context: str | None = None
    revenue: float | None = None
    by_id: str | None = None
    by: InboxUser | None = None


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
