"""Helpers for the inbox tests: the sandbox's seeded people and tickets, queue rows, composer
posts, request log reads."""

from __future__ import annotations

import re

from avodash.sandbox.state import PendingMessage, SmsMessage
from inbox.idempotency import new_key
from tests.helpers import INBOX, api_calls, post

BOB = "+15551234567"  # Bob McTest: an ordinary reachable contact
OPTED_OUT = "+16505551234"  # Olivia Martin
BLOCKED = "+16505550199"  # Victor Crane
LANDLINE = "+16505550100"  # Harbor Dental front desk
HTMX = {"HTTP_HX_REQUEST": "true"}
QUEUE = f"/i/{INBOX}/tickets/"


def box(sandbox, subdomain: str = INBOX):
    return sandbox.state.inbox(subdomain)


def ticket_for(sandbox, phone: str, subdomain: str = INBOX):
    inbox = box(sandbox, subdomain)
    return inbox.current_ticket(inbox.contact_by_phone(phone).id)


def ticket_url(ticket_id: str) -> str:
    return f"/i/{INBOX}/tickets/{ticket_id}/"


def send_url(ticket_id: str) -> str:
    return f"/i/{INBOX}/tickets/{ticket_id}/send/"


def reply(client, sandbox, phone: str = BOB, *, htmx: bool = True, key: str | None = None, **fields):
    """POST the ticket page's composer for the contact with this phone."""
    ticket = ticket_for(sandbox, phone)
    data = {
        "idempotency_key": key or new_key(),
        "contact_id": ticket.contact_id,
        "text": "Thanks, we are on it.",
        "mark_addressed": "on",
        "action": "send",
        **fields,
    }
    extra = HTMX if htmx else {}
    return post(client, send_url(ticket.id), data, **extra)


def message_posts(sandbox) -> list[dict]:
    return api_calls(sandbox, "POST", "/v1/messages")


def outbound(sandbox, ticket_id: str) -> list[SmsMessage]:
    inbox = box(sandbox)
    return [
        e
        for e in inbox.stream(inbox.tickets[ticket_id])
        if isinstance(e, SmsMessage) and e.direction == "out"
    ]


def pending_of(sandbox, ticket_id: str) -> list[PendingMessage]:
    return [p for p in box(sandbox).pending.values() if p.ticket_id == ticket_id]


def user_id(sandbox, email: str) -> str:
    return next(u.id for u in sandbox.state.users.values() if u.email == email)


def draft_key(html: str) -> str:
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html).group(1)


def text_of(response) -> str:
    return response.content.decode()


def row_ids(response) -> list[str]:
    """Ticket ids of the queue rows, in order."""
    return re.findall(r'data-ticket="([^"]+)"', response.content.decode())


def contact_of(sandbox, ticket_id: str, subdomain: str = INBOX):
    inbox = box(sandbox, subdomain)
    return inbox.contacts[inbox.tickets[ticket_id].contact_id]


def ticket_by_phone(sandbox, phone: str, subdomain: str = INBOX):
    inbox = box(sandbox, subdomain)
    contact = inbox.contact_by_phone(phone)
    return inbox.current_ticket(contact.id)


def open_tickets(sandbox, subdomain: str = INBOX):
    return [t for t in box(sandbox, subdomain).tickets.values() if t.status != "Closed"]
