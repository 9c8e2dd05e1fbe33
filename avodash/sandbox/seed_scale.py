"""Demo data at scale: many users over ten inboxes, for the benchmark and the scale tests.

`scale_up(builder, n)` adds `n` users spread over ten inboxes: the three demo inboxes and the
seven generated ones in `SCALE_INBOXES` (created on first use; the default credential's user is
an owner in each, so `sandbox` / `sandbox-secret` reaches all ten). With `only="acme-support"`
every new user lands in that one inbox and no inbox is generated. Each inbox also gets, in
proportion to the users whose first inbox it is, about 3 contacts and 2 tickets (with their
conversations) per user and a scheduled message for about one ticket in eight.

Users: realistic names, an email at their organisation's domain (unique), mostly members, about
one in ten a manager, an owner for every generated inbox; about one in six also belongs to a
second inbox; some memberships disabled; mixed MFA state and sign-in times.

Every draw comes from the state's seeded RNG right after the demo data, so a seed and a scale give
the same data every time, and scale 0 leaves the demo data untouched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from avodash.sandbox import seed_data as words
from avodash.sandbox.seed_catalog import DAY, HOUR
from avodash.sandbox.serialize import iso
from avodash.sandbox.state import Contact, Inbox, Membership, PendingMessage, Tag, Ticket, User

if TYPE_CHECKING:
    from avodash.sandbox.seed_builder import Builder

# subdomain, name, phone, email domain of its people, conversation scripts
SCALE_INBOXES: list[tuple[str, str, str, str, list[list[tuple[str, str]]]]] = [
    ("scale-01", "Initech Billing", "+12125550101", "initech.example", words.SUPPORT_SCRIPTS),
    ("scale-02", "Umbrella Clinics", "+13125550102", "umbrella.example", words.GLOBEX_SCRIPTS),
    ("scale-03", "Stark Field Service", "+12065550103", "stark.example", words.SUPPORT_SCRIPTS),
    ("scale-04", "Wayne Concierge", "+16175550104", "wayne.example", words.SALES_SCRIPTS),
    ("scale-05", "Hooli Helpdesk", "+14155550105", "hooli.example", words.GLOBEX_SCRIPTS),
    ("scale-06", "Soylent Orders", "+15035550106", "soylent.example", words.SUPPORT_SCRIPTS),
    ("scale-07", "Vandelay Imports", "+13055550107", "vandelay.example", words.SALES_SCRIPTS),
]
_DEMO_DOMAINS = {
    "acme-support": "acme.example",
    "acme-sales": "acme.example",
    "globex-help": "globex.example",
}
_DEMO_SCRIPTS = {
    "acme-support": words.SUPPORT_SCRIPTS,
    "acme-sales": words.SALES_SCRIPTS,
    "globex-help": words.GLOBEX_SCRIPTS,
}
_SCALE_TAGS = ["vip", "billing", "follow-up", "escalated", "new-customer", "spanish"]
_STATUSES = ["New"] * 15 + ["Open"] * 35 + ["Pending"] * 20 + ["Closed"] * 30
CONTACTS_PER_USER = 3
TICKETS_PER_USER = 2
PENDING_EVERY = 8  # one scheduled message for about this many new tickets


def scale_up(b: Builder, n: int, only: str | None = None) -> list[str]:
    """Add `n` users (and their inboxes' share of contacts and tickets); returns their ids."""
    if n <= 0:
        return []
    if only is None:
        _ensure_scale_inboxes(b)
        targets = list(b.state.inboxes)
    else:
        b.state.inbox(only)  # KeyError for an unknown inbox
        targets = [only]
    homes = {sub: 0 for sub in targets}
    new_ids = []
    emails = {u.email.lower() for u in b.state.users.values() if u.email}
    for k in range(n):
        home = targets[k % len(targets)]
        homes[home] += 1
        new_ids.append(_new_user(b, k, home, targets, emails))
    for sub, count in homes.items():
        if count:
            _fill(b, b.state.inboxes[sub], count)
    return new_ids


def _ensure_scale_inboxes(b: Builder) -> None:
    st = b.state
    api_ids = [uid for uid, u in st.users.items() if u.is_api]
    for n, (sub, name, phone, _domain, _scripts) in enumerate(SCALE_INBOXES):
        if sub in st.inboxes:
            continue
        inbox = Inbox(
            id=st.new_id(),
            subdomain=sub,
            name=name,
            phone=phone,
            numbers=[phone],
            created_at=b.now - (700 - 60 * n) * DAY,
        )
        inbox.tags = {t: Tag(t, color=b.rng.choice(("#2563eb", "#16a34a", None))) for t in _SCALE_TAGS}
        for uid in api_ids:
            inbox.members[uid] = Membership(uid, "owner", True, inbox.created_at + DAY, autoassign=False)
        st.inboxes[sub] = inbox


def _domain(sub: str) -> str:
    for s, _name, _phone, domain, _scripts in SCALE_INBOXES:
        if s == sub:
            return domain
    return _DEMO_DOMAINS.get(sub, "example.com")


def _unique_email(first: str, last: str, domain: str, emails: set[str]) -> str:
    base, n = f"{first}.{last}".lower(), 1
    email = f"{base}@{domain}"
    while email in emails:
        n += 1
        email = f"{base}{n}@{domain}"
    emails.add(email)
    return email


def _new_user(b: Builder, k: int, home: str, targets: list[str], emails: set[str]) -> str:
    st, rng, now = b.state, b.rng, b.now
    first, last = rng.choice(words.FIRST_NAMES), rng.choice(words.LAST_NAMES)
    user = User(
        id=st.new_id(),
        num_id=st.new_num(),
        email=_unique_email(first, last, _domain(home), emails),
        name=f"{first} {last}",
        created_at=now - rng.uniform(20, 900) * DAY,
        require_2fa=rng.random() < 0.85,
        mfa_app_valid=rng.random() < 0.45,
    )
    if rng.random() < 0.35:
        user.phone = b.new_phone(rng.choice(words.CITIES)[3])
        user.phone_valid = True
    elif rng.random() < 0.08:
        user.pending_mfa_phone = b.new_phone(rng.choice(words.CITIES)[3])
    if rng.random() < 0.92:
        hours = rng.expovariate(1 / 30) if rng.random() < 0.85 else rng.uniform(30, 200) * 24
        user.signed_in_at = iso(now - max(0.05, hours) * HOUR)
    st.users[user.id] = user
    inboxes = [home]
    if len(targets) > 1 and rng.random() < 0.17:
        inboxes.append(rng.choice([t for t in targets if t != home]))
        if rng.random() < 0.15:
            inboxes.append(rng.choice([t for t in targets if t not in inboxes]))
    for i, sub in enumerate(inboxes):
        _join(b, user, st.inboxes[sub], first_inbox=i == 0)
    return user.id


def _join(b: Builder, user: User, inbox: Inbox, *, first_inbox: bool) -> None:
    rng, now = b.rng, b.now
    has_owner = any(m.role == "owner" and not b.state.users[uid].is_api for uid, m in inbox.members.items())
    draw = rng.random()
    if first_inbox and not has_owner:
        role, enabled = "owner", True  # a generated inbox's first person owns it
    else:
        role = "manager" if draw < 0.1 else "owner" if draw < 0.11 else "member"
        enabled = rng.random() >= 0.07
    added = max(inbox.created_at, user.created_at) + rng.uniform(1, 30) * DAY
    inbox.members[user.id] = Membership(
        user_id=user.id, role=role, enabled=enabled, added_at=min(added, now - rng.uniform(1, 72) * HOUR)
    )


def _fill(b: Builder, inbox: Inbox, users: int) -> None:
    """Contacts, tickets (with conversations) and scheduled messages for `users` new users."""
    st, rng = b.state, b.rng
    tags = list(inbox.tags) or _SCALE_TAGS
    scripts = _DEMO_SCRIPTS.get(inbox.subdomain) or next(
        s for sub, *_, s in SCALE_INBOXES if sub == inbox.subdomain
    )
    contacts = [b.make_contact(inbox, tags) for _ in range(CONTACTS_PER_USER * users)]
    staff = [uid for uid, m in inbox.members.items() if not st.users[uid].is_api]
    enabled_staff = [uid for uid in staff if inbox.members[uid].enabled]
    ticketed = rng.sample(contacts, min(len(contacts), TICKETS_PER_USER * users))
    tickets: list[tuple[Contact, Ticket]] = []
    for i, contact in enumerate(ticketed):
        status = rng.choice(_STATUSES)
        if i % 9 == 0 and status != "New":  # an older, closed conversation first
            b.make_ticket(
                inbox, contact, "Closed", scripts, staff, enabled_staff, age_days=rng.uniform(45, 120)
            )
        age = rng.uniform(0.05, 4 if status != "Closed" else 40)
        ticket = b.make_ticket(inbox, contact, status, scripts, staff, enabled_staff, age_days=age)
        if ticket.user_id and rng.random() < 0.4:
            contact.user_id = ticket.user_id
        tickets.append((contact, ticket))
    _pending(b, inbox, tickets[::PENDING_EVERY], enabled_staff)


def _pending(b: Builder, inbox: Inbox, tickets: list[tuple[Contact, Ticket]], senders: list[str]) -> None:
    st, rng, now = b.state, b.rng, b.now
    for contact, ticket in tickets:
        if not senders:
            return
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
            sender_id=rng.choice(senders),
            message=text,
            scheduled_for=float(int(now + rng.uniform(0.5, 120) * HOUR)),
            created_at=now - rng.uniform(0.1, 48) * HOUR,
            to=contact.phone,
        )
        inbox.pending[pm.event_id] = pm
