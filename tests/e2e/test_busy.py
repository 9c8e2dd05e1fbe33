"""When the API budget is spent, a page says so within 2 s and comes back by itself: no script
(the Content-Security-Policy allows none inline), a meta refresh."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from avodash.avochato.django import get_client
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
INBOX = "acme-support"
BOB = "+15551234567"


def test_a_busy_page_says_so_and_comes_back_by_itself(page, live_server, agent, sandbox, settings):
    inbox = sandbox.state.inbox(INBOX)
    ticket = inbox.current_ticket(inbox.contact_by_phone(BOB).id)
    login(page, live_server, agent)
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/")  # the inbox list, read before
    settings.AVOCHATO_RATE_LIMIT = 18.0
    get_client(INBOX).rate_limiter.pause(3.0)  # Avochato's 429 asked every caller to wait 3 s
    started = time.monotonic()
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/{ticket.id}/")
    expect(page.get_by_role("heading", name="Avochato is busy, retrying…")).to_be_visible()
    assert time.monotonic() - started < 2.5
    expect(page.get_by_role("alert")).to_contain_text("This page asks again by itself in 2 seconds")
    # The pause ends; the page asks again on its own and shows the ticket.
    expect(page.get_by_role("heading", name="Bob McTest", exact=True)).to_be_visible(timeout=10_000)
