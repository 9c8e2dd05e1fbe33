"""An agent's day on the queue, as a person walks it: a long paste refused with nothing sent,
one message at the field for a bad filter, close with undo, the next ticket of the queue."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.helpers import api_calls
from tests.inbox.support import outbound

pytestmark = pytest.mark.django_db(transaction=True)
INBOX = "acme-support"
BOB = "+15551234567"


def bob_ticket(sandbox):
    inbox = sandbox.state.inbox(INBOX)
    return inbox.current_ticket(inbox.contact_by_phone(BOB).id)


def test_a_long_paste_is_refused_whole_and_nothing_is_sent(page, live_server, agent, sandbox):
    ticket = bob_ticket(sandbox)
    login(page, live_server, agent)
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/{ticket.id}/")
    text = ("All the details you asked for. " * 200)[:5000]
    box = page.locator("#composer textarea[name=text]")
    box.fill(text)
    expect(page.locator("#composer [data-over]")).to_have_text(
        "Limit exceeded by 3,400 characters: shorten it to send."
    )
    sandbox.clear_log()
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("#composer-outcome")).to_contain_text("Not sent")
    expect(page.locator("#composer")).to_contain_text("Shorten it by 3,400.")
    assert len(page.locator("#composer textarea[name=text]").input_value()) == 5000
    assert api_calls(sandbox, "POST", "/v1/messages") == []

    # Writing again clears the refusal; scheduling makes Schedule the main button.
    page.locator("#composer textarea[name=text]").fill("Short now.")
    expect(page.locator("#composer-outcome")).to_have_count(0)
    expect(page.locator("#composer [data-over]")).to_be_hidden()
    page.get_by_text("Schedule for later").click()
    expect(page.locator("#composer .composer-send")).not_to_have_class(
        "btn btn-primary composer-submit composer-send"
    )
    expect(page.locator("#composer .composer-schedule-btn")).to_have_class(
        "btn composer-submit composer-schedule-btn btn-primary"
    )


def test_a_bad_filter_shows_one_message_at_the_field(page, live_server, agent, sandbox):
    login(page, live_server, agent)
    page.goto(f"{live_server.url}/i/{INBOX}/scheduled/")
    page.get_by_label("Contact phone").fill("abc")
    page.get_by_label("Contact phone").press("Tab")
    page.get_by_label("Sends from").fill("2026-05-10")
    page.get_by_label("Sends until").fill("2026-05-01")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#id_to_number-errors")).to_contain_text("E.164")
    expect(page.locator("#id_window_to-errors")).to_have_text("The end date is before the start date.")
    expect(page.locator("#scheduled-results")).not_to_contain_text("E.164")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#flash .flash-error")).to_have_count(0)

    # Fixed: the field's message goes away.
    page.get_by_label("Sends until").fill("2026-05-20")
    page.get_by_label("Contact phone").fill("")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("#id_window_to-errors")).to_be_hidden()
    expect(page.locator("#id_to_number-errors")).to_be_hidden()


def test_close_with_undo_and_the_next_ticket_keeps_the_queue(page, live_server, agent, sandbox):
    inbox = sandbox.state.inbox(INBOX)
    login(page, live_server, agent)
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/?unaddressed=on&order=oldest_activity")
    ids = page.locator("#queue tbody tr[data-ticket]").evaluate_all("rows => rows.map(r => r.dataset.ticket)")
    first = inbox.tickets[ids[0]]
    was = (first.status, first.user_id, first.unaddressed)
    page.locator(f'tr[data-ticket="{first.id}"] a.contact-link').click()
    expect(page.locator("#close-ticket")).to_be_visible()

    # `e` closes; the next ticket of the unaddressed queue opens with an Undo toast.
    page.locator("h1").click()
    page.keyboard.press("e")
    expect(page).to_have_url(
        re.compile(rf"/tickets/{ids[1]}/\?from=unaddressed%3Don%26order%3Doldest_activity$")
    )
    assert first.status == "Closed"
    toast = page.locator("#undo-toast")
    expect(toast).to_be_visible()
    expect(page.get_by_role("link", name="← Tickets")).to_have_attribute(
        "href", f"/i/{INBOX}/tickets/?unaddressed=on&order=oldest_activity"
    )

    # Undo: back on the first ticket, as it was.
    toast.get_by_role("button", name="Undo").click()
    expect(page).to_have_url(re.compile(rf"/tickets/{first.id}/"))
    expect(page.locator("#flash")).to_contain_text("Close undone")
    assert (first.status, first.user_id, first.unaddressed) == was

    # Closed by the button with "stay" chosen: the ticket stays, with Reopen.
    page.locator("#after-close").select_option("stay")
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Close ticket").click()
    expect(page.locator("#reopen-ticket")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/tickets/{first.id}/"))
    page.locator("#reopen-ticket").click()
    expect(page.locator("#ticket-status")).to_have_text("Open")


def test_assign_to_me_with_m_in_the_queue_and_on_the_ticket(page, live_server, agent, sandbox):
    inbox = sandbox.state.inbox(INBOX)
    agent.email = "omar.haddad@acme.example"
    agent.save()
    omar = sandbox.state.user_by_email(agent.email).id
    login(page, live_server, agent)
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/?owner=none")
    ids = page.locator("#queue tbody tr[data-ticket]").evaluate_all("rows => rows.map(r => r.dataset.ticket)")
    page.locator("h1").click()
    page.keyboard.press("j")
    page.keyboard.press("m")
    expect(page.locator("#bulk-result")).to_contain_text("Updated 1 of 1.")
    assert inbox.tickets[ids[0]].user_id == omar

    page.goto(f"{live_server.url}/i/{INBOX}/tickets/{ids[1]}/")
    page.locator("h1").click()
    page.keyboard.press("m")
    expect(page.locator("#ticket-state")).to_contain_text("Assigned to you.")
    expect(page.locator("#ticket-state .owner-fact")).to_contain_text("Omar Haddad")
    assert inbox.tickets[ids[1]].user_id == omar


def test_two_tabs_converge_within_one_polling_interval(page, live_server, agent, sandbox):
    ticket = bob_ticket(sandbox)
    ticket.unaddressed = True
    login(page, live_server, agent)
    url = f"{live_server.url}/i/{INBOX}/tickets/{ticket.id}/"
    page.goto(url)
    other = page.context.new_page()
    other.goto(url)
    expect(other.locator("#ticket-state .dot")).to_have_text("Unaddressed")

    page.get_by_role("button", name="Mark addressed").click()
    expect(page.locator("#ticket-state")).to_contain_text("Marked addressed.")
    # The other tab follows at its next poll (every 5 s), with no reload.
    expect(other.locator("#ticket-state .badge-ok")).to_have_text("Addressed", timeout=7000)


def test_a_saved_reply_goes_in_with_its_placeholders_filled(page, live_server, lead, sandbox):
    ticket = bob_ticket(sandbox)
    login(page, live_server, lead)
    page.goto(f"{live_server.url}/i/{INBOX}/replies/")
    page.get_by_label("Name").fill("thanks")
    page.get_by_role("textbox", name="Reply").fill(
        "Hi {contact.first_name}, this is {agent.first_name} at {inbox.name}."
    )
    page.get_by_role("button", name="Add reply").click()
    expect(page.locator(".reply-list")).to_contain_text("/thanks")

    page.goto(f"{live_server.url}/i/{INBOX}/tickets/{ticket.id}/")
    box = page.locator("#composer textarea[name=text]")
    box.fill("Quick note. /tha")
    box.press("Tab")
    filled = "Quick note. Hi Bob, this is Lead at Acme Support."
    expect(box).to_have_value(filled)
    expect(page.locator("#composer [data-chars]")).to_have_text(str(len(filled)))
    page.get_by_role("button", name="Send now").click()
    expect(page.locator("#composer-outcome")).to_contain_text("Sent")
    assert outbound(sandbox, ticket.id)[-1].message == filled


def test_reschedule_a_pending_message(page, live_server, lead, sandbox):
    inbox = sandbox.state.inbox(INBOX)
    login(page, live_server, lead)
    page.goto(f"{live_server.url}/i/{INBOX}/scheduled/")
    page.locator("a", has_text="Change…").first.click()
    expect(page.get_by_role("heading", name="Change a scheduled message")).to_be_visible()
    page.get_by_label("Message").fill("See you Thursday at 10.")
    page.get_by_label("Goes out at").fill("2099-01-01T10:30")
    page.get_by_role("button", name="Save the change").click()
    expect(page.locator("#id_scheduled_at").locator("..")).to_contain_text("up to a year ahead")
    expect(page.get_by_label("Message")).to_have_value("See you Thursday at 10.")
    page.get_by_label("Goes out at").fill(_in_days(3))
    page.get_by_role("button", name="Save the change").click()
    expect(page.locator("#flash")).to_contain_text("Changed: it now goes out")
    expect(page.locator("#scheduled-results")).to_contain_text("See you Thursday at 10.")
    live = [p for p in inbox.pending.values() if not p.aborted and not p.sent_element_id]
    assert sum(p.message == "See you Thursday at 10." for p in live) == 1


def _in_days(days: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.now() + timedelta(days=days)).strftime("%Y-%m-%dT10:30")


@pytest.mark.screenshots
def test_triage_screenshots(request, page, live_server, lead, sandbox):
    """docs/screenshots/inbox-home.png (with team load), ticket-undo.png, saved-replies.png
    (`-m screenshots`; AVODASH_SHOTS=dir also takes them at 390 px wide to look at)."""
    if "screenshots" not in (request.config.getoption("-m") or ""):
        pytest.skip("run with -m screenshots to regenerate docs/screenshots")
    out = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "screenshots")
    phone = os.environ.get("AVODASH_SHOTS")
    login(page, live_server, lead)

    def shoot(name: str, *, full: bool = False) -> None:
        page.mouse.move(5, 5)
        page.screenshot(path=os.path.join(out, name), full_page=full)
        if phone:
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=os.path.join(phone, "phone-" + name), full_page=True)
            page.set_viewport_size({"width": 1280, "height": 800})

    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/i/{INBOX}/")
    expect(page.locator("#team-load table")).to_be_visible()
    shoot("inbox-home.png", full=True)

    page.goto(f"{live_server.url}/i/{INBOX}/replies/")
    page.get_by_label("Name").fill("thanks")
    page.get_by_role("textbox", name="Reply").fill(
        "Hi {contact.first_name}, thanks for your patience! — {agent.first_name}, {inbox.name}"
    )
    page.get_by_role("button", name="Add reply").click()
    page.get_by_label("Name").fill("hours")
    page.get_by_role("textbox", name="Reply").fill(
        "We answer Monday to Friday, 8:00 to 18:00 Pacific. {inbox.name}"
    )
    page.get_by_role("button", name="Add reply").click()
    shoot("saved-replies.png", full=True)

    page.goto(f"{live_server.url}/i/{INBOX}/tickets/?unaddressed=on&order=oldest_activity")
    page.locator("#queue tbody a.contact-link").first.click()
    page.get_by_role("button", name="Close ticket").click()
    expect(page.locator("#undo-toast")).to_be_visible()
    page.locator("#composer textarea[name=text]").fill("/tha")
    page.locator("#composer textarea[name=text]").press("Tab")
    shoot("ticket-undo.png")


def test_the_switcher_shows_unaddressed_counts_when_opened(page, live_server, agent, sandbox):
    sales = sandbox.state.inbox("acme-sales")
    n = sum(1 for t in sales.tickets.values() if t.unaddressed and t.status != "Closed")
    login(page, live_server, agent)
    page.goto(f"{live_server.url}/")
    page.locator("#inbox-switcher summary").click()
    expect(page.locator("#switch-count-acme-sales")).to_have_text(f"{n} unaddressed")
