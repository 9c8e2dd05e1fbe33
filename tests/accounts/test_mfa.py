"""MFA: IT admins and superusers who sign in locally enrol before any other page."""

from __future__ import annotations

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.core.cache import cache

from avodash.models import AuditEntry
from tests.accounts.conftest import sign_in
from tests.helpers import INBOX

pytestmark = pytest.mark.django_db

ENROL = "/accounts/2fa/totp/activate/"


@pytest.fixture
def enforced(settings):
    settings.MFA_ENFORCED = True


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """allauth announces a new authenticator once the transaction commits."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _enrol(c, on_commit) -> str:
    r = c.get(ENROL)
    assert r.status_code == 200, r.status_code
    secret = r.context["form"].secret
    with on_commit():
        r = c.post(ENROL, {"code": pyotp.TOTP(secret).now()})
    assert r.status_code == 302, r.content.decode()[:2000]
    return secret


def test_an_it_admin_without_mfa_is_sent_to_enrolment_before_any_page(itadmin, enforced, on_commit):
    c, r = sign_in("itadmin")
    for path in ("/", f"/i/{INBOX}/team/", "/team/", "/audit/"):
        r = c.get(path)
        assert r.status_code == 302 and r["Location"].startswith(ENROL), path
    assert "Your role requires two-factor authentication" in c.get(r["Location"]).content.decode()
    _enrol(c, on_commit)
    assert Authenticator.objects.filter(user=itadmin, type="totp").exists()
    assert c.get(f"/i/{INBOX}/team/").status_code == 200
    added = AuditEntry.objects.filter(action="auth.mfa_added", actor=itadmin)
    assert sorted(e.params["type"] for e in added) == ["recovery_codes", "totp"]


def test_an_enrolled_admin_signs_in_with_a_code(superuser, enforced, on_commit):
    c, _ = sign_in("admin")
    assert c.get("/").headers["Location"].startswith(ENROL)
    secret = _enrol(c, on_commit)
    cache.clear()  # allauth refuses a code twice in its 30 s window: the enrolment used this one
    c.post("/accounts/logout/")
    c, r = sign_in("admin")
    assert r["Location"] == "/accounts/2fa/authenticate/"
    assert c.get("/audit/").status_code == 302  # not signed in until the code
    r = c.post("/accounts/2fa/authenticate/", {"code": "000000"})
    assert r.status_code == 200
    assert AuditEntry.objects.filter(action="auth.mfa_failed").exists()
    r = c.post("/accounts/2fa/authenticate/", {"code": pyotp.TOTP(secret).at(30 * 10**9)})
    assert r.status_code == 200  # a code from another time is refused
    totp = pyotp.TOTP(secret)
    r = c.post("/accounts/2fa/authenticate/", {"code": totp.now()})
    assert r.status_code == 302
    assert c.get("/audit/").status_code == 200


@pytest.mark.parametrize("fixture", ["agent", "lead"])
def test_other_roles_are_not_forced(request, fixture, enforced):
    request.getfixturevalue(fixture)
    c, _ = sign_in(fixture)
    assert c.get(f"/i/{INBOX}/").status_code == 200


def test_the_sandbox_does_not_force_mfa_unless_asked(itadmin, settings):
    assert settings.MFA_ENFORCED is False  # tests run like `make run`: the sandbox, no DEMO_MFA
    c, _ = sign_in("itadmin")
    assert c.get(f"/i/{INBOX}/team/").status_code == 200


def test_the_required_roles_are_configurable(lead, enforced, settings):
    settings.MFA_REQUIRED_ROLES = ["Lead"]
    c, _ = sign_in("lead")
    assert c.get("/").headers["Location"].startswith(ENROL)


def test_removing_mfa_is_audited(itadmin, on_commit):
    c, _ = sign_in("itadmin")
    _enrol(c, on_commit)
    with on_commit():
        r = c.post("/accounts/2fa/totp/deactivate/")
    assert r.status_code == 302
    assert not Authenticator.objects.filter(user=itadmin, type="totp").exists()
    entry = AuditEntry.objects.get(action="auth.mfa_removed", params__type="totp")
    assert entry.actor == itadmin and entry.ip == "127.0.0.1"
