"""The person page (/team/people/<email or id>/): every inbox of theirs, the actions per inbox
or for all at once, role changes confirmed when an owner is involved; the type-ahead finder."""

from __future__ import annotations

import pytest

from avodash.models import AuditEntry
from tests.team.conftest import membership, uid

pytestmark = pytest.mark.usefixtures("no_rate_limit")

SAM = "sam.rivera@acme.example"


def test_the_page_shows_every_granted_inbox_with_role_state_mfa_tickets_and_scheduled(
    client_itadmin, sandbox
):
    sam = uid(sandbox, SAM)
    r = client_itadmin.get(f"/team/people/{sam}/")
    assert r.status_code == 200
    person = r.context["person"]
    assert [m.inbox.subdomain for m in person.inboxes] == ["acme-sales", "acme-support"]
    support = next(m for m in person.inboxes if m.inbox.subdomain == "acme-support")
    inbox = sandbox.state.inbox("acme-support")
    expected = sum(1 for t in inbox.tickets.values() if t.user_id == sam and t.status != "Closed")
    assert support.open_tickets == expected
    assert support.user.role == "member" and support.user.enabled is True
    assert support.mfa_state_name == "compliant"
    assert person.other_inboxes == 0
    page = r.content.decode()
    assert "Sam Rivera" in page and "Apply role changes" in page


def test_the_page_is_reached_by_email_too_and_404s_for_a_stranger(client_itadmin):
    assert client_itadmin.get(f"/team/people/{SAM}/").context["person"].email == SAM
    assert client_itadmin.get("/team/people/nobody@x.example/").status_code == 404


def test_inboxes_not_granted_are_counted_not_named(client_outsider, sandbox):
    aisha = uid(sandbox, "aisha.khan@acme.example")
    r = client_outsider.get(f"/team/people/{aisha}/")
    assert r.status_code == 200
    assert [m.inbox.subdomain for m in r.context["person"].inboxes] == ["globex-help"]
    assert r.context["person"].other_inboxes == 1
    page = r.content.decode()
    assert "Acme Support" not in page and "1 other inbox you have no access to" in page


def test_roles_change_in_two_inboxes_at_once(client_itadmin, sandbox):
    sam = uid(sandbox, SAM)
    r = client_itadmin.post(
        f"/team/people/{sam}/roles/", {"role_acme-support": "manager", "role_acme-sales": "manager"}
    )
    assert r.status_code == 302
    assert membership(sandbox, SAM).role == "manager"
    assert membership(sandbox, SAM, "acme-sales").role == "manager"
    assert AuditEntry.objects.filter(action="team.user_role", target=sam, inbox="acme-sales").exists()


def test_promotion_to_owner_is_confirmed_naming_what_it_grants(client_itadmin, sandbox):
    sam = uid(sandbox, SAM)
    r = client_itadmin.post(
        f"/team/people/{sam}/roles/", {"role_acme-support": "owner", "role_acme-sales": "member"}
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert "Change Sam Rivera's role?" in page and "billing included" in page
    assert membership(sandbox, SAM).role == "member"  # nothing sent yet
    r = client_itadmin.post(f"/team/people/{sam}/roles/", {"role_acme-support": "owner", "confirm": "yes"})
    assert r.status_code == 302 and membership(sandbox, SAM).role == "owner"


def test_disable_in_the_ticked_inboxes_after_a_confirmation_then_enable(client_itadmin, sandbox):
    sam = uid(sandbox, SAM)
    data = {"action": "disable", "inboxes": ["acme-support", "acme-sales"]}
    r = client_itadmin.post(f"/team/people/{sam}/act/", data)
    assert r.status_code == 200 and "Disable Sam Rivera in Acme Sales, Acme Support?" in r.content.decode()
    assert membership(sandbox, SAM).enabled
    r = client_itadmin.post(f"/team/people/{sam}/act/", {**data, "confirm": "yes"})
    assert r.status_code == 302
    assert not membership(sandbox, SAM).enabled and not membership(sandbox, SAM, "acme-sales").enabled
    client_itadmin.post(f"/team/people/{sam}/act/", {"action": "enable", "inboxes": ["acme-sales"]})
    assert membership(sandbox, SAM, "acme-sales").enabled and not membership(sandbox, SAM).enabled


def test_mfa_phone_and_password_reset_once_for_their_login(client_itadmin, sandbox):
    sam = uid(sandbox, SAM)
    r = client_itadmin.post(f"/team/people/{sam}/act/", {"action": "mfa_phone", "phone": "415 555 0142"})
    assert r.status_code == 422 and "Did you mean +14155550142?" in r.content.decode()
    client_itadmin.post(f"/team/people/{sam}/act/", {"action": "mfa_phone", "phone": "+14155550142"})
    assert sandbox.state.users[sam].pending_mfa_phone == "+14155550142"
    sandbox.clear_log()
    client_itadmin.post(f"/team/people/{sam}/act/", {"action": "password_reset", "confirm": "yes"})
    resets = [q for q in sandbox.requests if q["path"].endswith("/password_reset")]
    assert len(resets) == 1


def test_a_lead_reads_but_cannot_act(client_lead, sandbox):
    sam = uid(sandbox, SAM)
    page = client_lead.get(f"/team/people/{sam}/").content.decode()
    assert "Apply role changes" not in page
    assert client_lead.post(f"/team/people/{sam}/roles/", {"role_acme-support": "owner"}).status_code == 403
    assert client_lead.post(f"/team/people/{sam}/act/", {"action": "enable"}).status_code == 403


def test_find_by_part_of_a_name_email_or_phone(client_itadmin, sandbox):
    client_itadmin.get("/team/")  # the directory is filled on first use
    for text in ("rive", "sam.riv", "(415) 555-0104", "5550104"):
        r = client_itadmin.get("/team/people/find/", {"q": text}, headers={"HX-Request": "true"})
        assert [u.email for u, _ in r.context["found"]] == [SAM], text
    page = r.content.decode()
    assert f"/team/people/{uid(sandbox, SAM)}/" in page and "Acme Sales, Acme Support" in page
    r = client_itadmin.get("/team/people/find/", {"q": "rive", "for": "offboard"})
    assert "/team/offboard/?email=sam.rivera%40acme.example" in r.content.decode()


def test_onboarding_offers_people_already_known_as_you_type(client_itadmin):
    client_itadmin.get("/team/onboard/")  # the page fills the directory the type-ahead reads
    r = client_itadmin.get(
        "/team/people/find/", {"email": "maya", "for": "onboard"}, headers={"HX-Request": "true"}
    )
    page = r.content.decode()
    assert "Maya Patel" in page and "already in Acme Sales, Acme Support" in page
    assert "<html" not in page and "HX-Request" in r["Vary"]


def test_the_api_user_cannot_be_disabled_from_its_page(client_itadmin, sandbox):
    api = uid(sandbox, "api@avodash.example")
    page = client_itadmin.get(f"/team/people/{api}/").content.decode()
    assert "This is avodash&#x27;s own API user." in page or "This is avodash's own API user." in page
    assert "Disable…" not in page and "Offboard…" not in page
    r = client_itadmin.post(
        f"/team/people/{api}/act/", {"action": "disable", "inboxes": ["acme-support"], "confirm": "yes"}
    )
    assert r.status_code == 422 and membership(sandbox, "api@avodash.example").enabled
