"""The demo data: deterministic per seed, alive (relative to now), big and varied enough, fast."""

from __future__ import annotations

import time
from collections import Counter

from avodash.sandbox import SandboxServer, build_state
from avodash.sandbox.seed import (
    BLOCKED_PHONE,
    LANDLINE_PHONE,
    MUTED_PHONE,
    OPTED_OUT_PHONE,
    notable_contact,
)
from avodash.sandbox.state import SmsMessage


def test_same_seed_same_data_other_seed_other_data() -> None:
    a, b, c = build_state(1), build_state(1), build_state(2)
    for sub in a.inboxes:
        assert list(a.inboxes[sub].tickets) == list(b.inboxes[sub].tickets)
        assert [x.name for x in a.inboxes[sub].contacts.values()] == [
            x.name for x in b.inboxes[sub].contacts.values()
        ]
    assert list(a.inboxes["acme-support"].tickets) != list(c.inboxes["acme-support"].tickets)


def test_timestamps_are_relative_to_now() -> None:
    then = build_state(1, now=1_000_000_000.0)
    now = time.time()
    fresh = build_state(1, now=now)
    t_then = next(iter(then.inboxes["acme-support"].tickets.values()))
    t_now = next(iter(fresh.inboxes["acme-support"].tickets.values()))
    assert abs((now - t_now.created_at) - (1_000_000_000.0 - t_then.created_at)) < 1e-3
    events = [e.sent_at for i in fresh.inboxes.values() for e in i.events.values()]
    assert max(events) < now and max(events) > now - 86400  # recent activity, none in the future
    pending = [p.scheduled_for for i in fresh.inboxes.values() for p in i.pending.values()]
    assert min(pending) > now


def test_building_three_inboxes_is_fast() -> None:
    start = time.perf_counter()
    build_state(7)
    assert time.perf_counter() - start < 0.5


def test_reset_is_cheap(srv: SandboxServer) -> None:
    start = time.perf_counter()
    for _ in range(5):
        srv.reset()
    assert (time.perf_counter() - start) / 5 < 0.1


def test_sizes_and_variety(srv: SandboxServer) -> None:
    st = srv.state
    assert list(st.inboxes) == ["acme-support", "acme-sales", "globex-help"]
    assert [i.name for i in st.inboxes.values()] == ["Acme Support", "Acme Sales", "Globex Help"]
    assert sum(len(i.contacts) for i in st.inboxes.values()) >= 300
    assert sum(len(i.tickets) for i in st.inboxes.values()) >= 200
    sizes = {s: len(i.tickets) for s, i in st.inboxes.items()}
    assert max(sizes, key=sizes.get) == "acme-support"
    assert len(st.users) >= 12
    for inbox in st.inboxes.values():
        statuses = Counter(t.status for t in inbox.tickets.values())
        assert set(statuses) == {"New", "Open", "Pending", "Closed"}, inbox.subdomain
        assert any(t.user_id for t in inbox.tickets.values())
        assert any(t.user_id is None for t in inbox.tickets.values())
        assert any(t.unaddressed for t in inbox.tickets.values())
        assert inbox.pending and inbox.broadcasts and inbox.campaigns and inbox.tags
        msgs = [e for e in inbox.events.values() if isinstance(e, SmsMessage)]
        assert {m.direction for m in msgs} == {"in", "out"}
        assert any(m.status in ("failed", "undelivered") and m.error_description for m in msgs)
    roles = Counter(m.role for i in st.inboxes.values() for m in i.members.values())
    assert set(roles) == {"member", "manager", "owner"}
    assert any(not m.enabled for i in st.inboxes.values() for m in i.members.values())
    multi = [u for u in st.users.values() if len(st.inboxes_of(u.id, enabled_only=False)) > 1]
    assert len(multi) >= 4


def test_admin_is_owner_in_acme_inboxes_but_not_in_globex(srv: SandboxServer) -> None:
    admin = srv.state.user_by_email("admin@avodash.example")
    assert admin.name == "Avery Admin"
    roles = {i.subdomain: i.members[admin.id].role for i in srv.state.inboxes_of(admin.id)}
    assert roles == {"acme-support": "owner", "acme-sales": "owner"}
    by_admin = [p for p in srv.state.inboxes["acme-support"].pending.values() if p.sender_id == admin.id]
    assert by_admin


def test_default_credential_is_owner_everywhere(srv: SandboxServer) -> None:
    cred = srv.state.credentials["sandbox"]
    assert cred.auth_secret == "sandbox-secret"
    for inbox in srv.state.inboxes.values():
        assert inbox.members[cred.user_id].role == "owner"
    manager = srv.state.credential_for("manager")
    assert srv.state.inboxes[manager.subdomain].members[manager.user_id].role == "manager"


def test_notable_contacts(srv: SandboxServer) -> None:
    st = srv.state
    assert (
        notable_contact(st, "opted_out").phone == OPTED_OUT_PHONE
        and notable_contact(st, "opted_out").opted_out
    )
    assert notable_contact(st, "blocked").phone == BLOCKED_PHONE and notable_contact(st, "blocked").blocked
    assert notable_contact(st, "muted").phone == MUTED_PHONE and notable_contact(st, "muted").muted
    assert (
        notable_contact(st, "landline").phone == LANDLINE_PHONE and notable_contact(st, "landline").landline
    )
    inbox = st.inboxes["acme-support"]
    assert inbox.current_ticket(notable_contact(st, "blocked").id).status == "Open"


def test_conversations_read_like_support(srv: SandboxServer) -> None:
    text = " ".join(
        e.message for e in srv.state.inboxes["acme-support"].events.values() if isinstance(e, SmsMessage)
    ).lower()
    for word in ("order", "refund", "appointment", "delivery", "tracking"):
        assert word in text
    assert "lorem" not in text
