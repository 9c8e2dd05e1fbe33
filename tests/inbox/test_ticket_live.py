"""The ticket page's polling keeps the header and delivery states live: a change made in
another tab (addressed, owner, status) refreshes the header; a delivered message stops
showing "queued"."""

from __future__ import annotations

import re

from tests.helpers import INBOX, Clock, post
from tests.inbox.support import BOB, HTMX, reply, text_of, ticket_for, ticket_url


def poll_url(page: str) -> str:
    return re.search(r'id="poll"[^>]*hx-get="([^"]+)"', page, re.S).group(1).replace("&amp;", "&")


def test_a_change_in_another_tab_refreshes_the_header_at_the_next_poll(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    page = text_of(client_agent.get(ticket_url(ticket.id)))
    url = poll_url(page)
    quiet = client_agent.get(url, **HTMX)
    assert "ticketChanged" not in quiet.get("HX-Trigger", "")

    # Another tab marks it (un)addressed: no stream event, but the header must follow.
    value = "false" if ticket.unaddressed else "true"
    post(client_agent, f"{ticket_url(ticket.id)}update/", {"unaddressed": value}, **HTMX)
    r = client_agent.get(url, **HTMX)
    assert "ticketChanged" in r["HX-Trigger"]
    # The next poll knows the new state: no more refreshes.
    again = client_agent.get(poll_url(text_of(r)), **HTMX)
    assert "ticketChanged" not in again.get("HX-Trigger", "")


def test_a_delivered_message_is_updated_in_place(client_agent, sandbox, monkeypatch):
    clock = Clock()
    monkeypatch.setattr(sandbox, "clock", clock)
    ticket = ticket_for(sandbox, BOB)
    reply(client_agent, sandbox, text="On its way")
    page = text_of(client_agent.get(ticket_url(ticket.id)))
    sent = re.search(r'<li class="ev ev-msg ev-out" id="ev-([^"]+)"[^>]*data-dstatus="queued"', page)
    assert sent, "the new message shows as queued"
    event_id = sent.group(1)

    clock.advance(60)  # the carrier reports delivery
    r = client_agent.get(poll_url(page) + f"&pending={event_id}", **HTMX)
    body = text_of(r)
    assert f'id="ev-{event_id}"' in body and 'hx-swap-oob="true"' in body
    assert 'data-dstatus="delivered"' in body
    assert "dstatus-delivered" in body


def test_a_bad_state_word_is_refused(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    r = client_agent.get(f"/i/{INBOX}/tickets/{ticket.id}/stream/?after=1&state=<x>", **HTMX)
    assert r.status_code == 400
