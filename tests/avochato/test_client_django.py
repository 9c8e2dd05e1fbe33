"""Settings -> client glue. Needs Django settings but no database."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

if not settings.configured and not os.environ.get("DJANGO_SETTINGS_MODULE"):
    # Standalone run (-p no:django): minimal settings. Under pytest-django the project's
    # settings are already loaded and this is skipped.
    settings.configure(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}})

from django.test import override_settings  # noqa: E402

from avodash.avochato import AvochatoClient, SharedRateLimiter  # noqa: E402
from avodash.avochato.django import (  # noqa: E402
    BACKGROUND_BUDGET,
    LOW_PRIORITY_SECONDS,
    PAGE_BUDGET,
    get_client,
    limiter_storage_uri,
)

from .conftest import AUTH_ID, SECRET  # noqa: E402


@pytest.fixture
def api_settings(api):
    with override_settings(
        AVOCHATO_API_URL=api.url,
        AVOCHATO_AUTH_ID=AUTH_ID,
        AVOCHATO_AUTH_SECRET=SECRET,
        AVOCHATO_TIMEOUT=4.5,
        AVOCHATO_PAGE_BUDGET=PAGE_BUDGET,
        AVOCHATO_BACKGROUND_BUDGET=BACKGROUND_BUDGET,
    ):
        yield api


def test_get_client_builds_from_settings(api_settings):
    client = get_client("acme-support")
    assert isinstance(client, AvochatoClient)
    assert client.base_url == api_settings.url and client.subdomain == "acme-support"
    assert client.timeout[1] == 4.5 and client.budget == PAGE_BUDGET
    assert isinstance(client.rate_limiter, SharedRateLimiter) and not client.rate_limiter.background
    client.get(("tickets",))
    assert api_settings.requests[0].query["auth_secret"] == SECRET


def test_background_clients_get_a_longer_budget(api_settings):
    assert get_client("acme-support", background=True).budget == BACKGROUND_BUDGET


def test_the_limiter_follows_the_settings(api_settings):
    with override_settings(AVOCHATO_RATE_LIMIT=18.0, AVOCHATO_BACKGROUND_SHARE=0.5):
        page, job = get_client("acme-support"), get_client(None, background=True)
    assert page.rate_limiter.window.amount == job.rate_limiter.window.amount == 18
    assert job.rate_limiter.background and job.rate_limiter.background_window.amount == 9
    assert page.rate_limiter.key == job.rate_limiter.key  # one budget per credential
    assert AUTH_ID not in page.rate_limiter.key and SECRET not in page.rate_limiter.key
    with override_settings(AVOCHATO_AUTH_ID="someone-else"):
        assert get_client("acme-support").rate_limiter.key != page.rate_limiter.key


@pytest.mark.parametrize(
    ("cache", "uri"),
    [
        ({"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "avodash"}, "memory://"),
        (
            {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://cache:6379/1"},
            "redis://cache:6379/1",
        ),
        (
            {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": "rediss://a:6379/1,redis://b",
            },
            "rediss://a:6379/1",
        ),
        (
            {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": ["redis://a/2", "redis://b/2"],
            },
            "redis://a/2",
        ),
        (
            {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "unix:///run/redis.sock"},
            "redis+unix:///run/redis.sock",
        ),
    ],
)
def test_the_limiter_shares_the_caches_redis(cache, uri):
    assert limiter_storage_uri(cache) == uri


def test_one_session_per_api_url(api_settings, api):
    a, b = get_client("acme-support"), get_client(None)
    assert a.session is b.session
    with override_settings(AVOCHATO_API_URL="https://www.avochato.com"):
        c = get_client("acme-support")
    assert c.session is not a.session and c.base_url == "https://www.avochato.com"


def test_a_page_shares_one_deadline_across_its_calls(api_settings, monkeypatch):
    """Inside a request, every client carries the page's deadline."""
    from avodash.avochato import django as avochato_django

    monkeypatch.setattr(avochato_django, "clock", lambda: 1000.0)
    seen = {}

    def view(request):
        seen["client"] = get_client("acme-support")
        return None

    avochato_django.PageBudgetMiddleware(view)(object())
    assert seen["client"].deadline == 1000.0 + PAGE_BUDGET
    assert get_client("acme-support").deadline is None  # outside a request
    assert get_client("acme-support", background=True).deadline is None


def test_a_low_priority_client_takes_the_background_share_and_gives_up_soon(api_settings, monkeypatch):
    """A costly read a page can do without (the overview's chart), inside a request or not."""
    from avodash.avochato import django as avochato_django

    monkeypatch.setattr(avochato_django, "clock", lambda: 1000.0)
    seen = {}

    def view(request):
        seen["client"] = get_client("acme-support", low_priority=True)
        return None

    avochato_django.PageBudgetMiddleware(view)(object())
    for client in (seen["client"], get_client("acme-support", low_priority=True)):
        assert client.rate_limiter.background and client.rate_wait is None
        assert client.deadline == 1000.0 + LOW_PRIORITY_SECONDS and client.max_attempts == 3


@pytest.mark.parametrize("verb", ["post", "put"])
def test_the_debug_page_shows_no_secret_from_the_clients_locals(api_settings, verb):
    """Django's technical 500 page (DEBUG) and error mails print every frame's locals."""
    import sys

    from django.test import RequestFactory
    from django.views.debug import ExceptionReporter

    from avodash.avochato import AvochatoError

    from .conftest import Reply

    api_settings.script(Reply(status=400, body={"status": 400, "errors": ["nope"]}))
    client = get_client("acme-support")
    try:
        getattr(client, verb)(("tickets", "x"), {"status": "Open"})
    except AvochatoError:
        exc_info = sys.exc_info()
    reporter = ExceptionReporter(RequestFactory().get("/"), *exc_info)
    frames = reporter.get_traceback_frames()
    assert {"_request", "_attempt"} <= {f["function"] for f in frames}
    for page in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        assert SECRET not in page and SECRET.replace("-", "%2D") not in page
