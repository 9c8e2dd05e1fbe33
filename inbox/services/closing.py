"""Closing a ticket safely: what it was before (so that Undo can put it back), the close
itself, the undo, and the next ticket of the queue the person came from.

Avochato has no "reopen with the old state" operation: Undo is one more
`PUT /v1/tickets/:id` with the status, owner and addressed state read just before closing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from avodash.avochato import AvochatoClient
from avodash.domain import tickets as ticket_write
from avodash.domain.tickets import STATUSES, UNASSIGN, TicketChange, TicketOutcome
from avodash.domain.users import InboxUser
from inbox.services.tickets import TicketFilters, ticket_get, tickets_search

NEXT_LOOKAHEAD = 30  # tickets of the queue read to find the next one (one call)


@dataclass(frozen=True, kw_only=True)
class TicketState:
    """What Undo restores: a ticket's status, owner and addressed state."""

    status: str
    owner_id: str | None
    unaddressed: bool

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TicketState | None:
        status = data.get("status")
        owner = data.get("owner_id")
        if status not in STATUSES or not (owner is None or isinstance(owner, str)):
            return None
        return cls(status=status, owner_id=owner or None, unaddressed=bool(data.get("unaddressed")))


@dataclass(kw_only=True)
class CloseResult:
    outcome: TicketOutcome
    before: TicketState


def ticket_close(*, client: AvochatoClient, ticket_id: str, users: list[InboxUser]) -> CloseResult:
    """Read the ticket (`GET /v1/tickets/:id`), then close it (`PUT /v1/tickets/:id`,
    status=Closed). Raises the API's errors; an ignored close is a failed outcome."""
    ticket = ticket_get(client=client, ticket_id=ticket_id)
    before = TicketState(status=ticket.status, owner_id=ticket.owner_id, unaddressed=ticket.unaddressed)
    outcome = ticket_write.ticket_update(
        client=client, ticket_id=ticket_id, change=TicketChange(status="Closed"), users=users
    )
    return CloseResult(outcome=outcome, before=before)


def ticket_restore(
    *, client: AvochatoClient, ticket_id: str, before: TicketState, users: list[InboxUser]
) -> TicketOutcome:
    """Put a closed ticket back as it was: one `PUT /v1/tickets/:id` with its old status,
    owner and addressed state (checked against the answer)."""
    change = TicketChange(
        status=before.status if before.status != "Closed" else "Open",
        owner=before.owner_id or UNASSIGN,
        unaddressed=before.unaddressed,
    )
    return ticket_write.ticket_update(client=client, ticket_id=ticket_id, change=change, users=users)


def next_ticket_id(*, client: AvochatoClient, filters: TicketFilters, after_id: str) -> str | None:
    """The ticket after `after_id` in the queue (`GET /v1/tickets` with the queue's filter,
    one page): the one following it when it is still listed, else the first other open one."""
    tickets = tickets_search(client=client, filters=filters, limit=NEXT_LOOKAHEAD).tickets
    ids = [t.id for t in tickets if t.status != "Closed" or t.id == after_id]
    if after_id in ids:
        later = ids[ids.index(after_id) + 1 :]
        return later[0] if later else next((i for i in ids if i != after_id), None)
    return ids[0] if ids else None
