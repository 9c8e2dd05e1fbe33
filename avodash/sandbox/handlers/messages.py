"""Messages: get, list/search, scheduled search, send (now, scheduled, live chat), cancel.

* Lists are newest first, 25 per page whatever `limit` says (as NOTES.md reports); filters:
  `query` (free text over the body; fields `direction`, `status`, `from`, `to`, `contact_id`,
  `ticket_id`, `sender_id`), `direction`, `status`, `from`, `to`, `contact_id`, `ticket_id`,
  `sender_id`, `created_at[from]`/`created_at[to]`. Empty values are ignored.
* Scheduled search returns PendingMessages ordered by `scheduled_for`, including cancelled ones
  (`aborted: true`) unless the query says `aborted: false`; `scheduled_for[from]` defaults to
  now and `scheduled_for[to]` to a year from now, `created_at[to]` to now.
* Sending: `phone` (E.164, or a live chat id `avochato:c:...`) and `message` (1..1600
  characters; may be empty when `media_url` is given). `scheduled_for` (epoch) or `delay`
  (seconds) schedules instead. Refused: an opted-out contact (400, the vendor's string error),
  a landline (400), a `from` number the inbox lacks, a `send_as_*` user who is not a member.
"""

from __future__ import annotations

from typing import Any

from avodash.sandbox import actions, search, serialize
from avodash.sandbox.handlers.common import member_by_ref
from avodash.sandbox.handlers.contacts import add_tags
from avodash.sandbox.routing import (
    ApiError,
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
from avodash.sandbox.state import Inbox, PendingMessage, SmsMessage, User

PER_PAGE = 25
MAX_LENGTH = 1600
YEAR = 365 * 24 * 3600.0


def get_message(ctx: Ctx) -> Response:
    event = ctx.inbox.events.get(ctx.path_args[0])
    if isinstance(event, SmsMessage):
        return ok({"message": serialize.message(event, ctx.inbox)})
    pending = ctx.inbox.pending.get(ctx.path_args[0])
    if pending is not None:
        return ok({"message": serialize.pending(pending, ctx.inbox, ctx.state)})
    raise not_found("Message not found")


def _filters(ctx: Ctx) -> dict[str, str]:
    return {
        name: value
        for name in ("direction", "status", "from", "to", "contact_id", "ticket_id", "sender_id")
        if (value := ctx.params.str(name)) is not None
    }


def _message_fields(m: SmsMessage) -> dict[str, Any]:
    return {
        "direction": m.direction,
        "status": m.status,
        "from": m.from_,
        "to": m.to,
        "contact_id": m.contact_id,
        "ticket_id": m.ticket_id,
        "sender_id": m.sender_id,
        "message": m.message,
        "id": m.event_id,
        "event_id": m.event_id,
    }


def _newest_first(inbox: Inbox) -> list[SmsMessage]:
    """The inbox's messages, newest first, sorted again only when an event was added (events
    are only ever added, and a message's time never changes): a search reads the newest until
    its page is full, as a real index would, instead of sorting thousands on every call."""
    count, ordered = inbox.messages_by_time
    if count != len(inbox.events):
        ordered = sorted(
            (e for e in inbox.events.values() if isinstance(e, SmsMessage)),
            key=lambda e: (-e.created_at, e.event_id),
        )
        inbox.messages_by_time = (len(inbox.events), ordered)
    return ordered


def list_messages(ctx: Ctx) -> Response:
    query = search.parse(ctx.params.str("query"))
    filters = _filters(ctx)
    lo, hi = ctx.params.range("created_at")
    page = ctx.params.page()
    enough = page * PER_PAGE
    found: list[SmsMessage] = []
    for e in _newest_first(ctx.inbox):
        if len(found) >= enough:
            break
        if not in_range(e.created_at, lo, hi):
            continue
        fields = _message_fields(e)
        if any(str(fields[k] or "").lower() != v.lower() for k, v in filters.items()):
            continue
        if search.matches(
            query,
            lambda f=fields: f,
            lambda e=e: e.message,
            exact_fields=("direction", "status", "id", "event_id", "contact_id", "ticket_id", "sender_id"),
        ):
            found.append(e)
    return ok(
        {"messages": [serialize.message(m, ctx.inbox) for m in paginate(found, page, PER_PAGE)]}, page=page
    )


def _pending_fields(ctx: Ctx, p: PendingMessage) -> dict[str, Any]:
    sender = ctx.state.users.get(p.sender_id) if p.sender_id else None
    return {
        "aborted": p.aborted,
        "sent": p.sent_element_id is not None,
        "to": p.to,
        "from": p.from_,
        "contact_id": p.contact_id,
        "ticket_id": p.ticket_id,
        "sender_id": p.sender_id,
        "sender": [sender.username, sender.email] if sender else None,
        "message": p.message,
        "campaign": p.campaign_key,
    }


def search_scheduled(ctx: Ctx) -> Response:
    p = ctx.params
    query = search.parse(p.str("query"))
    filters = {k: v for k, v in _filters(ctx).items() if k not in ("direction", "status")}
    s_lo, s_hi = p.range("scheduled_for")
    s_lo = ctx.now if s_lo is None else s_lo
    s_hi = ctx.now + YEAR if s_hi is None else s_hi
    c_lo, c_hi = p.range("created_at")
    c_hi = ctx.now if c_hi is None else c_hi
    found = []
    for pm in ctx.inbox.pending.values():
        if not (in_range(pm.scheduled_for, s_lo, s_hi) and in_range(pm.created_at, c_lo, c_hi)):
            continue
        fields = _pending_fields(ctx, pm)
        if any(str(fields[k] or "").lower() != v.lower() for k, v in filters.items()):
            continue
        if search.matches(
            query,
            lambda f=fields: f,
            lambda pm=pm: pm.message,
            exact_fields=("contact_id", "ticket_id", "sender_id", "sender"),
        ):
            found.append(pm)
    found.sort(key=lambda pm: (pm.scheduled_for, pm.event_id))
    page = p.page()
    return ok(
        {"messages": [serialize.pending(pm, ctx.inbox, ctx.state) for pm in paginate(found, page, PER_PAGE)]},
        page=page,
    )


def _sender(ctx: Ctx) -> User:
    ref = ctx.params.str("send_as_user_id") or ctx.params.str("send_as_user_email")
    if ref is None:
        return ctx.user
    user = member_by_ref(ctx, ref)
    if not ctx.inbox.members[user.id].enabled:
        raise invalid(f"User '{ref}' is disabled in this account")
    return user


def send_message(ctx: Ctx) -> Response:
    p = ctx.params
    raw_phone = p.require("phone")
    text = p.str("message") or ""
    media_url = p.str("media_url")
    if not text.strip() and not media_url:
        raise invalid("message is required")
    if len(text) > MAX_LENGTH:
        raise invalid(f"message is too long ({len(text)} characters, the limit is {MAX_LENGTH})")
    live_chat = raw_phone.startswith(actions.LIVE_CHAT_PREFIX)
    phone = raw_phone if live_chat else normalize_phone(raw_phone)
    if phone is None:
        raise invalid(f"phone '{raw_phone}' is not a valid phone number (E.164, e.g. +14155551234)")
    from_number = p.str("from")
    if from_number is not None and from_number not in ctx.inbox.numbers:
        raise invalid(f"Phone number '{from_number}' doesn't exist in this account")
    sender = _sender(ctx)
    scheduled_for = p.float("scheduled_for")
    delay = p.float("delay")
    if delay is not None:
        if delay <= 0:
            raise invalid("delay must be a positive number of seconds")
        scheduled_for = ctx.now + delay
    elif scheduled_for is not None and scheduled_for <= ctx.now:
        raise invalid("scheduled_for must be in the future")

    inbox = ctx.inbox
    existing = inbox.contact_by_phone(phone)
    if existing is not None and existing.opted_out:
        raise ApiError(400, f"{phone} is already opted out from receiving messages.")
    if existing is not None and existing.landline:
        raise ApiError(400, [f"{phone} is a landline and cannot receive text messages."])
    contact = actions.ensure_contact(ctx.state, inbox, phone, ctx.now)
    add_tags(inbox, contact, p.list("tags"))
    ticket = actions.ensure_ticket(ctx.state, inbox, contact, ctx.now)
    mark_addressed = bool(p.bool("mark_addressed", False))

    if scheduled_for is not None:
        pending = PendingMessage(
            event_id=ctx.state.new_id(),
            element_id=ctx.state.new_id(),
            ticket_id=ticket.id,
            contact_id=contact.id,
            sender_id=sender.id,
            message=text,
            media_url=media_url,
            scheduled_for=float(int(scheduled_for)),
            created_at=ctx.now,
            to=phone,
            from_=from_number,
            status_callback=p.str("status_callback"),
            mark_addressed=mark_addressed,
        )
        inbox.pending[pending.event_id] = pending
        return ok({"message": serialize.pending(pending, inbox, ctx.state)})

    msg = actions.send_outbound(
        ctx.state,
        inbox,
        contact,
        text,
        sender=sender,
        now=ctx.now,
        from_number=from_number,
        media_url=media_url,
        status_callback=p.str("status_callback"),
    )
    if mark_addressed:
        ticket.unaddressed = False
    return ok({"message": serialize.message(msg, inbox)})


def cancel_scheduled(ctx: Ctx) -> Response:
    pending = ctx.inbox.pending.get(ctx.path_args[0])
    if pending is None:
        raise not_found("Scheduled message not found")
    if pending.sent_element_id is not None:
        raise invalid("This message has already been sent and cannot be cancelled")
    if not pending.aborted:
        pending.aborted = True
        pending.aborter_id = ctx.user.num_id
        pending.aborted_by = ctx.user.name
        pending.abort_reason = "manually cancelled"
    return ok({"message": serialize.pending(pending, ctx.inbox, ctx.state)})


def register(router: Router) -> None:
    router.add("GET", "/v1/messages/scheduled", search_scheduled)
    router.add("GET", "/v1/messages/:id", get_message)
    router.add("GET", "/v1/messages", list_messages)
    router.add("POST", "/v1/messages", send_message)
    router.add("DELETE", "/v1/messages/:id", cancel_scheduled)
