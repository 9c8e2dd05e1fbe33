"""Nobody disabled or offboarded is offered as an owner: the queue's bulk owner list and the
ticket's owner list drop them in the same request that disabled them (directory write-through),
and after the offboarding job's steps ran, with no wait for the background refresh."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.team.support import run_worker

pytestmark = pytest.mark.django_db(transaction=True)
INBOX = "acme-support"
JORDAN = "Jordan Lee"
TOM = "tom.becker@acme.example"


def _owner_options(page, live_server, ticket_id) -> tuple[list[str], list[str]]:
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/")
    bulk = page.locator("#bulk-owner optgroup[label='Assign to'] option").all_inner_texts()
    page.goto(f"{live_server.url}/i/{INBOX}/tickets/{ticket_id}/")
    single = page.locator("#owner-select option").all_inner_texts()
    return bulk, single


def test_disabled_and_offboarded_people_leave_the_owner_lists(page, live_server, itadmin, sandbox):
    sandbox.set_rate_limit(None)
    support = sandbox.state.inbox(INBOX)
    ticket = next(t for t in support.tickets.values() if t.status != "Closed")
    login(page, live_server, itadmin)

    bulk, single = _owner_options(page, live_server, ticket.id)
    assert JORDAN in bulk and JORDAN in single
    assert "Tom Becker" in bulk and "Tom Becker" in single

    # Disable Jordan on the team page; the very next page load no longer offers them.
    page.goto(f"{live_server.url}/i/{INBOX}/team/")
    page.locator("#team-results").get_by_role("link", name=JORDAN).click()
    page.get_by_role("link", name="Disable…").click()
    page.locator("#confirm-region").get_by_role("button", name=f"Disable {JORDAN}").click()
    expect(page.locator("#flash")).to_contain_text(f"{JORDAN} is disabled in Acme Support")
    bulk, single = _owner_options(page, live_server, ticket.id)
    assert JORDAN not in bulk
    assert JORDAN not in single

    # Offboard Tom now, handing his tickets to Maya; once the job's steps ran he is gone too.
    page.goto(f"{live_server.url}/team/offboard/?email={TOM}")
    maya = sandbox.state.user_by_email("maya.patel@acme.example")
    for select in page.locator(".people-handover select").all():
        select.select_option(maya.id)
    page.get_by_role("button", name=f"Check and offboard {TOM}").click()
    page.get_by_role("button", name=f"Yes, offboard {TOM}").click()
    expect(page).to_have_url(re.compile(r"/team/jobs/\d+/$"))
    run_worker()
    expect(page.locator("#job-progress .people-title .badge")).to_have_text("Done")
    bulk, single = _owner_options(page, live_server, ticket.id)
    assert "Tom Becker" not in bulk
    assert "Tom Becker" not in single
    assert "Maya Patel" in bulk and "Maya Patel" in single
