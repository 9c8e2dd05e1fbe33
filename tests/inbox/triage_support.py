"""Helpers for the triage tests: read the sandbox's seeded state, parse queue rows."""

from __future__ import annotations

import re

from tests.helpers import INBOX

QUEUE = f"/i/{INBOX}/tickets/"


def box(sandbox, subdomain: str = INBOX):
    return sandbox.state.inbox(subdomain)


def ticket_url(ticket_id: str) -> str:
    return f"/i/{INBOX}/tickets/{ticket_id}/"


def row_ids(response) -> list[str]:
    """Ticket ids of the queue rows, in order."""
    return re.findall(r'data-ticket="([^"]+)"', response.content.decode())


def user_id(sandbox, email: str) -> str:
    return next(u.id for u in sandbox.state.users.values() if u.email == email)


def contact_of(sandbox, ticket_id: str, subdomain: str = INBOX):
    inbox = box(sandbox, subdomain)
    return inbox.contacts[inbox.tickets[ticket_id].contact_id]


def ticket_by_phone(sandbox, phone: str, subdomain: str = INBOX):
    inbox = box(sandbox, subdomain)
    contact = inbox.contact_by_phone(phone)
    return inbox.current_ticket(contact.id)


def open_tickets(sandbox, subdomain: str = INBOX):
    return [t for t in box(sandbox, subdomain).tickets.values() if t.status != "Closed"]
