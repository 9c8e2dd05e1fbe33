"""Broadcasts: create, fetch, list, update, publish, audience count.

The audience is built from `via_contact_ids`, `via_phone_numbers` (unknown numbers become new
contacts), `via_tags` (contacts with any of them) and `via_field[field]`/`via_field[value]` (an
exact match; `phone_formatted` is the contact's phone as the API formats it, `(415) 555-1234`).
`pending_contacts_count` in the create/update answer is how many were added by that call.
Only unpublished drafts can be updated or published. Publishing with `asap` (or a time within
the next 10 s) answers as the reference's example does: the broadcast still `draft`,
`scheduled_for` 10 s ahead; a later `scheduled_for` makes it `scheduled`. Either way it goes out
when due (due messages are delivered before every API call, or by `deliver_due`): one outbound
message per reachable audience contact (opted-out and blocked contacts count as undelivered),
then `completed`. The list leaves out the delivery figures, as its example does.
"""

from __future__ import annotations

from avodash.sandbox import actions, serialize
from avodash.sandbox.routing import (
    Ctx,
    Response,
    Router,
    in_range,
    invalid,
    normalize_phone,
    not_found,
    ok,
    paginate,
)
from avodash.sandbox.state import Broadcast, Contact

PER_PAGE = 30
ASAP_DELAY = 10.0  # seconds: the reference's asap example answers scheduled_for = now + ~10 s
MAX_LENGTH = 1600
FIELDS = (
    "name",
    "phone",
    "phone_formatted",
    "email",
    "company",
    "street",
    "city",
    "state",
    "country",
    "zip",
    "priority",
    "opted_out",
    "salesforce_object_id",
    "salesforce_object_type",
)


def _get(ctx: Ctx) -> Broadcast:
    b = ctx.inbox.broadcasts.get(ctx.path_args[0])
    if b is None:
        raise not_found("Broadcast not found")
    return b


def _audience(ctx: Ctx) -> list[Contact]:
    p, inbox = ctx.params, ctx.inbox
    out: list[Contact] = []
    for cid in p.list("via_contact_ids"):
        if cid in inbox.contacts:
            out.append(inbox.contacts[cid])
    for raw in p.list("via_phone_numbers"):
        phone = normalize_phone(raw)
        if phone is None:
            raise invalid(f"via_phone_numbers: '{raw}' is not a valid phone number")
        out.append(actions.ensure_contact(ctx.state, inbox, phone, ctx.now))
    tags = set(p.list("via_tags"))
    if tags:
        out += [c for c in inbox.contacts.values() if c.visible and tags & set(c.tags)]
    field, value = p.str("via_field[field]"), p.str("via_field[value]")
    if field and value is not None:
        for c in inbox.contacts.values():
            if field == "phone_formatted":  # the reference lists it among the fields
                have = serialize.format_phone(c.phone)
            else:
                have = getattr(c, field, None) if field in FIELDS else c.custom.get(field)
            if c.visible and have is not None and str(have).lower() == value.lower():
                out.append(c)
    return out


def _apply(ctx: Ctx, b: Broadcast) -> int:
    p = ctx.params
    for name in ("message", "media_url", "name", "status_callback"):
        value = p.str(name)
        if value is not None:
            setattr(b, name, value)
    if len(b.message) > MAX_LENGTH:
        raise invalid(f"message is too long ({len(b.message)} characters, the limit is {MAX_LENGTH})")
    before = len(b.audience)
    for c in _audience(ctx):
        if c.id not in b.audience:
            b.audience.append(c.id)
    b.updated_at = ctx.now
    return len(b.audience) - before


def create_broadcast(ctx: Ctx) -> Response:
    message = ctx.params.require("message")
    b = Broadcast(
        id=ctx.state.new_id(), message=message, user_id=ctx.user.id, created_at=ctx.now, updated_at=ctx.now
    )
    added = _apply(ctx, b)
    ctx.inbox.broadcasts[b.id] = b
    return ok({"broadcast": serialize.broadcast(b, ctx.state, pending_added=added)})


def update_broadcast(ctx: Ctx) -> Response:
    b = _get(ctx)
    if b.status != "draft" or b.published:
        raise invalid(
            f"This broadcast is {'published' if b.published else b.status} and can no longer be changed"
        )
    added = _apply(ctx, b)
    return ok({"broadcast": serialize.broadcast(b, ctx.state, pending_added=added)})


def fetch_broadcasts(ctx: Ctx) -> Response:
    found = [ctx.inbox.broadcasts[i] for i in dict.fromkeys(ctx.ids()) if i in ctx.inbox.broadcasts]
    return ok({"broadcasts": [serialize.broadcast(b, ctx.state) for b in found]}, page=ctx.params.page())


def list_broadcasts(ctx: Ctx) -> Response:
    """The list's example shows no delivery figures (fetch the broadcast for those)."""
    lo, hi = ctx.params.range("created_at")
    found = sorted(
        (b for b in ctx.inbox.broadcasts.values() if in_range(b.created_at, lo, hi)),
        key=lambda b: (-b.created_at, b.id),
    )
    page = ctx.params.page()
    return ok(
        {
            "broadcasts": [
                serialize.broadcast(b, ctx.state, stats=False) for b in paginate(found, page, PER_PAGE)
            ]
        },
        page=page,
        limit=PER_PAGE,
    )


def publish_broadcast(ctx: Ctx) -> Response:
    b = _get(ctx)
    if b.status != "draft":
        raise invalid(f"This broadcast is already {b.status}")
    if b.published:
        raise invalid("This broadcast is already published")
    asap = bool(ctx.params.bool("asap", False))
    when = ctx.params.float("scheduled_for")
    if not asap and when is None:
        raise invalid("Pass scheduled_for or asap")
    b.published = True
    if asap or when is None or when <= ctx.now + ASAP_DELAY:
        # As the reference's example answers: still `draft`, scheduled_for about 10 s ahead;
        # it goes out when due (before a later call, or `deliver_due`), then `completed`.
        b.scheduled_for = ctx.now + ASAP_DELAY
    else:
        b.scheduled_for = when
        b.status = "scheduled"
    return ok({"broadcast": serialize.broadcast(b, ctx.state)})


def audience_count(ctx: Ctx) -> Response:
    # The reference's example answer is `{"data": {"count": 1}}`: no `status` in the envelope.
    return Response({"data": {"count": len(_get(ctx).audience)}})


def register(router: Router) -> None:
    router.add("GET", "/v1/broadcasts/:id/audience_count", audience_count)
    router.add("POST", "/v1/broadcasts", create_broadcast)
    router.add("GET", "/v1/broadcasts/:ids", fetch_broadcasts)
    router.add("GET", "/v1/broadcasts", list_broadcasts)
    router.add("POST", "/v1/broadcasts/:id/publish", publish_broadcast)
    router.add("POST", "/v1/broadcasts/:id", update_broadcast)
