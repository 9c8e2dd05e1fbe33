"""A support person replies from the ticket page, schedules a follow-up for tomorrow, finds it
under Scheduled and cancels it; a mistyped number on the new-message page is fixed in one click."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

BOB = "+15551234567"


def bob_ticket(sandbox):
    inbox = sandbox.state.inbox("acme-support")
    return inbox.current_ticket(inbox.contact_by_phone(BOB).id)


@pytest.mark.django_db(transaction=True)
def test_reply_schedule_and_cancel(page, live_server, superuser, sandbox):
    ticket = bob_ticket(sandbox)
    login(page, live_server, superuser)
    page.goto(f"{live_server.url}/i/acme-support/tickets/{ticket.id}/")

    composer = page.locator("#composer")
    expect(composer).to_contain_text("Sending as Avery Admin (you)")
    box = composer.get_by_label("Message")
    box.fill("Hi Bob, your refund went out this morning.")
    expect(composer.locator("[data-chars]")).to_have_text("42")
    expect(composer.locator("[data-segments]")).to_have_text("1")

    composer.get_by_role("button", name="Send now").click()
    expect(page.locator("#composer-outcome")).to_contain_text("Sent to Bob McTest.")
    expect(page.locator("#timeline")).to_contain_text("Hi Bob, your refund went out this morning.")
    expect(page.locator("#composer").get_by_label("Message")).to_have_value("")

    # A follow-up for tomorrow morning.
    composer = page.locator("#composer")
    composer.get_by_label("Message").fill("Did the refund arrive?")
    composer.get_by_text("Schedule for later").click()
    composer.get_by_text("Tomorrow 9:00").click()
    expect(composer.locator('input[name="scheduled_at"]')).to_have_value(re.compile(r"T09:00$"))
    composer.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator("#composer-outcome")).to_contain_text("Scheduled for")
    expect(page.locator("#ticket-scheduled")).to_contain_text("Did the refund arrive?")

    # Under Scheduled, and cancelled there.
    page.locator(".subnav").get_by_role("link", name="Scheduled").click()
    row = page.locator("tr", has_text="Did the refund arrive?")
    expect(row).to_contain_text("Bob McTest")
    expect(row).to_contain_text("Avery Admin")
    row.get_by_role("link", name=re.compile("Cancel the message to Bob McTest")).click()
    confirm = page.locator(".confirm-panel")
    expect(confirm).to_contain_text("Cancel 1 scheduled message?")
    expect(confirm).to_contain_text("Did the refund arrive?")
    confirm.get_by_role("button", name="Cancel 1 message").click()
    expect(page.locator("#flash")).to_contain_text("Cancelled 1 scheduled message.")
    expect(page.locator("tr", has_text="Did the refund arrive?")).to_have_count(0)
    pending = [
        p
        for p in sandbox.state.inbox("acme-support").pending.values()
        if p.message == "Did the refund arrive?"
    ]
    assert len(pending) == 1 and pending[0].aborted


@pytest.mark.django_db(transaction=True)
def test_cancel_from_the_ticket_page_asks_in_the_page(page, live_server, superuser, sandbox):
    """No browser dialog: the same confirmation panel as the Scheduled page, in the ticket's
    scheduled region, naming the text, the recipient and the time with its zone."""
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    ticket = bob_ticket(sandbox)
    login(page, live_server, superuser)
    page.goto(f"{live_server.url}/i/acme-support/tickets/{ticket.id}/")
    composer = page.locator("#composer")
    composer.get_by_label("Message").fill("Checking in on your order")
    composer.get_by_text("Schedule for later").click()
    composer.get_by_text("Tomorrow 9:00").click()
    composer.get_by_role("button", name="Schedule", exact=True).click()
    region = page.locator("#ticket-scheduled")
    item = region.locator(".ts-item", has_text="Checking in on your order")
    expect(item).to_contain_text(re.compile(r"09:00 [A-Z+\-0-9]{2,5}\b"))  # the zone's abbreviation

    item.get_by_role("link", name=re.compile("Cancel the message to Bob McTest")).click()
    panel = region.locator(".confirm-panel")
    expect(panel).to_contain_text("Cancel 1 scheduled message?")
    expect(panel).to_contain_text("Checking in on your order")
    expect(panel).to_contain_text("Bob McTest")
    expect(panel).to_contain_text(re.compile(r"09:00 [A-Z+\-0-9]{2,5}\b"))
    expect(page).to_have_url(re.compile(rf"/tickets/{ticket.id}/$"))  # still on the ticket
    panel.get_by_role("button", name="Cancel 1 message").click()
    expect(region).to_contain_text("Cancelled 1 scheduled message.")
    expect(region.locator(".ts-item", has_text="Checking in on your order")).to_have_count(0)
    assert dialogs == []
    pending = [
        p
        for p in sandbox.state.inbox("acme-support").pending.values()
        if p.message == "Checking in on your order"
    ]
    assert len(pending) == 1 and pending[0].aborted


@pytest.mark.django_db(transaction=True)
def test_a_mistyped_number_is_fixed_in_one_click(page, live_server, superuser, sandbox):
    login(page, live_server, superuser)
    page.goto(f"{live_server.url}/i/acme-support/compose/")
    page.get_by_label("To (phone number)").fill("(415) 555-0199")
    page.get_by_label("Message").fill("Hello from Acme")
    page.get_by_role("button", name="Send now").click()
    expect(page.locator(".phone-field")).to_contain_text("Did you mean +14155550199?")
    expect(page.get_by_label("Message")).to_have_value("Hello from Acme")
    page.get_by_role("button", name="Use +14155550199").click()
    page.get_by_role("button", name="Send now").click()
    expect(page).to_have_url(re.compile(r"/i/acme-support/tickets/[^/]+/$"))
    expect(page.locator("#flash")).to_contain_text("Sent to (415) 555-0199.")
    expect(page.locator("#timeline")).to_contain_text("Hello from Acme")


@pytest.mark.screenshots
@pytest.mark.django_db(transaction=True)
def test_messaging_screenshots(request, page, live_server, superuser, sandbox):
    """docs/screenshots/composer-error.png, scheduled.png, message-search.png (`-m screenshots`)."""
    if "screenshots" not in (request.config.getoption("-m") or ""):
        pytest.skip("run with -m screenshots to regenerate docs/screenshots")
    out = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "screenshots")
    os.makedirs(out, exist_ok=True)
    inbox = sandbox.state.inbox("acme-support")
    noah = inbox.current_ticket(inbox.contact_by_phone("+16195555902").id)
    login(page, live_server, superuser)

    page.goto(f"{live_server.url}/i/acme-support/tickets/{noah.id}/")
    composer = page.locator("#composer")
    composer.get_by_label("Message").fill(
        "Hi Noah — a quick follow-up: the fix for the checkout logout shipped this morning. "
        "Could you update the app and let us know if it still happens?"
    )
    composer.get_by_text("Schedule for later").click()
    composer.get_by_text("Pick a time").click()
    composer.locator('input[name="scheduled_at"]').fill("2024-01-01T09:00")
    composer.get_by_role("button", name="Schedule", exact=True).click()
    expect(page.locator("#composer-outcome")).to_contain_text("Not sent")
    page.mouse.move(5, 5)
    page.screenshot(path=os.path.join(out, "composer-error.png"), full_page=True)

    page.goto(f"{live_server.url}/i/acme-support/scheduled/")
    page.locator("tbody tr").nth(1).get_by_role("link", name=re.compile("Cancel the message")).click()
    page.locator(".confirm-panel").get_by_role("button", name="Cancel 1 message").click()
    page.goto(f"{live_server.url}/i/acme-support/scheduled/?cancelled=on")
    boxes = page.locator('tbody input[name="ids"]')
    boxes.nth(2).check()
    boxes.nth(4).check()
    page.mouse.move(5, 5)
    page.screenshot(path=os.path.join(out, "scheduled.png"))

    page.goto(f"{live_server.url}/i/acme-support/messages/?status=not_delivered")
    page.screenshot(path=os.path.join(out, "message-search.png"), full_page=True)
