"""State changes shared by several handlers (and by the seed): the sandbox's domain rules.

* An outbound message lands in the contact's current ticket (the most recent one), creating the
  contact and the ticket if new. The first outbound message to a contact (`due_for_compliance`)
  carries the opt-out footer `"\\n(<Inbox name>: Reply STOP to opt out)"`, as the reference's
  Send Message example shows; live chat messages never do.
* Messages start `queued` and become `delivered` a few seconds later (`advance`), except to a
  blocked contact, which fails with an error text (blocked contacts receive nothing).
* A scheduled message is delivered into the stream once due (`advance`, run before every call).
* A status change records a StatusChange; closing marks the ticket addressed.
* An owner change records an OwnerChange; autoassign picks the enabled roster member with the
  fewest open tickets (ties: name), skipping API users.
"""

from __future__ import annotations

from avodash.sandbox.serialize import segments
from avodash.sandbox.state import (
    Broadcast,
    Contact,
    CustomEvent,
    Inbox,
    OwnerChange,
    PendingMessage,
    SandboxState,
    SmsMessage,
    StatusChange,
    Ticket,
    User,
)

DELIVERY_SECONDS = 3.0
LIVE_CHAT_PREFIX = "avochato:c:"


def footer(inbox: Inbox) -> str:
    return f"\n({inbox.name}: Reply STOP to opt out)"


def ensure_contact(state: SandboxState, inbox: Inbox, phone: str, now: float) -> Contact:
    contact = inbox.contact_by_phone(phone)
    if contact is None:
        contact = inbox.add_contact(Contact(id=state.new_id(), phone=phone, created_at=now))
    elif not contact.visible:
        contact.visible = True
    return contact


def ensure_ticket(
    state: SandboxState, inbox: Inbox, contact: Contact, now: float, *, status: str = "Open"
) -> Ticket:
    ticket = inbox.current_ticket(contact.id)
    if ticket is None:
        channel = "live_chat" if contact.phone.startswith(LIVE_CHAT_PREFIX) else "sms"
        ticket = Ticket(
            id=state.new_id(),
            uuid=state.new_uuid(),
            contact_id=contact.id,
            created_at=now,
            status=status,
            user_id=contact.user_id,
            channel=channel,
            last_activity_at=now,
        )
        inbox.tickets[ticket.id] = ticket
    return ticket


def send_outbound(
    state: SandboxState,
    inbox: Inbox,
    contact: Contact,
    text: str,
    *,
    sender: User | None,
    now: float,
    from_number: str | None = None,
    media_url: str | None = None,
    status_callback: str | None = None,
    broadcast_id: str | None = None,
    origin: str | None = "api",
) -> SmsMessage:
    """Append an outbound message to the contact's ticket (callers check opt-out first)."""
    ticket = ensure_ticket(state, inbox, contact, now)
    live_chat = contact.phone.startswith(LIVE_CHAT_PREFIX)
    body = text
    if not live_chat and contact.due_for_compliance:
        body = text + footer(inbox)
        contact.due_for_compliance = False
    msg = SmsMessage(
        event_id=state.new_id(),
        element_id=state.new_id(),
        ticket_id=ticket.id,
        sent_at=now,
        uuid=state.new_uuid(),
        contact_id=contact.id,
        sender_id=sender.id if sender else None,
        sender_type="User" if sender else None,
        to=contact.phone,
        from_=f"avochato:a:{inbox.id}" if live_chat else (from_number or contact.stuck_number or inbox.phone),
        direction="out",
        message=body,
        status="queued",
        created_at=now,
        origin=origin,
        broadcast_id=broadcast_id,
        media_urls=[media_url] if media_url else [],
        segments=segments(body),
        carrier="avochato" if live_chat else "twilio",
        external_id=("AVOSM" if live_chat else "SM") + state.new_uuid().replace("-", "")[:30],
        status_callback=status_callback,
    )
    if contact.blocked:
        msg.status = "failed"
        msg.error_code = 30007
        msg.error_description = "Message blocked: the contact is blocked in this inbox."
    inbox.add_event(ticket, msg)
    return msg


def set_status(
    state: SandboxState, inbox: Inbox, ticket: Ticket, status: str, actor: User | None, now: float
) -> None:
    if ticket.status == status:
        return
    ticket.status = status
    if status == "Closed":
        ticket.unaddressed = False
        ticket.closed_at = now
    else:
        ticket.closed_at = None
    inbox.add_event(
        ticket,
        StatusChange(
            event_id=state.new_id(),
            element_id=state.new_id(),
            ticket_id=ticket.id,
            sent_at=now,
            user_id=actor.id if actor else None,
            status=status,
        ),
    )


def set_owner(
    state: SandboxState, inbox: Inbox, ticket: Ticket, owner_id: str | None, actor: User | None, now: float
) -> None:
    if ticket.user_id == owner_id:
        return
    old = ticket.user_id
    ticket.user_id = owner_id
    inbox.add_event(
        ticket,
        OwnerChange(
            event_id=state.new_id(),
            element_id=state.new_id(),
            ticket_id=ticket.id,
            sent_at=now,
            user_id=actor.id if actor else None,
            owner_id=owner_id,
            old_owner_id=old,
        ),
    )


def autoassign_pick(state: SandboxState, inbox: Inbox) -> str | None:
    """The roster member with the fewest open tickets; None when the roster is empty."""
    roster = [
        m.user_id
        for m in inbox.members.values()
        if m.enabled and m.autoassign and not state.users[m.user_id].is_api
    ]
    if not roster:
        return None
    load = {uid: 0 for uid in roster}
    for t in inbox.tickets.values():
        if t.user_id in load and t.status != "Closed":
            load[t.user_id] += 1
    return min(roster, key=lambda uid: (load[uid], state.users[uid].name, uid))


def add_custom_event(
    state: SandboxState,
    inbox: Inbox,
    ticket: Ticket,
    *,
    kind: str,
    context: str | None,
    revenue: float | None,
    actor: User | None,
    now: float,
) -> CustomEvent:
    event = CustomEvent(
        event_id=state.new_id(),
        element_id=state.new_id(),
        ticket_id=ticket.id,
        sent_at=now,
        user_id=actor.id if actor else None,
        contact_id=ticket.contact_id,
        type=kind,
        context=context,
        revenue=revenue,
    )
    inbox.add_event(ticket, event)
    return event


def deliver_pending(state: SandboxState, inbox: Inbox, p: PendingMessage, now: float) -> None:
    """Turn a due scheduled message into a real outbound message in its ticket."""
    contact = inbox.contacts.get(p.contact_id)
    if contact is None or not contact.visible:
        p.aborted, p.abort_reason = True, "contact removed"
        return
    if contact.opted_out:
        p.aborted, p.abort_reason = True, "contact opted out"
        return
    sender = state.users.get(p.sender_id) if p.sender_id else None
    msg = send_outbound(
        state,
        inbox,
        contact,
        p.message,
        sender=sender,
        now=now,
        from_number=p.from_,
        media_url=p.media_url,
        status_callback=p.status_callback,
    )
    msg.ticket_id = p.ticket_id if p.ticket_id in inbox.tickets else msg.ticket_id
    p.sent_element_id, p.sent_event_id = msg.element_id, msg.event_id
    ticket = inbox.tickets.get(msg.ticket_id)
    if ticket is not None and p.mark_addressed:
        ticket.unaddressed = False


def advance(state: SandboxState, now: float) -> None:
    """Let time pass: deliver due scheduled messages, settle queued messages."""
    for inbox in state.inboxes.values():
        for p in list(inbox.pending.values()):
            if not p.aborted and p.sent_element_id is None and p.scheduled_for <= now:
                deliver_pending(state, inbox, p, now)
        for b in inbox.broadcasts.values():
            due = b.status == "scheduled" or (b.status == "draft" and b.published)
            if due and b.scheduled_for <= now:
                send_broadcast(state, inbox, b, now)
    settle_queued(state, now)


def settle_queued(state: SandboxState, now: float) -> None:
    for inbox in state.inboxes.values():
        for e in reversed(list(inbox.events.values())):
            if isinstance(e, SmsMessage) and e.status == "queued":
                if now - e.created_at >= DELIVERY_SECONDS:
                    e.status = "delivered"
            elif isinstance(e, SmsMessage) and now - e.sent_at > 3600:
                break  # older messages settled long ago (events are appended in time order)


# A broadcast going out: one outbound message per contact of its audience.
def send_broadcast(state: SandboxState, inbox: Inbox, b: Broadcast, now: float) -> None:
    sender = state.users.get(b.user_id)
    for cid in b.audience:
        contact = inbox.contacts.get(cid)
        b.attempted += 1
        if contact is None or contact.opted_out or contact.landline or not contact.visible:
            b.undelivered += 1
            continue
        msg = send_outbound(
            state,
            inbox,
            contact,
            b.message,
            sender=sender,
            now=now,
            media_url=b.media_url,
            status_callback=b.status_callback,
            broadcast_id=b.id,
            origin="broadcast",
        )
        if msg.status == "failed":
            b.undelivered += 1
        else:
            b.delivered += 1
    b.status = "completed"
    b.completed_at = now
