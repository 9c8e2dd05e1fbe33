"""/settings/access/: IT admins manage dashboard users, role and grants picked from known inboxes."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client

from avodash.models import AuditEntry, InboxGrant
from avodash.roles import role_name
from tests.accounts.conftest import UA, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(itadmin):
    return sign_in("itadmin")[0]


def test_only_it_admins_see_the_access_page(lead, itadmin):
    assert sign_in("lead")[0].get("/settings/access/").status_code == 403
    assert sign_in("itadmin")[0].get("/settings/access/").status_code == 200


def test_the_list_shows_role_grants_mfa_and_sign_in_method(admin_client, lead, outsider):
    InboxGrant.objects.create(user=outsider, subdomain="acme-old")
    html = admin_client.get("/settings/access/").content.decode()
    assert "Lead" in html and "Globex Help" in html
    assert "acme-old: no longer exists" in html
    assert "Never signed in" in html and "Local" in html  # outsider / itadmin


def test_a_grant_is_picked_from_known_inboxes_and_a_typo_is_refused(admin_client, lead):
    url = f"/settings/access/{lead.pk}/"
    page = admin_client.get(url).content.decode()
    assert 'value="acme-support"' in page and 'value="globex-help"' in page
    r = admin_client.post(url, {"role": "Agent", "inboxes": ["acme-suport"]})
    assert r.status_code == 422
    assert "Select a valid choice" in r.content.decode()
    assert list(lead.inbox_grants.values_list("subdomain", flat=True)) == ["*"]
    r = admin_client.post(
        url, {"role": "Agent", "inboxes": ["acme-support", "globex-help"]}, HTTP_USER_AGENT=UA
    )
    assert r.status_code == 302
    lead = User.objects.get(pk=lead.pk)
    assert role_name(lead) == "Agent"
    assert sorted(lead.inbox_grants.values_list("subdomain", flat=True)) == ["acme-support", "globex-help"]
    entry = AuditEntry.objects.get(action="access.grants")
    assert entry.target == "lead" and entry.params["added"] == ["acme-support", "globex-help"]
    assert entry.params["removed"] == ["*"] and entry.params["user_agent"] == UA


def test_a_grant_for_a_vanished_inbox_shows_and_can_be_removed_but_not_added(admin_client, outsider):
    InboxGrant.objects.create(user=outsider, subdomain="acme-old")
    url = f"/settings/access/{outsider.pk}/"
    assert "acme-old — no longer exists" in admin_client.get(url).content.decode()
    admin_client.post(url, {"role": "Lead", "inboxes": ["globex-help"]})
    assert list(outsider.inbox_grants.values_list("subdomain", flat=True)) == ["globex-help"]
    r = admin_client.post(url, {"role": "Lead", "inboxes": ["acme-old"]})
    assert r.status_code == 422


def test_an_invitation_mails_a_set_password_link_that_works(admin_client):
    r = admin_client.post(
        "/settings/access/invite/",
        {"email": "Nia@Acme.example", "name": "Nia Hire", "role": "Agent", "inboxes": ["acme-support"]},
    )
    assert r.status_code == 302
    nia = User.objects.get(email="nia@acme.example")
    assert not nia.has_usable_password() and role_name(nia) == "Agent"
    assert [m.to for m in mail.outbox] == [["nia@acme.example"]]
    link = re.search(r"http://testserver(\S+)", mail.outbox[0].body).group(1)
    c = Client()
    r = c.get(link, follow=True)
    assert r.status_code == 200
    form_url = r.redirect_chain[-1][0] if r.redirect_chain else link
    r = c.post(form_url, {"password1": "a-long-new-passphrase-9", "password2": "a-long-new-passphrase-9"})
    assert r.status_code == 302, r.content.decode()[:3000]
    c2, r = sign_in("nia@acme.example", "a-long-new-passphrase-9")
    assert r.status_code == 302
    assert c2.get("/i/acme-support/").status_code == 200
    assert c2.get("/i/acme-sales/").status_code == 404
    assert AuditEntry.objects.filter(action="access.invite", target="nia@acme.example").exists()


def test_an_invitation_for_a_known_email_is_refused(admin_client, lead):
    r = admin_client.post("/settings/access/invite/", {"email": "lead@avodash.test", "role": "Agent"})
    assert r.status_code == 422 and "already has a dashboard login" in r.content.decode()


def test_deactivating_ends_sessions_and_sign_ins(admin_client, agent):
    theirs, _ = sign_in("agent")
    admin_client.post(f"/settings/access/{agent.pk}/active/", {"active": "no"})
    assert theirs.get("/i/acme-support/").status_code == 302
    again, _ = sign_in("agent")
    assert "_auth_user_id" not in again.session
    assert again.get("/i/acme-support/").status_code == 302
    assert AuditEntry.objects.filter(action="access.deactivate", target="agent").exists()


def test_an_it_admin_signs_someone_out_everywhere(admin_client, agent):
    theirs, _ = sign_in("agent")
    assert theirs.get("/i/acme-support/").status_code == 200
    admin_client.post(f"/settings/access/{agent.pk}/sign-out/")
    assert theirs.get("/i/acme-support/").status_code == 302
    assert AuditEntry.objects.filter(action="access.sign_out", target="agent").exists()


def test_access_changes_are_stepped_up(admin_client, lead, clock):
    clock.advance(601)
    r = admin_client.post(f"/settings/access/{lead.pk}/", {"role": "Agent", "inboxes": ["acme-support"]})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/reauthenticate/")
    assert role_name(User.objects.get(pk=lead.pk)) == "Lead"


def test_the_django_admin_refuses_a_typo_in_a_grant(client_admin, agent):
    r = client_admin.post("/admin/avodash/inboxgrant/add/", {"user": agent.pk, "subdomain": "acme-suport"})
    assert r.status_code == 200
    assert "No inbox “acme-suport” is reachable" in r.content.decode()
    assert not InboxGrant.objects.filter(subdomain="acme-suport").exists()
    r = client_admin.post("/admin/avodash/inboxgrant/add/", {"user": agent.pk, "subdomain": "acme-sales"})
    assert r.status_code == 302
    assert InboxGrant.objects.filter(user=agent, subdomain="acme-sales").exists()


def test_an_inbox_the_directory_does_not_know_yet_is_checked_with_avochato(sandbox):
    from django.core.exceptions import ValidationError

    from accounts.grants import validate_subdomain
    from avodash.domain.inboxes import inboxes_all
    from avodash.models import DirectoryInbox
    from tests.helpers import api_calls

    inboxes_all()  # the directory's accounts pass
    DirectoryInbox.objects.filter(subdomain="globex-help").delete()  # created in Avochato since
    sandbox.clear_log()
    validate_subdomain("globex-help")  # no error: Avochato says it exists
    assert [c["path"] for c in api_calls(sandbox, "GET", "/v1/accounts/")] == ["/v1/accounts/globex-help"]
    assert DirectoryInbox.objects.filter(subdomain="globex-help", present=True).exists()
    with pytest.raises(ValidationError, match="No inbox “acme-suport”"):
        validate_subdomain("acme-suport")
