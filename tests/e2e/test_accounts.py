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


def test_an_it_admin_without_mfa_enrols_with_a_totp_code_and_reaches_the_team(
    page, live_server, itadmin, settings
):
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


# --- single sign-on against a real OpenID provider ----------------------------------------

ALICE = {
    "alice": {
        "email": "alice@acme.example",
        "name": "Alice Able",
        "groups": ["avodash-lead", "avodash-inbox:acme-support"],
    }
}


@pytest.fixture(scope="module")
def oidc(live_server):
    from tests.accounts.oidc import OidcProvider

    provider = OidcProvider(f"{live_server.url}/accounts/oidc/sso/login/callback/", ALICE).start()
    yield provider
    provider.stop()


@pytest.fixture
def sso(oidc, settings):
    oidc.django_settings(settings)
    oidc.set_groups("alice", ALICE["alice"]["groups"])
    settings.SSO_RECHECK_SECONDS = 0  # every request asks the provider again
    return oidc


def _sso_sign_in(page, live_server, login="alice") -> bool:
    """Through the provider; True when it asked who you are (its session did not remember)."""

    def at_provider(url: str) -> bool:
        return "/interaction/" in url

    def back(url: str) -> bool:
        return url.startswith(live_server.url) and "/accounts/oidc/" not in url

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="Sign in with Acme SSO").click()
    page.wait_for_url(lambda u: at_provider(u) or back(u))
    asked = at_provider(page.url)
    if asked:  # the provider's own sign-in page, then its consent page
        page.locator("input[name=login]").fill(login)
        page.locator("input[name=password]").fill("any")
        page.get_by_role("button", name=re.compile("Sign-in", re.I)).click()
        page.get_by_role("button", name=re.compile("Continue", re.I)).click()
        page.wait_for_url(back)
    # The landing redirects on to an inbox; let it settle before the test navigates itself.
    page.wait_for_load_state("networkidle")
    return asked


def test_sso_signs_in_with_the_mapped_role_and_inboxes_and_a_removed_group_ends_access(
    page, live_server, sso
):
    from django.contrib.auth.models import User

    invited = User.objects.create_user("alice.local", email="Alice@acme.example")  # invited before SSO
    assert _sso_sign_in(page, live_server), "the provider's sign-in page was not shown"
    expect(page.locator(".user-menu summary")).to_contain_text("Lead")
    with page.expect_response(lambda r: "/inbox-counts/" in r.url):  # asked for on opening it
        page.locator("#inbox-switcher summary").click()
    menu = page.locator("#inbox-switcher .menu-list")
    expect(menu).to_contain_text("Acme Support")
    expect(menu).not_to_contain_text("Acme Sales")
    user = User.objects.get(email__iexact="alice@acme.example")
    assert user.pk == invited.pk  # the invited login was linked, not duplicated
    assert list(user.inbox_grants.values_list("subdomain", flat=True)) == ["acme-support"]
    assert user.account_state.last_method == "sso"

    # The IdP takes alice out of every avodash group: her open session ends at the next request.
    sso.set_groups("alice", ["marketing"])
    page.goto("about:blank")  # nothing of the last page (its deferred parts) still running
    page.goto(f"{live_server.url}/i/{INBOX}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("#flash")).to_contain_text("no longer gives you access")
    # And she cannot sign in again.
    _sso_sign_in(page, live_server)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.locator("#flash")).to_contain_text("has not given you access to avodash")
    page.goto("about:blank")
    page.goto(f"{live_server.url}/i/{INBOX}/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


@pytest.mark.screenshots
def test_accounts_screenshots(request, page, live_server, itadmin, lead, outsider, settings, sso):
    """docs/screenshots/login-sso.png, mfa-enrol.png, access.png, access-user.png (`-m screenshots`;
    AVODASH_SCREENSHOTS=dir writes them elsewhere, AVODASH_SHOT_WIDTH=390 for a phone)."""
    import os

    from avodash.models import InboxGrant

    if "screenshots" not in (request.config.getoption("-m") or ""):
        pytest.skip("run with -m screenshots to regenerate docs/screenshots")
    out = os.environ.get("AVODASH_SCREENSHOTS") or os.path.join(
        os.path.dirname(__file__), "..", "..", "docs", "screenshots"
    )
    os.makedirs(out, exist_ok=True)
    width = int(os.environ.get("AVODASH_SHOT_WIDTH", "1280"))
    page.set_viewport_size({"width": width, "height": 800 if width > 500 else 844})
    InboxGrant.objects.create(user=outsider, subdomain="acme-old")
    itadmin.first_name, itadmin.last_name = "Ivy", "Tech"
    itadmin.save()
    page.goto(f"{live_server.url}/accounts/login/")
    page.screenshot(path=os.path.join(out, "login-sso.png"))
    settings.MFA_ENFORCED = True
    login(page, live_server, itadmin)
    page.screenshot(path=os.path.join(out, "mfa-enrol.png"), full_page=True)
    settings.MFA_ENFORCED = False
    page.goto(f"{live_server.url}/settings/access/")
    page.screenshot(path=os.path.join(out, "access.png"), full_page=True)
    page.goto(f"{live_server.url}/settings/access/{outsider.pk}/")
    page.screenshot(path=os.path.join(out, "access-user.png"), full_page=True)
    page.goto(f"{live_server.url}/accounts/reauthenticate/?next=/")
    page.screenshot(path=os.path.join(out, "reauthenticate.png"))


def _virtual_authenticator(page) -> None:
    """Chromium's virtual FIDO2 authenticator (DevTools protocol): a security key in the test."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    options = {
        "protocol": "ctap2",
        "transport": "usb",
        "hasResidentKey": True,
        "hasUserVerification": True,
        "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }
    cdp.send("WebAuthn.addVirtualAuthenticator", {"options": options})


def test_a_security_key_is_added_and_then_asked_for_at_sign_in(page, live_server, itadmin):
    _virtual_authenticator(page)
    login(page, live_server, itadmin)
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.get_by_label("Name").fill("Test key")
    page.get_by_role("button", name="Add").click()
    expect(page.locator("#flash")).to_contain_text("Security key added")
    page.goto(f"{live_server.url}/accounts/security/")
    expect(page.locator("main")).to_contain_text("second factor is set up")
    page.context.clear_cookies()
    login(page, live_server, itadmin)
    expect(page).to_have_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_role("button", name=re.compile("security key", re.I)).click()
    page.wait_for_url(re.compile(rf"{re.escape(live_server.url)}/(i/|$)"))
    page.goto(f"{live_server.url}/i/{INBOX}/team/")
    expect(page.get_by_role("heading", name="Team", exact=True)).to_be_visible()


def test_an_sso_it_admin_steps_up_at_the_provider_and_the_role_change_completes_once(
    page, live_server, sso, sandbox, monkeypatch
):
    from accounts import sessions

    clock = Clock()
    monkeypatch.setattr(sessions, "clock", clock)
    sandbox.set_rate_limit(None)
    sso.set_groups("alice", ["avodash-it-admin", "avodash-inbox:*"])
    _sso_sign_in(page, live_server)
    jordan = sandbox.state.user_by_email(JORDAN).id
    page.goto(f"{live_server.url}/i/{INBOX}/team/{jordan}/")
    clock.advance(11 * 60)
    sandbox.clear_log()
    page.get_by_label("Role in Acme Support").select_option("manager")
    page.get_by_role("button", name="Change role").click()
    expect(page.get_by_role("heading", name="Confirm it's you")).to_be_visible()
    page.get_by_role("button", name="Sign in with Acme SSO").click()
    # prompt=login: the provider asks again even though its session remembers alice
    page.locator("input[name=login]").fill("alice")
    page.locator("input[name=password]").fill("any")
    page.get_by_role("button", name=re.compile("Sign-in", re.I)).click()
    expect(page.locator("#flash")).to_contain_text("Jordan Lee is now manager in Acme Support")
    assert sandbox.state.inbox(INBOX).members[jordan].role == "manager"
    assert len([r for r in sandbox.requests if r["method"] == "PUT"]) == 1
