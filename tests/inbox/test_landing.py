"""Landing on `/`: the last inbox used, else the granted inbox with the most unaddressed
tickets; the switcher shows each inbox's unaddressed count (one call per inbox, cached)."""

from __future__ import annotations

from avodash.domain.tickets import unaddressed_counts
from tests.helpers import api_calls
from tests.inbox.support import box


def unaddressed(sandbox, sub: str) -> int:
    return sum(1 for t in box(sandbox, sub).tickets.values() if t.unaddressed and t.status != "Closed")


def test_it_lands_on_the_inbox_with_the_most_unaddressed_tickets(client_agent, sandbox):
    for t in box(sandbox, "acme-support").tickets.values():
        t.unaddressed = False
    counts = {s: unaddressed(sandbox, s) for s in ("acme-sales", "globex-help")}
    busiest = max(counts, key=counts.get)
    r = client_agent.get("/")
    assert r["Location"] == f"/i/{busiest}/"


def test_it_lands_on_the_last_inbox_used(client_agent, sandbox):
    client_agent.get("/i/acme-sales/tickets/")
    assert client_agent.get("/")["Location"] == "/i/acme-sales/"


def test_the_last_inbox_is_remembered_after_logging_out(client_agent, agent, sandbox):
    from django.test import Client

    client_agent.get("/i/acme-sales/tickets/")
    assert client_agent.cookies["last_inbox"].value == "acme-sales"
    later = Client()  # the same browser, a new session: only the cookie is left
    later.cookies["last_inbox"] = client_agent.cookies["last_inbox"].value
    later.force_login(agent)
    assert later.get("/")["Location"] == "/i/acme-sales/"


def test_a_remembered_inbox_without_grant_is_ignored(client_outsider, sandbox):
    client_outsider.cookies["last_inbox"] = "acme-support"
    assert client_outsider.get("/")["Location"] == "/i/globex-help/"


def test_the_switcher_asks_for_counts_when_opened_one_call_per_inbox(client_agent, sandbox):
    page = client_agent.get("/i/acme-support/tickets/").content.decode()
    assert 'hx-get="/inbox-counts/" hx-trigger="toggle once"' in page
    assert 'id="switch-count-acme-sales"' in page
    sandbox.clear_log()
    counts = client_agent.get("/inbox-counts/", HTTP_HX_REQUEST="true").content.decode()
    n = unaddressed(sandbox, "acme-sales")
    assert (
        f'id="switch-count-acme-sales" hx-swap-oob="true" title="Unaddressed tickets">{n} unaddressed'
        in counts
    )
    assert len(api_calls(sandbox, "GET", "/v1/tickets")) == 3  # one per inbox
    sandbox.clear_log()
    client_agent.get("/inbox-counts/", HTTP_HX_REQUEST="true")
    assert api_calls(sandbox, "GET", "/v1/tickets") == []  # cached


def test_a_failing_inbox_is_just_not_counted(sandbox, db):
    sandbox.faults.add("/v1/tickets", status=500)
    assert unaddressed_counts(["acme-support"]) == {"acme-support": None}
