"""Users: add, get, list, update role, disable, enable, delete, MFA phone, password reset,
and a user's inboxes. Every `:id` may be an id, or `_` with `email=` (or the email itself).

Rules (the acting API user's role *in the inbox the call is scoped to* decides):
* writes need a manager or owner (403 otherwise);
* managers cannot promote to owner nor change, disable, enable or delete an owner (403);
* roles are member/manager/owner (422 otherwise); phones are E.164 (422 otherwise);
* deleting a user removes the membership and unassigns their tickets in that inbox (each with an
  OwnerChange); disabling keeps history and takes the user out of autoassign.
The users list is 25 per page and omits `role` and `enabled`, as NOTES.md reports.
"""

from __future__ import annotations

import re

from avodash.sandbox import actions, serialize
from avodash.sandbox.handlers.common import check_owner_rule, target_user
from avodash.sandbox.routing import (
    Ctx,
    Response,
    Router,
    invalid,
    normalize_phone,
    not_found,
    ok,
    paginate,
)
from avodash.sandbox.state import ROLES, Membership, User

PER_PAGE = 25
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _role(ctx: Ctx, required: bool) -> str | None:
    role = ctx.params.require("role") if required else ctx.params.str("role")
    if role is not None and role not in ROLES:
        raise invalid(f"role must be one of {', '.join(ROLES)}")
    return role


def _mfa_phone(raw: str) -> str:
    phone = normalize_phone(raw)
    if phone is None or not raw.strip().startswith("+"):
        raise invalid(f"phone '{raw}' must be in E.164 format, e.g. +14155551234")
    return phone


def list_users(ctx: Ctx) -> Response:
    members = sorted(ctx.inbox.members.values(), key=lambda m: (m.added_at, m.user_id))
    page = ctx.params.page()
    chunk = paginate(members, page, PER_PAGE)
    return ok({"users": [serialize.user(ctx.state.users[m.user_id]) for m in chunk]}, page=page)


def get_user(ctx: Ctx) -> Response:
    user, membership = target_user(ctx)
    return ok({"user": serialize.user(user, membership)})


def add_user(ctx: Ctx) -> Response:
    email = ctx.params.require("email").lower()
    if not EMAIL.match(email):
        raise invalid(f"email '{email}' is not a valid email address")
    role = _role(ctx, required=False) or "member"
    raw_phone = ctx.params.str("phone")
    phone = _mfa_phone(raw_phone) if raw_phone else None
    check_owner_rule(ctx, None, role)
    user = ctx.state.user_by_email(email)
    if user is not None and user.id in ctx.inbox.members:
        raise invalid(f"{email} is already a member of this account")
    if user is None:
        user = User(
            id=ctx.state.new_id(),
            num_id=ctx.state.new_num(),
            email=email,
            name=ctx.params.str("name") or email.split("@")[0],
            created_at=ctx.now,
        )
        ctx.state.users[user.id] = user
    if phone:
        user.pending_mfa_phone = phone
    membership = Membership(user_id=user.id, role=role, enabled=True, added_at=ctx.now)
    ctx.inbox.members[user.id] = membership
    return ok({"user": serialize.user(user, membership)})


def update_role(ctx: Ctx) -> Response:
    role = _role(ctx, required=True)
    user, membership = target_user(ctx)
    check_owner_rule(ctx, membership, role)
    membership.role = role or membership.role
    return ok({"user": serialize.user(user, membership)})


def _set_enabled(ctx: Ctx, enabled: bool) -> Response:
    user, membership = target_user(ctx)
    check_owner_rule(ctx, membership, None)
    membership.enabled = enabled
    return ok({"user": serialize.user(user, membership)})


def disable_user(ctx: Ctx) -> Response:
    return _set_enabled(ctx, False)


def enable_user(ctx: Ctx) -> Response:
    return _set_enabled(ctx, True)


def delete_user(ctx: Ctx) -> Response:
    user, membership = target_user(ctx)
    check_owner_rule(ctx, membership, None)
    del ctx.inbox.members[user.id]
    for ticket in ctx.inbox.tickets.values():
        if ticket.user_id == user.id:
            actions.set_owner(ctx.state, ctx.inbox, ticket, None, ctx.user, ctx.now)
    for contact in ctx.inbox.contacts.values():
        if contact.user_id == user.id:
            contact.user_id = None
    return ok({"message": f"{user.email or ''} has been removed from this account."})


def set_mfa_phone(ctx: Ctx) -> Response:
    phone = _mfa_phone(ctx.params.require("phone"))
    user, membership = target_user(ctx)
    check_owner_rule(ctx, membership, None)
    user.pending_mfa_phone = phone
    user.phone_valid = False
    return ok(
        {
            "message": "MFA phone number has been set. User must verify via SMS code.",
            "user": serialize.user(user, membership),
        }
    )


def password_reset(ctx: Ctx) -> Response:
    user, membership = target_user(ctx)
    check_owner_rule(ctx, membership, None)
    user.password_reset_sent_at = ctx.now
    return ok({"message": f"Password reset email sent to {user.email or ''}"})


def user_inboxes(ctx: Ctx) -> Response:
    # Scoped to the organization, not to the inbox the call names (the reference): a user
    # of any inbox can be looked up from any other.
    raw = ctx.path_args[0]
    wanted = ctx.params.str("email") if raw == "_" else raw
    if raw == "_" and not wanted:
        raise invalid("email is required when the user id is _")
    user = ctx.state.user_by_email(wanted) if wanted and "@" in wanted else ctx.state.users.get(wanted or "")
    inboxes = ctx.state.inboxes_of(user.id, enabled_only=False) if user else []
    if not inboxes:
        raise not_found("User not found in this organization")
    return ok(
        {
            "accounts": [
                {k: v for k, v in serialize.account(i).items() if k != "tcr_campaign_id"} for i in inboxes
            ]
        }
    )


def register(router: Router) -> None:
    router.add("GET", "/v1/users", list_users)
    router.add("POST", "/v1/users", add_user)
    router.add("GET", "/v1/users/:id", get_user)
    router.add("PUT", "/v1/users/:id", update_role)
    router.add("DELETE", "/v1/users/:id", delete_user)
    router.add("POST", "/v1/users/:id/disable", disable_user)
    router.add("POST", "/v1/users/:id/enable", enable_user)
    router.add("POST", "/v1/users/:id/mfa_phone", set_mfa_phone)
    router.add("POST", "/v1/users/:id/password_reset", password_reset)
    router.add("GET", "/v1/users/:id/accounts", user_inboxes)
