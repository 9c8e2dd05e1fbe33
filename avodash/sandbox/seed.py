"""Deterministic demo data: `build_state(seed)` gives the same ids, names and conversations for
the same seed, with timestamps relative to now, so the demo always looks alive.

Who is in it (inboxes, users, credentials, notable contacts) is listed in
`avodash.sandbox.seed_catalog` and re-exported here; in short: inboxes `acme-support`,
`acme-sales`, `globex-help`; credentials `sandbox`/`sandbox-secret` (owner everywhere),
`sandbox-manager`/`sandbox-manager-secret` (a manager), `sandbox-member`/`sandbox-member-secret`
(a member); admin@avodash.example owner in the two Acme inboxes only; Olivia Martin
+16505551234 opted out, Victor Crane +16505550199 blocked (his Open ticket ignores status
changes), Nina Alvarez +16505550142 muted, Harbor Dental +16505550100 a landline.
"""

from __future__ import annotations

import pickle
import random
import threading
import time

from avodash.sandbox import seed_data as words
from avodash.sandbox import seed_extras, seed_scale
from avodash.sandbox.seed_catalog import (
    BLOCKED_PHONE,
    BOB_PHONE,
    CREDENTIALS,
    DAY,
    DEFAULT_AUTH_ID,
    DEFAULT_AUTH_SECRET,
    HOUR,
    INBOXES,
    LANDLINE_PHONE,
    MINUTE,
    MUTED_PHONE,
    NOTABLE,
    OPTED_OUT_PHONE,
    USERS,
    DemoUser,
)
from avodash.sandbox.serialize import iso
from avodash.sandbox.state import (
    Call,
    Contact,
    Credential,
    CustomEvent,
    Inbox,
    Membership,
    OwnerChange,
    SandboxState,
    SmsMessage,
    StatusChange,
    Tag,
    Ticket,
    User,
)

__all__ = [
    "BLOCKED_PHONE",
    "BOB_PHONE",
    "CREDENTIALS",
    "DEFAULT_AUTH_ID",
    "DEFAULT_AUTH_SECRET",
    "INBOXES",
    "LANDLINE_PHONE",
    "MUTED_PHONE",
    "NOTABLE",
    "OPTED_OUT_PHONE",
    "USERS",
    "DemoUser",
    "add_users",
    "build_state",
    "fresh_state",
    "notable_contact",
    "user_id",
]


class _Builder:
    """Builds one SandboxState; every random draw comes from one seeded RNG, in a fixed order."""

    def __init__(self, seed: int, now: float, auth_id: str, auth_secret: str):
        self.rng = random.Random(seed)
        self.now = now
        self.state = SandboxState(seed=seed, rng=self.rng)
        self.auth = (auth_id, auth_secret)
        self.user_ids: dict[str, str] = {}
        self.used_phones: set[str] = set()

    @classmethod
    def resume(cls, state: SandboxState, now: float) -> _Builder:
        """A builder that adds to an existing state, drawing from its RNG (`add_users`)."""
        b = cls.__new__(cls)
        b.rng, b.now, b.state = state.rng, now, state
        b.user_ids, b.used_phones = {}, {p for i in state.inboxes.values() for p in i.phone_index}
        b.used_phones.update(u.phone for u in state.users.values() if u.phone)
        return b

    # -- users, inboxes, credentials ----------------------------------------------------------
    def build(self) -> SandboxState:
        st, rng, now = self.state, self.rng, self.now
        for n, (sub, name, phone, *_rest) in enumerate(INBOXES):
            st.inboxes[sub] = Inbox(
                id=st.new_id(),
                subdomain=sub,
                name=name,
                phone=phone,
                numbers=[phone],
                created_at=now - (900 - 120 * n) * DAY,
            )
        st.inboxes["acme-support"].numbers.append("+15105551299")
        for du in USERS:
            user = User(
                id=st.new_id(),
                num_id=st.new_num(),
                email=du.email,
                name=du.name,
                created_at=now - rng.uniform(200, 800) * DAY,
                phone=du.phone,
                pending_mfa_phone=du.pending_phone,
                require_2fa=du.require_2fa,
                mfa_app_valid=du.mfa_app_valid,
                phone_valid=du.phone is not None,
                is_api=du.is_api,
            )
            if du.signed_in_hours_ago is not None:
                user.signed_in_at = iso(now - du.signed_in_hours_ago * HOUR)
            st.users[user.id] = user
            self.user_ids[du.key] = user.id
            for sub, (role, enabled) in du.roles.items():
                inbox = st.inboxes[sub]
                inbox.members[user.id] = Membership(
                    user_id=user.id,
                    role=role,
                    enabled=enabled,
                    added_at=max(inbox.created_at, user.created_at) + rng.uniform(1, 30) * DAY,
                    autoassign=not du.is_api,
                )
        for label, (aid, secret, key, sub) in CREDENTIALS.items():
            if label == "default":
                aid, secret = self.auth
            st.credentials[aid] = Credential(
                aid, secret, self.user_ids[key], sub, created_at=now - 120 * DAY, label=label
            )
        for sub, _name, _phone, n_contacts, n_tickets, scripts in INBOXES:
            self.fill_inbox(st.inboxes[sub], n_contacts, n_tickets, scripts)
        return st

    # -- contacts -----------------------------------------------------------------------------
    def new_phone(self, area: str) -> str:
        while True:
            phone = f"+1{area}555{self.rng.randrange(1000, 9999):04d}"
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def make_contact(self, inbox: Inbox, tags: list[str]) -> Contact:
        rng = self.rng
        first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
        city, state, zip_code, area = rng.choice(words.CITIES)
        contact = Contact(
            id=self.state.new_id(),
            phone=self.new_phone(area),
            created_at=self.now - rng.uniform(1, 400) * DAY,
            name=f"{first} {last}",
            email=(
                f"{first}.{last}@{rng.choice(words.EMAIL_DOMAINS)}".lower() if rng.random() < 0.7 else None
            ),
            city=city,
            state=state,
            zip=zip_code,
            country="US",
            company=rng.choice(words.COMPANIES),
            tags=rng.sample(tags, k=rng.choice((0, 0, 0, 1, 1, 2))),
            priority=rng.choice((0, 0, 0, 0, 1, 2, 3, 5)),
            double_opted_in=rng.random() < 0.3,
            due_for_compliance=False,
        )
        if rng.random() < 0.1:
            contact.custom["loyalty_tier"] = rng.choice(("silver", "gold", "platinum"))
        return inbox.add_contact(contact)

    def fill_inbox(
        self, inbox: Inbox, n_contacts: int, n_tickets: int, scripts: list[list[tuple[str, str]]]
    ) -> None:
        rng = self.rng
        tags = words.TAGS[inbox.subdomain]
        for name in tags:
            inbox.tags[name] = Tag(
                name, color=rng.choice(("#2563eb", "#16a34a", "#d97706", None)), routable=rng.random() < 0.3
            )
        notable: list[Contact] = []
        if inbox.subdomain == "acme-support":
            for fields in NOTABLE.values():
                # the oldest contacts of the inbox: they lead the contact list
                contact = Contact(
                    id=self.state.new_id(),
                    created_at=self.now - (500 - len(notable)) * DAY,
                    due_for_compliance=False,
                    **fields,
                )
                self.used_phones.add(contact.phone)
                inbox.add_contact(contact)
                notable.append(contact)
        contacts = notable + [self.make_contact(inbox, tags) for _ in range(n_contacts - len(notable))]
        for c in contacts[len(notable) :][:3]:
            c.due_for_compliance = True  # never messaged: the next outbound carries the footer

        staff = [uid for uid, m in inbox.members.items() if not self.state.users[uid].is_api]
        enabled_staff = [uid for uid in staff if inbox.members[uid].enabled]
        ticketed = notable + rng.sample(contacts[len(notable) :], n_tickets - len(notable))
        statuses = ["New"] * 15 + ["Open"] * 35 + ["Pending"] * 20 + ["Closed"] * 30
        for i, contact in enumerate(ticketed):
            status = rng.choice(statuses)
            if contact.phone == BLOCKED_PHONE:
                status = "Open"
            elif contact.phone == OPTED_OUT_PHONE:
                status = "Closed"
            if i % 9 == 0 and status != "New":  # an older, closed conversation first
                self.make_ticket(
                    inbox, contact, "Closed", scripts, staff, enabled_staff, age_days=rng.uniform(45, 120)
                )
            self.make_ticket(
                inbox,
                contact,
                status,
                scripts,
                staff,
                enabled_staff,
                age_days=rng.uniform(0.05, 4 if status != "Closed" else 40),
            )
            ticket = inbox.current_ticket(contact.id)
            if ticket and ticket.user_id and rng.random() < 0.4:
                contact.user_id = ticket.user_id
        seed_extras.add_pending(self, inbox, ticketed)
        seed_extras.add_campaigns(self, inbox, contacts)
        seed_extras.add_broadcasts(self, inbox, contacts)

    # -- tickets and their streams ------------------------------------------------------------
    def make_ticket(
        self,
        inbox: Inbox,
        contact: Contact,
        status: str,
        scripts: list[list[tuple[str, str]]],
        staff: list[str],
        enabled_staff: list[str],
        age_days: float,
    ) -> Ticket:
        st, rng = self.state, self.rng
        script = list(rng.choice(scripts))
        if status == "New":
            lead = [t for t in script if t[0] == "in"][:1] or [("in", "Hi, is anyone there?")]
            script = lead
        elif contact.phone == OPTED_OUT_PHONE:
            script = [
                ("in", "Where is my order {order}?"),
                ("out", "Hi {first}, it ships tomorrow!"),
                ("in", "STOP"),
            ]
        owner: str | None = None
        if status != "New" or rng.random() < 0.2:
            pool = staff if status == "Closed" else enabled_staff
            owner = rng.choice(pool) if pool and rng.random() < 0.85 else None
        agent = st.users[owner].name.split()[0] if owner else "the Acme team"
        fill = {
            "first": (contact.name or "there").split()[0],
            "agent": agent,
            "order": f"#{rng.randrange(10000, 99999)}",
            "day": rng.choice(words.DAYS),
            "time": rng.choice(words.TIMES),
        }
        gaps = [rng.uniform(2, 90) * MINUTE for _ in range(len(script) + 4)]
        start = self.now - age_days * DAY - sum(gaps)
        start = min(start, self.now - sum(gaps) - 5 * MINUTE)
        ticket = Ticket(
            id=st.new_id(),
            uuid=st.new_uuid(),
            contact_id=contact.id,
            created_at=start,
            status="New",
            last_activity_at=start,
        )
        inbox.tickets[ticket.id] = ticket
        t = start
        first_out = True
        sender = owner or (rng.choice(enabled_staff) if enabled_staff else None)
        for n, (direction, text) in enumerate(script):
            if direction == "out" and first_out:
                first_out = False
                if owner:
                    t += 30
                    self.owner_change(inbox, ticket, owner, t)
                t += 30
                self.status_change(inbox, ticket, "Open", sender, t)
            msg = self.message(
                inbox,
                ticket,
                contact,
                direction,
                text.format(**fill),
                t,
                sender if direction == "out" else None,
            )
            if text == "Here you go" or (direction == "in" and rng.random() < 0.03):
                msg.media_urls = [rng.choice(words.MEDIA)]
            if n == 0 and rng.random() < 0.2:
                t += gaps[-1]
                self.call(inbox, ticket, contact, t, sender)
            t += gaps[n]
        if owner and ticket.user_id != owner:
            self.owner_change(inbox, ticket, owner, t)
            t += 30
        if rng.random() < 0.12:
            kind, context, revenue = rng.choice(words.CUSTOM_EVENTS)
            inbox.add_event(
                ticket,
                CustomEvent(
                    st.new_id(),
                    st.new_id(),
                    ticket.id,
                    t,
                    user_id=sender,
                    contact_id=contact.id,
                    type=kind,
                    context=context,
                    revenue=revenue,
                ),
            )
            t += 60
        if status in ("Pending", "Closed"):
            if ticket.status == "New":
                self.status_change(inbox, ticket, "Open", sender, t)
                t += 60
            self.status_change(inbox, ticket, status, sender, t)
        last_in = script[-1][0] == "in"
        ticket.unaddressed = status == "New" or (status == "Open" and last_in)
        if status == "Closed":
            ticket.closed_at = t
        return ticket

    def message(
        self,
        inbox: Inbox,
        ticket: Ticket,
        contact: Contact,
        direction: str,
        text: str,
        t: float,
        sender: str | None,
    ) -> SmsMessage:
        st, rng = self.state, self.rng
        outbound = direction == "out"
        msg = SmsMessage(
            event_id=st.new_id(),
            element_id=st.new_id(),
            ticket_id=ticket.id,
            sent_at=t,
            uuid=st.new_uuid(),
            contact_id=contact.id,
            sender_id=sender if outbound else None,
            sender_type="User" if outbound and sender else None,
            to=contact.phone if outbound else inbox.phone,
            from_=inbox.phone if outbound else contact.phone,
            direction=direction,
            message=text,
            status="delivered",
            created_at=t - 0.4,
            origin="web" if outbound else None,
            segments=1 if len(text) <= 160 else 2,
            carrier="twilio" if outbound else None,
            external_id="SM" + st.new_uuid().replace("-", "")[:30],
        )
        if outbound and rng.random() < 0.06:
            msg.status = rng.choice(("failed", "undelivered"))
            msg.error_code, msg.error_description = rng.choice(words.FAILED_DELIVERIES)
        inbox.add_event(ticket, msg)
        return msg

    def call(self, inbox: Inbox, ticket: Ticket, contact: Contact, t: float, sender: str | None) -> None:
        st, rng = self.state, self.rng
        inbound = rng.random() < 0.6
        missed = inbound and rng.random() < 0.25
        duration = 0 if missed else rng.randrange(25, 900)
        call = Call(
            st.new_id(),
            st.new_id(),
            ticket.id,
            t,
            call_from=contact.phone if inbound else inbox.phone,
            call_to=inbox.phone if inbound else contact.phone,
            direction="in" if inbound else "out",
            call_status="no-answer" if missed else "completed",
            duration=duration,
            ended_at=t + duration,
            user_id=None if missed else sender,
        )
        if missed:
            call.voicemail = f"https://recordings.acme.example/voicemail/{call.element_id}.mp3"
            call.transcript = "Hi, it's about my order, please call me back."
            call.transcript_status = "completed"
        elif rng.random() < 0.5:
            call.recording_url = f"https://recordings.acme.example/calls/{call.element_id}.mp3"
            call.recording_status = "completed"
        inbox.add_event(ticket, call)

    def status_change(self, inbox: Inbox, ticket: Ticket, status: str, user: str | None, t: float) -> None:
        ticket.status = status
        inbox.add_event(
            ticket,
            StatusChange(self.state.new_id(), self.state.new_id(), ticket.id, t, user_id=user, status=status),
        )

    def owner_change(self, inbox: Inbox, ticket: Ticket, owner: str, t: float) -> None:
        old, ticket.user_id = ticket.user_id, owner
        inbox.add_event(
            ticket,
            OwnerChange(
                self.state.new_id(),
                self.state.new_id(),
                ticket.id,
                t,
                user_id=owner,
                owner_id=owner,
                old_owner_id=old,
            ),
        )


def build_state(
    seed: int = 1,
    *,
    auth_id: str = DEFAULT_AUTH_ID,
    auth_secret: str = DEFAULT_AUTH_SECRET,
    now: float | None = None,
    scale: int = 0,
    scale_inbox: str | None = None,
) -> SandboxState:
    """A fresh demo state. Same seed, same data (ids, names, texts); times relative to `now`.
    `scale` adds that many users over ten inboxes, or all to `scale_inbox` (see seed_scale)."""
    builder = _Builder(seed, time.time() if now is None else now, auth_id, auth_secret)
    state = builder.build()
    seed_scale.scale_up(builder, scale, only=scale_inbox)
    return state


def add_users(
    state: SandboxState, n: int, subdomain: str | None = None, *, now: float | None = None
) -> list[str]:
    """Add `n` generated users (with contacts and tickets) to a live state: all to `subdomain`,
    or spread over ten inboxes when it is None. Returns the new user ids."""
    return seed_scale.scale_up(_Builder.resume(state, time.time() if now is None else now), n, only=subdomain)


SNAPSHOT_MAX_AGE = 600.0  # seconds a snapshot may age before reset() builds afresh
_snapshots: dict[tuple[int, str, str, int, str | None], tuple[float, bytes]] = {}
_snapshots_lock = threading.Lock()


def fresh_state(
    seed: int = 1,
    *,
    auth_id: str = DEFAULT_AUTH_ID,
    auth_secret: str = DEFAULT_AUTH_SECRET,
    scale: int = 0,
    scale_inbox: str | None = None,
) -> SandboxState:
    """Like `build_state`, but cheap when called often (tests reset before every test): the
    built state is kept pickled for up to SNAPSHOT_MAX_AGE seconds and unpickled (~8 ms
    instead of ~50 ms); the times in it then lag "now" by at most that much."""
    key = (seed, auth_id, auth_secret, scale, scale_inbox)
    now = time.time()
    with _snapshots_lock:
        snap = _snapshots.get(key)
        if snap is None or now - snap[0] > SNAPSHOT_MAX_AGE:
            state = build_state(
                seed, auth_id=auth_id, auth_secret=auth_secret, now=now, scale=scale, scale_inbox=scale_inbox
            )
            snap = (now, pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL))
            _snapshots[key] = snap
    return pickle.loads(snap[1])  # noqa: S301 - our own bytes, never from outside


def notable_contact(state: SandboxState, key: str) -> Contact:
    """One of the `NOTABLE` contacts of acme-support, by key ("opted_out", "blocked", ...)."""
    inbox = state.inboxes["acme-support"]
    contact = inbox.contact_by_phone(NOTABLE[key]["phone"])
    if contact is None:
        raise KeyError(key)
    return contact


def user_id(state: SandboxState, email: str) -> str:
    user = state.user_by_email(email)
    if user is None:
        raise KeyError(email)
    return user.id
