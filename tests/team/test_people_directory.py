"""The cross-inbox directory and the MFA compliance view, against the sandbox's users."""

from __future__ import annotations

import csv
import io

import pytest

from tests.team.support import user_id

pytestmark = pytest.mark.usefixtures("no_rate_limit")


def _expected_memberships(sandbox, subs=None) -> dict[str, dict[str, tuple[str, bool]]]:
    st = sandbox.state
    out: dict[str, dict[str, tuple[str, bool]]] = {}
    for sub, inbox in st.inboxes.items():
        if subs is not None and sub not in subs:
            continue
        for uid, m in inbox.members.items():
            out.setdefault(uid, {})[sub] = (m.role, m.enabled)
    return out


def test_each_person_appears_once_with_their_inboxes_roles_and_state(client_lead, sandbox):
    r = client_lead.get("/team/")
    assert r.status_code == 200
    people = r.context["people"]
    seen = {p.id: {sub: (u.role, u.enabled) for sub, u in p.memberships.items()} for p in people}
    assert len(seen) == len(people)  # once each
    assert seen == _expected_memberships(sandbox)
    aisha = next(p for p in people if p.email == "aisha.khan@acme.example")
    assert set(aisha.memberships) == {"acme-support", "globex-help"}
    page = r.content.decode()
    assert page.count("Aisha Khan") == 1
    assert "Disabled" in page  # Priya, Ben
    # A Lead reads it but gets no action buttons.
    assert "Offboard…" not in page and "Onboard someone" not in page


def test_the_directory_is_limited_to_granted_inboxes(client_outsider, sandbox):
    r = client_outsider.get("/team/")
    assert r.status_code == 200
    seen = {p.id for p in r.context["people"]}
    assert seen == set(_expected_memberships(sandbox, {"globex-help"}))
    assert "Maya Patel" not in r.content.decode()  # acme only
    assert {c["subdomain"] for c in sandbox.requests if c["path"].startswith("/v1/users")} == {"globex-help"}


def test_the_directory_filters_and_refuses_a_bad_filter(client_itadmin, sandbox):
    r = client_itadmin.get("/team/", {"inbox": "acme-sales", "q": "sam"})
    assert [p.email for p in r.context["people"]] == ["sam.rivera@acme.example"]
    r = client_itadmin.get("/team/", {"inbox": "initech"})
    assert r.status_code == 422
    assert "That filter is not valid." in r.content.decode()


def test_compliance_lists_enabled_memberships_that_need_action_with_their_state(client_itadmin, sandbox):
    r = client_itadmin.get("/team/compliance/")
    assert r.status_code == 200
    st = sandbox.state
    expected = set()
    for sub, inbox in st.inboxes.items():
        for uid, m in inbox.members.items():
            u = st.users[uid]
            if not m.enabled:
                continue  # disabled people are excluded
            if not u.require_2fa:
                expected.add((sub, u.email, "2FA not required by the inbox"))
            elif not (u.mfa_app_valid or u.phone_valid):
                expected.add((sub, u.email, "no method"))
    got = {(row.inbox.subdomain, row.user.email, row.state_name) for row in r.context["rows"]}
    assert got == expected
    # Grace's pending phone was set outside avodash: the API cannot tell it apart from none.
    assert ("acme-support", "grace.kim@acme.example", "no method") in got
    assert ("globex-help", "elena.rossi@globex.example", "no method") in got
    page = r.content.decode()
    assert "Set MFA phone" in page and "Send password resets" in page
    assert "No API operation turns two-factor sign-in on" in page


def test_compliance_exports_csv_with_the_filters_and_the_state_names(client_itadmin, sandbox):
    r = client_itadmin.get("/team/compliance/", {"inbox": "globex-help", "state": "all", "format": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert {row["inbox"] for row in rows} == {"globex-help"}
    states = {row["email"]: row["state"] for row in rows}
    assert states["elena.rossi@globex.example"] == "no method"
    assert states["api@avodash.example"] == "2FA not required by the inbox"
    assert "compliant" in states.values()


def test_compliance_reset_password_goes_through_the_team_page_and_reaches_the_sandbox(
    client_itadmin, sandbox
):
    grace = user_id(sandbox, "grace.kim@acme.example")
    r = client_itadmin.post(
        f"/i/acme-support/team/{grace}/password-reset/",
        {"inbox": "acme-support", "confirm": "yes"},
    )
    assert r.status_code == 302
    assert sandbox.state.users[grace].password_reset_sent_at is not None


def test_a_lead_sees_compliance_without_actions(client_lead):
    page = client_lead.get("/team/compliance/").content.decode()
    assert "MFA compliance" in page and "Send password resets" not in page and "Set MFA phone" not in page


def test_an_inbox_that_cannot_be_read_is_named_and_the_page_still_works(client_itadmin, sandbox):
    sandbox.faults.add("/v1/users", method="GET", status=500)
    r = client_itadmin.get("/team/")
    assert r.status_code == 200
    page = r.content.decode()
    for name in ("Acme Support", "Acme Sales", "Globex Help"):
        assert f"{name} could not be read" in page


def test_compliance_csv_escapes_every_api_text_column(client_itadmin, sandbox):
    grace = user_id(sandbox, "grace.kim@acme.example")
    with sandbox.state.lock:
        user = sandbox.state.users[grace]
        user.name, user.email = "=1+2", "+cmd@x.example"
        sandbox.state.inbox("acme-support").members[grace].role = "@SUM(1)"
    r = client_itadmin.get("/team/compliance/", {"inbox": "acme-support", "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    row = next(row for row in rows if row["email"].endswith("cmd@x.example"))
    assert row["name"] == "'=1+2" and row["email"] == "'+cmd@x.example" and row["role"] == "'@sum(1)"


def test_the_directory_and_compliance_say_how_fresh_each_inbox_is(client_lead, sandbox):
    for url in ("/team/", "/team/compliance/"):
        page = client_lead.get(url).content.decode()
        fresh = page[page.index("Read from Avochato") :][:3000]
        assert "Acme Support" in fresh and "Globex Help" in fresh and "<time" in fresh, url


def test_the_directory_finds_a_person_by_phone_and_links_to_their_page(client_lead, sandbox):
    r = client_lead.get("/team/", {"q": "(415) 555-0104"})
    assert [p.email for p in r.context["people"]] == ["sam.rivera@acme.example"]
    assert f'href="/team/people/{user_id(sandbox, "sam.rivera@acme.example")}/"' in r.content.decode()
