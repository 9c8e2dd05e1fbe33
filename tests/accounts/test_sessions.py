"""Sessions end after SESSION_MAX_SECONDS, after SESSION_IDLE_SECONDS idle, and everywhere on request."""

from __future__ import annotations

import pytest

from avodash.models import AuditEntry
from tests.accounts.conftest import sign_in

pytestmark = pytest.mark.django_db


def _ended(c, message: str) -> None:
    r = c.get("/audit/")
    assert r.status_code == 302 and r["Location"] == "/accounts/login/?next=%2Faudit%2F"
    assert message in c.get(r["Location"]).content.decode()
    assert c.get("/audit/").status_code == 302  # still signed out


def test_an_idle_session_ends_after_the_idle_limit(itadmin, clock, settings):
    c, _ = sign_in("itadmin")
    clock.advance(settings.SESSION_IDLE_SECONDS - 60)
    assert c.get("/audit/").status_code == 200  # activity keeps it alive
    clock.advance(settings.SESSION_IDLE_SECONDS - 60)
    assert c.get("/audit/").status_code == 200
    clock.advance(settings.SESSION_IDLE_SECONDS + 1)
    _ended(c, "signed out after 60 minutes without activity")
    assert AuditEntry.objects.filter(action="auth.session_ended", actor=itadmin).exists()


def test_a_busy_session_still_ends_after_the_maximum(itadmin, clock, settings):
    c, _ = sign_in("itadmin")
    for _ in range(int(settings.SESSION_MAX_SECONDS / 1800)):
        clock.advance(1800)
        assert c.get("/audit/").status_code == 200
    clock.advance(1801)
    _ended(c, "Your session ended after 12 hours")


def test_signing_out_everywhere_ends_every_session_of_the_person(itadmin, lead):
    phone, _ = sign_in("itadmin")
    laptop, _ = sign_in("itadmin")
    other, _ = sign_in("lead")
    r = laptop.post("/accounts/sign-out-everywhere/")
    assert r.status_code == 302
    _ended(phone, "You were signed out everywhere")
    assert laptop.get("/audit/").status_code == 302
    assert other.get("/audit/").status_code == 200  # someone else's sessions are theirs
    assert AuditEntry.objects.filter(action="auth.sign_out_everywhere", actor=itadmin).exists()
    assert sign_in("itadmin")[1].status_code == 302  # signing in again works


def test_the_security_page_offers_mfa_and_signing_out_everywhere(itadmin):
    c, _ = sign_in("itadmin")
    html = c.get("/accounts/security/").content.decode()
    assert "Your role requires a second factor" in html
    assert "Sign out everywhere" in html


def test_an_htmx_request_of_an_ended_session_is_sent_to_the_login_page(itadmin, clock, settings):
    c, _ = sign_in("itadmin")
    clock.advance(settings.SESSION_IDLE_SECONDS + 1)
    r = c.get("/audit/", HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and r["HX-Redirect"].startswith("/accounts/login/")
