"""Accounts (fetch, list, whoami), the undocumented `GET /v1/auth_tokens`, and call tokens.

An account is listed when the credential's user is an enabled member of it; fetching a
subdomain the user cannot reach just leaves it out (an empty array means not found).
"""

from __future__ import annotations

from avodash.sandbox import serialize
from avodash.sandbox.routing import Ctx, Response, Router, ok, paginate

PER_PAGE = 30


def fetch_accounts(ctx: Ctx) -> Response:
    reachable = {i.subdomain: i for i in ctx.state.inboxes_of(ctx.user.id)}
    found = [serialize.account(reachable[s]) for s in ctx.ids() if s in reachable]
    return ok({"accounts": paginate(found, ctx.params.page(), PER_PAGE)}, page=ctx.params.page())


def list_accounts(ctx: Ctx) -> Response:
    inboxes = sorted(ctx.state.inboxes_of(ctx.user.id), key=lambda i: i.created_at)
    page = ctx.params.page()
    items = [serialize.account(i) for i in paginate(inboxes, page, PER_PAGE)]
    return ok({"accounts": items}, page=page)


def whoami(ctx: Ctx) -> Response:
    return ok(
        {
            "account": serialize.account(ctx.inbox),
            "user": serialize.user(ctx.user),
            "origin": "api",
            "created_at": serialize.iso(ctx.credential.created_at),
        }
    )


def auth_tokens(ctx: Ctx) -> Response:
    """Who am I, ignoring `subdomain` (the vendor's client uses it to verify credentials)."""
    home = ctx.state.inboxes[ctx.credential.subdomain]
    return ok(
        {
            "auth_token": {
                "auth_id": ctx.credential.auth_id,
                "created_at": serialize.iso(ctx.credential.created_at),
            },
            "account": serialize.account(home),
            "user": serialize.user(ctx.user),
            "origin": "api",
        }
    )


def create_call_token(ctx: Ctx) -> Response:
    # The sandbox places no calls: no Twilio token, as the reference's example shows.
    return ok({"twilio_token": None, "twilio_payload": {"account_hash_id": ctx.inbox.id}})


def register(router: Router) -> None:
    router.add("GET", "/v1/accounts/:ids", fetch_accounts)
    router.add("GET", "/v1/accounts", list_accounts)
    router.add("GET", "/v1/whoami", whoami)
    router.add("GET", "/v1/auth_tokens", auth_tokens, ignores_subdomain=True)
    router.add("POST", "/v1/calls", create_call_token)
