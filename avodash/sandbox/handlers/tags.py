"""Tags: add/remove by contact ids and by phone, list the inbox's tags.

`ids` in the answer are the contacts actually (un)tagged. By phone, an unknown number is a 404.
The list is alphabetical, 30 per page (`page`, or `after` = a previous `last_key`); `last_key`
is the last name on the page.
"""

from __future__ import annotations

from avodash.sandbox.handlers.contacts import add_tags
from avodash.sandbox.routing import Ctx, Response, Router, not_found, ok, paginate, require_phone
from avodash.sandbox.state import Contact

PER_PAGE = 30


def _tag(ctx: Ctx, contacts: list[Contact], add: bool) -> Response:
    name = ctx.params.require("tag")
    for c in contacts:
        if add:
            add_tags(ctx.inbox, c, [name])
        elif name in c.tags:
            c.tags.remove(name)
    return ok({"action": "tagged" if add else "untagged", "tag": name, "ids": [c.id for c in contacts]})


def _by_ids(ctx: Ctx) -> list[Contact]:
    ctx.params.require("tag")
    return [ctx.inbox.contacts[i] for i in dict.fromkeys(ctx.ids()) if i in ctx.inbox.contacts]


def _by_phone(ctx: Ctx) -> list[Contact]:
    ctx.params.require("tag")
    phone = require_phone(ctx.params)
    contact = ctx.inbox.contact_by_phone(phone)
    if contact is None:
        raise not_found(f"No contact with phone {phone} in this account")
    return [contact]


def add_by_ids(ctx: Ctx) -> Response:
    return _tag(ctx, _by_ids(ctx), True)


def remove_by_ids(ctx: Ctx) -> Response:
    return _tag(ctx, _by_ids(ctx), False)


def add_by_phone(ctx: Ctx) -> Response:
    return _tag(ctx, _by_phone(ctx), True)


def remove_by_phone(ctx: Ctx) -> Response:
    return _tag(ctx, _by_phone(ctx), False)


def list_tags(ctx: Ctx) -> Response:
    names = sorted(ctx.inbox.tags, key=str.lower)
    after = ctx.params.str("after") or ctx.params.str("last_key")
    if after:
        names = [n for n in names if n.lower() > after.lower()]
        chunk = names[:PER_PAGE]
    else:
        chunk = paginate(names, ctx.params.page(), PER_PAGE)
    return ok(
        {"tags": [{"name": n} for n in chunk], "last_key": chunk[-1] if chunk else ""},
        limit=PER_PAGE,  # the example's envelope: `limit`, no `page`
    )


def register(router: Router) -> None:
    router.add("POST", "/v1/contacts/:ids/tags", add_by_ids)
    router.add("DELETE", "/v1/contacts/:ids/tags", remove_by_ids)
    router.add("POST", "/v1/tags", add_by_phone)
    router.add("DELETE", "/v1/tags", remove_by_phone)
    router.add("GET", "/v1/tags", list_tags)
