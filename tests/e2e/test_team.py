"""An IT admin opens the team page, changes a user's role, disables and re-enables them,
and sends a password reset; the same disable works without JavaScript."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)
INBOX = "acme-support"
JORDAN = "jordan.lee@acme.example"


def _member(sandbox, email: str):
    user = sandbox.state.user_by_email(email)
    return sandbox.state.inbox(INBOX).members[user.id]


def test_an_it_admin_changes_role_disables_re_enables_and_resets_password(
    page, live_server, itadmin, sandbox
):
    sandbox.set_rate_limit(None)  # the dashboard's limiter is lifted in tests; lift the sandbox's too
    login(page, live_server, itadmin)
    page.goto(f"{live_server.url}/i/{INBOX}/")
    page.locator(".subnav").get_by_role("link", name="Team").click()
    expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible()
    row = page.locator("tr", has_text=JORDAN)
    expect(row).to_contain_text("Member")
    expect(row).to_contain_text("Enabled")

    # filter without a reload (htmx), then open the user
    page.get_by_label("Role").select_option("owner")
    expect(page.locator("#team-results")).not_to_contain_text(JORDAN)
    expect(page).to_have_url(re.compile(r"role=owner"))
    page.get_by_role("link", name="Clear").click()
    page.locator("#team-results").get_by_role("link", name="Jordan Lee").click()
    expect(page.get_by_role("heading", name=re.compile("Jordan Lee"))).to_be_visible()

    # change the role
    page.get_by_label("Role in Acme Support").select_option("manager")
    page.get_by_role("button", name="Change role").click()
    expect(page.locator("#flash")).to_contain_text("Jordan Lee is now manager in Acme Support")
    assert _member(sandbox, JORDAN).role == "manager"

    # disable: a confirmation naming the user and the inbox, then the red button
    page.get_by_role("link", name="Disable…").click()
    confirm = page.locator("#confirm-region")
    expect(confirm).to_contain_text("Disable Jordan Lee in Acme Support?")
    confirm.get_by_role("button", name="Disable Jordan Lee").click()
    expect(page.locator("#flash")).to_contain_text("Jordan Lee is disabled in Acme Support")
    expect(page.locator("h1")).to_contain_text("Disabled")
    assert _member(sandbox, JORDAN).enabled is False

    # and back
    page.get_by_role("button", name="Re-enable").click()
    expect(page.locator("#flash")).to_contain_text("enabled again")
    expect(page.locator("h1")).to_contain_text("Enabled")
    assert _member(sandbox, JORDAN).enabled is True

    # password reset
    expect(page.get_by_text("The link expires in 48 hours.")).to_be_visible()
    page.get_by_role("link", name="Send password reset…").click()
    page.locator("#confirm-region").get_by_role("button", name="Send the reset email").click()
    expect(page.locator("#flash")).to_contain_text(
        f"Password reset email sent to {JORDAN}. The link in it expires in 48 hours."
    )
    assert sandbox.state.user_by_email(JORDAN).password_reset_sent_at is not None

    # a phone typed the local way comes back in place with the error and a "Did you mean" (422)
    page.get_by_label("Phone for two-factor codes").fill("(415) 555-0177")
    page.get_by_role("button", name="Set phone").click()
    mfa = page.locator("#mfa-phone")
    expect(mfa).to_contain_text("Did you mean +14155550177?")
    expect(page.get_by_label("Phone for two-factor codes")).to_have_value("(415) 555-0177")
    expect(page).to_have_url(re.compile(r"/team/[^/]+/$"))
    mfa.get_by_role("button", name="Use +14155550177").click()
    expect(page.locator("#flash")).to_contain_text("MFA phone (415) 555-0177 set for Jordan Lee")

    # it is all in the audit trail
    page.get_by_role("link", name="Audit").click()
    for action in (
        "Role changed",
        "User disabled",
        "User re-enabled",
        "Password reset sent",
        "MFA phone set",
    ):
        expect(page.locator("table.data")).to_contain_text(action)


def test_disabling_works_without_javascript(browser, live_server, itadmin, sandbox):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, java_script_enabled=False)
    page = context.new_page()
    try:
        login(page, live_server, itadmin)
        user_id = sandbox.state.user_by_email(JORDAN).id
        page.goto(f"{live_server.url}/i/{INBOX}/team/{user_id}/")
        page.get_by_role("link", name="Disable…").click()
        expect(page).to_have_url(re.compile(r"/disable/$"))
        expect(page.get_by_role("heading", name="Disable Jordan Lee in Acme Support?")).to_be_visible()
        page.get_by_role("button", name="Disable Jordan Lee").click()
        expect(page.locator("#flash")).to_contain_text("Jordan Lee is disabled in Acme Support")
        assert _member(sandbox, JORDAN).enabled is False
    finally:
        context.close()


@pytest.mark.screenshots
def test_team_screenshots(request, page, live_server, itadmin, sandbox):
    """docs/screenshots/team.png and team-user.png (run with `-m screenshots`)."""
    if "screenshots" not in (request.config.getoption("-m") or ""):
        pytest.skip("run with -m screenshots to regenerate docs/screenshots")
    sandbox.set_rate_limit(None)
    out = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "screenshots")
    os.makedirs(out, exist_ok=True)
    login(page, live_server, itadmin)
    page.goto(f"{live_server.url}/i/{INBOX}/team/")
    page.screenshot(path=os.path.join(out, "team.png"), full_page=True)
    user_id = sandbox.state.user_by_email("sam.rivera@acme.example").id
    page.goto(f"{live_server.url}/i/{INBOX}/team/{user_id}/")
    page.screenshot(path=os.path.join(out, "team-user.png"), full_page=True)
