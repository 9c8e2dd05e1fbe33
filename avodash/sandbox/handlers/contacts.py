"""Contacts: fetch, list/search with the `after_page` cursor, remove all, upsert one or many,
and the undocumented opt-out / opt-in.

Listing is in creation order, 30 a page by default (`limit`, at most 100). `next_page` is an opaque cursor (pass it back as `after_page`);
`after_page` also accepts a plain Unix timestamp in milliseconds, as the reference describes.
An unknown cursor gives an empty page rather than the first one (a client never loops).
`visible=false` includes removed contacts; `remove_all` removes (hides) the contacts matching
`query` (all of them without one).

`opt_out` of a contact already opted out answers 400 with NOTES.md's string error
(`"+16505551234 is already opted out from receiving messages."`). `opt_in` is refused (422)
for a contact who opted out by replying STOP (`opted_out_by` is
"contact"; seed: Olivia Martin): carrier rules let only the contact undo a STOP.

Query fields: any contact attribute (`name`, `phone`, `email`, `company`, `city`, `state`,
`country`, `zip`, `street`, `tag`/`tags`, `opted_out`, `blocked`, `muted`, `priority`,
`user_id`/`owner`, custom variables) plus free text over name, phone, email and company.
"""

from __future__ import annotations

import base64
from typing import Any

from avodash.sandbox import actions, search, serialize
from avodash.sandbox.routing import (
    ApiError,
    Ctx,
    Params,
    Response,
    Router,
    in_range,
    invalid,
    normalize_phone,
    not_found,
    ok,
)
from avodash.sandbox.state import Contact, Inbox, Tag

# The reference's parameter text says "default: 25", but its example envelopes answer
# `"limit": 30` for the same call: the sandbox follows the answers.
PER_PAGE = 30

BASE_FIELDS = (
    "name",
    "email",
    "other_phone",
    "company",
    "street",
    "city",
    "state",
    "zip",
    "country",
    "notes",
    "salesforce_object_id",
    "salesforce_object_type",
)
BOOL_FIELDS = ("opted_out", "double_opted_in", "muted", "blocked", "landline", "visible")
RESERVED = {
    "auth_id",
    "auth_secret",
    "subdomain",
    "phone",
    "tags",
    "user_id",
    "priority",
    "stuck_number",
    "allow_empty_fields",
    "contacts",
    "id",
    *BASE_FIELDS,
    *BOOL_FIELDS,
}


def fetch_contacts(ctx: Ctx) -> Response:
    found = [ctx.inbox.contacts[i] for i in dict.fromkeys(ctx.ids()) if i in ctx.inbox.contacts]
    return ok({"contacts": [serialize.contact(c, ctx.inbox) for c in found]}, page=ctx.params.page())


def _fields(c: Contact) -> dict[str, Any]:
    out: dict[str, Any] = {name: getattr(c, name) for name in BASE_FIELDS}
    out.update({name: getattr(c, name) for name in BOOL_FIELDS})
    out.update(
        id=c.id,
        phone=c.phone,
        tag=c.tags,
        tags=c.tags,
        priority=c.priority,
        user_id=c.user_id,
        owner=c.user_id,
        address=c.address,
    )
    out.update(c.custom)
    return out


def _text(c: Contact) -> str:
    return " ".join(x for x in (c.name, c.phone, c.email, c.company) if x)


def matching_contacts(ctx: Ctx, query_text: str | None, *, include_hidden: bool) -> list[Contact]:
    query = search.parse(query_text)
    return [
        c
        for c in ctx.inbox.contacts.values()
        if (include_hidden or c.visible)
        and search.matches(
            query,
            lambda c=c: _fields(c),
            lambda c=c: _text(c),
            exact_fields=("id", "user_id", "owner", "priority"),
        )
    ]


def _cursor(c: Contact) -> str:
    raw = f"{c.created_at!r}:{c.id}".encode()  # repr: the float round-trips exactly
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _cursor_key(token: str) -> tuple[float, str] | None:
    if token.replace(".", "", 1).isdigit():
        return float(token) / 1000.0, "\uffff"  # a timestamp in milliseconds
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        ts, cid = raw.split(":", 1)
        return float(ts), cid
    except (ValueError, UnicodeDecodeError):
        return None


def list_contacts(ctx: Ctx) -> Response:
    p = ctx.params
    limit = min(max(p.int("limit", PER_PAGE) or PER_PAGE, 1), 100)
    include_hidden = p.bool("visible", True) is False
    lo, hi = p.range("created_at")
    found = [
        c
        for c in matching_contacts(ctx, p.str("query"), include_hidden=include_hidden)
        if in_range(c.created_at, lo, hi)
    ]
    found.sort(key=lambda c: (c.created_at, c.id))
    after = p.str("after_page")
    if after:
        key = _cursor_key(after)
        found = [] if key is None else [c for c in found if (c.created_at, c.id) > key]
    chunk = found[:limit]
    more = len(found) > limit
    # As the examples: the first page's envelope has `page` and `limit`, a later one (after a
    # cursor) `limit` and `after_page`.
    envelope: dict[str, Any] = {"limit": limit, "after_page": after} if after else {"page": 1, "limit": limit}
    return ok(
        {
            "contacts": [serialize.contact(c, ctx.inbox) for c in chunk],
            "size": len(chunk),
            "next_page": _cursor(chunk[-1]) if more and chunk else None,
        },
        **envelope,
    )


def remove_all(ctx: Ctx) -> Response:
    query = ctx.params.str("query")
    for c in matching_contacts(ctx, query, include_hidden=False):
        c.visible = False
    return ok({"account": ctx.inbox.subdomain, "query": query or "*"})


def _resolve_owner(ctx: Ctx, ref: str) -> str | None:
    user = ctx.state.user_by_email(ref) if "@" in ref else ctx.state.users.get(ref)
    if user is None or user.id not in ctx.inbox.members:
        return None  # the API ignores an owner it cannot find
    return user.id


def upsert_contact(ctx: Ctx, data: dict[str, Any], allow_empty: bool) -> Contact:
    """Create or update one contact from its parameters (keyed by phone)."""
    p = Params(data)
    raw_phone = p.str("phone")
    if raw_phone is None:
        raise invalid("phone is required")
    phone = normalize_phone(raw_phone) if not raw_phone.startswith(actions.LIVE_CHAT_PREFIX) else raw_phone
    if phone is None:
        raise invalid(f"Phone number '{raw_phone}' is not a valid phone number")
    inbox = ctx.inbox
    contact = inbox.contact_by_phone(phone)
    if contact is None:
        contact = inbox.add_contact(Contact(id=ctx.state.new_id(), phone=phone, created_at=ctx.now))
    for name in BASE_FIELDS:
        if name in data:
            value = p.str(name)
            if value is not None or allow_empty:
                setattr(contact, name, value)
    for name in BOOL_FIELDS:
        value = p.bool(name)
        if value is not None:
            if name == "opted_out" and value != contact.opted_out:
                contact.opted_out_by = "inbox" if value else None
            setattr(contact, name, value)
    priority = p.int("priority")
    if priority is not None:
        if not 0 <= priority <= 5:
            raise invalid("priority must be between 0 and 5")
        contact.priority = priority
    stuck = p.str("stuck_number")
    if stuck:
        if stuck not in inbox.numbers:
            raise invalid(f"Phone number '{stuck}' doesn't exist in this account")
        contact.stuck_number = stuck
    add_tags(inbox, contact, p.list("tags"))
    owner_ref = p.str("user_id")
    if owner_ref:
        owner = _resolve_owner(ctx, owner_ref)
        if owner is not None:
            contact.user_id = owner
            for ticket in inbox.tickets_of(contact.id):
                actions.set_owner(ctx.state, inbox, ticket, owner, ctx.user, ctx.now)
    for key, value in data.items():
        if key not in RESERVED and not isinstance(value, (dict, list)):
            if value not in (None, "") or allow_empty:
                contact.custom[key] = value
    return contact


def add_tags(inbox: Inbox, contact: Contact, names: list[str]) -> None:
    for name in names:
        inbox.tags.setdefault(name, Tag(name, routable=False))
        if name not in contact.tags:
            contact.tags.append(name)


def update_contacts(ctx: Ctx) -> Response:
    allow_empty = bool(ctx.params.bool("allow_empty_fields", False))
    many = ctx.params.get("contacts")
    if many is not None:
        if isinstance(many, dict):
            many = [many]
        if not isinstance(many, list) or not many or not all(isinstance(c, dict) for c in many):
            raise invalid("contacts must be a list of contacts, each with a phone")
        done = [upsert_contact(ctx, item, allow_empty) for item in many]
        # The reference's example answers only `contact` (the last one), not the list.
        return ok({"contact": serialize.contact(done[-1], ctx.inbox)})
    if ctx.params.str("phone") is None:
        raise invalid("phone is required (or contacts for several)")
    contact = upsert_contact(ctx, ctx.params.data, allow_empty)
    return ok({"contact": serialize.contact(contact, ctx.inbox)})


def _opt(ctx: Ctx, opted_out: bool) -> Response:
    contact = ctx.inbox.contacts.get(ctx.path_args[0])
    if contact is None:
        contact = ctx.inbox.contact_by_phone(normalize_phone(ctx.path_args[0]) or "")
    if contact is None:
        raise not_found("Contact not found")
    if opted_out and contact.opted_out:
        # NOTES.md's known error text: a 400 whose `errors` is one string.
        raise ApiError(400, f"{contact.phone} is already opted out from receiving messages.")
    if not opted_out and contact.opted_out and contact.opted_out_by == "contact":
        # Carrier rules: a STOP can only be undone by the contact (texting START).
        raise invalid(
            f"{contact.phone} opted out by replying STOP and can only opt back in by texting START."
        )
    contact.opted_out = opted_out
    contact.opted_out_by = "inbox" if opted_out else None
    return ok({"contact": serialize.contact(contact, ctx.inbox)})


def opt_out(ctx: Ctx) -> Response:
    return _opt(ctx, True)


def opt_in(ctx: Ctx) -> Response:
    return _opt(ctx, False)


def register(router: Router) -> None:
    router.add("GET", "/v1/contacts/:ids", fetch_contacts)
    router.add("GET", "/v1/contacts", list_contacts)
    router.add("DELETE", "/v1/contacts/remove_all", remove_all)
    router.add("POST", "/v1/contacts", update_contacts)
    router.add("POST", "/v1/contacts/:id/opt_out", opt_out)
    router.add("POST", "/v1/contacts/:id/opt_in", opt_in)
