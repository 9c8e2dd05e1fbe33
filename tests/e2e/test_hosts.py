"""Inboxes by host name (INBOX_HOST_DOMAIN=avodash.localhost): a lead signs in once on the bare
domain, works acme-support at its own host, switches to acme-sales's host and replies there, is
refused the host of an inbox not granted, and a form sent from one inbox's host to another's
is refused with nothing sent.

Chromium resolves every `*.localhost` name to the loopback address itself, where the live
server listens: no DNS and no `--host-resolver-rules` needed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from avodash.roles import LEAD
from avodash.sandbox.state import SmsMessage
from tests.conftest import make_user
from tests.helpers import INBOX, OTHER_INBOX, api_calls

pytestmark = pytest.mark.django_db(transaction=True)
DOMAIN = "avodash.localhost"


@pytest.fixture
def origin(settings, live_server):
    """The setting on for the live server; `origin(sub)` is `http://<sub>.avodash.localhost:<port>`."""
    port = urlsplit(live_server.url).port
    settings.INBOX_HOST_DOMAIN = DOMAIN
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "." + DOMAIN]
    settings.SESSION_COOKIE_DOMAIN = settings.CSRF_COOKIE_DOMAIN = DOMAIN
    settings.CSRF_TRUSTED_ORIGINS = [f"http://{DOMAIN}:{port}", f"http://*.{DOMAIN}:{port}"]
    return lambda sub=None: f"http://{sub + '.' if sub else ''}{DOMAIN}:{port}"


def reachable_ticket(sandbox, subdomain: str):
    inbox = sandbox.state.inbox(subdomain)
    for ticket in inbox.tickets.values():
        contact = inbox.contacts[ticket.contact_id]
        if contact.name and not (contact.opted_out or contact.blocked or contact.landline or contact.muted):
            if inbox.current_ticket(contact.id) is ticket:
                return ticket, contact
    raise AssertionError(f"no reachable ticket in {subdomain}")


def test_inboxes_by_host_name(page, origin, sandbox):
    lead = make_user("hostlead", LEAD, subdomains=(INBOX, OTHER_INBOX))

    # Sign in once, on the bare domain.
    page.goto(f"{origin()}/accounts/login/")
    page.get_by_label("Username").fill(lead.username)
    page.get_by_label("Password").fill("pw-hostlead")
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"^http://acme-s\w+\.avodash\.localhost:\d+/$"))

    # acme-support's queue at its own host, plain path.
    page.goto(f"{origin(INBOX)}/tickets/")
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()
    expect(page.locator("#queue tbody tr[data-ticket]").first).to_be_visible()

    # The switcher goes to the same page on acme-sales's host.
    page.locator("#inbox-switcher summary").click()
    page.get_by_role("menuitem", name=re.compile("Acme Sales")).click()
    expect(page).to_have_url(f"{origin(OTHER_INBOX)}/tickets/")
    expect(page.locator("#inbox-switcher summary")).to_contain_text("Acme Sales")

    # A reply from a ticket there.
    ticket, contact = reachable_ticket(sandbox, OTHER_INBOX)
    page.goto(f"{origin(OTHER_INBOX)}/tickets/{ticket.id}/")
    expect(page.get_by_role("heading", name=contact.name, exact=True)).to_be_visible()
    composer = page.locator("#composer")
    composer.get_by_label("Message").fill("Your demo is booked for Thursday.")
    composer.get_by_role("button", name="Send now").click()
    expect(page.locator("#composer-outcome")).to_contain_text(f"Sent to {contact.name}.")
    expect(page.locator("#timeline")).to_contain_text("Your demo is booked for Thursday.")
    sales = sandbox.state.inbox(OTHER_INBOX)
    sent = [e for e in sales.stream(ticket) if isinstance(e, SmsMessage) and e.direction == "out"]
    assert sent[-1].message == "Your demo is booked for Thursday."

    # The host of an inbox not granted: our 404.
    response = page.goto(f"{origin('globex-help')}/tickets/")
    assert response.status == 404
    expect(page.get_by_text("Not found")).to_be_visible()

    # Forms on acme-support's page: one naming acme-sales (a stale tab) is refused by the
    # inbox check; one sent to acme-sales's host is refused by the CSRF check (with
    # Referrer-Policy: same-origin the browser sends no Origin across hosts). Nothing is sent.
    page.goto(f"{origin(INBOX)}/tickets/")
    sandbox.clear_log()
    own, _ = reachable_ticket(sandbox, INBOX)
    fields = {"contact_id": own.contact_id, "text": "Wrong inbox!", "action": "send"}
    stale = submit_form(page, f"{origin(INBOX)}/tickets/{own.id}/send/", {**fields, "inbox": OTHER_INBOX})
    assert stale.status == 400
    expect(page.get_by_role("heading", name=re.compile("Nothing was sent"))).to_be_visible()
    page.goto(f"{origin(INBOX)}/tickets/")
    fields = {"contact_id": contact.id, "text": "Wrong host!", "action": "send", "inbox": INBOX}
    crossed = submit_form(page, f"{origin(OTHER_INBOX)}/tickets/{ticket.id}/send/", fields)
    assert crossed.status == 403
    expect(page.get_by_role("heading", name=re.compile("Nothing was sent"))).to_be_visible()
    assert [c for c in api_calls(sandbox) if c["method"] != "GET"] == []


def submit_form(page, action: str, fields: dict):
    """Submit a plain form from the current page (with its CSRF token); the response."""
    with page.expect_navigation() as nav:
        page.evaluate(
            """([action, fields]) => {
                const form = document.createElement("form");
                form.method = "post";
                form.action = action;
                fields.csrfmiddlewaretoken = document.cookie.match(/csrftoken=([^;]+)/)[1];
                for (const [name, value] of Object.entries(fields)) {
                    const input = document.createElement("input");
                    input.name = name;
                    input.value = value;
                    form.append(input);
                }
                document.body.append(form);
                form.submit();
            }""",
            [action, fields],
        )
    return nav.value
