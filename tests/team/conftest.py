"""Helpers and fixtures for the team and people page tests: demo people of the sandbox (see
avodash/sandbox/seed.py), the sandbox's rate limit, and how jobs run."""

from __future__ import annotations

import pytest

from tests.helpers import INBOX
from tests.team.support import DATABASE, IMMEDIATE

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


@pytest.fixture
def no_rate_limit(sandbox):
    """tests/conftest.py lifts the dashboard's own limiter (1000/s) but the sandbox keeps the
    API's 20/s, so a page of parallel calls would meet 429s and retries. Lift both; the next
    test's reset restores the limit."""
    sandbox.set_rate_limit(None)


@pytest.fixture
def immediate(settings):
    """Jobs run inside the request that starts them (no worker needed)."""
    settings.TASKS = IMMEDIATE


@pytest.fixture
def db_tasks(settings):
    """Jobs go through the database queue; `run_worker()` (tests/team/support.py) plays the worker."""
    settings.TASKS = DATABASE
