"""Events: add a custom event by contact id, by phone, by ticket id; fetch ticket streams.

A custom event goes into the contact's current ticket (by phone: the contact and a ticket are
created when new). `GET /v1/tickets/:ids/events` returns the streams of those tickets, newest
first, 30 per page (`limit` up to 100); unknown tickets contribute nothing.
"""

from __future__ import annotations

from avodash.sandbox import actions, serialize
from avodash.sandbox.handlers.tickets import find_tickets
from avodash.sandbox.routing import Ctx, Response, Router, not_found, ok, paginate, require_phone
from avodash.sandbox.state import Ticket


def _add(ctx: Ctx, ticket: Ticket) -> Response:
    kind = ctx.params.require("type")
    revenue = ctx.params.float("revenue")
    event = actions.add_custom_event(
        ctx.state,
        ctx.inbox,
        ticket,
        kind=kind,
        context=ctx.params.str("context"),
        revenue=revenue,
        actor=ctx.user,
        now=ctx.now,
    )
    return ok({"event": serialize.custom_event(event, ctx.inbox)})


def add_by_contact(ctx: Ctx) -> Response:
    ctx.params.require("type")
    contact = ctx.inbox.contacts.get(ctx.path_args[0])
    if contact is None:
        raise not_found("Contact not found")
    return _add(ctx, actions.ensure_ticket(ctx.state, ctx.inbox, contact, ctx.now))


def add_by_phone(ctx: Ctx) -> Response:
    ctx.params.require("type")
    phone = require_phone(ctx.params)
    contact = actions.ensure_contact(ctx.state, ctx.inbox, phone, ctx.now)
    return _add(ctx, actions.ensure_ticket(ctx.state, ctx.inbox, contact, ctx.now))


def add_by_ticket(ctx: Ctx) -> Response:
    ctx.params.require("type")
    found = find_tickets(ctx.inbox, ctx.ids())
    if not found:
        raise not_found("Ticket not found")
    return _add(ctx, found[0])


def fetch_events(ctx: Ctx) -> Response:
    page = ctx.params.page()
    limit = min(max(ctx.params.int("limit", 30) or 30, 1), 100)
    events = [e for t in find_tickets(ctx.inbox, ctx.ids()) for e in ctx.inbox.stream(t)]
    events.sort(key=lambda e: (-e.sent_at, e.event_id))
    chunk = paginate(events, page, limit)
    return ok({"events": [serialize.event(e, ctx.inbox) for e in chunk]}, page=page, limit=limit)


def register(router: Router) -> None:
    router.add("POST", "/v1/contacts/:id/events", add_by_contact)
    router.add("POST", "/v1/events", add_by_phone)
    router.add("POST", "/v1/tickets/:id/events", add_by_ticket)
    router.add("GET", "/v1/tickets/:ids/events", fetch_events)
