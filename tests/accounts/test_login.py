"""The sign-in page on allauth: the old look, lockout without enumeration, audit, SSO_ONLY."""

from __future__ import annotations

import pytest
from django.test import Client

from avodash.models import AuditEntry
from tests.accounts.conftest import UA, sign_in

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-ins"


def test_the_login_page_keeps_its_look_and_offers_no_sso_without_configuration():
    html = Client().get("/accounts/login/").content.decode()
    assert 'class="login-box"' in html and ">Username</label>" in html and ">Log in</button>" in html
    assert "Sign in with" not in html
    assert "sign up" not in html.lower()  # accounts come from IT or SSO


def test_signing_in_rotates_the_session_and_is_audited(agent):
    c = Client(HTTP_USER_AGENT=UA)
    c.get("/accounts/login/")
    before = c.session.session_key
    _, r = sign_in("agent", client=c, REMOTE_ADDR="10.1.2.3")
    assert r.status_code == 302
    assert c.session.session_key != before
    entry = AuditEntry.objects.get(action="auth.login")
    assert entry.actor == agent and entry.ip == "10.1.2.3" and entry.params["user_agent"] == UA
    assert entry.params["method"] == "local"


def test_a_failed_sign_in_is_audited_without_the_password(agent):
    _, r = sign_in("agent", "nope-secret", REMOTE_ADDR="10.9.9.9")
    assert r.status_code == 200
    assert "Please enter a correct username and password" in r.content.decode()
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.outcome == "failed" and entry.target == "agent" and entry.ip == "10.9.9.9"
    assert "nope-secret" not in str(entry.params) and entry.params["user_agent"] == UA


def test_ten_failures_lock_the_account_for_the_configured_time(agent, clock, settings):
    for _ in range(10):
        _, r = sign_in("agent", "wrong")
        assert LOCKED not in r.content.decode()
    _, r = sign_in("agent")  # the right password, but locked
    assert r.status_code == 200 and LOCKED in r.content.decode()
    assert "_auth_user_id" not in r.client.session
    assert AuditEntry.objects.filter(action="auth.lockout", target="agent").exists()
    clock.advance(settings.LOGIN_LOCKOUT_SECONDS - 5)
    assert LOCKED in sign_in("agent")[1].content.decode()
    clock.advance(10)
    _, r = sign_in("agent")
    assert r.status_code == 302


def test_the_lockout_says_the_same_for_an_account_that_does_not_exist(agent, clock):
    answers = {}
    for name in ("agent", "nobody-here"):
        for _ in range(10):
            sign_in(name, "wrong")
        answers[name] = sign_in(name, "wrong")[1].content.decode()
    for html in answers.values():
        assert LOCKED in html
    strip = [h.replace("nobody-here", "agent") for h in answers.values()]
    assert strip[0].count(LOCKED) == strip[1].count(LOCKED)


def test_one_address_is_throttled_across_accounts(agent, clock, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "5/900s/ip,10/900s/key"}
    for i in range(5):
        sign_in(f"guess{i}", "wrong", REMOTE_ADDR="10.6.6.6")
    assert LOCKED in sign_in("agent", REMOTE_ADDR="10.6.6.6")[1].content.decode()
    assert sign_in("agent", REMOTE_ADDR="10.7.7.7")[1].status_code == 302


def test_sso_only_leaves_local_passwords_to_superusers(agent, superuser, settings):
    settings.SSO_ISSUER_URL, settings.SSO_CLIENT_ID, settings.SSO_ONLY = (
        "http://127.0.0.1:9/oidc",
        "avodash",
        True,
    )
    html = Client().get("/accounts/login/").content.decode()
    assert "Break-glass sign-in" in html
    _, r = sign_in("agent")
    assert r.status_code == 200 and "local passwords are for break-glass admins only" in r.content.decode()
    assert sign_in("admin")[1].status_code == 302


def test_signing_out_is_audited(agent):
    c, _ = sign_in("agent")
    c.post("/accounts/logout/")
    assert AuditEntry.objects.filter(action="auth.logout", actor=agent).exists()
    assert c.get("/").status_code == 302


def test_allauth_pages_that_would_change_email_or_links_are_not_offered(agent):
    c, _ = sign_in("agent")
    for path in ("/accounts/email/", "/accounts/3rdparty/"):
        r = c.post(path, {"email": "other@acme.example", "action_add": ""})
        assert r.status_code in (301, 302) and r["Location"] == "/accounts/security/", path
    assert not agent.emailaddress_set.filter(email="other@acme.example").exists()
    assert c.get("/accounts/signup/").status_code in (200, 302)
    assert "sign up" not in c.get("/accounts/login/").content.decode().lower()


def test_the_django_admin_signs_in_through_the_same_page(superuser):
    r = Client().post("/admin/login/", {"username": "admin", "password": "pw-admin"})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    c, _ = sign_in("admin")
    assert c.get("/admin/").status_code == 200
