"""Helpers several handler modules share: user addressing, role checks, list envelopes."""

from __future__ import annotations

from typing import Any

from avodash.sandbox.routing import ApiError, Ctx, Response, forbidden, invalid, not_found
from avodash.sandbox.state import Membership, User

MANAGERS = ("manager", "owner")


def target_user(ctx: Ctx, index: int = 0) -> tuple[User, Membership]:
    """The user a `/v1/users/:id` route names: an id, an email, or `_` plus `email=`."""
    raw = ctx.path_args[index]
    email = ctx.params.str("email")
    user: User | None
    if raw == "_" or "@" in raw:
        wanted = email if raw == "_" else raw
        if not wanted:
            raise invalid("email is required when the user id is _")
        user = ctx.state.user_by_email(wanted)
    else:
        user = ctx.state.users.get(raw)
    if user is None or user.id not in ctx.inbox.members:
        raise not_found("User not found in this account")
    return user, ctx.inbox.members[user.id]


def require_manager(ctx: Ctx) -> None:
    if ctx.membership.role not in MANAGERS:
        raise forbidden("Requires manager or owner role")


def check_owner_rule(ctx: Ctx, target: Membership | None, new_role: str | None) -> None:
    """Managers cannot promote to owner or change owners; the acting user's role here decides."""
    require_manager(ctx)
    if ctx.membership.role == "owner":
        return
    if new_role == "owner" or (target is not None and target.role == "owner"):
        raise forbidden("Managers cannot promote users to owner or modify existing owners")


def member_by_ref(ctx: Ctx, ref: str) -> User:
    """A member of this inbox by id or email (422 otherwise)."""
    user = ctx.state.user_by_email(ref) if "@" in ref else ctx.state.users.get(ref)
    if user is None or user.id not in ctx.inbox.members:
        raise invalid(f"User '{ref}' is not a member of this account")
    return user


def ensure(condition: bool, status: int, message: str) -> None:
    if not condition:
        raise ApiError(status, [message])


def listing(key: str, items: list[Any], **envelope: Any) -> Response:
    return Response({"status": 200, "data": {key: items}, **envelope})
