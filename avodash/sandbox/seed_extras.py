"""Demo scheduled messages, campaigns and broadcasts, added per inbox by the seed builder."""

from __future__ import annotations

from typing import TYPE_CHECKING

from avodash.sandbox import seed_data as words
from avodash.sandbox.seed_catalog import DAY, HOUR
from avodash.sandbox.state import Broadcast, Campaign, Contact, Inbox, PendingMessage

if TYPE_CHECKING:
    from avodash.sandbox.seed_builder import Builder


def add_pending(b: Builder, inbox: Inbox, ticketed: list[Contact]) -> None:
    st, rng, now = b.state, b.rng, b.now
    senders = [uid for uid, m in inbox.members.items() if m.enabled and not st.users[uid].is_api]
    admin = b.user_ids["admin"]
    count = {"acme-support": 12, "acme-sales": 4, "globex-help": 3}[inbox.subdomain]
    reachable = [c for c in ticketed if not (c.opted_out or c.blocked or c.landline)]
    for n, contact in enumerate(rng.sample(reachable, count)):
        ticket = inbox.current_ticket(contact.id)
        if ticket is None:
            continue
        sender = admin if admin in inbox.members and n % 3 == 0 else rng.choice(senders)
        text = rng.choice(words.FOLLOW_UPS).format(
            first=(contact.name or "there").split()[0],
            time=rng.choice(words.TIMES),
            order=f"#{rng.randrange(10000, 99999)}",
        )
        pm = PendingMessage(
            event_id=st.new_id(),
            element_id=st.new_id(),
            ticket_id=ticket.id,
            contact_id=contact.id,
            sender_id=sender,
            message=text,
            scheduled_for=float(int(now + rng.uniform(0.5, 96) * HOUR)),
            created_at=now - rng.uniform(0.1, 48) * HOUR,
            to=contact.phone,
        )
        if n == count - 1:
            cancel_by = st.users[sender]
            pm.aborted, pm.abort_reason = True, "manually cancelled"
            pm.aborter_id, pm.aborted_by = cancel_by.num_id, cancel_by.name
        inbox.pending[pm.event_id] = pm


def add_campaigns(b: Builder, inbox: Inbox, contacts: list[Contact]) -> None:
    st, rng = b.state, b.rng
    specs = {
        "acme-support": [
            (
                "one",
                "welcome",
                0,
                "Welcome to Acme! Save this number: text us any time.",
                "Tip: reply ORDER plus your order number to get its status.",
                86400,
            ),
            (
                "two",
                "welcome",
                1,
                "How's your first week with Acme going? Reply 1-5.",
                "Thanks! Here's 10% off your next order: WELCOME10",
                None,
            ),
            (
                "appt-reminder",
                "appointments",
                0,
                "Reminder: your installation visit is tomorrow. Reply C to confirm.",
                "Thanks, see you tomorrow!",
                None,
            ),
            (
                "feedback",
                "feedback",
                0,
                "How did we do today? Reply 1-5.",
                "Thanks for the feedback!",
                3600,
            ),
        ],
        "acme-sales": [
            (
                "demo-followup",
                "demo",
                0,
                "Thanks for the demo! Any questions?",
                "Checking in on the quote.",
                172800,
            )
        ],
        "globex-help": [
            (
                "onboarding",
                "onboarding",
                0,
                "Welcome to Globex! Reply HELP for help.",
                "Need a hand getting started? Reply HELP.",
                None,
            )
        ],
    }[inbox.subdomain]
    reachable = [c for c in contacts if not (c.opted_out or c.blocked or c.landline)]
    for key, seq, pos, text, follow, delay in specs:
        camp = Campaign(
            id=st.new_id(),
            key=key,
            raw_text=text,
            sequence=seq,
            position=pos,
            follow_up_message=follow,
            follow_up_delay=delay,
            hotkey=key.upper() if pos == 0 and rng.random() < 0.5 else None,
        )
        camp.enrolled = [c.id for c in rng.sample(reachable, 5)]
        inbox.campaigns[camp.id] = camp
        if follow:
            contact = inbox.contacts[camp.enrolled[0]]
            ticket = inbox.current_ticket(contact.id)
            if ticket is not None:
                pm = PendingMessage(
                    event_id=st.new_id(),
                    element_id=st.new_id(),
                    ticket_id=ticket.id,
                    contact_id=contact.id,
                    sender_id=b.user_ids["api"],
                    message=follow,
                    scheduled_for=float(int(b.now + rng.uniform(2, 48) * HOUR)),
                    created_at=b.now - rng.uniform(1, 20) * HOUR,
                    to=contact.phone,
                    campaign_key=key,
                )
                inbox.pending[pm.event_id] = pm


def add_broadcasts(b: Builder, inbox: Inbox, contacts: list[Contact]) -> None:
    st, rng, now = b.state, b.rng, b.now
    owner = next(
        uid for uid, m in inbox.members.items() if m.role in ("owner", "manager") and not st.users[uid].is_api
    )
    specs = {
        "acme-support": [
            (
                "Holiday hours",
                "Acme Support is closed on Thursday for the holiday. We're back Friday at 8am!",
                "completed",
                -20,
            ),
            (
                "Spring sale early access",
                "Hi $first_name, VIPs get early access to our spring sale this weekend: acme.example/spring",
                "scheduled",
                3,
            ),
            (
                "Warranty reminder",
                "Your Acme warranty is about to expire. Reply EXTEND to add another year.",
                "draft",
                None,
            ),
        ],
        "acme-sales": [
            (
                "Webinar invite",
                "Join our product webinar Thursday at 10am PT: acme.example/webinar",
                "draft",
                None,
            )
        ],
        "globex-help": [
            (
                "Maintenance window",
                "Globex will be down for maintenance Sunday 2-4am UTC.",
                "completed",
                -6,
            )
        ],
    }[inbox.subdomain]
    for name, text, status, days in specs:
        created = now - rng.uniform(2, 30) * DAY if days is None else now + min(days, 0) * DAY - DAY
        b = Broadcast(
            id=st.new_id(),
            message=text,
            user_id=owner,
            created_at=created,
            updated_at=created,
            name=name,
            status=status,
        )
        b.audience = [c.id for c in rng.sample(contacts, 12) if c.visible]
        if status == "completed":
            b.scheduled_for = now + days * DAY
            b.completed_at = b.scheduled_for + 300
            b.attempted = len(b.audience)
            b.undelivered = 1
            b.delivered = b.attempted - 1
            b.responded = 3
            b.replied_stop = 1
        elif status == "scheduled":
            b.scheduled_for = float(int(now + days * DAY))
        inbox.broadcasts[b.id] = b
