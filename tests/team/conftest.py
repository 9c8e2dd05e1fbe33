"""Helpers for the team page tests: demo people of the sandbox (see avodash/sandbox/seed.py)."""

from __future__ import annotations

import pytest

from tests.helpers import INBOX

MANAGER_CREDENTIAL = ("sandbox-manager", "sandbox-manager-secret")  # Maya Patel, manager in acme-support


def uid(sandbox, email: str) -> str:
    user = sandbox.state.user_by_email(email)
    assert user is not None, email
    return user.id


def membership(sandbox, email: str, subdomain: str = INBOX):
    return sandbox.state.inbox(subdomain).members.get(uid(sandbox, email))


def open_ticket_ids(sandbox, user_id: str, subdomain: str = INBOX) -> set[str]:
    inbox = sandbox.state.inbox(subdomain)
    return {t.id for t in inbox.tickets.values() if t.user_id == user_id and t.status != "Closed"}


def team_url(path: str = "", subdomain: str = INBOX) -> str:
    return f"/i/{subdomain}/team/{path}"


@pytest.fixture
def as_manager_credential(settings):
    """The dashboard's API credential acts as a *manager* (the owner rule applies)."""
    settings.AVOCHATO_AUTH_ID, settings.AVOCHATO_AUTH_SECRET = MANAGER_CREDENTIAL


@pytest.fixture(autouse=True)
def _sandbox_without_rate_limit(request, sandbox):
    """tests/conftest.py lifts the dashboard's own limiter (1000/s) but the sandbox keeps the
    API's 20/s, so a page of parallel calls would meet 429s and retries. Lift both, for the
    team page tests only (test_team_*.py); the next test's reset restores the limit."""
    if request.node.path.name.startswith("test_team_"):
        sandbox.set_rate_limit(None)
