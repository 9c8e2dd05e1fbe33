"""An IT admin works with people across inboxes: opens a person from the directory and changes
their role in two inboxes, offboards someone found by part of their name (a second offboarding
is refused), reads the MFA report after onboarding someone, and sees on a ticket that the
handover was theirs. A real database worker runs the jobs."""

from __future__ import annotations

import os
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.team.support import run_worker

pytestmark = pytest.mark.django_db(transaction=True)
SAM = "sam.rivera@acme.example"


def test_open_a_person_from_the_directory_and_change_their_role_in_two_inboxes(
    page, live_server, itadmin, sandbox
):
    sandbox.set_rate_limit(None)
    login(page, live_server, itadmin)
    page.get_by_role("link", name="People").click()
    page.get_by_role("link", name="Sam Rivera").click()

    expect(page.get_by_role("heading", name="Sam Rivera", level=1)).to_be_visible()
    inboxes = page.locator(".people-person-inboxes tbody tr")
    expect(inboxes).to_have_count(2)
    expect(inboxes.filter(has_text="Acme Support")).to_contain_text("Compliant")
    page.get_by_label("Role in Acme Support").select_option("manager")
    page.get_by_label("Role in Acme Sales").select_option("manager")
    page.get_by_role("button", name="Apply role changes").click()

    expect(page.get_by_text("Sam Rivera is now manager in Acme Support (was member).")).to_be_visible()
    expect(page.get_by_text("Sam Rivera is now manager in Acme Sales (was member).")).to_be_visible()
    sam = sandbox.state.user_by_email(SAM).id
    assert {sandbox.state.inbox(s).members[sam].role for s in ("acme-support", "acme-sales")} == {"manager"}


def _plan_for_sam(page, live_server, sandbox) -> None:
    """The offboarding page: find Sam by typing part of his name, pick him, choose Maya for
    Acme Support's tickets through the picker's type-ahead, and a date."""
    page.goto(f"{live_server.url}/team/offboard/")
    page.get_by_label("Who is leaving?").fill("rive")
    page.get_by_role("link", name=re.compile("Sam Rivera")).click()
    expect(page.locator(".people-plan-table tbody tr")).to_have_count(2)
    row = page.locator(".people-plan-table tbody tr", has_text="Acme Support")
    row.get_by_label("Search by name, email or phone").fill("maya")
    maya = sandbox.state.user_by_email("maya.patel@acme.example").id
    expect(page.get_by_label("Open tickets in Acme Support go to", exact=True)).to_have_value(maya)
    page.get_by_label("On a date (their last day)").check()
    when = timezone.localtime(timezone.now() + timedelta(days=2), timezone.get_fixed_timezone(-480))
    page.get_by_label("Date and time").fill(when.strftime("%Y-%m-%dT09:00"))


def test_offboard_by_part_of_their_name_and_a_second_offboarding_is_refused(
    page, live_server, itadmin, sandbox
):
    sandbox.set_rate_limit(None)
    login(page, live_server, itadmin)
    _plan_for_sam(page, live_server, sandbox)
    # A second tab with the same plan, as if Back had been pressed after submitting.
    other = page.context.new_page()
    _plan_for_sam(other, live_server, sandbox)
    other.get_by_role("button", name=f"Check and offboard {SAM}").click()

    page.get_by_role("button", name=f"Check and offboard {SAM}").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Offboard Sam Rivera?")
    expect(page.get_by_role("alertdialog")).to_contain_text("Acme Support: open tickets go to Maya Patel")
    page.get_by_role("button", name=f"Yes, offboard {SAM}").click()
    expect(page).to_have_url(re.compile(r"/team/jobs/\d+/$"))
    first = page.url
    expect(page.locator(".people-title .badge")).to_have_text("Scheduled")

    other.get_by_role("button", name=f"Yes, offboard {SAM}").click()
    refusal = other.locator(".people-existing")
    expect(refusal).to_contain_text(f"{SAM} is already being offboarded")
    refusal.get_by_role("link").click()
    expect(other).to_have_url(first)


def test_the_mfa_report_after_onboarding_someone_with_a_phone(page, live_server, itadmin, sandbox):
    sandbox.set_rate_limit(None)
    login(page, live_server, itadmin)
    page.goto(f"{live_server.url}/team/onboard/")
    page.get_by_label("Email").fill("nora.new@acme.example")
    page.get_by_label("Name").fill("Nora New")
    page.get_by_label("MFA phone").fill("+14155550188")
    page.get_by_label("Acme Support", exact=True).check()
    page.get_by_role("button", name="Add to the chosen inboxes").click()
    expect(page).to_have_url(re.compile(r"/team/jobs/\d+/$"))
    expect(page.locator(".people-title .badge")).to_have_text("Queued")
    page.wait_for_load_state("networkidle")
    run_worker()
    expect(page.locator(".people-title .badge")).to_have_text("Done")

    page.get_by_role("link", name="MFA compliance").click()
    nora = page.locator("tbody tr", has_text="Nora New")
    expect(nora).to_contain_text("Phone pending confirmation")
    expect(nora).to_contain_text("They confirm it with the code Avochato texts")
    expect(page.locator("tbody tr", has_text="Ben Carter")).to_have_count(0)  # disabled: excluded
    expect(page.locator(".people-cards .card", has_text="Disabled (excluded)")).to_contain_text("2")
    page.get_by_label("State", exact=True).select_option("disabled")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("tbody tr", has_text="Ben Carter")).to_contain_text("Disabled (excluded)")


def test_a_handover_is_attributed_to_the_it_admin_on_the_ticket_page(page, live_server, itadmin, sandbox):
    sandbox.set_rate_limit(None)
    sam = sandbox.state.user_by_email(SAM)
    support = sandbox.state.inbox("acme-support")
    ticket = sorted(t.id for t in support.tickets.values() if t.user_id == sam.id and t.status != "Closed")[0]
    login(page, live_server, itadmin)
    page.goto(f"{live_server.url}/team/people/{sam.id}/")
    page.get_by_role("link", name="Offboard…").click()
    page.get_by_label("Open tickets in Acme Support go to", exact=True).select_option(
        sandbox.state.user_by_email("maya.patel@acme.example").id
    )
    page.get_by_role("button", name=f"Check and offboard {SAM}").click()
    page.get_by_role("button", name=f"Yes, offboard {SAM}").click()
    expect(page.locator(".people-title .badge")).to_have_text("Queued")
    page.wait_for_load_state("networkidle")
    run_worker()
    expect(page.locator(".people-title .badge")).to_have_text("Done")

    page.goto(f"{live_server.url}/i/acme-support/tickets/{ticket}/")
    expect(
        page.get_by_text(re.compile(r"Assigned to Maya Patel \(was Sam Rivera\) by Itadmin Tester"))
    ).to_be_visible()


@pytest.mark.screenshots
def test_people_screenshots(request, page, live_server, itadmin, sandbox):
    """docs/screenshots/person.png and compliance.png (run with `-m screenshots`)."""
    if "screenshots" not in (request.config.getoption("-m") or ""):
        pytest.skip("run with -m screenshots to regenerate docs/screenshots")
    from team import mfa

    sandbox.set_rate_limit(None)
    out = os.environ.get("AVODASH_SCREENSHOTS") or os.path.join(
        os.path.dirname(__file__), "..", "..", "docs", "screenshots"
    )
    os.makedirs(out, exist_ok=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, live_server, itadmin)
    sam = sandbox.state.user_by_email(SAM)
    page.goto(f"{live_server.url}/team/people/{sam.id}/")
    page.screenshot(path=os.path.join(out, "person.png"), full_page=True)

    elena = sandbox.state.user_by_email("elena.rossi@globex.example")
    page.goto(f"{live_server.url}/team/compliance/")  # the directory is filled on first use
    from avodash.domain import directory

    user = directory.member(subdomain="globex-help", user=elena.id)
    mfa.pending_phone_remember(user=user, phone="+14155550123", operator=itadmin)
    page.goto(f"{live_server.url}/team/compliance/")
    page.screenshot(path=os.path.join(out, "compliance.png"), full_page=True)
