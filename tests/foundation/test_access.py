"""Login on every page, 404 for ungranted inboxes, the stale-inbox refusal, role permissions."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from avodash.roles import AGENT_PERMS, IT_ADMIN, IT_ADMIN_PERMS, LEAD_PERMS, ROLE_PERMS
from tests.foundation.urlwalk import PUBLIC, all_routes, inbox_routes
from tests.helpers import INBOX, OTHER_INBOX, api_calls

pytestmark = pytest.mark.django_db


def test_it_requires_login_on_every_url(sandbox):
    c = Client()
    routes = [r for r in all_routes(INBOX) if r not in PUBLIC]
    assert len(routes) > 3
    for path in routes:
        for method in ("get", "post"):
            r = getattr(c, method)(path)
            assert r.status_code == 302, f"{method.upper()} {path} answered {r.status_code}"
            assert r["Location"].startswith("/accounts/login/"), path
    assert api_calls(sandbox) == [], "an anonymous request reached the API"


def test_it_serves_the_login_page_without_login():
    r = Client().get("/accounts/login/")
    assert r.status_code == 200
    assert b"Log in" in r.content


def test_it_logs_in_with_the_form(agent):
    c = Client()
    r = c.post("/accounts/login/", {"login": "agent", "password": "pw-agent"})
    assert r.status_code == 302
    r = c.get(r["Location"], follow=True)
    assert r.status_code == 200
    assert b"Acme Support" in r.content


def test_it_answers_404_for_every_url_of_an_ungranted_inbox(client_outsider, sandbox):
    routes = inbox_routes(INBOX)
    assert routes, "no inbox routes found"
    for path in routes:
        assert client_outsider.get(path).status_code == 404, f"GET {path}"
        assert client_outsider.get(path, HTTP_HX_REQUEST="true").status_code == 404, f"htmx GET {path}"
        r = client_outsider.post(path, {"inbox": INBOX})
        assert r.status_code == 404, f"POST {path} answered {r.status_code}"
    writes = [c for c in api_calls(sandbox) if c["method"] != "GET"]
    assert writes == [], f"an ungranted request wrote to the API: {writes}"


def test_it_answers_404_for_an_inbox_that_does_not_exist(client_admin):
    assert client_admin.get("/i/no-such-inbox/").status_code == 404


def test_it_refuses_a_post_whose_form_names_another_inbox(client_admin, sandbox):
    posted = 0
    for path in inbox_routes(INBOX):
        sandbox.clear_log()
        r = client_admin.post(path, {"inbox": OTHER_INBOX, "status": "Closed", "text": "hi"})
        if r.status_code == 405:
            continue  # GET-only page
        posted += 1
        assert r.status_code == 400, f"POST {path} answered {r.status_code}"
        assert b"Nothing was sent" in r.content
        assert [c for c in api_calls(sandbox) if c["method"] != "GET"] == [], path
    assert posted >= 1


def test_it_refuses_a_post_without_the_inbox_field(client_admin, sandbox):
    for path in inbox_routes(INBOX):
        r = client_admin.post(path, {"status": "Closed"})
        assert r.status_code in (400, 405), f"POST {path} answered {r.status_code}"
    assert [c for c in api_calls(sandbox) if c["method"] != "GET"] == []


def test_the_roles_are_groups_with_cumulative_permissions():
    for role, codenames in ROLE_PERMS.items():
        group = Group.objects.get(name=role)
        assert set(group.permissions.values_list("codename", flat=True)) == set(codenames)
    assert set(AGENT_PERMS) < set(LEAD_PERMS) < set(IT_ADMIN_PERMS)
    assert "manage_team" in ROLE_PERMS[IT_ADMIN]


def test_role_permissions_per_persona(agent, lead, itadmin, superuser):
    assert agent.has_perm("avodash.send_messages")
    assert not agent.has_perm("avodash.assign_tickets")
    assert not agent.has_perm("avodash.view_team")
    assert lead.has_perm("avodash.assign_tickets") and lead.has_perm("avodash.view_team")
    assert not lead.has_perm("avodash.manage_team")
    assert itadmin.has_perm("avodash.manage_team") and itadmin.has_perm("avodash.view_all_audit")
    assert superuser.has_perm("avodash.manage_team")


def test_home_goes_to_the_first_granted_inbox_then_the_last_used(client_admin):
    r = client_admin.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/i/")
    client_admin.get(f"/i/{OTHER_INBOX}/")
    r = client_admin.get("/")
    assert r["Location"] == f"/i/{OTHER_INBOX}/"


def test_the_switcher_lists_only_granted_inboxes(client_outsider):
    r = client_outsider.get("/i/globex-help/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "Globex Help" in body
    assert "Acme Support" not in body


def test_the_switcher_keeps_the_kind_of_page(client_admin):
    r = client_admin.get(f"/i/{INBOX}/")
    assert f'href="/i/{OTHER_INBOX}/"' in r.content.decode()


def test_every_page_is_sent_with_a_content_security_policy(client_agent, sandbox):
    r = client_agent.get("/i/acme-support/tickets/")
    policy = r["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-eval" not in policy and "object-src 'none'" in policy
    assert "Content-Security-Policy" in Client().get("/accounts/login/")
