"""Who reaches the messaging pages: every role reads; the new-message page needs send rights;
no grant is a 404 everywhere."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client

from avodash.models import InboxGrant
from tests.helpers import INBOX

PAGES = [f"/i/{INBOX}/messages/", f"/i/{INBOX}/scheduled/", f"/i/{INBOX}/compose/"]


@pytest.mark.parametrize("persona", ["client_agent", "client_lead", "client_itadmin", "client_admin"])
def test_every_role_reaches_the_pages(request, persona, sandbox):
    client = request.getfixturevalue(persona)
    for url in PAGES:
        assert client.get(url).status_code == 200, url


def test_no_grant_is_a_404_everywhere(client_outsider, sandbox):
    for url in [*PAGES, f"/i/{INBOX}/scheduled/cancel/"]:
        method = client_outsider.post if url.endswith("cancel/") else client_outsider.get
        assert method(url).status_code == 404, url
    # Only the directory's accounts pass (the inboxes, and who the credential acts as) may run.
    assert all(r["path"] in ("/v1/accounts", "/v1/whoami") for r in sandbox.requests)


def test_reading_without_send_rights(sandbox, db):
    viewer = User.objects.create_user("viewer", password="pw", email="viewer@avodash.test")
    viewer.user_permissions.add(Permission.objects.get(codename="view_tickets"))
    InboxGrant.objects.create(user=viewer, subdomain="*")
    c = Client()
    c.force_login(viewer)
    assert c.get(PAGES[0]).status_code == 200
    page = c.get(PAGES[1])
    assert page.status_code == 200
    assert "cancelling needs permission to send messages" in page.content.decode()
    assert c.get(PAGES[2]).status_code == 403
    assert "New message" not in c.get(PAGES[0]).content.decode().split("<main")[1]
