"""The MFA compliance report: its states, the fix each offers, the filter and the bulk actions."""

from __future__ import annotations

import pytest

from avodash.models import AuditEntry
from tests.team.support import user_id

pytestmark = pytest.mark.usefixtures("no_rate_limit", "immediate")

NORA = "nora.new@acme.example"


def _state(rows, email: str, inbox: str = "acme-support") -> str | None:
    return next((r.state_name for r in rows if r.user.email == email and r.inbox.subdomain == inbox), None)


def test_a_person_onboarded_with_an_mfa_phone_is_phone_pending_confirmation(client_itadmin, sandbox):
    r = client_itadmin.post(
        "/team/onboard/",
        {"email": NORA, "role": "member", "phone": "+14155550188", "inboxes": ["acme-support"]},
    )
    assert r.status_code == 302
    assert sandbox.state.user_by_email(NORA).pending_mfa_phone == "+14155550188"
    page = client_itadmin.get("/team/compliance/")
    assert _state(page.context["rows"], NORA) == "phone pending confirmation"
    assert "Phone pending confirmation" in page.content.decode()


def test_a_phone_set_on_the_team_page_is_pending_until_the_api_says_it_is_verified(client_itadmin, sandbox):
    elena = user_id(sandbox, "elena.rossi@globex.example")
    client_itadmin.post(
        f"/i/globex-help/team/{elena}/mfa-phone/", {"inbox": "globex-help", "phone": "+14155550111"}
    )
    rows = client_itadmin.get("/team/compliance/").context["rows"]
    assert _state(rows, "elena.rossi@globex.example", "globex-help") == "phone pending confirmation"
    for url in ("/i/globex-help/team/", f"/i/globex-help/team/{elena}/", "/team/"):
        assert "Phone pending confirmation" in client_itadmin.get(url).content.decode(), url
    with sandbox.state.lock:  # she types the code Avochato texted her
        sandbox.state.users[elena].phone_valid = True
    from avodash.domain import directory

    directory.clear()
    rows = client_itadmin.get("/team/compliance/", {"state": "all"}).context["rows"]
    assert _state(rows, "elena.rossi@globex.example", "globex-help") == "compliant"


def test_disabled_people_are_excluded_and_counted_apart(client_itadmin):
    r = client_itadmin.get("/team/compliance/")
    rows = r.context["rows"]
    assert _state(rows, "ben.carter@acme.example", "acme-sales") is None  # disabled, no MFA
    counts = {key: n for key, _name, n in r.context["counts"]}
    assert counts["disabled"] == 2  # Priya, Ben
    everyone = client_itadmin.get("/team/compliance/", {"state": "disabled"}).context["rows"]
    assert {r.user.email for r in everyone} == {"ben.carter@acme.example", "priya.shah@acme.example"}


def test_2fa_not_required_offers_no_api_action_and_says_so(client_itadmin, sandbox):
    r = client_itadmin.get("/team/compliance/", {"state": "not_required"})
    rows = r.context["rows"]
    assert {row.state for row in rows} == {"not_required"}
    tom = next(row for row in rows if row.user.email == "tom.becker@acme.example")
    assert tom.action == ""
    page = r.content.decode()
    assert "No API operation turns two-factor sign-in on" in page
    assert "Set MFA phone…" not in page and f'value="acme-support:{tom.user.id}"' not in page


def test_the_filter_shows_one_state(client_itadmin):
    rows = client_itadmin.get("/team/compliance/", {"state": "none"}).context["rows"]
    assert rows and {r.state_name for r in rows} == {"no method"}


def test_mfa_phones_from_a_pasted_list_with_a_result_per_person(client_itadmin, sandbox):
    elena, grace = user_id(sandbox, "elena.rossi@globex.example"), user_id(sandbox, "grace.kim@acme.example")
    r = client_itadmin.post(
        "/team/compliance/act/",
        follow=True,
        data={
            "action": "mfa_phone",
            "pick": [f"acme-support:{grace}"],
            "phones": "elena.rossi@globex.example, +14155550123\nnobody@x.example, +14155550124\n",
        },
    )
    assert r.status_code == 200
    results = {i.who: i for i in r.context["results"]}
    assert results["Elena Rossi"].ok and "MFA phone (415) 555-0123 set" in results["Elena Rossi"].message
    assert not results["Grace Kim"].ok and "no phone for them in the list" in results["Grace Kim"].message
    assert not results["nobody@x.example"].ok
    assert sandbox.state.users[elena].pending_mfa_phone == "+14155550123"
    assert (
        _state(r.context["rows"], "elena.rossi@globex.example", "globex-help") == "phone pending confirmation"
    )
    assert AuditEntry.objects.filter(action="team.user_mfa_phone", target=elena, outcome="ok").exists()


def test_password_resets_for_the_ticked_people(client_itadmin, sandbox):
    elena = user_id(sandbox, "elena.rossi@globex.example")
    r = client_itadmin.post(
        "/team/compliance/act/", {"action": "password_reset", "pick": [f"globex-help:{elena}"]}
    )
    assert r.status_code == 302 and r["Location"] == "/team/compliance/"
    r = client_itadmin.get(r["Location"])
    assert [i.ok for i in r.context["results"]] == [True]
    assert sandbox.state.users[elena].password_reset_sent_at is not None
    assert "password reset email sent" in r.content.decode().lower()
    assert client_itadmin.get("/team/compliance/").context["results"] == []  # shown once


def test_a_bad_phone_in_the_list_is_refused_per_person_and_nothing_ticked_is_an_error(
    client_itadmin, sandbox
):
    r = client_itadmin.post(
        "/team/compliance/act/",
        {"action": "mfa_phone", "phones": "elena.rossi@globex.example, 12"},
        follow=True,
    )
    assert [i.ok for i in r.context["results"]] == [False]
    assert sandbox.state.user_by_email("elena.rossi@globex.example").pending_mfa_phone is None
    r = client_itadmin.post("/team/compliance/act/", {"action": "password_reset"})
    assert r.status_code == 422 and "Tick the people" in r.content.decode()


def test_only_it_admins_act(client_lead):
    assert client_lead.post("/team/compliance/act/", {"action": "password_reset"}).status_code == 403
