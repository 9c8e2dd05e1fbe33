"""The user page: facts, MFA, inboxes, open tickets with a queue link; addressing by email."""

from __future__ import annotations

import pytest

from avodash.sandbox.state import Membership
from tests.helpers import INBOX, api_calls
from tests.team.conftest import open_ticket_ids, team_url, uid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_rate_limit")]


def test_it_shows_the_user_their_inboxes_and_open_tickets(client_lead, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    sandbox.clear_log()
    r = client_lead.get(team_url(f"{sam}/"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Sam Rivera" in html and "sam.rivera@acme.example" in html
    assert "Member" in html and "Enabled" in html
    assert "Acme Support" in html and "Acme Sales" in html and "acme-sales" in html
    assert "<code>acme-sales</code>" in html  # in the table of their inboxes, not only the menu
    count = len(open_ticket_ids(sandbox, sam))
    assert count > 0
    assert f'<strong class="team-big">{count}</strong> open ticket' in html
    assert f'href="/i/{INBOX}/tickets/?owner={sam}"' in html
    paths = {c["path"] for c in api_calls(sandbox)}
    assert {f"/v1/users/{sam}", f"/v1/users/{sam}/accounts", "/v1/tickets"} <= paths
    tickets = [c for c in api_calls(sandbox, "GET", "/v1/tickets")]
    assert tickets and tickets[0]["params"]["user_id"] == sam


def test_it_shows_the_mfa_state(client_lead, sandbox):
    grace = uid(sandbox, "grace.kim@acme.example")
    html = client_lead.get(team_url(f"{grace}/")).content.decode()
    assert "Incomplete" in html
    assert "Not verified" in html and "Not set up" in html
    aisha = uid(sandbox, "aisha.khan@acme.example")
    html = client_lead.get(team_url(f"{aisha}/")).content.decode()
    assert "Verified" in html
    assert "(415) 555-0105" in html or "+14155550105" in html


def test_it_finds_a_user_by_email(client_lead, sandbox):
    sam = uid(sandbox, "sam.rivera@acme.example")
    sandbox.clear_log()
    r = client_lead.get(team_url("sam.rivera@acme.example/"))
    assert r.status_code == 200
    assert "Sam Rivera" in r.content.decode()
    lookups = api_calls(sandbox, "GET", "/v1/users/_")
    assert lookups and lookups[0]["path"] == "/v1/users/_"
    assert lookups[0]["params"]["email"] == "sam.rivera@acme.example"
    assert f"/v1/users/{sam}/accounts" in {c["path"] for c in api_calls(sandbox)}


def test_it_says_not_found_for_a_user_outside_the_inbox(client_lead, sandbox):
    chloe = uid(sandbox, "chloe.nguyen@acme.example")  # acme-sales only
    r = client_lead.get(team_url(f"{chloe}/"))
    assert r.status_code == 404
    assert "Not found" in r.content.decode()
    assert client_lead.get(team_url("nobody@nowhere.example/")).status_code == 404


def test_it_warns_about_the_credentials_own_user_and_offers_no_way_to_cut_it_off(client_itadmin, sandbox):
    api_user = uid(sandbox, "api@avodash.example")
    html = client_itadmin.get(team_url(f"{api_user}/")).content.decode()
    assert "This is avodash's own API user" in html
    assert "Disable…" not in html and "Remove…" not in html


def test_it_answers_404_for_ids_that_are_not_path_segments(client_lead, sandbox):
    for bad in ("%2E%2E", "%2E"):
        r = client_lead.get(team_url(f"{bad}/"))
        assert r.status_code == 404, bad
    assert not [c for c in api_calls(sandbox) if c["path"].startswith("/v1/users/")]


# --- inboxes the viewer has no grant for -----------------------------------------------------------


def test_the_user_page_hides_inboxes_the_viewer_is_not_granted(client_outsider, sandbox):
    # Aisha is in acme-support and globex-help; the outsider is granted globex-help only.
    aisha = uid(sandbox, "aisha.khan@acme.example")
    r = client_outsider.get(team_url(f"{aisha}/", subdomain="globex-help"))
    assert r.status_code == 200
    html = r.content.decode()
    assert "Globex Help" in html
    for leak in ("Acme Support", "acme-support", "+15105551234"):
        assert leak not in html, leak
    assert "And 1 other inbox you have no access to." in html


def test_the_user_page_counts_several_hidden_inboxes(client_outsider, sandbox):
    # Diego: globex-help and acme-support; add him to acme-sales too.
    diego = uid(sandbox, "diego.alvarez@globex.example")
    with sandbox.state.lock:
        sandbox.state.inbox("acme-sales").members[diego] = Membership(
            user_id=diego, role="member", enabled=True, added_at=1.0e9
        )
    html = client_outsider.get(team_url(f"{diego}/", subdomain="globex-help")).content.decode()
    assert "And 2 other inboxes you have no access to." in html
    assert "Acme Sales" not in html and "acme-sales" not in html


def test_a_viewer_granted_everything_sees_every_inbox_and_no_hidden_line(client_lead, sandbox):
    aisha = uid(sandbox, "aisha.khan@acme.example")
    html = client_lead.get(team_url(f"{aisha}/")).content.decode()
    assert "Globex Help" in html and "Acme Support" in html
    assert 'href="/i/globex-help/team/' in html
    assert "<code>globex-help</code>" in html and "<code>acme-support</code>" in html  # the inboxes table
    assert "you have no access to" not in html
