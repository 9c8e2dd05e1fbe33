"""Bulk actions on the queue: status, assign, unassign, autoassign, addressed; select all
matching; per-ticket results including the status the API silently ignores; permissions; audit."""

from __future__ import annotations

import math
import re

import pytest

from avodash.avochato.django import get_client
from avodash.models import AuditEntry
from inbox.services import tickets as ticket_svc
from tests.helpers import INBOX, api_calls, post
from tests.inbox.support import QUEUE, box, open_tickets, row_ids, ticket_by_phone, user_id

pytestmark = pytest.mark.django_db

BULK = f"/i/{INBOX}/tickets/bulk/"
BLOCKED_PHONE = "+16505550199"  # Victor Crane: the API ignores status changes on his ticket


def puts(sandbox) -> list[dict]:
    return api_calls(sandbox, "PUT", "/v1/tickets/")


def some_open(sandbox, n=3, **where):
    found = [
        t
        for t in sorted(open_tickets(sandbox), key=lambda t: t.id)
        if all(getattr(t, k) == v for k, v in where.items())
        and not box(sandbox).contacts[t.contact_id].blocked
    ]
    return found[:n]


def test_bulk_close_updates_each_ticket_and_reports_it(client_lead, sandbox):
    tickets = some_open(sandbox, 3, status="Open")
    ids = [t.id for t in tickets]
    r = post(client_lead, BULK, {"ids": ids, "status": "Closed", "filter": "status=Open"})
    assert r.status_code == 302 and r["Location"] == f"{QUEUE}?status=Open"
    page = client_lead.get(r["Location"]).content.decode()
    assert "Updated 3 of 3." in page
    for t in tickets:
        assert t.status == "Closed" and t.unaddressed is False
    [call] = puts(sandbox)
    assert call["path"] == f"/v1/tickets/{','.join(ids)}" and call["params"]["status"] == "Closed"
    entry = AuditEntry.objects.get(action="tickets.bulk_update")
    assert entry.outcome == "ok" and entry.target == ",".join(ids)
    assert entry.params["status"] == "Closed" and entry.params["updated"] == 3
    # The list refreshed without them, keeping the filter.
    assert not set(ids) & set(row_ids(client_lead.get(r["Location"])))


def test_bulk_assign_to_a_named_user(client_lead, sandbox):
    tickets = some_open(sandbox, 3)
    omar = user_id(sandbox, "omar.haddad@acme.example")
    r = post(
        client_lead,
        BULK,
        {"ids": [t.id for t in tickets], "owner": omar},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="queue",
    )
    assert r.status_code == 200
    assert "Updated 3 of 3." in r.content.decode()
    assert all(t.user_id == omar for t in tickets)
    assert puts(sandbox)[0]["params"]["user_id"] == omar
    assert "ticketsChanged" in r.headers.get("HX-Trigger", "")


def test_bulk_unassign(client_lead, sandbox):
    tickets = [t for t in open_tickets(sandbox) if t.user_id][:4]
    r = post(client_lead, BULK, {"ids": [t.id for t in tickets], "owner": "unassign"}, HTTP_HX_REQUEST="true")
    assert "Updated 4 of 4." in r.content.decode()
    assert all(t.user_id is None for t in tickets)
    assert puts(sandbox)[0]["params"]["user_id"] == "unassign"


def test_bulk_autoassign_says_who_got_each_ticket(client_lead, sandbox):
    tickets = [t for t in open_tickets(sandbox) if not t.user_id][:2] or some_open(sandbox, 2)
    r = post(
        client_lead, BULK, {"ids": [t.id for t in tickets], "owner": "autoassign"}, HTTP_HX_REQUEST="true"
    )
    html = r.content.decode()
    assert f"Updated {len(tickets)} of {len(tickets)}." in html
    assert puts(sandbox)[0]["params"]["user_id"] == "autoassign"
    for t in tickets:
        assert t.user_id is not None
        assert f"owner now {sandbox.state.users[t.user_id].name}" in html


@pytest.mark.parametrize("value,expected", [("unaddressed", True), ("addressed", False)])
def test_bulk_addressed(client_lead, sandbox, value, expected):
    tickets = some_open(sandbox, 3, unaddressed=not expected)
    r = post(client_lead, BULK, {"ids": [t.id for t in tickets], "addressed": value}, HTTP_HX_REQUEST="true")
    assert "Updated 3 of 3." in r.content.decode()
    assert all(t.unaddressed is expected for t in tickets)
    assert puts(sandbox)[0]["params"]["unaddressed"] == ("true" if expected else "false")


def test_a_silently_ignored_status_change_is_reported_as_a_failure(client_lead, sandbox):
    victor = ticket_by_phone(sandbox, BLOCKED_PHONE)
    others = some_open(sandbox, 2, status="Open")
    ids = [victor.id] + [t.id for t in others]
    r = post(client_lead, BULK, {"ids": ids, "status": "Pending"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert "Updated 2, failed 1 of 3." in html
    assert "Victor Crane" in html  # the failure names the contact, not only the id
    assert "status left at Open (Avochato ignored the change to Pending)" in html
    assert victor.status == "Open" and all(t.status == "Pending" for t in others)
    entry = AuditEntry.objects.get(action="tickets.bulk_update")
    assert entry.outcome == "failed" and "failed 1 of 3" in entry.error
    assert victor.id in entry.params["failed"]


def test_an_unknown_ticket_is_reported_not_found(client_lead, sandbox):
    t = some_open(sandbox, 1)[0]
    r = post(client_lead, BULK, {"ids": f"{t.id},nosuchticket1", "status": "Pending"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert "Updated 1, failed 1 of 2." in html and "nosuchticket1" in html and "not found" in html


def test_select_all_matching_shows_the_count_first_then_puts_in_chunks(client_lead, sandbox):
    inbox = box(sandbox)
    matching = [t for t in inbox.tickets.values()]  # status=any
    before = {t.id: t.user_id for t in matching}
    omar = user_id(sandbox, "omar.haddad@acme.example")
    r = post(
        client_lead, BULK, {"select_all": "on", "owner": omar, "filter": "status=any"}, HTTP_HX_REQUEST="true"
    )
    html = r.content.decode()
    assert f"Change {len(matching)} tickets matching this filter?" in html
    assert "Owner → Omar Haddad" in html
    assert puts(sandbox) == [], "nothing may run before the count is confirmed"
    assert {t.id: t.user_id for t in matching} == before
    ids = re.search(r'name="ids" value="([^"]+)"', html).group(1)
    assert sorted(ids.split(",")) == sorted(before)
    sandbox.clear_log()
    r = post(
        client_lead,
        BULK,
        {"ids": ids, "confirmed": "on", "owner": omar, "filter": "status=any"},
        HTTP_HX_REQUEST="true",
    )
    assert f"Updated {len(matching)} of {len(matching)}." in r.content.decode()
    calls = puts(sandbox)
    assert len(calls) == math.ceil(len(matching) / 50)
    assert all(len(c["path"].rsplit("/", 1)[1].split(",")) <= 50 for c in calls)
    assert all(t.user_id == omar for t in matching)


def test_the_bulk_bar_offers_select_all_with_the_total(client_lead, sandbox):
    html = client_lead.get(QUEUE).content.decode()
    assert f"All {len(open_tickets(sandbox))} matching this filter" in html
    assert 'name="owner"' in html and "Auto-assign" in html


def test_nothing_selected_or_nothing_to_change_is_a_422(client_lead, sandbox):
    r = post(client_lead, BULK, {"status": "Closed"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422 and "Select at least one ticket" in r.content.decode()
    r = post(client_lead, BULK, {"ids": some_open(sandbox, 1)[0].id}, HTTP_HX_REQUEST="true")
    assert r.status_code == 422 and "Choose what to change" in r.content.decode()
    r = post(client_lead, BULK, {"ids": some_open(sandbox, 1)[0].id, "owner": "nobody-here"})
    assert r.status_code == 422 and "Choose an owner from the list" in r.content.decode()
    assert puts(sandbox) == []


def test_an_agent_cannot_bulk_update_or_bulk_assign(client_agent, sandbox):
    ids = [t.id for t in some_open(sandbox, 2)]
    assert post(client_agent, BULK, {"ids": ids, "status": "Closed"}).status_code == 403
    omar = user_id(sandbox, "omar.haddad@acme.example")
    assert post(client_agent, BULK, {"ids": ids, "owner": omar}).status_code == 403
    assert puts(sandbox) == []
    html = client_agent.get(QUEUE).content.decode()
    assert 'name="ids"' not in html and "bulk-bar" not in html


def test_bulk_assign_needs_the_assign_permission(lead, client_lead, sandbox):
    from django.contrib.auth.models import Permission

    lead.user_permissions.clear()
    group = lead.groups.first()
    group.permissions.remove(Permission.objects.get(codename="assign_tickets"))
    ids = [t.id for t in some_open(sandbox, 2)]
    omar = user_id(sandbox, "omar.haddad@acme.example")
    assert post(client_lead, BULK, {"ids": ids, "owner": omar}).status_code == 403
    assert puts(sandbox) == []


def test_a_refused_chunk_fails_each_of_its_tickets_with_the_reason(client_lead, sandbox):
    tickets = some_open(sandbox, 3)
    sandbox.faults.add("/v1/tickets/*", method="PUT", status=422)
    r = post(client_lead, BULK, {"ids": [t.id for t in tickets], "status": "Pending"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert "Updated 0, failed 3 of 3." in html
    for t in tickets:  # each failure names its contact and gives the API's reason
        name = box(sandbox).contacts[t.contact_id].name
        assert re.search(rf'<li><a href="/i/{INBOX}/tickets/{t.id}/">{re.escape(name)}</a>: Error</li>', html)
    entry = AuditEntry.objects.get(action="tickets.bulk_update")
    assert entry.outcome == "failed" and len(entry.params["failed"]) == 3


def test_select_all_survives_its_cursor_ticket_being_closed_mid_walk(sandbox, monkeypatch):
    """Select all matching pages the filter; a ticket closed between its pages (the `after`
    cursor's) neither loops the walk nor loses the tickets after it."""
    client = get_client(INBOX)
    with sandbox.state.lock:  # a blocked contact's ticket ignores status changes: none here
        for contact in sandbox.state.inboxes[INBOX].contacts.values():
            contact.blocked = False
    before = {t.id for t in open_tickets(sandbox) if t.status == "Open"}
    real = ticket_svc.tickets_search
    pages: list[list[str]] = []

    def search_then_close(**kwargs):
        page = real(**{**kwargs, "limit": 5})
        pages.append([t.id for t in page.tickets])
        if len(pages) == 1:  # someone closes the cursor's ticket before the next page
            client.put(("tickets", page.tickets[-1].id), data={"status": "Closed"})
        return page

    monkeypatch.setattr(ticket_svc, "tickets_search", search_then_close)
    ids, capped = ticket_svc.ticket_ids_matching(
        client=client, filters=ticket_svc.TicketFilters(status="Open")
    )
    assert box(sandbox).tickets[pages[0][-1]].status == "Closed"  # it did leave the filter
    assert not capped and len(ids) == len(set(ids))
    assert set(ids) - {pages[0][-1]} == before - {pages[0][-1]}
    assert len(pages) <= len(before) // 5 + 3
