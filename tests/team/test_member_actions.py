"""Every team write through the pages, checked in the sandbox's state and in the audit trail."""

from __future__ import annotations

import pytest

from avodash.models import AuditEntry
from tests.helpers import INBOX, api_calls, post
from tests.team.conftest import membership, open_ticket_ids, team_url, uid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limit")]

SAM = "sam.rivera@acme.example"


def _writes(sandbox) -> list[dict]:
    return [c for c in api_calls(sandbox) if c["method"] != "GET"]


def _audit(action: str) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(action=action))
    assert len(entries) == 1, f"{action}: {entries}"
    return entries[0]


def _flash(client, response) -> str:
    assert response.status_code == 302, response.content[:2000]
    return client.get(response["Location"]).content.decode()


# --- add ------------------------------------------------------------------------------------


def test_it_adds_a_new_person_who_gets_an_invitation(client_itadmin, sandbox):
    r = post(
        client_itadmin,
        team_url("add/"),
        {"email": "New.Hire@Acme.example", "name": "Nia Hire", "role": "manager"},
    )
    user = sandbox.state.user_by_email("new.hire@acme.example")
    assert user is not None and user.name == "Nia Hire"
    assert sandbox.state.inbox(INBOX).members[user.id].role == "manager"
    assert r["Location"] == team_url(f"{user.id}/")
    html = _flash(client_itadmin, r)
    assert "is new to Avochato: an invitation email was sent so they can set a password" in html
    entry = _audit("team.user_add")
    assert entry.outcome == "ok" and entry.target == "new.hire@acme.example"
    assert entry.params["role"] == "manager" and entry.params["invited"] is True


def test_it_adds_an_existing_avochato_user_who_is_notified(client_itadmin, sandbox):
    chloe = uid(sandbox, "chloe.nguyen@acme.example")  # in acme-sales, not acme-support
    r = post(client_itadmin, team_url("add/"), {"email": "chloe.nguyen@acme.example", "role": "member"})
    assert sandbox.state.inbox(INBOX).members[chloe].role == "member"
    html = _flash(client_itadmin, r)
    assert "already had an Avochato login: they were added to this inbox and notified" in html
    assert _audit("team.user_add").params["invited"] is False


def test_it_adds_a_user_with_an_mfa_phone(client_itadmin, sandbox):
    r = post(
        client_itadmin,
        team_url("add/"),
        {"email": "phone.person@acme.example", "role": "member", "phone": "+1 415 555 0123"},
    )
    assert r.status_code == 302
    assert sandbox.state.user_by_email("phone.person@acme.example").pending_mfa_phone == "+14155550123"
    assert "pending until they confirm it by SMS" in _flash(client_itadmin, r)


def test_it_refuses_a_bad_email_or_phone_before_calling_the_api(client_itadmin, sandbox):
    r = post(
        client_itadmin, team_url("add/"), {"email": "not-an-email", "role": "member", "phone": "555-1234"}
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert "Enter a valid email address" in html
    assert "E.164" in html and 'value="555-1234"' in html
    r = post(client_itadmin, team_url("add/"), {"email": "a@acme.example", "role": "admin"})
    assert r.status_code == 422 and "Select a valid choice" in r.content.decode()
    assert _writes(sandbox) == []
    assert not AuditEntry.objects.exists()


def test_it_shows_the_apis_refusal_and_keeps_the_input(client_itadmin, sandbox):
    r = post(
        client_itadmin,
        team_url("add/"),
        {"email": "jordan.lee@acme.example", "name": "Jordan", "role": "member"},
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert "Avochato did not add the user" in html and "already a member" in html
    assert 'value="jordan.lee@acme.example"' in html
    entry = _audit("team.user_add")
    assert entry.outcome == "failed" and "already a member" in entry.error


# --- role -----------------------------------------------------------------------------------


def test_it_changes_a_role(client_itadmin, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    r = post(client_itadmin, team_url(f"{jordan}/role/"), {"role": "manager"})
    assert membership(sandbox, "jordan.lee@acme.example").role == "manager"
    assert "Jordan Lee is now manager in Acme Support" in _flash(client_itadmin, r)
    entry = _audit("team.user_role")
    assert entry.outcome == "ok" and entry.target == jordan and entry.params == {"role": "manager"}
    puts = [c for c in _writes(sandbox) if c["method"] == "PUT"]
    assert puts[0]["path"] == f"/v1/users/{jordan}" and puts[0]["params"]["role"] == "manager"


def test_it_explains_the_owner_rule_when_a_promotion_is_refused(
    client_itadmin, sandbox, as_manager_credential
):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    r = post(client_itadmin, team_url(f"{jordan}/role/"), {"role": "owner", "confirm": "yes"})
    assert r.status_code == 422
    html = r.content.decode()
    assert "Managers cannot promote users to owner" in html  # the API's words
    assert "Avochato only lets owners" in html  # the rule explained
    assert '<option value="owner" selected>' in html  # the choice is kept
    assert membership(sandbox, "jordan.lee@acme.example").role == "member"
    entry = _audit("team.user_role")
    assert entry.outcome == "failed" and "owner" in entry.error


def test_a_promotion_to_owner_is_confirmed_first_naming_what_owners_can(client_itadmin, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    r = post(client_itadmin, team_url(f"{jordan}/role/"), {"role": "owner"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "Change Jordan Lee from Member to Owner in Acme Support?" in html and "billing included" in html
    assert _writes(sandbox) == []
    post(client_itadmin, team_url(f"{jordan}/role/"), {"role": "owner", "confirm": "yes"})
    assert membership(sandbox, "jordan.lee@acme.example").role == "owner"


def test_any_change_of_an_owner_is_confirmed_first(client_itadmin, sandbox):
    omar = uid(sandbox, "omar.haddad@acme.example")
    r = post(client_itadmin, team_url(f"{omar}/role/"), {"role": "manager"})
    assert "They lose owner rights" in r.content.decode() and _writes(sandbox) == []


def test_it_refuses_an_unknown_role_before_calling_the_api(client_itadmin, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    r = post(client_itadmin, team_url(f"{jordan}/role/"), {"role": "admin"})
    assert r.status_code == 422
    assert "Select a valid choice" in r.content.decode()
    assert _writes(sandbox) == []


# --- disable / enable -----------------------------------------------------------------------


def test_it_asks_before_disabling_and_names_user_and_inbox(client_itadmin, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    r = client_itadmin.get(team_url(f"{jordan}/disable/"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Disable Jordan Lee in Acme Support?" in html
    assert 'name="confirm" value="yes"' in html and "btn-danger" in html
    # a POST without the confirmation only shows the question again
    r = post(client_itadmin, team_url(f"{jordan}/disable/"))
    assert r.status_code == 200 and "Disable Jordan Lee in Acme Support?" in r.content.decode()
    assert _writes(sandbox) == []
    assert membership(sandbox, "jordan.lee@acme.example").enabled is True


def test_it_serves_the_confirmation_inline_for_htmx(client_itadmin, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    r = client_itadmin.get(
        team_url(f"{jordan}/disable/"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="confirm-region"
    )
    html = r.content.decode()
    assert r.status_code == 200 and "<html" not in html
    assert "Disable Jordan Lee in Acme Support?" in html


def test_it_disables_and_re_enables_a_user(client_itadmin, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    r = post(client_itadmin, team_url(f"{jordan}/disable/"), {"confirm": "yes"})
    assert membership(sandbox, "jordan.lee@acme.example").enabled is False
    html = _flash(client_itadmin, r)
    assert "Jordan Lee is disabled in Acme Support" in html and "Re-enable" in html
    assert _audit("team.user_disable").outcome == "ok"

    r = post(client_itadmin, team_url(f"{jordan}/enable/"))
    assert membership(sandbox, "jordan.lee@acme.example").enabled is True
    assert "Jordan Lee is enabled again in Acme Support" in _flash(client_itadmin, r)
    entry = _audit("team.user_enable")
    assert entry.outcome == "ok" and entry.target == jordan


def test_it_re_enables_a_disabled_user(client_itadmin, sandbox):
    priya = uid(sandbox, "priya.shah@acme.example")
    html = client_itadmin.get(team_url(f"{priya}/")).content.decode()
    assert "Disabled in Acme Support." in html and "Re-enable" in html
    post(client_itadmin, team_url(f"{priya}/enable/"))
    assert membership(sandbox, "priya.shah@acme.example").enabled is True


def test_it_shows_a_refused_disable_on_the_user_page(client_itadmin, sandbox, as_manager_credential):
    omar = uid(sandbox, "omar.haddad@acme.example")  # an owner: a manager may not touch him
    r = post(client_itadmin, team_url(f"{omar}/disable/"), {"confirm": "yes"})
    assert r.status_code == 422
    assert "modify existing owners" in r.content.decode()
    assert membership(sandbox, "omar.haddad@acme.example").enabled is True
    assert _audit("team.user_disable").outcome == "failed"


def test_it_will_not_disable_or_remove_the_credentials_own_user(client_itadmin, sandbox):
    api_user = uid(sandbox, "api@avodash.example")
    for action in ("disable/", "remove/"):
        r = post(client_itadmin, team_url(f"{api_user}/{action}"), {"confirm": "yes"})
        assert r.status_code == 422
        assert "would cut the dashboard off from Acme Support" in r.content.decode()
    assert _writes(sandbox) == []
    assert membership(sandbox, "api@avodash.example") is not None


# --- MFA phone, password reset -------------------------------------------------------------


def test_it_refuses_a_bad_mfa_phone_at_the_field(client_itadmin, sandbox):
    """Without JS: back on the user page (PRG), the error at the field, the input kept, and the
    E.164 form of the US number offered."""
    grace = uid(sandbox, "grace.kim@acme.example")
    r = post(client_itadmin, team_url(f"{grace}/mfa-phone/"), {"phone": "(415) 555-0199"})
    assert r.status_code == 302 and r["Location"] == team_url(f"{grace}/") + "#h-phone"
    html = client_itadmin.get(r["Location"]).content.decode()
    assert "E.164" in html and 'value="(415) 555-0199"' in html and 'aria-invalid="true"' in html
    assert "Did you mean <strong>+14155550199</strong>?" in html
    assert 'name="suggested" value="+14155550199"' in html
    assert _writes(sandbox) == []
    # Shown once: a reload is a clean form.
    assert "Did you mean" not in client_itadmin.get(r["Location"]).content.decode()


def test_a_bad_mfa_phone_with_htmx_answers_with_the_form_section_only(client_itadmin, sandbox):
    grace = uid(sandbox, "grace.kim@acme.example")
    r = post(
        client_itadmin, team_url(f"{grace}/mfa-phone/"), {"phone": "(415) 555-0199"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 422
    html = r.content.decode()
    assert html.lstrip().startswith('<section class="panel team-action" id="mfa-phone"')
    assert "Did you mean <strong>+14155550199</strong>?" in html and "<html" not in html
    assert _writes(sandbox) == []


def test_the_did_you_mean_button_sets_the_suggested_phone(client_itadmin, sandbox):
    grace = uid(sandbox, "grace.kim@acme.example")
    r = post(
        client_itadmin,
        team_url(f"{grace}/mfa-phone/"),
        {"phone": "(415) 555-0199", "suggested": "+14155550199"},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200 and r["HX-Redirect"] == team_url(f"{grace}/")
    assert sandbox.state.users[grace].pending_mfa_phone == "+14155550199"


def test_no_suggestion_for_a_number_that_is_not_a_us_one(client_itadmin, sandbox):
    grace = uid(sandbox, "grace.kim@acme.example")
    r = post(client_itadmin, team_url(f"{grace}/mfa-phone/"), {"phone": "555-0199"})
    html = client_itadmin.get(r["Location"]).content.decode()
    assert "E.164" in html and "Did you mean" not in html


def test_it_sets_an_mfa_phone_that_the_user_must_confirm(client_itadmin, sandbox):
    grace = uid(sandbox, "grace.kim@acme.example")
    r = post(client_itadmin, team_url(f"{grace}/mfa-phone/"), {"phone": "+14155550199"})
    user = sandbox.state.users[grace]
    assert user.pending_mfa_phone == "+14155550199" and user.phone_valid is False
    html = _flash(client_itadmin, r)
    assert "MFA phone (415) 555-0199 set for Grace Kim" in html
    assert "until they confirm it with the code Avochato texts" in html
    entry = _audit("team.user_mfa_phone")
    assert entry.outcome == "ok" and entry.params == {"phone": "+14155550199"}


def test_it_sends_a_password_reset(client_itadmin, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    page = client_itadmin.get(team_url(f"{sam}/")).content.decode()
    assert "The link expires in 48 hours" in page
    # First a confirmation naming them and the link's lifetime; nothing is sent yet.
    r = post(client_itadmin, team_url(f"{sam}/password-reset/"), {})
    assert r.status_code == 200 and sandbox.state.users[sam].password_reset_sent_at is None
    confirm = r.content.decode()
    assert "Send Sam Rivera a password reset email?" in confirm
    assert "sam.rivera@acme.example" in confirm and "The link expires in 48 hours." in confirm
    r = client_itadmin.get(
        team_url(f"{sam}/password-reset/"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="confirm-region"
    )
    assert r.status_code == 200 and "<html" not in r.content.decode()
    assert "Send Sam Rivera a password reset email?" in r.content.decode()
    assert sandbox.state.users[sam].password_reset_sent_at is None
    r = post(client_itadmin, team_url(f"{sam}/password-reset/"), {"confirm": "yes"})
    assert sandbox.state.users[sam].password_reset_sent_at is not None
    html = _flash(client_itadmin, r)
    assert "Password reset email sent to sam.rivera@acme.example. The link in it expires in 48 hours." in html
    assert _audit("team.user_password_reset").outcome == "ok"


# --- remove ---------------------------------------------------------------------------------


def test_it_asks_before_removing_and_offers_a_handover(client_itadmin, sandbox):
    grace = uid(sandbox, "grace.kim@acme.example")
    count = len(open_ticket_ids(sandbox, grace))
    r = client_itadmin.get(team_url(f"{grace}/remove/"))
    html = r.content.decode()
    assert "Remove Grace Kim from Acme Support?" in html
    assert f"They own {count} open tickets here" in html and "unassigns them" in html
    assert "Leave them unassigned" in html and "Hand them to Sam Rivera" in html
    assert "Hand them to Priya Shah" not in html  # disabled: not a colleague to hand to
    assert "Hand them to Avodash API" not in html
    assert "Hand them to Grace Kim" not in html
    assert _writes(sandbox) == []


def test_it_removes_a_user_and_their_tickets_become_unassigned(client_itadmin, sandbox):
    tom = uid(sandbox, "tom.becker@acme.example")
    tickets = open_ticket_ids(sandbox, tom)
    assert tickets
    r = post(client_itadmin, team_url(f"{tom}/remove/"), {"confirm": "yes", "handover_to": ""})
    assert r.status_code == 302 and r["Location"] == team_url()
    assert membership(sandbox, "tom.becker@acme.example") is None
    inbox = sandbox.state.inbox(INBOX)
    assert all(inbox.tickets[t].user_id is None for t in tickets)
    html = client_itadmin.get(r["Location"]).content.decode()
    assert "Tom Becker was removed from Acme Support." in html
    assert f"Their {len(tickets)} open tickets here are now unassigned" in html
    assert "tom.becker@acme.example" not in html.split("<tbody>")[1]
    entry = _audit("team.user_remove")
    assert entry.outcome == "ok" and entry.target == tom
    assert not AuditEntry.objects.filter(action="team.tickets_handover").exists()


def test_it_hands_open_tickets_to_a_colleague_before_removing(client_itadmin, sandbox):
    grace, sam = uid(sandbox, "grace.kim@acme.example"), uid(sandbox, "sam.rivera@acme.example")
    tickets = open_ticket_ids(sandbox, grace)
    sams_before = open_ticket_ids(sandbox, sam)
    assert tickets
    r = post(client_itadmin, team_url(f"{grace}/remove/"), {"confirm": "yes", "handover_to": sam})
    assert r.status_code == 302
    inbox = sandbox.state.inbox(INBOX)
    assert all(inbox.tickets[t].user_id == sam for t in tickets)
    assert open_ticket_ids(sandbox, sam) == sams_before | tickets
    assert membership(sandbox, "grace.kim@acme.example") is None
    puts = [c for c in _writes(sandbox) if c["method"] == "PUT"]
    assert puts and all(c["path"].startswith("/v1/tickets/") for c in puts)
    assert set(",".join(c["path"].removeprefix("/v1/tickets/") for c in puts).split(",")) == tickets
    assert all(c["params"]["user_id"] == sam for c in puts)
    # the handover happened before the removal
    methods = [c["method"] for c in _writes(sandbox)]
    assert methods.index("DELETE") > max(i for i, m in enumerate(methods) if m == "PUT")
    html = client_itadmin.get(r["Location"]).content.decode()
    assert f"{len(tickets)} open tickets handed to Sam Rivera" in html
    handover = _audit("team.tickets_handover")
    assert handover.outcome == "ok" and handover.params["moved"] == len(tickets)
    assert _audit("team.user_remove").outcome == "ok"


def test_it_does_not_remove_anyone_when_the_handover_fails(client_itadmin, sandbox):
    grace, sam = uid(sandbox, "grace.kim@acme.example"), uid(sandbox, "sam.rivera@acme.example")
    sandbox.faults.add("/v1/tickets/*", method="PUT", status=500)
    r = post(client_itadmin, team_url(f"{grace}/remove/"), {"confirm": "yes", "handover_to": sam})
    assert r.status_code == 502
    html = r.content.decode()
    assert "was not removed" in html and "Try again" in html
    assert f'<option value="{sam}" selected>' in html  # the choice is kept
    assert membership(sandbox, "grace.kim@acme.example") is not None
    assert not [c for c in _writes(sandbox) if c["method"] == "DELETE"]
    assert _audit("team.tickets_handover").outcome == "failed"
    assert not AuditEntry.objects.filter(action="team.user_remove").exists()


def test_it_refuses_a_handover_to_someone_outside_the_team(client_itadmin, sandbox):
    grace, chloe = uid(sandbox, "grace.kim@acme.example"), uid(sandbox, "chloe.nguyen@acme.example")
    r = post(client_itadmin, team_url(f"{grace}/remove/"), {"confirm": "yes", "handover_to": chloe})
    assert r.status_code == 422
    assert "Select a valid choice" in r.content.decode()
    assert _writes(sandbox) == []


def test_it_addresses_a_user_by_email_in_actions(client_itadmin, sandbox):
    r = post(client_itadmin, team_url("sam.rivera@acme.example/disable/"), {"confirm": "yes"})
    assert r.status_code == 302
    assert membership(sandbox, "sam.rivera@acme.example").enabled is False


# --- writes address the fetched user ----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("role/", {"role": "manager"}),
        ("enable/", {}),
        ("mfa-phone/", {"phone": "+14155551234"}),
        ("password-reset/", {"confirm": "yes"}),
    ],
)
def test_writes_addressed_by_email_go_to_the_fetched_users_id(client_itadmin, sandbox, path, data):
    sam = uid(sandbox, SAM)
    sandbox.clear_log()
    r = post(client_itadmin, team_url(f"{SAM}/{path}"), data)
    assert r.status_code == 302, r.content[:300]
    assert r["Location"] == team_url(f"{sam}/")
    writes = _writes(sandbox)
    assert writes and all(w["path"].startswith(f"/v1/users/{sam}") for w in writes), writes
    assert not [c for c in api_calls(sandbox) if c["path"].startswith("/v1/users/_/")]
    assert AuditEntry.objects.get().target == sam


def test_the_password_reset_message_names_the_fetched_user_not_the_posted_text(client_itadmin, sandbox):
    sam = uid(sandbox, SAM)
    r = post(
        client_itadmin, team_url(f"{sam}/password-reset/"), {"confirm": "yes", "who": "<b>someone else</b>"}
    )
    html = client_itadmin.get(r["Location"]).content.decode()
    assert f"Password reset email sent to {SAM}." in html
    assert "someone else" not in html
