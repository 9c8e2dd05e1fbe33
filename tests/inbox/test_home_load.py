"""Team load on the inbox overview: per person, open and unaddressed tickets and the longest
wait, each a link to their queue; 2 calls per person and one for the waits, all at once."""

from __future__ import annotations

from tests.helpers import INBOX, api_calls
from tests.inbox.support import HTMX, box, text_of

URL = f"/i/{INBOX}/load/"


def test_each_person_has_their_counts_and_links(client_lead, sandbox):
    tickets = [t for t in box(sandbox).tickets.values() if t.status != "Closed"]
    owner = max({t.user_id for t in tickets if t.user_id}, key=lambda u: sum(t.user_id == u for t in tickets))
    opened = sum(t.user_id == owner for t in tickets)
    waiting = sum(t.user_id == owner and t.unaddressed for t in tickets)
    page = text_of(client_lead.get(URL, **HTMX))
    name = sandbox.state.users[owner].name
    assert f'href="/i/{INBOX}/tickets/?owner={owner}">{name}</a>' in page
    assert f'href="/i/{INBOX}/tickets/?owner={owner}">{opened}</a>' in page
    if waiting:
        assert f'?owner={owner}&amp;unaddressed=on&amp;order=oldest_activity">{waiting}</a>' in page


def test_it_costs_two_calls_per_person_and_one_for_the_waits(client_lead, sandbox):
    client_lead.get(URL, **HTMX)  # the directory is filled on first use
    from django.core.cache import cache

    cache.clear()
    sandbox.clear_log()
    page = text_of(client_lead.get(URL, **HTMX))
    people = page.count("<tr>") - 1
    lists = [c for c in api_calls(sandbox, "GET", "/v1/tickets") if c["path"] == "/v1/tickets"]
    assert len(lists) == 2 * people
    assert len([c for c in api_calls(sandbox, "GET") if c["path"].endswith("/events")]) <= 1


def test_the_overview_loads_it_after_the_page_and_without_javascript(client_agent, sandbox):
    assert 'hx-get="/i/acme-support/load/"' in text_of(client_agent.get(f"/i/{INBOX}/"))
    assert "Longest wait" in text_of(client_agent.get(f"/i/{INBOX}/?load=1"))


def test_everyone_on_the_inbox_shares_one_count_for_30_seconds(client_lead, client_agent, sandbox):
    first = text_of(client_lead.get(URL, **HTMX))
    assert "Counted for everyone on the inbox at most 30 seconds ago." in first
    sandbox.clear_log()
    assert text_of(client_agent.get(URL, **HTMX)) == first
    assert api_calls(sandbox, "GET", "/v1/tickets") == []
