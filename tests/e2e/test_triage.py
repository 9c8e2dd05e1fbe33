"""A team lead works the queue: filters to unaddressed, opens a ticket, reads the stream,
closes it and sees it leave the queue; then selects three tickets and assigns them at once."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
INBOX = "acme-support"


def row_ids(page) -> list[str]:
    return page.locator("#queue tbody tr[data-ticket]").evaluate_all(
        "rows => rows.map(r => r.dataset.ticket)"
    )


def test_lead_triages_the_unaddressed_queue(page, live_server, lead, sandbox):
    inbox = sandbox.state.inbox(INBOX)
    login(page, live_server, lead)
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/")
    expect(page.get_by_role("heading", name="Tickets")).to_be_visible()

    # Filter to unaddressed (htmx swaps the list and the address bar keeps the filter).
    page.get_by_label("Unaddressed only").check()
    expect(page).to_have_url(re.compile(r"unaddressed=on"))
    expect(page.locator("#queue th", has_text="Waiting")).to_be_visible()
    ids = row_ids(page)
    assert ids and all(inbox.tickets[i].unaddressed for i in ids)
    expect(page.locator("#queue tbody .dot").first).to_have_text("Unaddressed")

    # Open the first ticket and read its stream.
    ticket = inbox.tickets[ids[0]]
    contact = inbox.contacts[ticket.contact_id]
    page.locator(f'tr[data-ticket="{ticket.id}"] a.contact-link').click()
    expect(page.get_by_role("heading", name=contact.name, exact=True)).to_be_visible()
    last_in = [e for e in inbox.stream(ticket) if e.element_type == "SmsMessage" and e.direction == "in"][-1]
    expect(page.locator(f"#ev-{last_in.event_id} .body")).to_contain_text(last_in.message.split("\n")[0][:40])

    # Close it: the next ticket of the same queue opens, with an Undo toast.
    page.get_by_role("button", name="Close ticket").click()
    expect(page).to_have_url(re.compile(rf"/tickets/{ids[1]}/\?from=unaddressed%3Don$"))
    expect(page.locator("#undo-toast")).to_contain_text(f"Closed the ticket with {contact.name}.")
    assert ticket.status == "Closed" and ticket.unaddressed is False
    # The closed ticket's stream has the change; Avochato credits it to the API user, the
    # stream names the person (audit trail).
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/{ticket.id}/")
    expect(page.locator("#ticket-status")).to_have_text("Closed")
    expect(page.locator("#timeline .ev-status").last).to_contain_text("Closed")
    expect(page.locator("#timeline .ev-status").last).to_contain_text("by Lead Tester (via avodash)")

    # Back in the unaddressed queue it is gone.
    page.get_by_role("link", name="← Tickets").click()
    page.get_by_role("link", name="Unaddressed", exact=True).click()
    expect(page.locator("#queue tbody tr[data-ticket]").first).to_be_visible()
    assert ticket.id not in row_ids(page)

    # Select three tickets and assign them to one person in one action.
    omar = next(u for u in sandbox.state.users.values() if u.email == "omar.haddad@acme.example")
    chosen = row_ids(page)[:3]
    for tid in chosen:
        page.locator(f'tr[data-ticket="{tid}"] input[name="ids"]').check()
    expect(page.locator("#sel-count")).to_have_text("3 selected")
    page.locator("#bulk-owner").select_option(label="Omar Haddad")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#bulk-result")).to_contain_text("Updated 3 of 3.")
    assert all(inbox.tickets[t].user_id == omar.id for t in chosen)
    # The list refreshed in place: the assignment is new activity, so they moved down the
    # "longest wait first" order.
    assert not set(chosen) & set(row_ids(page))
    expect(page).to_have_url(re.compile(r"unaddressed=on"))  # the filter survived the action


def test_keyboard_moves_and_selects_in_the_queue(page, live_server, lead, sandbox):
    login(page, live_server, lead)
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/")
    expect(page.locator("#queue tbody tr[data-ticket]").first).to_be_visible()
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("j")
    second = row_ids(page)[1]
    expect(page.locator(f'tr[data-ticket="{second}"]')).to_have_class(re.compile("is-current"))
    page.locator("h1").click()  # keys work from the page, not only from a focused link
    page.keyboard.press("x")
    expect(page.locator(f'tr[data-ticket="{second}"] input[name="ids"]')).to_be_checked()
    page.keyboard.press("/")
    expect(page.locator("#queue-search")).to_be_focused()
    page.keyboard.press("Escape")
    page.locator("h1").click()
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()


def test_bad_filter_values_in_the_address_still_show_the_queue(page, live_server, lead, sandbox):
    login(page, live_server, lead)
    response = page.goto(f"{live_server.url}/i/{INBOX}/tickets/?status=foo&order=zzz&owner=bogus")
    assert response.status == 422  # FORM_ERROR: the queue with errors at the fields
    expect(page.locator("#queue tbody tr[data-ticket]").first).to_be_visible()
    expect(page.locator("#status-errors")).to_contain_text("“foo” is not a status")
    expect(page.locator("#order-errors")).to_contain_text("“zzz” is not an order")
    expect(page.locator("#owner-errors")).to_contain_text("“bogus” is not a user of this inbox")
    expect(page.locator("#f-status")).to_have_value("")
    # The page keeps its full width: the queue spans the main column.
    main_width = page.locator("main").bounding_box()["width"]
    assert page.locator("#queue").bounding_box()["width"] > main_width * 0.9
    if os.environ.get("AVODASH_SHOTS"):  # a directory: look at the page
        page.screenshot(
            path=os.path.join(os.environ["AVODASH_SHOTS"], "queue-bad-filter.png"), full_page=True
        )
    # Choosing "Best match" without a search falls back to the default order, with a note.
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/")
    page.locator("#f-order").select_option("best_match")
    expect(page.locator("#queue .filter-notice")).to_contain_text("needs a search text")
    expect(page.locator("#queue tbody tr[data-ticket]").first).to_be_visible()
