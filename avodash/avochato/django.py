"""Settings -> client. The rest of the dashboard gets its clients here.

One pooled `requests.Session` per process and API URL (sessions carry no credentials:
those ride on each request), and a rate limiter in Django's cache keyed by the
credential, so every app server shares one budget of requests per second.
"""

from __future__ import annotations

import contextvars
import hashlib
import threading
import time

import requests
from django.conf import settings
from django.core.cache import caches

from .client import AvochatoClient, new_session
from .ratelimit import CacheRateLimiter

PAGE_BUDGET = 15.0  # seconds a page may spend on one API call, retries included
BACKGROUND_BUDGET = 120.0  # jobs can wait out a longer outage or Retry-After

_sessions: dict[str, requests.Session] = {}
# Set per request by PageBudgetMiddleware: all of a page's API calls share one budget.
_page_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("page_deadline", default=None)


class PageBudgetMiddleware:
    """A page never waits more than the page budget on the API, all its calls together."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        budget = float(getattr(settings, "AVOCHATO_PAGE_BUDGET", PAGE_BUDGET))
        token = _page_deadline.set(time.monotonic() + budget)
        try:
            return self.get_response(request)
        finally:
            _page_deadline.reset(token)
_lock = threading.Lock()


def _session_for(base_url: str) -> requests.Session:
    # Keyed on the URL because tests (and settings overrides) point it elsewhere.
    with _lock:
        session = _sessions.get(base_url)
        if session is None:
            session = _sessions[base_url] = new_session(pool_size=32)
        return session


def get_client(subdomain: str | None, *, background: bool = False) -> AvochatoClient:
    """A client for `subdomain` (None: the credential's own inbox / account-wide calls)."""
    base_url = (getattr(settings, "AVOCHATO_API_URL", "") or "https://www.avochato.com").rstrip("/")
    auth_id = getattr(settings, "AVOCHATO_AUTH_ID", "")
    auth_secret = getattr(settings, "AVOCHATO_AUTH_SECRET", "")
    read_timeout = float(getattr(settings, "AVOCHATO_TIMEOUT", 10.0))
    # Requests per one-second window. Two adjacent windows can fall in one sliding second, so
    # 10 keeps every second under the API's 20 while a page may still fire 10 calls at once.
    rate = float(getattr(settings, "AVOCHATO_RATE_LIMIT", 10.0))
    cache = caches[getattr(settings, "AVOCHATO_RATE_LIMIT_CACHE", "default")]
    # The credential is hashed into the key: cache keys show up in monitoring tools.
    key = "avodash:avochato:rl:" + hashlib.sha256(f"{base_url} {auth_id}".encode()).hexdigest()[:16]
    return AvochatoClient(
        base_url,
        auth_id,
        auth_secret,
        subdomain,
        timeout=(3.05, read_timeout),
        budget=float(getattr(settings, "AVOCHATO_BACKGROUND_BUDGET" if background else "AVOCHATO_PAGE_BUDGET",
                             BACKGROUND_BUDGET if background else PAGE_BUDGET)),
        max_attempts=8 if background else 5,
        session=_session_for(base_url),
        rate_limiter=CacheRateLimiter(cache, key, rate, window=1.0),
        deadline=None if background else _page_deadline.get(),
    )
