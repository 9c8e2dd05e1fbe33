"""Sign-in in the browser: MFA enrolment for an IT admin, step-up before a role change."""

from __future__ import annotations

import re

import pyotp
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.helpers import Clock

pytestmark = pytest.mark.django_db(transaction=True)
INBOX = "acme-support"
JORDAN = "jordan.lee@acme.example"


def test_an_it_admin_without_mfa_enrols_with_a_totp_code_and_reaches_the_team(page, live_server, itadmin, settings):
    settings.MFA_ENFORCED = True
    login(page, live_server, itadmin)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.get_by_role("heading", name="Activate Authenticator App")).to_be_visible()
    page.goto(f"{live_server.url}/i/{INBOX}/team/")  # any page: back to enrolment
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/"))
    expect(page.locator("#flash")).to_contain_text("Your role requires two-factor authentication")
    secret = page.locator("#authenticator_secret").input_value()
    page.get_by_label("Authenticator code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Activate").click()
    expect(page.locator("#flash")).to_contain_text("Authenticator app activated")
    page.goto(f"{live_server.url}/i/{INBOX}/team/")
    expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible()


def test_a_role_change_after_the_step_up_window_asks_for_the_password_then_completes_once(
    page, live_server, itadmin, sandbox, monkeypatch
):
    from accounts import sessions

    clock = Clock()
    monkeypatch.setattr(sessions, "clock", clock)
    sandbox.set_rate_limit(None)
    login(page, live_server, itadmin)
    jordan = sandbox.state.user_by_email(JORDAN).id
    page.goto(f"{live_server.url}/i/{INBOX}/team/{jordan}/")
    clock.advance(11 * 60)
    sandbox.clear_log()
    page.get_by_label("Role in Acme Support").select_option("manager")
    page.get_by_role("button", name="Change role").click()
    expect(page).to_have_url(re.compile(r"/accounts/reauthenticate/"))
    assert sandbox.state.inbox(INBOX).members[jordan].role == "member"
    page.get_by_label("Password").fill("pw-itadmin")
    page.get_by_role("button", name="Confirm").click()
    expect(page.locator("#flash")).to_contain_text("Jordan Lee is now manager in Acme Support")
    expect(page).to_have_url(re.compile(rf"/i/{INBOX}/team/{jordan}/$"))
    assert sandbox.state.inbox(INBOX).members[jordan].role == "manager"
    assert len([r for r in sandbox.requests if r["method"] == "PUT"]) == 1
