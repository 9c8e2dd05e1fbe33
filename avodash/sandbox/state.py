"""In-memory state of the sandbox: one `SandboxState` holding every inbox (Avochato account).

Plain dataclasses, no behaviour beyond lookups and small invariant-keeping helpers, so tests can
read it directly (`srv.state.inbox("acme-support").tickets[...]`). Everything that changes the
state on behalf of an API call lives in `avodash.sandbox.handlers`; `avodash.sandbox.seed` fills it.

Users are global (one id across every inbox they belong to, as in Avochato); what differs per
inbox is the `Membership` (role, enabled, added_at). Contacts, tickets, events, scheduled
messages, tags, broadcasts and campaigns belong to one inbox.

Times are Unix epoch floats (seconds), as the API returns them, except `User.signed_in_at`, which
is an ISO 8601 string like the API's.
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

ROLES: tuple[str, ...] = ("member", "manager", "owner")
STATUSES: tuple[str, ...] = ("New", "Open", "Pending", "Closed")
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@dataclass
class User:
    """An Avochato user (a team member). The same object is shared by every inbox they belong to."""

    id: str
    num_id: int  # the integer primary key the API leaks in `aborter_id`
    email: str | None
    name: str
    created_at: float
    phone: str | None = None  # verified MFA phone, E.164
    pending_mfa_phone: str | None = None  # set by POST /v1/users/:id/mfa_phone until verified
    require_2fa: bool = True
    mfa_app_valid: bool = False
    phone_valid: bool = False
    signed_in_at: str | None = None
    password_reset_sent_at: float | None = None
    is_api: bool = False  # a credential's technical user: never picked by autoassign

    @property
    def username(self) -> str:
        """What scheduled messages show as `sender` (the API shows a login name)."""
        return (self.email or self.name).split("@")[0]


@dataclass
class Membership:
    """A user's place in one inbox."""

    user_id: str
    role: str
    enabled: bool
    added_at: float
    autoassign: bool = True  # in the inbox's auto-assignment roster


@dataclass
class Credential:
    """An API credential pair, bound to a user and a home inbox (the default scope)."""

    auth_id: str
    auth_secret: str
    user_id: str
    subdomain: str
    created_at: float
    label: str = ""


@dataclass
class Tag:
    name: str
    color: str | None = None
    duration: int | None = None
    routable: bool | None = None


@dataclass
class Contact:
    id: str
    phone: str
    created_at: float
    name: str | None = None
    email: str | None = None
    street: str | None = None
    city: str | None = None
    state: str | None = None
    zip: str | None = None
    country: str | None = None
    notes: str | None = None
    company: str | None = None
    other_phone: str | None = None
    tags: list[str] = field(default_factory=list)
    opted_out: bool = False
    # Who opted the contact out: "contact" (they replied STOP: only they can opt back in, and
    # `opt_in` is refused) or "inbox" (the team did, through the API). None when not known.
    opted_out_by: str | None = None
    double_opted_in: bool = False
    muted: bool = False
    blocked: bool = False
    landline: bool = False
    salesforce_object_type: str | None = None
    salesforce_object_id: str | None = None
    priority: int = 0
    user_id: str | None = None
    visible: bool = True
    due_for_compliance: bool = True  # no outbound yet: the next one carries the opt-out footer
    stuck_number: str | None = None
    custom: dict[str, Any] = field(default_factory=dict)

    @property
    def address(self) -> str | None:
        parts = [p for p in (self.street, self.city, self.state, self.zip, self.country) if p]
        return ", ".join(parts) or None


@dataclass
class Ticket:
    """A conversation with one contact. `event_ids` is the stream, oldest first."""

    id: str
    uuid: str
    contact_id: str
    created_at: float
    status: str = "New"
    user_id: str | None = None
    unaddressed: bool = False
    channel: str = "sms"
    origin: str = "Avochato"
    closed_at: float | None = None
    summary: str | None = None
    summary_updated_at: float | None = None
    event_ids: list[str] = field(default_factory=list)
    last_activity_at: float = 0.0


@dataclass
class Event:
    """Base of everything in a ticket's event stream."""

    element_type: ClassVar[str] = "Event"
    event_id: str
    element_id: str
    ticket_id: str
    sent_at: float


@dataclass
class SmsMessage(Event):
    element_type: ClassVar[str] = "SmsMessage"
    uuid: str = ""
    contact_id: str = ""
    sender_id: str | None = None
    sender_type: str | None = None
    to: str | None = None
    from_: str | None = None
    direction: str = "out"
    message: str = ""
    status: str = "queued"
    created_at: float = 0.0
    origin: str | None = None
    broadcast_id: str | None = None
    media_urls: list[str] = field(default_factory=list)
    segments: int = 1
    carrier: str | None = None
    external_id: str | None = None
    error_code: int = 0
    error_description: str | None = None
    reason: str | None = None
    status_callback: str | None = None


@dataclass
class Call(Event):
    element_type: ClassVar[str] = "Call"
    call_from: str = ""
    call_to: str = ""
    direction: str = "in"
    call_status: str = "completed"
    duration: int = 0
    ended_at: float = 0.0
    voicemail: str | None = None
    recording_url: str | None = None
    recording_status: str | None = None
    transcript: str | None = None
    transcript_status: str | None = None
    summary: str | None = None
    user_id: str | None = None


@dataclass
class StatusChange(Event):
    element_type: ClassVar[str] = "StatusChange"
    user_id: str | None = None
    status: str = "Open"


@dataclass
class OwnerChange(Event):
    element_type: ClassVar[str] = "OwnerChange"
    user_id: str | None = None
    owner_id: str | None = None
    old_owner_id: str | None = None


@dataclass
class CustomEvent(Event):
    element_type: ClassVar[str] = "CustomEvent"
    user_id: str | None = None
    contact_id: str = ""
    type: str = ""
    context: str | None = None
    revenue: float | None = None
    qa_keyword_id: str | None = None


@dataclass
class PendingMessage:
    """A scheduled message (`element_type` PendingMessage); not part of the stream until delivered."""

    event_id: str
    element_id: str
    ticket_id: str
    contact_id: str
    sender_id: str | None
    message: str
    scheduled_for: float
    created_at: float
    to: str
    from_: str | None = None
    media_url: str | None = None
    aborted: bool = False
    aborter_id: int | None = None
    aborted_by: str | None = None
    abort_reason: str | None = None
    status_callback: str | None = None
    cancel_on: str | None = None
    sent_element_id: str | None = None
    sent_event_id: str | None = None
    campaign_key: str | None = None
    mark_addressed: bool = False


@dataclass
class Broadcast:
    id: str
    message: str
    user_id: str
    created_at: float
    updated_at: float
    name: str | None = None
    media_url: str | None = None
    status_callback: str | None = None
    status: str = "draft"  # draft -> scheduled -> completed (an asap publish stays draft until sent)
    published: bool = False  # publish was called: goes out at scheduled_for, whatever the status
    scheduled_for: float = 0.0
    completed_at: float | None = None
    assign_to_user_id: str | None = None
    audience: list[str] = field(default_factory=list)  # contact ids, in order added
    attempted: int = 0
    delivered: int = 0
    undelivered: int = 0
    responded: int = 0
    replied_stop: int = 0


@dataclass
class Campaign:
    """One campaign step; steps of one campaign share `sequence` and are ordered by `position`."""

    id: str
    key: str
    raw_text: str
    sequence: str
    position: int = 0
    follow_up_message: str | None = None
    follow_up_delay: int | None = None
    media_url: str | None = None
    hotkey: str | None = None
    enrolled: list[str] = field(default_factory=list)  # contact ids currently on this step


@dataclass
class Inbox:
    """One Avochato account, addressed by `subdomain`."""

    id: str
    subdomain: str
    name: str
    phone: str
    created_at: float
    numbers: list[str] = field(default_factory=list)  # every number that may send (`from`)
    tcr_campaign_id: str | None = None
    members: dict[str, Membership] = field(default_factory=dict)
    contacts: dict[str, Contact] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)
    pending: dict[str, PendingMessage] = field(default_factory=dict)
    broadcasts: dict[str, Broadcast] = field(default_factory=dict)
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)
    phone_index: dict[str, str] = field(default_factory=dict)  # phone -> contact id
    # (len(events) when sorted, the SMS messages newest first): the message search's index
    messages_by_time: tuple[int, list[Any]] = field(default=(-1, []), repr=False, compare=False)

    def contact_by_phone(self, phone: str) -> Contact | None:
        cid = self.phone_index.get(phone)
        return self.contacts.get(cid) if cid else None

    def add_contact(self, contact: Contact) -> Contact:
        self.contacts[contact.id] = contact
        self.phone_index[contact.phone] = contact.id
        for name in contact.tags:
            self.tags.setdefault(name, Tag(name))
        return contact

    def tickets_of(self, contact_id: str) -> list[Ticket]:
        """The contact's tickets, oldest first."""
        found = [t for t in self.tickets.values() if t.contact_id == contact_id]
        return sorted(found, key=lambda t: (t.created_at, t.id))

    def current_ticket(self, contact_id: str) -> Ticket | None:
        found = self.tickets_of(contact_id)
        return found[-1] if found else None

    def add_event(self, ticket: Ticket, event: Event) -> Event:
        self.events[event.event_id] = event
        ticket.event_ids.append(event.event_id)
        ticket.last_activity_at = max(ticket.last_activity_at, event.sent_at)
        return event

    def stream(self, ticket: Ticket) -> list[Event]:
        return [self.events[e] for e in ticket.event_ids if e in self.events]

    def campaign(self, key_or_id: str) -> Campaign | None:
        for c in self.campaigns.values():
            if key_or_id in (c.key, c.id):
                return c
        return None


@dataclass
class SandboxState:
    """Everything the sandbox knows. Guard every access with `lock` (the server does)."""

    seed: int
    users: dict[str, User] = field(default_factory=dict)
    inboxes: dict[str, Inbox] = field(default_factory=dict)  # by subdomain
    credentials: dict[str, Credential] = field(default_factory=dict)  # by auth_id
    rng: random.Random = field(default_factory=random.Random)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _next_num: int = 100

    def __getstate__(self) -> dict[str, Any]:  # pickled as a reset snapshot (see seed.py)
        data = self.__dict__.copy()
        data.pop("lock", None)
        return data

    def __setstate__(self, data: dict[str, Any]) -> None:
        self.__dict__.update(data)
        self.lock = threading.RLock()

    # -- ids ------------------------------------------------------------------------------
    def new_id(self) -> str:
        """A 10-character hash id like Avochato's (deterministic per seed)."""
        return "".join(self.rng.choice(_ALPHABET) for _ in range(10))

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def new_num(self) -> int:
        self._next_num += 1
        return self._next_num

    # -- lookups --------------------------------------------------------------------------
    def inbox(self, subdomain: str) -> Inbox:
        return self.inboxes[subdomain]

    def user_by_email(self, email: str) -> User | None:
        email = email.strip().lower()
        for user in self.users.values():
            if user.email and user.email.lower() == email:
                return user
        return None

    def inboxes_of(self, user_id: str, *, enabled_only: bool = True) -> list[Inbox]:
        return [
            i
            for i in self.inboxes.values()
            if user_id in i.members and (i.members[user_id].enabled or not enabled_only)
        ]

    def credential_for(self, label: str) -> Credential:
        """A credential by its label ("default", "manager", "member"), for tests."""
        for cred in self.credentials.values():
            if cred.label == label:
                return cred
        raise KeyError(label)

    # -- time -----------------------------------------------------------------------------
    @staticmethod
    def now() -> float:
        return time.time()
