"""The sandbox at scale: `--scale N` adds N users over ten inboxes (or all to one inbox), with
contacts, tickets and scheduled messages in proportion; deterministic; the demo data untouched."""

from __future__ import annotations

import argparse
import pickle
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from avodash.sandbox import SandboxServer, build_state, cli
from avodash.sandbox.seed import INBOXES, add_users
from avodash.sandbox.seed_scale import SCALE_INBOXES
from avodash.sandbox.state import SandboxState
from tests.sandbox.conftest import Api

NOW = 1_700_000_000.0
DEMO = [sub for sub, *_ in INBOXES]
SCALED = [sub for sub, *_ in SCALE_INBOXES]


@pytest.fixture(scope="module")
def big() -> SandboxState:
    return build_state(1, now=NOW, scale=1000)


@pytest.fixture(scope="module")
def big_server() -> Iterator[SandboxServer]:
    srv = SandboxServer(port=0, seed=1, scale=1000, rate_limit=None).start()
    yield srv
    srv.stop()


def _demo_ids(state: SandboxState) -> set[str]:
    base = build_state(state.seed, now=NOW)
    return set(base.users)


def test_scale_zero_is_the_demo_data_byte_for_byte() -> None:
    def dump(state: SandboxState) -> bytes:
        data = state.__getstate__()
        data["rng"] = data["rng"].getstate()
        return pickle.dumps(data)

    assert dump(build_state(1, now=NOW, scale=0)) == dump(build_state(1, now=NOW))


def test_the_demo_part_is_unchanged_at_scale(big: SandboxState) -> None:
    demo = build_state(1, now=NOW)
    for sub in DEMO:
        assert list(big.inboxes[sub].tickets)[: len(demo.inboxes[sub].tickets)] == list(
            demo.inboxes[sub].tickets
        )
    assert list(big.users)[: len(demo.users)] == list(demo.users)


def test_a_thousand_users_over_ten_inboxes(big: SandboxState) -> None:
    assert list(big.inboxes) == DEMO + SCALED
    assert len(SCALED) == 7
    assert [big.inboxes[s].name for s in SCALED] == [name for _, name, *_ in SCALE_INBOXES]
    new = set(big.users) - _demo_ids(big)
    assert len(new) == 1000
    memberships = Counter(uid for i in big.inboxes.values() for uid in i.members if uid in new)
    assert set(memberships) == new  # every new user is in at least one inbox
    assert sum(1 for n in memberships.values() if n >= 2) >= 100  # some in several
    for sub in DEMO + SCALED:
        inbox = big.inboxes[sub]
        members = [uid for uid in inbox.members if uid in new]
        assert len(members) >= 100, sub
        assert len(inbox.contacts) >= 3 * 100 and len(inbox.tickets) >= 2 * 100, sub
        assert sum(len(t.event_ids) for t in inbox.tickets.values()) >= 3 * len(inbox.tickets), sub
        assert len(inbox.pending) >= 10, sub


def test_roles_owners_disabled_and_mfa_vary(big: SandboxState) -> None:
    new = set(big.users) - _demo_ids(big)
    for sub in SCALED:
        inbox = big.inboxes[sub]
        roles = Counter(m.role for uid, m in inbox.members.items() if uid in new)
        assert roles["owner"] >= 1 and roles["manager"] >= 3 and roles["member"] > roles["manager"], sub
        assert any(not m.enabled for m in inbox.members.values()), sub
    users = [big.users[uid] for uid in new]
    emails = [u.email for u in users]
    assert len(set(emails)) == len(emails) and all(e and "@" in e for e in emails)
    for flag in ("require_2fa", "phone_valid", "mfa_app_valid"):
        values = Counter(getattr(u, flag) for u in users)
        assert values[True] >= 50 and values[False] >= 50, flag
    assert sum(1 for u in users if u.signed_in_at is None) >= 20
    assert sum(1 for u in users if u.signed_in_at) >= 800
    assert any(u.pending_mfa_phone for u in users)


def test_same_seed_same_data() -> None:
    a, b, c = (build_state(s, now=NOW, scale=150) for s in (3, 3, 4))
    assert [u.email for u in a.users.values()] == [u.email for u in b.users.values()]
    for sub in a.inboxes:
        assert list(a.inboxes[sub].tickets) == list(b.inboxes[sub].tickets)
        assert {uid: m.role for uid, m in a.inboxes[sub].members.items()} == {
            uid: m.role for uid, m in b.inboxes[sub].members.items()
        }
    assert [u.email for u in a.users.values()] != [u.email for u in c.users.values()]


def test_seeding_a_thousand_users_is_quick() -> None:
    start = time.perf_counter()
    build_state(9, scale=1000)
    assert time.perf_counter() - start < 30


def test_all_users_in_one_inbox() -> None:
    demo = build_state(1, now=NOW)
    state = build_state(1, now=NOW, scale=300, scale_inbox="acme-support")
    assert list(state.inboxes) == DEMO
    assert len(state.inboxes["acme-support"].members) == len(demo.inboxes["acme-support"].members) + 300
    for sub in ("acme-sales", "globex-help"):
        assert set(state.inboxes[sub].members) == set(demo.inboxes[sub].members)


def test_add_users_to_a_live_state() -> None:
    state = build_state(1, now=NOW)
    before = len(state.inboxes["globex-help"].members)
    ids = add_users(state, 40, "globex-help", now=NOW)
    assert len(ids) == 40 and len(state.inboxes["globex-help"].members) == before + 40
    with pytest.raises(KeyError):
        add_users(state, 1, "no-such-inbox")


def test_the_default_credential_reaches_all_ten_inboxes(big_server: SandboxServer) -> None:
    api = Api(big_server)
    for sub in DEMO + SCALED:
        r = api.get("/v1/users", subdomain=sub)
        assert r.status_code == 200, sub
        assert len(r.json()["data"]["users"]) == 25


def test_the_users_list_pages_by_25_without_roles(big_server: SandboxServer) -> None:
    api = Api(big_server)
    inbox = big_server.state.inboxes["scale-03"]
    seen: list[str] = []
    page = 1
    while True:
        users = api.get("/v1/users", subdomain="scale-03", page=page).json()["data"]["users"]
        assert len(users) <= 25
        assert all("role" not in u and "enabled" not in u for u in users)
        seen += [u["id"] for u in users]
        if len(users) < 25:
            break
        page += 1
    assert page == len(inbox.members) // 25 + 1
    assert sorted(seen) == sorted(inbox.members)
    one = api.get(f"/v1/users/{seen[-1]}", subdomain="scale-03").json()["data"]["user"]
    assert one["role"] == inbox.members[seen[-1]].role and one["enabled"] == inbox.members[seen[-1]].enabled


def test_server_add_users_lasts_until_reset(srv: SandboxServer) -> None:
    before = len(srv.state.inboxes["acme-support"].members)
    srv.add_users("acme-support", 300)
    assert len(srv.state.inboxes["acme-support"].members) == before + 300
    r = Api(srv).get("/v1/users", page=(before + 300) // 25 + 1)
    assert len(r.json()["data"]["users"]) == (before + 300) % 25
    srv.reset()
    assert len(srv.state.inboxes["acme-support"].members) == before


def test_command_line_flags() -> None:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    srv = cli.build(vars(parser.parse_args(["--port", "0", "--scale", "30", "--scale-inbox", "acme-sales"])))
    assert srv.scale == 30 and srv.scale_inbox == "acme-sales"
    assert len(srv.state.inboxes["acme-sales"].members) == 30 + len(
        build_state(1).inboxes["acme-sales"].members
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["--scale", "3", "--scale-inbox", "nowhere"])


def test_control_api_adds_users(srv: SandboxServer) -> None:
    import requests

    before = len(srv.state.inboxes["acme-sales"].members)
    r = requests.post(f"{srv.url}/_sandbox/add_users", json={"n": 12, "subdomain": "acme-sales"}, timeout=10)
    assert r.status_code == 200 and r.json()["added"] == 12
    assert len(srv.state.inboxes["acme-sales"].members) == before + 12
    bad = requests.post(f"{srv.url}/_sandbox/add_users", json={"n": 1, "subdomain": "nowhere"}, timeout=10)
    assert bad.status_code == 400
