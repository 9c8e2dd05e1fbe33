"""Phone width (390×844): an agent, a lead and an IT admin walk their pages on a phone.
No page scrolls sideways, the top bar collapses into one menu that opens and reaches
Log out, queue rows are cards and the ticket stacks stream, composer and contact panel.
Screenshots of every page go to test-results/layout/ (look at them); `-m screenshots`
also writes the README's phone screenshots to docs/screenshots/."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from avodash.audit import audit_record
from avodash.models import AuditEntry
from tests.e2e.conftest import login
from tests.e2e.test_lifecycle import SHOT_CSV

pytestmark = pytest.mark.django_db(transaction=True)
INBOX = "acme-support"
NOAH = "+16195555902"
PHONE = {"width": 390, "height": 844}
SHOTS = os.path.join(os.path.dirname(__file__), "..", "..", "test-results", "layout")
DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "screenshots")


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(viewport=PHONE, timezone_id="America/Los_Angeles", has_touch=True)
    p = context.new_page()
    p.set_default_timeout(15000)
    yield p
    context.close()


def fits(page, name: str) -> None:
    """The page is no wider than the phone, and a screenshot of it is kept."""
    page.wait_for_load_state("networkidle")
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)
    assert width <= inner, f"{name}: {width}px wide on a {inner}px screen"


def visit(page, live_server, path: str, name: str):
    response = page.goto(live_server.url + path)
    fits(page, name)
    return response


def menu_reaches_log_out(page) -> None:
    """The top bar is one menu: it opens by keyboard, shows the sections and Log out."""
    expect(page.locator(".topbar .sections")).to_be_hidden()
    summary = page.locator(".user-menu > summary")
    expect(summary).to_have_text(re.compile("Menu"))
    summary.focus()
    page.keyboard.press("Enter")
    menu = page.locator(".user-menu .menu-list")
    expect(menu.get_by_role("link", name="Inbox")).to_be_visible()
    log_out = menu.get_by_role("menuitem", name="Log out")
    expect(log_out).to_be_visible()
    box = log_out.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.screenshot(path=os.path.join(SHOTS, "menu-open.png"))
    page.keyboard.press("Escape")
    expect(log_out).to_be_hidden()


def test_an_agent_works_the_queue_and_a_ticket_on_a_phone(phone, live_server, agent, sandbox):
    inbox = sandbox.state.inbox(INBOX)
    noah = inbox.current_ticket(inbox.contact_by_phone(NOAH).id)
    visit(phone, live_server, "/accounts/login/", "login")
    login(phone, live_server, agent)
    fits(phone, "inbox-home")
    menu_reaches_log_out(phone)
    phone.locator("#inbox-switcher > summary").click()  # the inbox switcher fits as well
    inboxes = phone.locator("#inbox-switcher .menu-list")
    expect(inboxes.get_by_role("menuitem").first).to_be_visible()
    box = inboxes.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    phone.screenshot(path=os.path.join(SHOTS, "inbox-switcher.png"))
    phone.keyboard.press("Escape")

    # The unaddressed queue: each ticket a card with contact, status, owner, unaddressed, wait.
    visit(phone, live_server, f"/i/{INBOX}/tickets/?unaddressed=on", "queue")
    card = phone.locator("#queue tbody tr[data-ticket]").first
    for part in (".contact-link", "td.status .badge", "td.owner", "td.una .dot", "td.wait"):
        expect(card.locator(part)).to_be_visible()
    expect(card.locator("td.wait")).to_have_text(re.compile(r"^\d+(s|m \d\ds|h \d\dm|d \d\dh)$"))
    box = card.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    expect(phone.locator("#queue thead")).to_be_hidden()  # a list of cards, not a table
    expect(card.locator("td.owner")).to_have_attribute("data-label", "Owner")
    # A filter swaps the list in place (htmx): the new cards are labelled too.
    phone.locator("#f-status").select_option("Open")
    expect(phone).to_have_url(re.compile(r"status=Open"))
    expect(phone.locator("#queue tbody td.status").first).to_have_text("Open")
    expect(phone.locator("#queue tbody td.wait").first).to_have_attribute("data-label", "Waiting")
    fits(phone, "queue-filtered")

    # The ticket: header, then the stream, the composer under it, then the contact panel.
    visit(phone, live_server, f"/i/{INBOX}/tickets/{noah.id}/", "ticket")
    parts = ["#ticket-state", "#timeline", "#composer", ".contact-panel"]
    tops = [phone.locator(p).first.bounding_box()["y"] for p in parts]
    assert tops == sorted(tops), dict(zip(parts, tops, strict=True))
    expect(phone.get_by_role("button", name="Close ticket")).to_be_visible()
    composer = phone.locator("#composer")
    composer.get_by_role("button", name="Send now").scroll_into_view_if_needed()
    expect(composer.get_by_role("button", name="Send now")).to_be_visible()

    for path, name in [
        (f"/i/{INBOX}/compose/", "compose"),
        (f"/i/{INBOX}/messages/?status=not_delivered", "messages"),
        (f"/i/{INBOX}/scheduled/", "scheduled"),
        (f"/i/{INBOX}/tickets/no-such-ticket/", "error-404"),
    ]:
        visit(phone, live_server, path, name)
    assert visit(phone, live_server, "/team/", "error-403").status == 403


def test_a_lead_checks_the_team_on_a_phone(phone, live_server, lead, sandbox):
    sam = sandbox.state.user_by_email("sam.rivera@acme.example").id
    audit_record(actor=lead, inbox=INBOX, action="ticket.status", target="t1", params={"status": "Closed"})
    audit_record(
        actor=lead,
        inbox=INBOX,
        action="ticket.assign",
        target="t2",
        params={"user_id": sam, "note": "x" * 120},  # a long token must wrap, not widen the page
        outcome=AuditEntry.FAILED,
        error="Not allowed",
    )
    login(phone, live_server, lead)
    visit(phone, live_server, f"/i/{INBOX}/tickets/", "queue-lead")
    # Bulk changes stay reachable: the controls appear once a ticket is ticked.
    expect(phone.locator("#bulk-apply")).to_be_hidden()
    phone.locator('#queue tbody input[name="ids"]').first.check()
    expect(phone.locator("#bulk-apply")).to_be_visible()
    fits(phone, "queue-lead-selected")
    visit(phone, live_server, f"/i/{INBOX}/team/", "team")
    visit(phone, live_server, f"/i/{INBOX}/team/{sam}/", "team-member")
    visit(phone, live_server, "/audit/", "audit")
    expect(phone.locator("main tbody tr")).to_have_count(3)  # the two above and the lead's own sign-in
    menu_reaches_log_out(phone)


def test_an_it_admin_runs_people_pages_on_a_phone(phone, live_server, itadmin, sandbox):
    sandbox.set_rate_limit(None)
    login(phone, live_server, itadmin)
    for path, name in [
        ("/team/", "people"),
        ("/team/compliance/", "compliance"),
        ("/team/offboard/?email=sam.rivera@acme.example", "offboard-plan"),
        ("/team/onboard/csv/", "onboard-csv"),
    ]:
        visit(phone, live_server, path, name)
    phone.locator("input[type=file]").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": SHOT_CSV.encode()}
    )
    phone.locator("form button[type=submit]").last.click()
    expect(phone.get_by_role("heading", name="Dry run: people.csv")).to_be_visible()
    fits(phone, "onboard-csv-preview")

    visit(phone, live_server, "/team/onboard/", "onboard")
    phone.get_by_label("Email").fill("pat.phone@acme.example")
    phone.get_by_label("Name").fill("Pat Phone")
    phone.get_by_role("checkbox", name="Acme Support").check()
    phone.get_by_role("button", name="Add to the chosen inboxes").click()
    expect(phone).to_have_url(re.compile(r"/team/jobs/\d+/$"))
    fits(phone, "job")
    visit(phone, live_server, "/team/jobs/", "jobs")
    menu_reaches_log_out(phone)


@pytest.mark.screenshots
def test_phone_screenshots(request, phone, live_server, lead, sandbox):
    """docs/screenshots/queue-phone.png and ticket-phone.png (run with `-m screenshots`)."""
    if "screenshots" not in (request.config.getoption("-m") or ""):
        pytest.skip("run with -m screenshots to regenerate docs/screenshots")
    os.makedirs(DOCS, exist_ok=True)
    inbox = sandbox.state.inbox(INBOX)
    noah = inbox.current_ticket(inbox.contact_by_phone(NOAH).id)
    login(phone, live_server, lead)
    phone.goto(f"{live_server.url}/i/{INBOX}/tickets/?unaddressed=on")
    phone.wait_for_load_state("networkidle")
    # Below the sticky top bar: the saved views, the filters and the first cards.
    phone.evaluate(
        "window.scrollTo(0, document.querySelector('.quick-views').getBoundingClientRect().top - 58)"
    )
    phone.screenshot(path=os.path.join(DOCS, "queue-phone.png"))
    phone.goto(f"{live_server.url}/i/{INBOX}/tickets/{noah.id}/")
    phone.wait_for_load_state("networkidle")
    phone.screenshot(path=os.path.join(DOCS, "ticket-phone.png"))
