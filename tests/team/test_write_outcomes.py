"""Every team write under faults: what the person is told matches the sandbox's state afterwards,
with exactly one audit entry saying the same, and the input kept when it did not go through.

Faults with `apply=True` (and hangs, HTML and truncated bodies) let the sandbox make the change
and then answer badly: avodash reads the user back and reports it done. A plain status fault
answers before anything changes: the read-back finds nothing changed. A password reset and a
pending MFA phone cannot be read back: an unclear answer is reported, and audited, as unknown.
"""

from __future__ import annotations

import html as html_text
import re

import pytest

from avodash.domain.inboxes import inboxes_all
from avodash.models import AuditEntry
from tests.helpers import INBOX, api_calls, post, wait_for
from tests.team.conftest import membership, team_url, uid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limit")]

JORDAN = "jordan.lee@acme.example"  # member, enabled, in acme-support
PRIYA = "priya.shah@acme.example"  # disabled in acme-support
TOM = "tom.becker@acme.example"
CHECKED = "Avochato's answer was unclear, so avodash read it back:"
NOTHING = "Avochato's answer was unclear, so avodash read it back: nothing had changed."


def _entry(action: str) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(action=action))
    assert len(entries) == 1, f"{action}: {[(e.outcome, e.error) for e in entries]}"
    return entries[0]


def _writes(sandbox) -> list[dict]:
    return [c for c in api_calls(sandbox) if c["method"] != "GET"]


def _text(r) -> str:
    """The page as a person reads it (entities decoded)."""
    return html_text.unescape(r.content.decode())


def _followed(client, r) -> str:
    assert r.status_code == 302, _text(r)[:3000]
    return _text(client.get(r["Location"]))


# --- applied, but the answer did not say so ----------------------------------------------------


def test_a_role_change_answered_500_after_it_applied_is_reported_done(client_itadmin, sandbox):
    jordan = uid(sandbox, JORDAN)
    sandbox.faults.add(f"/v1/users/{jordan}", method="PUT", status=500, apply=True)
    r = post(client_itadmin, team_url(f"{jordan}/role/"), {"role": "manager"})
    assert membership(sandbox, JORDAN).role == "manager"
    html = _followed(client_itadmin, r)
    assert f"{CHECKED} Jordan Lee is now manager in Acme Support." in html
    entry = _entry("team.user_role")
    assert entry.outcome == "ok" and entry.error == "" and entry.target == jordan
    assert client_itadmin.get(team_url(f"{jordan}/")).context["member"].role == "manager"  # written through


def test_a_disable_answered_with_an_html_page_is_reported_done(client_itadmin, sandbox):
    jordan = uid(sandbox, JORDAN)
    sandbox.faults.add(f"/v1/users/{jordan}/disable", method="POST", body="<html>proxy error</html>")
    r = post(client_itadmin, team_url(f"{jordan}/disable/"), {"confirm": "yes"})
    assert membership(sandbox, JORDAN).enabled is False
    assert f"{CHECKED} Jordan Lee is disabled in Acme Support" in _followed(client_itadmin, r)
    assert _entry("team.user_disable").outcome == "ok"


def test_a_disable_whose_answer_never_came_is_read_back(client_itadmin, sandbox, settings):
    settings.AVOCHATO_TIMEOUT = 1.0  # the read timeout: time is left in the page's budget to read back
    jordan = uid(sandbox, JORDAN)
    sandbox.faults.add(f"/v1/users/{jordan}/disable", method="POST", hang=True, hang_seconds=1.5, times=1)
    r = post(client_itadmin, team_url(f"{jordan}/disable/"), {"confirm": "yes"})
    assert membership(sandbox, JORDAN).enabled is False
    assert f"{CHECKED} Jordan Lee is disabled" in _followed(client_itadmin, r)
    assert _entry("team.user_disable").outcome == "ok"
    wait_for(lambda: api_calls(sandbox, "POST", f"/v1/users/{jordan}/disable"))  # logged once answered
    assert len(api_calls(sandbox, "POST", f"/v1/users/{jordan}/disable")) == 1  # never sent again


def test_an_enable_answered_with_truncated_json_is_reported_done(client_itadmin, sandbox):
    priya = uid(sandbox, PRIYA)
    sandbox.faults.add(f"/v1/users/{priya}/enable", method="POST", truncate=True)
    r = post(client_itadmin, team_url(f"{priya}/enable/"))
    assert membership(sandbox, PRIYA).enabled is True
    assert f"{CHECKED} Priya Shah is enabled again in Acme Support." in _followed(client_itadmin, r)
    assert _entry("team.user_enable").outcome == "ok"


def test_a_removal_answered_502_after_it_applied_is_reported_done(client_itadmin, sandbox):
    tom = uid(sandbox, TOM)
    sandbox.faults.add(f"/v1/users/{tom}", method="DELETE", status=502, apply=True)
    r = post(client_itadmin, team_url(f"{tom}/remove/"), {"confirm": "yes", "handover_to": ""})
    assert membership(sandbox, TOM) is None
    assert r.status_code == 302 and r["Location"] == team_url()
    assert f"{CHECKED} Tom Becker was removed from Acme Support." in _text(client_itadmin.get(r["Location"]))
    assert _entry("team.user_remove").outcome == "ok"
    assert len(api_calls(sandbox, "DELETE")) == 1


def test_an_add_answered_503_after_it_applied_is_read_back_by_email(client_itadmin, sandbox):
    sandbox.faults.add("/v1/users", method="POST", status=503, apply=True)
    r = post(
        client_itadmin, team_url("add/"), {"email": "new.hire@acme.example", "name": "Nia", "role": "manager"}
    )
    user = sandbox.state.user_by_email("new.hire@acme.example")
    assert user is not None and sandbox.state.inbox(INBOX).members[user.id].role == "manager"
    assert r["Location"] == team_url(f"{user.id}/")
    html = _followed(client_itadmin, r)
    assert f"{CHECKED} new.hire@acme.example is a member of Acme Support now, as manager." in html
    entry = _entry("team.user_add")
    assert entry.outcome == "ok" and entry.params["user_id"] == user.id
    assert len(api_calls(sandbox, "POST", "/v1/users")) == 1


def test_a_password_reset_with_an_unclear_answer_is_unknown_never_failed(client_itadmin, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    sandbox.faults.add(f"/v1/users/{sam}/password_reset", method="POST", status=500, apply=True)
    r = post(client_itadmin, team_url(f"{sam}/password-reset/"), {"confirm": "yes"})
    assert sandbox.state.users[sam].password_reset_sent_at is not None  # it was sent
    assert r.status_code == 422
    html = _text(r)
    assert "Unknown whether the password reset email reached sam.rivera@acme.example" in html
    assert "it may have been sent. Check with them before sending another." in html
    assert f'<a href="{team_url(f"{sam}/")}">Check Sam Rivera\'s page now</a>' in html
    entry = _entry("team.user_password_reset")
    assert entry.outcome == "unknown" and "internal problem" in entry.error
    assert len(api_calls(sandbox, "POST", f"/v1/users/{sam}/password_reset")) == 1


@pytest.mark.parametrize("htmx", [False, True])
def test_an_mfa_phone_with_an_unclear_answer_is_unknown_and_the_number_kept(client_itadmin, sandbox, htmx):
    grace = uid(sandbox, "grace.kim@acme.example")
    sandbox.faults.add(f"/v1/users/{grace}/mfa_phone", method="POST", body="<html>gateway</html>")
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    r = post(client_itadmin, team_url(f"{grace}/mfa-phone/"), {"phone": "+14155550142"}, **extra)
    assert sandbox.state.users[grace].pending_mfa_phone == "+14155550142"
    html = _text(r) if htmx else _followed(client_itadmin, r)
    assert r.status_code == (422 if htmx else 302)
    assert "Unknown whether the MFA phone (415) 555-0142 was set for Grace Kim" in html
    assert 'value="+14155550142"' in html
    assert f'<a href="{team_url(f"{grace}/")}">Check Grace Kim\'s page now</a>' in html
    assert _entry("team.user_mfa_phone").outcome == "unknown"


def test_when_the_read_back_fails_too_the_outcome_is_unknown_and_the_page_offers_to_check(
    client_itadmin, sandbox
):
    jordan = uid(sandbox, JORDAN)
    client_itadmin.get(team_url(f"{jordan}/"))  # the directory knows Jordan: no lookup call
    sandbox.faults.add(f"/v1/users/{jordan}", method="PUT", status=500, apply=True)
    sandbox.faults.add(f"/v1/users/{jordan}", method="GET", status=500)
    r = post(client_itadmin, team_url(f"{jordan}/role/"), {"role": "manager"})
    assert r.status_code == 422
    html = _text(r)
    assert "Avochato did not say whether Jordan Lee is now manager in Acme Support" in html
    assert f'<a href="{team_url(f"{jordan}/")}">Check Jordan Lee\'s page now</a>' in html
    assert '<option value="manager" selected>' in html
    entry = _entry("team.user_role")
    assert entry.outcome == "unknown" and "internal problem" in entry.error
    assert len(api_calls(sandbox, "PUT")) == 1  # never sent again
    sandbox.faults.clear()
    page = client_itadmin.get(team_url(f"{jordan}/"))  # the check reads Avochato, not the old copy
    assert page.context["member"].role == "manager"


# --- not applied: the fault answered before anything changed -----------------------------------


@pytest.mark.parametrize("htmx", [False, True])
def test_a_role_change_that_did_not_apply_keeps_the_chosen_role(client_itadmin, sandbox, htmx):
    jordan = uid(sandbox, JORDAN)
    sandbox.faults.add(f"/v1/users/{jordan}", method="PUT", status=500)
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    r = post(client_itadmin, team_url(f"{jordan}/role/"), {"role": "manager"}, **extra)
    assert membership(sandbox, JORDAN).role == "member"
    assert r.status_code == 422
    html = _text(r)
    assert f"The role was not changed. {NOTHING} Avochato had an internal problem" in html
    assert '<option value="manager" selected>' in html
    entry = _entry("team.user_role")
    assert entry.outcome == "failed" and "internal problem" in entry.error


@pytest.mark.parametrize(
    ("email", "path", "action", "data", "said"),
    [
        (JORDAN, "disable/", "team.user_disable", {"confirm": "yes"}, "Jordan Lee was not disabled"),
        (PRIYA, "enable/", "team.user_enable", {}, "Priya Shah was not enabled"),
        (
            TOM,
            "remove/",
            "team.user_remove",
            {"confirm": "yes", "handover_to": ""},
            "Tom Becker was not removed",
        ),
    ],
)
def test_a_write_that_did_not_apply_is_failed_after_the_read_back(
    client_itadmin, sandbox, email, path, action, data, said
):
    user = uid(sandbox, email)
    before = membership(sandbox, email)
    sandbox.faults.add(f"/v1/users/{user}*", method="POST", status=500)
    sandbox.faults.add(f"/v1/users/{user}", method="DELETE", status=500)
    r = post(client_itadmin, team_url(f"{user}/{path}"), data)
    assert r.status_code == 422
    assert f"{said}. {NOTHING}" in _text(r)
    after = membership(sandbox, email)
    assert after is not None and after.enabled == before.enabled
    assert _entry(action).outcome == "failed"


def test_an_add_that_did_not_apply_keeps_every_field(client_itadmin, sandbox):
    sandbox.faults.add("/v1/users", method="POST", status=500)
    data = {"email": "new.hire@acme.example", "name": "Nia Hire", "role": "manager", "phone": "+14155550166"}
    r = post(client_itadmin, team_url("add/"), data, HTTP_HX_REQUEST="true")
    assert sandbox.state.user_by_email("new.hire@acme.example") is None
    assert r.status_code == 422
    html = _text(r)
    assert f"Avochato did not add the user. {NOTHING}" in html
    assert 'value="new.hire@acme.example"' in html and 'value="Nia Hire"' in html
    assert 'value="+14155550166"' in html
    assert re.search(r'<input[^>]*value="manager"[^>]*checked', html)  # the chosen role
    assert _entry("team.user_add").outcome == "failed"


def test_an_mfa_phone_refused_for_the_rate_limit_is_failed_and_the_number_kept(client_itadmin, sandbox):
    grace = uid(sandbox, "grace.kim@acme.example")
    sandbox.faults.add(f"/v1/users/{grace}/mfa_phone", method="POST", status=429, retry_after="30")
    r = post(
        client_itadmin, team_url(f"{grace}/mfa-phone/"), {"phone": "+14155550142"}, HTTP_HX_REQUEST="true"
    )
    assert sandbox.state.users[grace].pending_mfa_phone != "+14155550142"
    assert r.status_code == 422
    html = _text(r)
    assert "The MFA phone was not set" in html and 'value="+14155550142"' in html
    assert _entry("team.user_mfa_phone").outcome == "failed"


# --- Avochato answers 500 to everything ---------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "path", "data", "action"),
    [
        (JORDAN, "role/", {"role": "manager"}, "team.user_role"),
        (JORDAN, "disable/", {"confirm": "yes"}, "team.user_disable"),
        (JORDAN, "password-reset/", {"confirm": "yes"}, "team.user_password_reset"),
        (PRIYA, "enable/", {}, "team.user_enable"),
        (JORDAN, "mfa-phone/", {"phone": "+14155550142"}, "team.user_mfa_phone"),
        (TOM, "remove/", {"confirm": "yes", "handover_to": ""}, "team.user_remove"),
    ],
)
def test_under_a_500_on_every_call_each_attempt_is_audited_once_as_failed(
    client_itadmin, sandbox, email, path, data, action
):
    user = uid(sandbox, email)
    inboxes_all()  # the inbox list is known; the user is not: the write must look them up first
    sandbox.faults.add("*", status=500)
    r = post(client_itadmin, team_url(f"{user}/{path}"), data)
    if r.status_code == 302:  # the MFA phone form without JS: back to the page, which shows it
        r = client_itadmin.get(r["Location"])
    html = _text(r)
    assert "Nothing was changed: the user could not be read first." in html
    assert "Traceback" not in html and _writes(sandbox) == []
    if action == "team.user_role":
        assert '<option value="manager" selected>' in html  # the chosen role is kept
    if action == "team.user_mfa_phone":
        assert 'value="+14155550142"' in html  # the typed number is kept
    entry = _entry(action)
    assert entry.outcome == "failed" and "internal problem" in entry.error
    assert AuditEntry.objects.count() == 1


def test_under_a_500_on_every_call_an_add_is_audited_once_as_unknown(client_itadmin, sandbox):
    """Nothing to look up first: the POST went out, and a 500 does not say it was not applied."""
    inboxes_all()
    sandbox.faults.add("*", status=500)
    data = {"email": "new.hire@acme.example", "name": "Nia Hire", "role": "member"}
    r = post(client_itadmin, team_url("add/"), data)
    assert r.status_code == 422
    html = _text(r)
    assert "Avochato did not say whether new.hire@acme.example was added to Acme Support" in html
    assert 'value="new.hire@acme.example"' in html and 'value="Nia Hire"' in html
    assert _entry("team.user_add").outcome == "unknown"
    assert AuditEntry.objects.count() == 1


# --- the person page ----------------------------------------------------------------------------


def test_the_person_page_reports_per_inbox_truth_and_keeps_the_chosen_roles(client_itadmin, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    client_itadmin.get(f"/team/people/{sam}/")  # the directory knows their inboxes
    sandbox.faults.add(f"/v1/users/{sam}", method="PUT", status=500)  # in every inbox: nothing applies
    r = client_itadmin.post(
        f"/team/people/{sam}/roles/", {"role_acme-support": "manager", "role_acme-sales": "manager"}
    )
    assert r.status_code == 422
    html = _text(r)
    assert html.count(f"The role was not changed. {NOTHING}") == 2
    for sub in ("acme-support", "acme-sales"):
        select = html.split(f'id="role-{sub}"')[1].split("</select>")[0]
        assert '<option value="manager" selected>' in select
    assert sorted(e.outcome for e in AuditEntry.objects.filter(action="team.user_role")) == [
        "failed",
        "failed",
    ]


def test_the_person_page_keeps_the_typed_phone_when_it_is_unknown(client_itadmin, sandbox):
    grace = uid(sandbox, "grace.kim@acme.example")
    client_itadmin.get(f"/team/people/{grace}/")
    sandbox.faults.add(f"/v1/users/{grace}/mfa_phone", method="POST", status=502, apply=True)
    r = client_itadmin.post(
        f"/team/people/{grace}/act/", {"action": "mfa_phone", "phone": "+14155550142"}, HTTP_HX_REQUEST="true"
    )
    assert sandbox.state.users[grace].pending_mfa_phone == "+14155550142"
    assert r.status_code == 422
    html = _text(r)
    assert "Unknown whether the MFA phone (415) 555-0142 was set for Grace Kim" in html
    assert 'value="+14155550142"' in html
    assert "Check what it says now:" in html and f"/team/{grace}/" in html.split("Check what it says now:")[1]
    assert _entry("team.user_mfa_phone").outcome == "unknown"


def test_the_person_page_reads_a_disable_back_in_each_inbox(client_itadmin, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    client_itadmin.get(f"/team/people/{sam}/")
    sandbox.faults.add(f"/v1/users/{sam}/disable", method="POST", status=500, apply=True)
    r = client_itadmin.post(
        f"/team/people/{sam}/act/", {"action": "disable", "inboxes": ["acme-support"], "confirm": "yes"}
    )
    assert membership(sandbox, "sam.rivera@acme.example").enabled is False
    assert f"{CHECKED} Sam Rivera is disabled in Acme Support" in _followed(client_itadmin, r)
    assert _entry("team.user_disable").outcome == "ok"


# --- MFA compliance: bulk actions ---------------------------------------------------------------


def test_bulk_password_resets_say_per_person_what_is_known(client_itadmin, sandbox):
    """Elena's reset went through but the answer was a 502: unknown, never "not done". Grace's
    was refused with a 429 before anything happened: not done. One audit entry each."""
    elena, grace = uid(sandbox, "elena.rossi@globex.example"), uid(sandbox, "grace.kim@acme.example")
    sandbox.faults.add(f"/v1/users/{elena}/password_reset", method="POST", status=502, apply=True)
    sandbox.faults.add(f"/v1/users/{grace}/password_reset", method="POST", status=429)
    r = client_itadmin.post(
        "/team/compliance/act/",
        {"action": "password_reset", "pick": [f"globex-help:{elena}", f"acme-support:{grace}"]},
        follow=True,
    )
    results = {i.who: i for i in r.context["results"]}
    assert sandbox.state.users[elena].password_reset_sent_at is not None
    assert results["Elena Rossi"].unknown and not results["Elena Rossi"].ok
    assert sandbox.state.users[grace].password_reset_sent_at is None
    assert not results["Grace Kim"].ok and not results["Grace Kim"].unknown
    html = _text(r)
    assert "Elena Rossi</strong>: Unknown whether the password reset email reached" in html
    assert "Grace Kim</strong>: not done, The password reset email was not sent" in html
    outcomes = {e.target: e.outcome for e in AuditEntry.objects.filter(action="team.user_password_reset")}
    assert outcomes == {elena: "unknown", grace: "failed"}
