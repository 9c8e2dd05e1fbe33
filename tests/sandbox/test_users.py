"""Users: list/get shapes, addressing by email, add, roles and the manager/owner rule,
disable/enable, delete (tickets unassigned), MFA phone, password reset, a user's inboxes."""

from __future__ import annotations

import pytest

from avodash.sandbox import SandboxServer
from avodash.sandbox.state import OwnerChange
from tests.sandbox.conftest import Api

ADMIN = "admin@avodash.example"
JORDAN = "jordan.lee@acme.example"
OMAR = "omar.haddad@acme.example"


def _uid(srv: SandboxServer, email: str) -> str:
    return srv.state.user_by_email(email).id


def _user(r) -> dict:
    assert r.status_code == 200, r.text
    return r.json()["data"]["user"]


def test_list_omits_role_and_enabled_and_pages_by_25(api: Api, srv: SandboxServer) -> None:
    users = api.get("/v1/users").json()["data"]["users"]
    assert len(users) == len(srv.state.inboxes["acme-support"].members)
    assert all("role" not in u and "enabled" not in u for u in users)
    assert api.get("/v1/users", page=2).json()["data"]["users"] == []
    emails = {u["email"] for u in api.get("/v1/users", subdomain="globex-help").json()["data"]["users"]}
    assert ADMIN not in emails and "marcus.brown@globex.example" in emails


def test_get_by_id_email_or_underscore(api: Api, srv: SandboxServer) -> None:
    by_id = _user(api.get(f"/v1/users/{_uid(srv, ADMIN)}"))
    by_underscore = _user(api.get("/v1/users/_", email=ADMIN))
    by_path = _user(api.get(f"/v1/users/{ADMIN}"))
    assert by_id == by_underscore == by_path
    assert by_id["name"] == "Avery Admin" and by_id["role"] == "owner" and by_id["enabled"] is True
    assert by_id["mfa_app_valid"] is True and by_id["phone_valid"] is True
    assert isinstance(by_id["signed_in_at"], str) and isinstance(by_id["added_at"], float)
    assert api.get("/v1/users/_").status_code == 422
    assert api.get("/v1/users/_", email="nobody@example.com").status_code == 404
    # admin is not a member of globex-help
    assert api.get("/v1/users/_", email=ADMIN, subdomain="globex-help").status_code == 404


def test_same_user_same_id_across_inboxes(api: Api) -> None:
    sam_support = _user(api.get("/v1/users/_", email="sam.rivera@acme.example"))
    sam_sales = _user(api.get("/v1/users/_", email="sam.rivera@acme.example", subdomain="acme-sales"))
    assert sam_support["id"] == sam_sales["id"]
    inboxes = api.get(f"/v1/users/{sam_support['id']}/accounts").json()["data"]["accounts"]
    assert [a["subdomain"] for a in inboxes] == ["acme-support", "acme-sales"]
    # Scoped to the organization, not to the inbox the call names (the reference).
    from_globex = api.get(f"/v1/users/{sam_support['id']}/accounts", subdomain="globex-help")
    assert from_globex.status_code == 200
    assert [a["subdomain"] for a in from_globex.json()["data"]["accounts"]] == ["acme-support", "acme-sales"]
    by_email = api.get("/v1/users/_/accounts", email="sam.rivera@acme.example", subdomain="globex-help")
    assert len(by_email.json()["data"]["accounts"]) == 2
    assert api.get("/v1/users/nobody-here/accounts").status_code == 404


def test_add_a_new_user(api: Api, srv: SandboxServer) -> None:
    user = _user(
        api.post(
            "/v1/users", email="New.Hire@acme.example", role="manager", name="New Hire", phone="+14155550188"
        )
    )
    assert user["email"] == "new.hire@acme.example" and user["role"] == "manager"
    assert user["enabled"] is True and user["require_2fa"] is True and user["mfa_app_valid"] is False
    assert srv.state.users[user["id"]].pending_mfa_phone == "+14155550188"
    assert _user(api.get("/v1/users/_", email="new.hire@acme.example"))["id"] == user["id"]


def test_add_an_existing_user_to_another_inbox_keeps_their_id(api: Api, srv: SandboxServer) -> None:
    user = _user(api.post("/v1/users", email=ADMIN, subdomain="globex-help"))
    assert user["id"] == _uid(srv, ADMIN) and user["role"] == "member"
    again = api.post("/v1/users", email=ADMIN, subdomain="globex-help")
    assert again.status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "not-an-email"},
        {"email": "a@b.example", "role": "admin"},
        {"email": "a@b.example", "phone": "4155550100"},
    ],
)
def test_add_validation(api: Api, body: dict) -> None:
    r = api.post("/v1/users", **body)
    assert r.status_code == 422 and r.json()["errors"]


def test_owner_changes_roles(api: Api, srv: SandboxServer) -> None:
    jordan = _uid(srv, JORDAN)
    assert _user(api.put(f"/v1/users/{jordan}", role="manager"))["role"] == "manager"
    assert _user(api.put("/v1/users/_", email=JORDAN, role="owner"))["role"] == "owner"
    assert api.put(f"/v1/users/{jordan}", role="superuser").status_code == 422
    assert api.put(f"/v1/users/{jordan}").status_code == 422


def test_manager_cannot_promote_to_owner_or_touch_owners(manager_api: Api, srv: SandboxServer) -> None:
    jordan, omar = _uid(srv, JORDAN), _uid(srv, OMAR)
    assert _user(manager_api.put(f"/v1/users/{jordan}", role="manager"))["role"] == "manager"
    refused = [
        manager_api.put(f"/v1/users/{jordan}", role="owner"),
        manager_api.put(f"/v1/users/{omar}", role="member"),
        manager_api.post(f"/v1/users/{omar}/disable"),
        manager_api.delete(f"/v1/users/{omar}"),
        manager_api.post("/v1/users", email="boss@acme.example", role="owner"),
    ]
    for r in refused:
        assert r.status_code == 403, r.text
        assert r.json()["errors"] == ["Managers cannot promote users to owner or modify existing owners"]
    assert srv.state.inboxes["acme-support"].members[omar].role == "owner"
    assert srv.state.inboxes["acme-support"].members[omar].enabled


def test_the_acting_users_role_in_that_inbox_decides(manager_api: Api, srv: SandboxServer, api: Api) -> None:
    # make Maya an owner in acme-sales only: there she may promote, in acme-support not
    maya = _uid(srv, "maya.patel@acme.example")
    api.put(f"/v1/users/{maya}", role="owner", subdomain="acme-sales")
    chloe = _uid(srv, "chloe.nguyen@acme.example")
    ok = manager_api.put(f"/v1/users/{chloe}", role="owner", subdomain="acme-sales")
    assert _user(ok)["role"] == "owner"
    jordan = _uid(srv, JORDAN)
    assert manager_api.put(f"/v1/users/{jordan}", role="owner").status_code == 403


def test_members_cannot_manage_users(member_api: Api, srv: SandboxServer) -> None:
    tom = _uid(srv, "tom.becker@acme.example")
    for r in (
        member_api.put(f"/v1/users/{tom}", role="manager"),
        member_api.post(f"/v1/users/{tom}/disable"),
        member_api.post("/v1/users", email="x@acme.example"),
        member_api.post(f"/v1/users/{tom}/password_reset"),
    ):
        assert r.status_code == 403 and r.json()["errors"]
    assert member_api.get(f"/v1/users/{tom}").status_code == 200  # reading is fine


def test_disable_and_enable(api: Api, srv: SandboxServer) -> None:
    jordan = _uid(srv, JORDAN)
    assert _user(api.post(f"/v1/users/{jordan}/disable"))["enabled"] is False
    assert srv.state.inboxes["acme-support"].members[jordan].enabled is False
    assert _user(api.post("/v1/users/_/enable", email=JORDAN))["enabled"] is True
    priya = _user(api.get("/v1/users/_", email="priya.shah@acme.example"))
    assert priya["enabled"] is False  # seeded disabled


def test_disabled_users_are_not_autoassigned(api: Api, srv: SandboxServer) -> None:
    inbox = srv.state.inboxes["acme-support"]
    staff = [uid for uid, m in inbox.members.items() if m.enabled and not srv.state.users[uid].is_api]
    keep = _uid(srv, JORDAN)
    for uid in staff:
        if uid != keep:
            api.post(f"/v1/users/{uid}/disable")
    tid = next(t.id for t in inbox.tickets.values() if t.status == "New")
    got = api.put(f"/v1/tickets/{tid}", user_id="autoassign").json()["data"]["tickets"][0]
    assert got["user_id"] == keep


def test_delete_unassigns_their_tickets_in_that_inbox_only(api: Api, srv: SandboxServer) -> None:
    sam = _uid(srv, "sam.rivera@acme.example")
    support, sales = srv.state.inboxes["acme-support"], srv.state.inboxes["acme-sales"]
    owned = [t for t in support.tickets.values() if t.user_id == sam]
    owned_sales = [t for t in sales.tickets.values() if t.user_id == sam]
    assert owned and owned_sales
    r = api.delete(f"/v1/users/{sam}")
    assert r.json()["data"]["message"] == "sam.rivera@acme.example has been removed from this account."
    assert all(t.user_id is None for t in owned)
    last = support.events[owned[0].event_ids[-1]]
    assert isinstance(last, OwnerChange) and last.old_owner_id == sam and last.owner_id is None
    assert all(t.user_id == sam for t in owned_sales)
    assert api.get(f"/v1/users/{sam}").status_code == 404
    assert api.get(f"/v1/users/{sam}", subdomain="acme-sales").status_code == 200


def test_mfa_phone_sets_a_pending_phone(api: Api, srv: SandboxServer) -> None:
    jordan = _uid(srv, JORDAN)
    data = api.post(f"/v1/users/{jordan}/mfa_phone", phone="+14155559876").json()["data"]
    assert data["message"] == "MFA phone number has been set. User must verify via SMS code."
    assert data["user"]["phone_valid"] is False
    assert srv.state.users[jordan].pending_mfa_phone == "+14155559876"
    for bad in ("4155559876", "+1", "phone"):
        assert api.post(f"/v1/users/{jordan}/mfa_phone", phone=bad).status_code == 422
    assert api.post(f"/v1/users/{jordan}/mfa_phone").status_code == 422


def test_password_reset(api: Api, srv: SandboxServer) -> None:
    r = api.post("/v1/users/_/password_reset", email=JORDAN)
    assert r.json()["data"]["message"] == f"Password reset email sent to {JORDAN}"
    assert srv.state.users[_uid(srv, JORDAN)].password_reset_sent_at is not None


def test_seeded_mfa_states_vary(api: Api) -> None:
    users = {u["email"]: u for u in api.get("/v1/users").json()["data"]["users"]}
    users.update(
        {u["email"]: u for u in api.get("/v1/users", subdomain="globex-help").json()["data"]["users"]}
    )
    assert users["tom.becker@acme.example"]["require_2fa"] is False
    assert users["elena.rossi@globex.example"]["signed_in_at"] is None
    assert not users["elena.rossi@globex.example"]["mfa_app_valid"]
    assert users["sam.rivera@acme.example"]["phone_valid"] is True
    assert len({(u["mfa_app_valid"], u["phone_valid"], u["require_2fa"]) for u in users.values()}) >= 3
