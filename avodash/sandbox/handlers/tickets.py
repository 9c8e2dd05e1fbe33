"""Tickets: fetch, list/search (filters, orders, page and cursor), previous, update.

List and search (`GET /v1/tickets`) take `query` (see `avodash.sandbox.search`: `status:Open`,
`owner:<user id>`, `unaddressed:true`, `tag:vip`, contact fields such as `name:` / `phone:`, free
text over the contact and the messages), `status` (New/Open/Pending/Closed, case-sensitive),
`user_id` (an id), `unaddressed=on` (only `on`), `channel`, `order` (`newest`, `oldest`,
`most_recent_activity` — the default —, `oldest_activity`, `best_match`), `limit` (default 30,
at most 100), and either `page` or `after` (the previous page's `last_key`; when that ticket has
left the filter meanwhile, see `_start_after`). Without a status
(parameter or `status:` in the query) closed tickets are left out, like the vendor's list.

`PUT /v1/tickets/:ids` takes `user_id` (an id, `unassign`, `autoassign`), `user_email`, `status`,
`unaddressed`. Unknown ids are left out of the answer (none found: 200 with an empty array).

**Ignored status changes** (the API answers 200 and keeps the old status): a ticket whose
contact is *blocked* keeps its status — the status change is ignored silently, with no
StatusChange event, while assignment and `unaddressed` changes still apply. Seed 1 has such a
ticket: the one of "Victor Crane" (+16505550199) in acme-support. Clients must compare the
returned status with the one they asked for.
"""

from __future__ import annotations

from typing import Any

from avodash.sandbox import actions, search, serialize
from avodash.sandbox.handlers.common import member_by_ref
from avodash.sandbox.routing import Ctx, Response, Router, invalid, ok, paginate
from avodash.sandbox.state import STATUSES, Inbox, SmsMessage, Ticket

ORDERS = ("newest", "oldest", "most_recent_activity", "oldest_activity", "best_match")
CHANNELS = ("sms", "whatsapp", "live_chat")


def find_tickets(inbox: Inbox, ids: list[str]) -> list[Ticket]:
    by_uuid = None
    found: list[Ticket] = []
    for tid in ids:
        ticket = inbox.tickets.get(tid)
        if ticket is None:
            if by_uuid is None:
                by_uuid = {t.uuid: t for t in inbox.tickets.values()}
            ticket = by_uuid.get(tid)
        if ticket is not None and ticket not in found:
            found.append(ticket)
    return found


def fetch_tickets(ctx: Ctx) -> Response:
    page = ctx.params.page()
    found = paginate(find_tickets(ctx.inbox, ctx.ids()), page, 100)
    return ok({"tickets": [serialize.ticket(t) for t in found]}, page=page)


def _ticket_fields(inbox: Inbox, t: Ticket) -> dict[str, Any]:
    c = inbox.contacts.get(t.contact_id)
    fields: dict[str, Any] = {
        "id": t.id,
        "uuid": t.uuid,
        "status": t.status,
        "owner": t.user_id,
        "user_id": t.user_id,
        "unaddressed": t.unaddressed,
        "channel": t.channel,
        "contact": t.contact_id,
        "contact_id": t.contact_id,
    }
    if c is not None:
        fields.update(
            name=c.name,
            phone=c.phone,
            email=c.email,
            company=c.company,
            city=c.city,
            state=c.state,
            country=c.country,
            zip=c.zip,
            tag=c.tags,
            tags=c.tags,
            opted_out=c.opted_out,
            blocked=c.blocked,
            muted=c.muted,
        )
    return fields


def _ticket_text(inbox: Inbox, t: Ticket) -> str:
    c = inbox.contacts.get(t.contact_id)
    parts = [c.name or "", c.phone, c.email or "", c.company or ""] if c else []
    parts += [e.message for e in inbox.stream(t) if isinstance(e, SmsMessage)]
    return " ".join(parts)


def list_tickets(ctx: Ctx) -> Response:
    p = ctx.params
    query = search.parse(p.str("query"))
    status = p.str("status")
    if status is not None and status not in STATUSES:
        raise invalid(f"status must be one of {', '.join(STATUSES)}")
    order = p.str("order") or "most_recent_activity"
    if order not in ORDERS:
        raise invalid(f"order must be one of {', '.join(ORDERS)}")
    channel = p.str("channel")
    if channel is not None and channel not in CHANNELS:
        raise invalid(f"channel must be one of {', '.join(CHANNELS)}")
    limit = min(max(p.int("limit", 30) or 30, 1), 100)
    owner = p.str("user_id")
    only_unaddressed = p.str("unaddressed") == "on"
    exclude_closed = status is None and not search.mentions(query, "status")
    inbox = ctx.inbox

    found = [
        t
        for t in inbox.tickets.values()
        if (status is None or t.status == status)
        and not (exclude_closed and t.status == "Closed")
        and (owner is None or t.user_id == owner)
        and (not only_unaddressed or t.unaddressed)
        and (channel is None or t.channel == channel)
        and search.matches(
            query,
            lambda t=t: _ticket_fields(inbox, t),
            lambda t=t: _ticket_text(inbox, t),
            exact_fields=("status", "owner", "user_id", "id", "contact", "channel"),
        )
    ]
    keys = {
        "newest": lambda t: (-t.created_at, t.id),
        "oldest": lambda t: (t.created_at, t.id),
        "most_recent_activity": lambda t: (-t.last_activity_at, t.id),
        "oldest_activity": lambda t: (t.last_activity_at, t.id),
        "best_match": lambda t: (-search.score(query, _ticket_text(inbox, t)), -t.last_activity_at, t.id),
    }
    found.sort(key=keys[order])

    after = p.str("after") or p.str("last_key")
    page = p.page()
    if after:
        start = _start_after(inbox, found, after, keys[order])
        chunk = found[start : start + limit]
        more = start + limit < len(found)
    else:
        chunk = paginate(found, page, limit)
        more = page * limit < len(found)
    last_key = chunk[-1].id if chunk and more else ""
    return ok(
        {"tickets": [serialize.ticket(t) for t in chunk], "total_count": len(found), "last_key": last_key},
        page=page,
        limit=limit,
    )


def _start_after(inbox: Inbox, found: list[Ticket], after: str, key: Any) -> int:
    """Where the page after the cursor `after` (a ticket id: the previous page's `last_key`)
    starts in `found` (the filtered list, in order).

    * The cursor's ticket still matches the filter: right after it.
    * It left the filter between pages (closed, reassigned, untagged, ...): the reference and
      NOTES.md are silent, so the sandbox does what a keyset cursor does: it continues after
      the place that ticket holds *now* in the order. In the default activity order a ticket
      that was just closed (its StatusChange is new activity) sorts first, so the walk starts
      again from the top: a client sees tickets again (dedupe by id) and gets a cursor it has
      had before (stop there); in creation order (`newest`/`oldest`) it simply goes on.
    * An unknown cursor (no such ticket): an empty page with an empty `last_key`, the end.
    """
    ids = [t.id for t in found]
    if after in ids:
        return ids.index(after) + 1
    cursor = inbox.tickets.get(after)
    if cursor is None:
        return len(found)
    mark = key(cursor)
    return next((i for i, t in enumerate(found) if key(t) > mark), len(found))


def previous_tickets(ctx: Ctx) -> Response:
    found = find_tickets(ctx.inbox, ctx.ids())
    if not found:
        return ok({"tickets": []})
    source = found[0]
    older = [
        t
        for t in ctx.inbox.tickets_of(source.contact_id)
        if t.id != source.id and t.created_at <= source.created_at
    ]
    older.sort(key=lambda t: (-t.created_at, t.id))
    return ok({"tickets": [serialize.previous_ticket(t, ctx.inbox, ctx.state) for t in older]})


def update_tickets(ctx: Ctx) -> Response:
    p = ctx.params
    status = p.str("status")
    if status is not None and status not in STATUSES:
        raise invalid(f"status must be one of {', '.join(STATUSES)} (case-sensitive)")
    unaddressed = p.bool("unaddressed")
    user_ref = p.str("user_id")
    email = p.str("user_email")
    if status is None and unaddressed is None and user_ref is None and email is None:
        raise invalid("Nothing to update: pass user_id, user_email, status or unaddressed")

    tickets = find_tickets(ctx.inbox, ctx.ids())
    if not tickets:
        return ok({"tickets": []})

    owner: str | None | bool = False  # False = leave unchanged
    if user_ref == "unassign":
        owner = None
    elif user_ref == "autoassign":
        owner = True
    elif user_ref is not None or email is not None:
        user = member_by_ref(ctx, user_ref or email or "")
        if not ctx.inbox.members[user.id].enabled:
            raise invalid(f"User '{user.email or user.id}' is disabled in this account")
        owner = user.id

    for ticket in tickets:
        if owner is True:
            pick = actions.autoassign_pick(ctx.state, ctx.inbox)
            if pick is not None:
                actions.set_owner(ctx.state, ctx.inbox, ticket, pick, ctx.user, ctx.now)
        elif owner is not False:
            actions.set_owner(ctx.state, ctx.inbox, ticket, owner, ctx.user, ctx.now)
        if status is not None and not _status_ignored(ctx.inbox, ticket):
            actions.set_status(ctx.state, ctx.inbox, ticket, status, ctx.user, ctx.now)
        if unaddressed is not None and not (unaddressed and ticket.status == "Closed"):
            ticket.unaddressed = unaddressed
    return ok({"tickets": [serialize.ticket(t) for t in tickets]})


def _status_ignored(inbox: Inbox, ticket: Ticket) -> bool:
    contact = inbox.contacts.get(ticket.contact_id)
    return contact is not None and contact.blocked


def register(router: Router) -> None:
    router.add("GET", "/v1/tickets/:ids", fetch_tickets)
    router.add("GET", "/v1/tickets", list_tickets)
    router.add("GET", "/v1/tickets/:id/previous", previous_tickets)
    router.add("PUT", "/v1/tickets/:ids", update_tickets)
