"""The groups claim mapped to roles and inbox grants (the browser journey against a real
OpenID provider is in tests/e2e/test_accounts.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from accounts import sso
from avodash.models import InboxGrant
from avodash.roles import role_name

pytestmark = pytest.mark.django_db


def test_the_highest_role_group_wins_and_inbox_groups_become_grants():
    access = sso.access_from_groups(
        ["avodash-agent", "avodash-it-admin", "avodash-inbox:acme-support", "avodash-inbox:acme-sales", "hr"]
    )
    assert access.role == "IT admin" and access.inboxes == {"acme-support", "acme-sales"}


def test_no_avodash_group_means_no_access():
    assert not sso.access_from_groups(["hr", "avodash-inbox:"]).any


def test_names_and_claim_are_configurable(settings):
    settings.SSO_GROUPS_CLAIM = "roles"
    settings.SSO_ROLE_GROUPS = {"IT admin": "it", "Lead": "leads", "Agent": "agents"}
    settings.SSO_INBOX_GROUP_PREFIX = "inbox-"
    groups = sso.groups_from_claims({"userinfo": {"roles": ["leads", "inbox-*"]}, "id_token": {}})
    access = sso.access_from_groups(groups)
    assert access.role == "Lead" and access.inboxes == {"*"}


def test_the_groups_claim_is_read_from_userinfo_or_the_id_token():
    assert sso.groups_from_claims({"id_token": {"groups": ["a"]}}) == ["a"]
    assert sso.groups_from_claims({"groups": "single"}) == ["single"]
    assert sso.groups_from_claims({}) == []


def test_applying_access_makes_role_and_grants_exactly_what_the_idp_says(lead):
    InboxGrant.objects.create(user=lead, subdomain="globex-help")
    sso.apply_access(lead, sso.Access(role="Agent", inboxes={"acme-support"}))
    lead = User.objects.get(pk=lead.pk)
    assert role_name(lead) == "Agent"
    assert sorted(lead.inbox_grants.values_list("subdomain", flat=True)) == ["acme-support"]
    sso.apply_access(lead, sso.Access(role="Lead", inboxes={"*", "acme-support"}))
    assert list(lead.inbox_grants.values_list("subdomain", flat=True)) == ["*"]


def test_the_login_page_offers_the_configured_sso_button(settings):
    settings.SSO_ISSUER_URL, settings.SSO_CLIENT_ID, settings.SSO_LABEL = "https://idp.example", "x", "Okta"
    html = Client().get("/accounts/login/").content.decode()
    assert "Sign in with Okta" in html and ">Log in</button>" in html


@pytest.fixture
def sso_session(lead, settings):
    """A Lead signed in through SSO: the account, its token, the state."""
    from allauth.socialaccount.models import SocialAccount, SocialToken

    from accounts.models import AccountState

    settings.SSO_ISSUER_URL, settings.SSO_CLIENT_ID, settings.SSO_RECHECK_SECONDS = (
        "http://127.0.0.1:9",
        "x",
        0,
    )
    account = SocialAccount.objects.create(user=lead, provider="sso", uid="lead-at-idp")
    SocialToken.objects.create(account=account, token="access-token")
    c = Client()
    c.force_login(lead)
    AccountState.objects.update_or_create(user=lead, defaults={"last_method": AccountState.SSO})
    return c


def _userinfo(monkeypatch, answer):
    from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter

    def fetch(self, token):
        assert token == "access-token"
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(OpenIDConnectOAuth2Adapter, "_fetch_user_info", fetch)


def test_a_recheck_refreshes_role_and_grants(sso_session, lead, monkeypatch):
    _userinfo(monkeypatch, {"groups": ["avodash-agent", "avodash-inbox:acme-support"]})
    assert sso_session.get("/i/acme-support/").status_code == 200
    assert role_name(User.objects.get(pk=lead.pk)) == "Agent"
    assert sso_session.get("/i/acme-sales/").status_code == 404


def test_an_expired_token_asks_for_a_new_sign_in(sso_session, monkeypatch):
    from requests import HTTPError

    _userinfo(monkeypatch, HTTPError("401 Unauthorized"))
    r = sso_session.get("/i/acme-support/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")
    assert "single sign-on session has expired" in sso_session.get(r["Location"]).content.decode()


def test_an_unreachable_idp_does_not_sign_anyone_out(sso_session, monkeypatch):
    from requests import ConnectionError as RequestsConnectionError

    _userinfo(monkeypatch, RequestsConnectionError("refused"))
    assert sso_session.get("/i/acme-support/").status_code == 200
