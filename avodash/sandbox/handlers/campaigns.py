"""Campaigns: fetch by keys, list steps, and the four forms of cancel.

`POST /v1/campaigns/:keys/cancel` takes exactly one of `phone`, `contacts` (a list or a
comma-separated string of phones) or `all=1`; `recursive=1` also cancels the later steps of the
same campaign. Cancelling takes the contacts off those steps and aborts their pending campaign
messages (`abort_reason` "campaign cancelled"). Unknown keys are a 404.
"""

from __future__ import annotations

from avodash.sandbox import serialize
from avodash.sandbox.routing import (
    Ctx,
    Response,
    Router,
    invalid,
    normalize_phone,
    not_found,
    ok,
)
from avodash.sandbox.state import Campaign


def fetch_campaigns(ctx: Ctx) -> Response:
    found = [c for k in dict.fromkeys(ctx.ids()) if (c := ctx.inbox.campaign(k)) is not None]
    return ok({"campaigns": [serialize.campaign(c) for c in found]}, page=ctx.params.page())


def list_campaigns(ctx: Ctx) -> Response:
    steps = sorted(ctx.inbox.campaigns.values(), key=lambda c: (c.sequence, c.position, c.key))
    return ok({"campaigns": [serialize.campaign(c) for c in steps]})


def cancel(ctx: Ctx) -> Response:
    p = ctx.params
    keys = ctx.ids()
    steps: list[Campaign] = []
    for key in keys:
        step = ctx.inbox.campaign(key)
        if step is None:
            raise not_found(f"Campaign '{key}' not found")
        steps.append(step)
    phone = p.str("phone")
    contacts = p.list("contacts")
    everyone = bool(p.bool("all", False))
    if everyone and (phone or contacts):
        raise invalid('Cannot pass "phone" or "contacts" when using "all"')
    if not (everyone or phone or contacts):
        raise invalid("Pass phone, contacts or all")
    phones = [phone] if phone else contacts
    normalized = []
    for raw in phones:
        number = normalize_phone(raw)
        if number is None:
            raise invalid(f"'{raw}' is not a valid phone number")
        normalized.append(number)
    if p.bool("recursive", False):
        steps += [
            c
            for s in steps
            for c in ctx.inbox.campaigns.values()
            if c.sequence == s.sequence and c.position > s.position and c not in steps
        ]

    contact_ids: set[str] | None = None
    if not everyone:
        contact_ids = {c.id for n in normalized if (c := ctx.inbox.contact_by_phone(n))}
    step_keys = {s.key for s in steps}
    for step in steps:
        step.enrolled = [] if contact_ids is None else [c for c in step.enrolled if c not in contact_ids]
    for pm in ctx.inbox.pending.values():
        if (
            pm.campaign_key in step_keys
            and not pm.aborted
            and pm.sent_element_id is None
            and (contact_ids is None or pm.contact_id in contact_ids)
        ):
            pm.aborted, pm.abort_reason = True, "campaign cancelled"
            pm.aborter_id, pm.aborted_by = ctx.user.num_id, ctx.user.name

    if everyone:
        text = f"Processing cancellation of all contacts from {len(keys)} campaigns. This may take a moment."
    elif phone:
        text = f"Processing {len(normalized) * len(keys)} cancellations."
    else:
        text = f"Processing up to {len(normalized) * len(keys)} cancellations."
    return ok({"campaigns": text, "contacts": [] if everyone else normalized, "ids": keys})


def register(router: Router) -> None:
    router.add("GET", "/v1/campaigns/:ids", fetch_campaigns)
    router.add("GET", "/v1/campaigns", list_campaigns)
    router.add("POST", "/v1/campaigns/:id/cancel", cancel)
