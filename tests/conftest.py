"""Fixtures every test shares: the sandbox over real HTTP, personas, logged-in clients.

The sandbox runs once per session on a free port in a background thread and is reset to
its seeded demo state before every test; the dashboard's settings point at it. Every test
with a database has the three role groups, whatever ran before it (`_restore_role_groups`).
"""

from __future__ import annotations

import logging
import os
import tempfile

import pytest
from django.contrib.auth.models import Group, User
from django.core.cache import cache
from django.db.models.signals import post_migrate
from django.test import Client

from avodash.models import ALL_INBOXES, InboxGrant
from avodash.roles import AGENT, IT_ADMIN, LEAD, ensure_roles
from avodash.sandbox import SandboxServer

# Browser tests run Django's live server in a thread; Playwright's sync API drives it
# from the test thread. Django refuses sync ORM calls from an event loop thread otherwise.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SECRET = "sandbox-secret"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """SQLite's test database in a temporary file, not in memory: in memory, Django shares one
    cache between the live server's threads, and two requests at once (a page and its deferred
    parts) fail with "database table is locked" instead of waiting their turn, as they do on a
    real SQLite file or PostgreSQL."""
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        folder = tempfile.mkdtemp(prefix="avodash-test-db-")
        db.setdefault("TEST", {})["NAME"] = os.path.join(folder, "test.sqlite3")


@pytest.fixture(scope="session")
def sandbox_server():
    srv = SandboxServer(port=0, seed=1, latency_ms=0)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(autouse=True)
def sandbox(sandbox_server, settings):
    """The sandbox, reset; the dashboard pointed at it; caches empty."""
    sandbox_server.reset()
    # The rate limits (the sandbox's 20/s, the dashboard's own limiter) have tests of their
    # own; everywhere else they would only make the suite slow and timing-dependent.
    sandbox_server.set_rate_limit(per_second=1000)
    settings.AVOCHATO_API_URL = sandbox_server.url
    settings.AVOCHATO_SANDBOX = True
    settings.AVOCHATO_AUTH_ID = "sandbox"
    settings.AVOCHATO_AUTH_SECRET = SECRET
    # Fast tests: retries give up within 3 s; the deployment-wide limiter is tested on its own.
    settings.AVOCHATO_PAGE_BUDGET = 3.0
    settings.AVOCHATO_BACKGROUND_BUDGET = 5.0
    settings.AVOCHATO_RATE_LIMIT = 1000.0
    # Shared reads are off by default: tests change the sandbox's state behind the dashboard's
    # back and count the calls each page makes. tests/avochato/test_client_shared.py turns them
    # on, and the page-round tests run with them on too.
    settings.AVOCHATO_SHARED_READ_TTL = 0
    # The same for the overview's counts and a ticket's earlier tickets (kept for everyone a few
    # seconds in production); tests/inbox/test_snapshots.py turns them on.
    settings.INBOX_COUNTS_SECONDS = 0
    settings.TICKET_HISTORY_SECONDS = 0
    cache.clear()
    yield sandbox_server
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """PBKDF2 costs ~0.5 s per persona; tests do not measure the hash's strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _restore_role_groups(sender, **kwargs) -> None:
    """The role groups come from a data migration, and a transactional (browser) test's flush
    wipes them. Django sends post_migrate after every flush (that is how the permissions come
    back), so the groups come back the same way: every test has them, in any order
    (`-p random_order`), however it reaches the database. The only place tests create them."""
    if sender.label == "avodash":
        ensure_roles()


post_migrate.connect(_restore_role_groups, dispatch_uid="tests.restore_role_groups")


class _SecretWatch(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken record is not a leak
            return
        if record.exc_info:
            text += "".join(str(a) for a in record.exc_info[1].args) if record.exc_info[1] else ""
        if SECRET in text:
            self.leaks.append(f"{record.name}: {text[:200]}")


_watch = _SecretWatch()


def pytest_configure(config):
    logging.getLogger().addHandler(_watch)


@pytest.fixture(scope="session", autouse=True)
def _log_every_api_call():
    """Every API call is logged at INFO (DEBUG for urllib3): the watch must see those too."""
    for name in ("avodash.avochato", "urllib3"):
        logging.getLogger(name).setLevel(logging.DEBUG)


def pytest_sessionfinish(session, exitstatus):
    if _watch.leaks:
        session.exitstatus = 1
        print("\nAPI SECRET LEAKED INTO LOG RECORDS:\n" + "\n".join(_watch.leaks[:20]))


@pytest.fixture(autouse=True)
def _no_secret_in_responses(monkeypatch):
    """Over the whole suite, no dashboard response body may contain the API secret."""
    from django.test import client as test_client

    original = test_client.Client.request

    def checked(self, **request):
        response = original(self, **request)
        content = b"" if getattr(response, "streaming", False) else response.content
        assert SECRET.encode() not in content, f"API secret in response to {request.get('PATH_INFO')}"
        return response

    monkeypatch.setattr(test_client.Client, "request", checked)


def make_user(username: str, role: str | None, subdomains=(ALL_INBOXES,), email: str | None = None) -> User:
    user = User.objects.create_user(
        username=username,
        password="pw-" + username,
        email=email or f"{username}@avodash.test",
        first_name=username.capitalize(),
        last_name="Tester",
    )
    if role is None:
        user.is_superuser = user.is_staff = True
        user.save()
    else:
        user.groups.add(Group.objects.get(name=role))
    for sub in subdomains:
        InboxGrant.objects.create(user=user, subdomain=sub)
    return user


@pytest.fixture
def agent(db):
    return make_user("agent", AGENT)


@pytest.fixture
def lead(db):
    return make_user("lead", LEAD)


@pytest.fixture
def itadmin(db):
    return make_user("itadmin", IT_ADMIN)


@pytest.fixture
def superuser(db):
    return make_user("admin", None, email="admin@avodash.example")


@pytest.fixture
def outsider(db):
    """A Lead granted only globex-help."""
    return make_user("outsider", LEAD, subdomains=("globex-help",))


def _logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def client_agent(agent):
    return _logged_in(agent)


@pytest.fixture
def client_lead(lead):
    return _logged_in(lead)


@pytest.fixture
def client_itadmin(itadmin):
    return _logged_in(itadmin)


@pytest.fixture
def client_admin(superuser):
    return _logged_in(superuser)


@pytest.fixture
def client_outsider(outsider):
    return _logged_in(outsider)
