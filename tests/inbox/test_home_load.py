"""Team load on the inbox overview: per person, open and unaddressed tickets and the longest
wait, each a link to their queue. Counted from the inbox's open tickets, 100 a call, when that
is cheaper than 2 calls per person; then one call for the waits."""

from __future__ import annotations

import math

import pytest

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


def _owner_counts(sandbox) -> dict[str, tuple[int, int]]:
    tickets = [t for t in box(sandbox).tickets.values() if t.status != "Closed"]
    return {
        u: (sum(t.user_id == u for t in tickets), sum(t.user_id == u and t.unaddressed for t in tickets))
        for u in {t.user_id for t in tickets if t.user_id}
    }


def _cold_load(client, sandbox) -> tuple[str, list[dict]]:
    client.get(URL, **HTMX)  # the directory is filled on first use
    from django.core.cache import cache

    cache.clear()
    sandbox.clear_log()
    page = text_of(client.get(URL, **HTMX))
    return page, [c for c in api_calls(sandbox, "GET", "/v1/tickets") if c["path"] == "/v1/tickets"]


def test_it_counts_from_the_open_tickets_100_a_call(client_lead, sandbox):
    open_tickets = sum(t.status != "Closed" for t in box(sandbox).tickets.values())
    page, lists = _cold_load(client_lead, sandbox)
    assert len(lists) == math.ceil(open_tickets / 100)  # not 2 per person
    assert all(c["params"]["limit"] == "100" and "user_id" not in c["params"] for c in lists)
    assert [c["params"].get("after") is not None for c in lists] == [False] + [True] * (len(lists) - 1)
    assert len([c for c in api_calls(sandbox, "GET") if c["path"].endswith("/events")]) <= 1
    for owner, (opened, _) in _owner_counts(sandbox).items():
        assert f'href="/i/{INBOX}/tickets/?owner={owner}">{opened}</a>' in page


def test_past_its_pages_it_asks_the_api_per_person(client_lead, sandbox, monkeypatch):
    """An inbox with more open tickets than WALK_MAX_PAGES pages: the per-person counts."""
    from inbox.services import workload

    monkeypatch.setattr(workload, "WALK_PAGE", 10)
    monkeypatch.setattr(workload, "WALK_MAX_PAGES", 2)
    page, lists = _cold_load(client_lead, sandbox)
    people = page.count("<tr>") - 1 + 1  # the rows, and the API user: asked, not shown (owns none)
    assert [c["params"]["limit"] for c in lists] == ["10"] + ["1"] * (2 * people)
    for owner, (opened, waiting) in _owner_counts(sandbox).items():
        assert f'href="/i/{INBOX}/tickets/?owner={owner}">{opened}</a>' in page
        if waiting:
            assert f'?owner={owner}&amp;unaddressed=on&amp;order=oldest_activity">{waiting}</a>' in page


@pytest.mark.parametrize("page_size", [7, 100])
def test_walked_and_asked_give_the_same_longest_waits(client_lead, sandbox, monkeypatch, page_size):
    from inbox.services import workload

    monkeypatch.setattr(workload, "WALK_PAGE", page_size)
    monkeypatch.setattr(workload, "WALK_MAX_PAGES", 20)
    open_tickets = sum(t.status != "Closed" for t in box(sandbox).tickets.values())
    walked, lists = _cold_load(client_lead, sandbox)
    assert len(lists) == math.ceil(open_tickets / page_size)  # walked through the cursor
    monkeypatch.setattr(workload, "WALK_MAX_PAGES", 0)
    asked, lists = _cold_load(client_lead, sandbox)
    assert all(c["params"]["limit"] == "1" for c in lists)
    assert walked.replace("\n", "") == asked.replace("\n", "")


def test_the_overview_loads_it_after_the_page_and_without_javascript(client_agent, sandbox):
    assert 'hx-get="/i/acme-support/load/"' in text_of(client_agent.get(f"/i/{INBOX}/"))
    assert "Longest wait" in text_of(client_agent.get(f"/i/{INBOX}/?load=1"))


def test_everyone_on_the_inbox_shares_one_count_for_30_seconds(client_lead, client_agent, sandbox):
    first = text_of(client_lead.get(URL, **HTMX))
    assert "Counted for everyone on the inbox at most 30 seconds ago." in first
    sandbox.clear_log()
    assert text_of(client_agent.get(URL, **HTMX)) == first
    assert api_calls(sandbox, "GET", "/v1/tickets") == []


def test_the_api_credentials_own_user_is_left_out_while_it_owns_nothing(client_lead, sandbox):
    with sandbox.state.lock:
        api_user = next(u for u in sandbox.state.users.values() if u.is_api)
        owns = sum(t.user_id == api_user.id and t.status != "Closed" for t in box(sandbox).tickets.values())
    assert owns == 0
    page = text_of(client_lead.get(URL, **HTMX))
    assert f"?owner={api_user.id}" not in page
    colleague = next(iter(_owner_counts(sandbox)))
    assert f"?owner={colleague}" in page  # the people who work the queue are listed
