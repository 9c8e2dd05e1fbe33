"""Assign to me: a person takes tickets for themselves.

Leads (who may assign) take any ticket. Agents take only tickets nobody owns: taking a
colleague's ticket is a reassignment, which is a lead's call. The person is the inbox user
with their email; nothing in the request names the owner.
"""

from __future__ import annotations

from collections.abc import Sequence

from avodash.avochato import AvochatoClient
from avodash.domain import tickets as ticket_write
from avodash.domain.errors import ActionError
from avodash.domain.tickets import BulkResult, TicketChange, TicketOutcome
from avodash.domain.users import InboxUser, user_for_email, users_by_id
from inbox.services.tickets import tickets_get


def taker_for(*, users: list[InboxUser], email: str | None) -> InboxUser:
    """The inbox user tickets go to, or an ActionError saying why there is none."""
    me = user_for_email(users, email)
    if me is None:
        raise ActionError(
            "You are not a user of this inbox in Avochato (no user has your email): "
            "tickets cannot be assigned to you."
        )
    if not me.may_own_tickets:
        raise ActionError("Your Avochato user in this inbox cannot own tickets (disabled).")
    return me


def tickets_take(
    *,
    client: AvochatoClient,
    ticket_ids: Sequence[str],
    me: InboxUser,
    users: list[InboxUser],
    may_reassign: bool,
) -> BulkResult:
    """Assign the tickets to `me` (`PUT /v1/tickets/:ids` user_id=me). Without `may_reassign`
    the tickets are read first (`GET /v1/tickets/:ids`) and those someone else owns are left
    alone, each with its reason in the result."""
    ids = list(dict.fromkeys(ticket_ids))
    skipped: list[TicketOutcome] = []
    if not may_reassign:
        current = tickets_get(client=client, ticket_ids=ids)
        names = users_by_id(users)
        taken_by_others = {
            tid: t.owner_id for tid, t in current.items() if t.owner_id and t.owner_id != me.id
        }
        for tid, owner in taken_by_others.items():
            who = names[owner].name if owner in names else "someone else"
            skipped.append(
                TicketOutcome(ticket_id=tid, ok=False, message=f"owned by {who}: only a lead can reassign it")
            )
        ids = [i for i in ids if i not in taken_by_others]
    result = ticket_write.tickets_update(
        client=client, ticket_ids=ids, change=TicketChange(owner=me.id), users=users
    )
    result.requested += len(skipped)
    result.outcomes.extend(skipped)
    return result
