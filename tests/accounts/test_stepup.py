"""Step-up: a dangerous action after STEP_UP_SECONDS asks for the password again, then the
original POST completes once."""

from __future__ import annotations

import pytest

from accounts.stepup import step_up
from avodash.models import AuditEntry
from inbox.views import broadcasts, contacts_bulk
from team.views import member, offboarding, onboarding, people, person
from tests.accounts.conftest import sign_in
from tests.helpers import api_calls, post
from tests.team.conftest import membership, no_rate_limit, team_url, uid  # noqa: F401 - a fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limit")]

JORDAN = "jordan.lee@acme.example"
REAUTH = "/accounts/reauthenticate/"


def _puts(sandbox) -> list[dict]:
    return [c for c in api_calls(sandbox) if c["method"] == "PUT"]


def test_a_fresh_sign_in_acts_without_asking(itadmin, sandbox, clock):
    c, _ = sign_in("itadmin")
    jordan = uid(sandbox, JORDAN)
    clock.advance(599)
    r = post(c, team_url(f"{jordan}/role/"), {"role": "manager"})
    assert r["Location"] == team_url(f"{jordan}/")
    assert membership(sandbox, JORDAN).role == "manager"


def test_an_old_sign_in_asks_for_the_password_then_completes_the_change_once(itadmin, sandbox, clock):
    c, _ = sign_in("itadmin")
    jordan = uid(sandbox, JORDAN)
    clock.advance(601)
    sandbox.clear_log()
    r = post(c, team_url(f"{jordan}/role/"), {"role": "manager"})
    assert r.status_code == 302 and r["Location"].startswith(REAUTH)
    assert _puts(sandbox) == [] and membership(sandbox, JORDAN).role == "member"
    page = c.get(r["Location"])
    assert page.status_code == 200 and "Password" in page.content.decode()
    r = c.post(r["Location"], {"password": "wrong"})
    assert r.status_code == 200 and _puts(sandbox) == []
    r = c.post(f"{REAUTH}?next={team_url(f'{jordan}/role/')}", {"password": "pw-itadmin"})
    assert r.status_code == 302 and r["Location"] == team_url(f"{jordan}/")
    assert membership(sandbox, JORDAN).role == "manager"
    assert len(_puts(sandbox)) == 1
    assert "Jordan Lee is now manager in Acme Support" in c.get(r["Location"]).content.decode()
    assert AuditEntry.objects.filter(action="auth.step_up", actor=itadmin).count() == 1
    assert AuditEntry.objects.filter(action="team.user_role").count() == 1
    # Within the new window the next change goes straight through.
    clock.advance(300)
    post(c, team_url(f"{jordan}/role/"), {"role": "member"})
    assert membership(sandbox, JORDAN).role == "member"


def test_an_htmx_post_is_sent_to_the_re_authentication_page_whole(itadmin, sandbox, clock):
    c, _ = sign_in("itadmin")
    jordan = uid(sandbox, JORDAN)
    clock.advance(601)
    r = post(c, team_url(f"{jordan}/disable/"), {"confirm": "yes"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r["HX-Redirect"].startswith(REAUTH)
    assert [x for x in api_calls(sandbox) if x["method"] != "GET"] == []


def test_an_ungranted_inbox_is_refused_before_any_step_up(itadmin, outsider, sandbox, clock):
    c, _ = sign_in("outsider")
    jordan = uid(sandbox, JORDAN)
    clock.advance(601)
    r = post(c, team_url(f"{jordan}/role/"), {"role": "manager"})
    assert r.status_code == 404  # no grant: refused before any step-up
    assert membership(sandbox, JORDAN).role == "member"


@pytest.mark.parametrize(
    "view",
    [
        member.user_role,
        member.user_disable,
        member.user_remove,
        member.user_password_reset,
        member.user_mfa_phone,
        offboarding.offboard,
        onboarding.onboard_csv_preview,
        broadcasts.broadcast_publish,
        contacts_bulk.contacts_remove_all,
        person.person_roles,
        person.person_act,
        people.compliance_act,
    ],
)
def test_every_dangerous_team_action_is_stepped_up(view):
    assert getattr(view, "step_up", False) is True


def test_the_decorator_lets_gets_through(rf, itadmin, clock):
    from django.contrib.sessions.backends.db import SessionStore
    from django.http import HttpResponse

    @step_up
    def view(request):
        return HttpResponse("ok")

    request = rf.get("/x/")
    request.user, request.session = itadmin, SessionStore()
    assert view(request).content == b"ok"


def test_the_kept_request_holds_headers_and_form_but_no_server_environment(rf):
    import json

    from accounts.stepup import _serialized

    request = rf.post(
        "/i/acme-support/team/x/role/",
        {"inbox": "acme-support", "role": "manager"},
        HTTP_HX_REQUEST="true",
        HTTP_COOKIE="sessionid=abc",
        AVOCHATO_AUTH_SECRET="from-the-environment",
    )
    kept = json.loads(_serialized(request))
    assert kept["POST"] == "inbox=acme-support&role=manager" and kept["method"] == "POST"
    assert "AVOCHATO_AUTH_SECRET" not in kept["META"] and "from-the-environment" not in json.dumps(kept)
    assert "HTTP_HX_REQUEST" not in kept["META"] and "HTTP_COOKIE" not in kept["META"]
    assert request.META["HTTP_HX_REQUEST"] == "true"  # the live request is untouched


def test_an_old_sign_in_asks_again_before_removing_every_contact(itadmin, sandbox, clock):
    c, _ = sign_in("itadmin")
    clock.advance(601)
    before = len(sandbox.state.inbox("acme-support").contacts)
    r = post(c, "/i/acme-support/contacts/remove-all/", {"confirm": "acme-support"})
    assert r.status_code == 302 and r["Location"].startswith(REAUTH)
    assert len(sandbox.state.inbox("acme-support").contacts) == before
    assert [x for x in api_calls(sandbox) if x["method"] == "DELETE"] == []
