"""Who may use the team pages: Agent none (403), Lead reads, IT admin acts; inbox grants."""

from __future__ import annotations

import pytest

from avodash.models import AuditEntry
from tests.foundation.urlwalk import inbox_routes
from tests.helpers import INBOX, api_calls, post
from tests.team.conftest import team_url, uid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limit")]

ACTIONS = ("role/", "disable/", "enable/", "mfa-phone/", "password-reset/", "remove/")


def _team_paths(sandbox) -> list[str]:
    """Every team URL of the inbox, with a real user id (and the placeholder one)."""
    jordan = uid(sandbox, "jordan.lee@acme.example")
    routes = [r for r in inbox_routes(INBOX) if r.startswith(team_url())]
    assert len(routes) >= 9, routes
    return sorted(set(routes) | {r.replace("/x1/", f"/{jordan}/") for r in routes})


def test_it_answers_403_to_an_agent_on_every_team_url(client_agent, sandbox):
    # The method check comes first (405 for a method the URL never takes: it says nothing about
    # the inbox or the person); every method a URL takes answers 403.
    for path in _team_paths(sandbox):
        get = client_agent.get(path).status_code
        assert get in (403, 405), f"GET {path} answered {get}"
        assert client_agent.get(path, HTTP_HX_REQUEST="true").status_code == get, f"htmx GET {path}"
        r = post(client_agent, path, {"role": "owner", "confirm": "yes", "phone": "+14155550199"})
        assert r.status_code in (403, 405), f"POST {path} answered {r.status_code}"
        assert 403 in (get, r.status_code), f"{path} never answered 403"
    assert [c for c in api_calls(sandbox) if c["path"].startswith("/v1/users")] == []
    assert not AuditEntry.objects.exists()


def test_it_hides_the_team_link_from_an_agent(client_agent):
    r = client_agent.get(f"/i/{INBOX}/")
    assert r.status_code == 200
    assert team_url().encode() not in r.content


def test_it_lets_a_lead_read_the_team(client_lead, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    r = client_lead.get(team_url())
    assert r.status_code == 200
    assert b"Jordan Lee" in r.content
    assert b"Add user" not in r.content
    r = client_lead.get(team_url(f"{jordan}/"))
    assert r.status_code == 200
    assert b"jordan.lee@acme.example" in r.content
    assert b"Read-only" in r.content
    for needle in (b"Change role", b"Send password reset", b"Disable", b"Remove", b"Set phone"):
        assert needle not in r.content, needle


def test_it_refuses_every_action_to_a_lead(client_lead, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    assert client_lead.get(team_url("add/")).status_code == 403
    assert (
        post(client_lead, team_url("add/"), {"email": "x@example.com", "role": "member"}).status_code == 403
    )
    for action in ACTIONS:
        r = post(client_lead, team_url(f"{jordan}/{action}"), {"role": "owner", "confirm": "yes"})
        assert r.status_code == 403, action
    for action in ("disable/", "remove/"):
        assert client_lead.get(team_url(f"{jordan}/{action}")).status_code == 403, action
    writes = [c for c in api_calls(sandbox) if c["method"] != "GET"]
    assert writes == []
    assert not AuditEntry.objects.exists()


def test_it_lets_an_it_admin_reach_every_page_and_action(client_itadmin, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    for path in ("", "add/", f"{jordan}/", f"{jordan}/disable/", f"{jordan}/remove/"):
        assert client_itadmin.get(team_url(path)).status_code == 200, path
    r = client_itadmin.get(team_url(f"{jordan}/"))
    for needle in (b"Change role", b"Send password reset", b"Disable", b"Remove", b"Set phone"):
        assert needle in r.content, needle


def test_it_answers_404_to_a_lead_without_a_grant_for_the_inbox(client_outsider, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    assert client_outsider.get(team_url()).status_code == 404
    assert client_outsider.get(team_url(f"{jordan}/")).status_code == 404
    assert client_outsider.get(team_url(subdomain="globex-help")).status_code == 200


def test_it_refuses_a_write_from_a_stale_tab_of_another_inbox(client_itadmin, sandbox):
    jordan = uid(sandbox, "jordan.lee@acme.example")
    r = post(client_itadmin, team_url(f"{jordan}/role/"), {"role": "manager"}, inbox="acme-sales")
    assert r.status_code == 400
    assert [c for c in api_calls(sandbox) if c["method"] != "GET"] == []
    assert sandbox.state.inbox(INBOX).members[jordan].role == "member"
