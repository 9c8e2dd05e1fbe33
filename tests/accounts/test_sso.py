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
