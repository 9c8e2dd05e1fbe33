"""A team lead finds the contact whose only ticket is closed (no queue shows it), fixes its
name, opts it out and sees sending refused; then tags 20 contacts by pasting their phones."""

from __future__ import annotations

import os
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from avodash.domain import phones
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
INBOX = "acme-support"


def closed_only_contact(inbox):
    for c in sorted(inbox.contacts.values(), key=lambda c: c.created_at):
        tickets = inbox.tickets_of(c.id)
        if len(tickets) == 1 and tickets[0].status == "Closed" and c.name and not c.opted_out:
            return c, tickets[0]
    raise AssertionError("the seed has no contact whose only ticket is closed")


def test_lead_fixes_and_opts_out_a_contact_with_only_a_closed_ticket(page, live_server, lead, sandbox):
    inbox = sandbox.state.inbox(INBOX)
    contact, ticket = closed_only_contact(inbox)
    login(page, live_server, lead)
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/")

    # g c opens the contacts; the phone typed the way people write it finds the contact.
    page.keyboard.press("g")
    page.keyboard.press("c")
    expect(page.get_by_role("heading", name="Contacts", exact=True)).to_be_visible()
    page.locator("#id_q").fill(phones.display(contact.phone))
    page.get_by_role("button", name="Search").click()
    expect(page.locator(".total")).to_contain_text("1 contact")
    page.get_by_role("link", name=contact.name).click()

    # Its one ticket is there, closed, and links to the ticket page.
    expect(page.get_by_role("heading", name=contact.name)).to_be_visible()
    expect(page.locator(f'a[href$="/tickets/{ticket.id}/"]')).to_be_visible()
    expect(page.locator(".badge-Closed")).to_be_visible()

    # Fix the name.
    page.locator("#contact-edit").get_by_label("Name").fill("Dana Whitfield")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_contain_text("Saved: name.")
    expect(page.locator("#contact-name")).to_have_text("Dana Whitfield")
    assert contact.name == "Dana Whitfield"

    # Opt out, with a reason: the page says no messages, and the composer refuses.
    page.get_by_label("Reason").fill("Asked on the phone not to be texted")
    page.get_by_role("button", name="Opt out").click()
    expect(page.locator("#contact-flags")).to_contain_text("Opted out")
    expect(page.get_by_text("Opted out: no messages")).to_be_visible()
    expect(page.locator("#new-message")).to_have_count(0)
    assert contact.opted_out

    page.locator(f'a[href$="/tickets/{ticket.id}/"]').click()
    expect(page.locator(".composer-off")).to_contain_text("opted out")
    page.goto(f"{live_server.url}/i/{INBOX}/compose/?phone={quote(contact.phone)}")
    page.get_by_label("Message").fill("Hello again")
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("#composer")).to_contain_text("Not sent.")
    assert not [r for r in sandbox.requests if r["method"] == "POST" and r["path"] == "/v1/messages"]


def test_lead_tags_twenty_contacts_by_pasted_phones(page, live_server, lead, sandbox):
    inbox = sandbox.state.inbox(INBOX)
    chosen = sorted(
        (c for c in inbox.contacts.values() if c.visible and "vip-spring" not in c.tags), key=lambda c: c.id
    )[:20]
    pasted = "\n".join(phones.display(c.phone) if i % 2 else c.phone for i, c in enumerate(chosen))
    login(page, live_server, lead)
    page.goto(f"{live_server.url}/i/{INBOX}/contacts/")
    page.get_by_role("link", name="Tags", exact=True).click()
    expect(page.get_by_role("heading", name="Tags", exact=True)).to_be_visible()

    page.locator("#tag-many").get_by_label("Tag", exact=True).fill("vip-spring")
    page.get_by_label("Pasted phone numbers").check()
    page.get_by_role("textbox", name="Phone numbers").fill(pasted)
    page.get_by_role("button", name="Apply").click()

    expect(page.locator("#tag-result h2")).to_contain_text("added to 20 of 20")
    expect(page.locator("#tag-result .badge-ok")).to_have_count(20)
    expect(page.locator('td[data-count="vip-spring"]')).to_have_text("20")
    assert all("vip-spring" in c.tags for c in chosen)
    expect(page).to_have_url(re.compile(r"/tags/apply/$"))


@pytest.mark.screenshots
def test_contacts_screenshots(request, page, live_server, lead, sandbox):
    """docs/screenshots/contacts.png and contact.png (run with `-m screenshots`)."""
    if "screenshots" not in (request.config.getoption("-m") or ""):
        pytest.skip("run with -m screenshots to regenerate docs/screenshots")
    sandbox.set_rate_limit(None)
    out = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "screenshots")
    os.makedirs(out, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, live_server, lead)
    page.goto(f"{live_server.url}/i/{INBOX}/contacts/")
    page.screenshot(path=os.path.join(out, "contacts.png"))
    bob = sandbox.state.inbox(INBOX).contact_by_phone("+15551234567")
    page.goto(f"{live_server.url}/i/{INBOX}/contacts/{bob.id}/")
    page.screenshot(path=os.path.join(out, "contact.png"), full_page=True)
