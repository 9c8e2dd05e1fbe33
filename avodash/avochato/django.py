"""Settings -> client. The rest of the dashboard gets its clients here.

One pooled `requests.Session` per process and API URL (sessions carry no credentials:
those ride on each request), and a rate limiter keyed by the credential (see ratelimit.py):
its moving window lives in Redis when Django's cache is Redis, so every app server shares
one budget of requests per second, and in process memory otherwise.
"""

from __future__ import annotations

import contextvars
import re
import threading
import time
from functools import wraps

import requests
from django.conf import settings
from django.core.cache import caches
from limits.storage import Storage, storage_from_string

from .client import AvochatoClient, credential_fingerprint, new_session
from .ratelimit import SharedRateLimiter, WaitAllowance
from .shared import SharedReads

PAGE_BUDGET = 15.0  # seconds a page may spend on one API call, retries included
RATE_WAIT = 1.5  # seconds a page may wait for the limiter, all its calls together: then "busy"
PANEL_RATE_WAIT = 5.0  # ... and a panel loaded after its page (see `panel`)
LOW_PRIORITY_SECONDS = 10.0  # a panel read at background priority (see `get_client(low_priority=)`)
BACKGROUND_BUDGET = 120.0  # jobs can wait out a longer outage or Retry-After

_sessions: dict[str, requests.Session] = {}
_storages: dict[str, Storage] = {}
# Set per request by PageBudgetMiddleware: all of a page's API calls share one budget.
_page_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("page_deadline", default=None)
# ... and one allowance for waiting on the limiter: past it the page says "busy, retrying".
_page_rate_wait: contextvars.ContextVar[WaitAllowance | None] = contextvars.ContextVar(
    "page_rate_wait", default=None
)
# ... and whose page it is: a person's own writes are never hidden from them by a shared read.
_page_reader: contextvars.ContextVar[str | None] = contextvars.ContextVar("page_reader", default=None)
# The page deadline's clock: the clients' default clock (tests replace it, never sleep).
clock = time.monotonic


class PageBudgetMiddleware:
    """A page never waits more than the page budget on the API, all its calls together."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        budget = float(getattr(settings, "AVOCHATO_PAGE_BUDGET", PAGE_BUDGET))
        token = _page_deadline.set(clock() + budget)
        wait_token = _page_rate_wait.set(WaitAllowance(rate_wait()))
        user = getattr(request, "user", None)
        reader_token = _page_reader.set(
            f"user:{user.pk}" if user is not None and user.is_authenticated else None
        )
        try:
            return self.get_response(request)
        finally:
            _page_reader.reset(reader_token)
            _page_rate_wait.reset(wait_token)
            _page_deadline.reset(token)


def rate_wait() -> float:
    return float(getattr(settings, "AVOCHATO_RATE_WAIT", RATE_WAIT))


def panel(view):
    """For a panel loaded after its page (the overview's team load): the page is
    already on screen and the panel says "Loading…", so it may wait up to
    AVOCHATO_PANEL_RATE_WAIT for the limiter before it answers "busy, retrying" (a page: at most
    AVOCHATO_RATE_WAIT, 2 s). A costly panel computed once for everyone then does not fail in
    the second it happens to meet a burst of pages."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        allowance = _page_rate_wait.get()
        if allowance is not None:  # the page's client holds this same allowance
            allowance.seconds = max(allowance.seconds, panel_rate_wait())
        return view(request, *args, **kwargs)

    return wrapped


def panel_rate_wait() -> float:
    return float(getattr(settings, "AVOCHATO_PANEL_RATE_WAIT", PANEL_RATE_WAIT))


_lock = threading.Lock()


def _session_for(base_url: str) -> requests.Session:
    # Keyed on the URL because tests (and settings overrides) point it elsewhere.
    with _lock:
        session = _sessions.get(base_url)
        if session is None:
            session = _sessions[base_url] = new_session(pool_size=32)
        return session


def limiter_storage_uri(cache_config: dict) -> str:
    """The limiter's storage for a Django cache: that Redis server, or this process's memory."""
    location = cache_config.get("LOCATION") or ""
    if "redis" not in cache_config.get("BACKEND", "").lower() or not location:
        return "memory://"
    if not isinstance(location, str):
        location = location[0]
    first = re.split("[;,]", location)[0].strip()  # Django's RedisCache: the first one takes writes
    return "redis+" + first if first.startswith("unix://") else first


def _limiter_storage(uri: str) -> Storage:
    # One per process: memory must be shared by every client here, Redis keeps one pool.
    with _lock:
        storage = _storages.get(uri)
        if storage is None:
            options = {}
            if uri != "memory://":
                # Short socket timeouts: with Redis hung, requests go through (fail open) quickly.
                options = {
                    "key_prefix": "avodash:limits",
                    "socket_timeout": 0.5,
                    "socket_connect_timeout": 0.5,
                }
            storage = _storages[uri] = storage_from_string(uri, **options)
        return storage


def get_client(
    subdomain: str | None, *, background: bool = False, low_priority: bool = False
) -> AvochatoClient:
    """A client for `subdomain` (None: the credential's own inbox / account-wide calls).

    A page's client by default: it shares the page's deadline and limiter allowance.
    `background`: a job's (the background share of the limiter, a longer budget, more attempts).
    `low_priority`: a costly read a page can do without for a moment, computed once for everyone
    (the overview's message chart pages through two weeks of messages): it takes the background
    share, so a burst of its calls never pushes pages into "busy" (at 2 to 4 calls a second: a
    few seconds for the chart, once per period for everyone), and gives up after
    LOW_PRIORITY_SECONDS and 3 attempts (its panel then says busy, retrying).
    """
    background = background or low_priority
    base_url = (getattr(settings, "AVOCHATO_API_URL", "") or "https://www.avochato.com").rstrip("/")
    auth_id = getattr(settings, "AVOCHATO_AUTH_ID", "")
    auth_secret = getattr(settings, "AVOCHATO_AUTH_SECRET", "")
    read_timeout = float(getattr(settings, "AVOCHATO_TIMEOUT", 10.0))
    cache_alias = getattr(settings, "AVOCHATO_RATE_LIMIT_CACHE", "default")
    # The credential is hashed into the keys (never the secret): keys show up in monitoring tools.
    credential = credential_fingerprint(base_url, auth_id)
    limiter = SharedRateLimiter(
        _limiter_storage(limiter_storage_uri(settings.CACHES[cache_alias])),
        "avodash:avochato:rl:" + credential,
        pauses=caches[cache_alias],
        rate=float(getattr(settings, "AVOCHATO_RATE_LIMIT", 18.0)),
        background=background,
        background_share=float(getattr(settings, "AVOCHATO_BACKGROUND_SHARE", 0.25)),
        background_min=float(getattr(settings, "AVOCHATO_BACKGROUND_MIN_SHARE", 2.0)),
    )
    shared = SharedReads(
        caches[cache_alias],
        credential,
        ttl=float(getattr(settings, "AVOCHATO_SHARED_READ_TTL", 3.0)),
        wait=float(getattr(settings, "AVOCHATO_SHARED_READ_WAIT", 5.0)),
        reader=None if background else _page_reader.get(),
    )
    return AvochatoClient(
        base_url,
        auth_id,
        auth_secret,
        subdomain,
        timeout=(3.05, read_timeout),
        budget=float(
            getattr(
                settings,
                "AVOCHATO_BACKGROUND_BUDGET" if background else "AVOCHATO_PAGE_BUDGET",
                BACKGROUND_BUDGET if background else PAGE_BUDGET,
            )
        ),
        max_attempts=3 if low_priority else 8 if background else 5,
        session=_session_for(base_url),
        rate_limiter=limiter,
        # Jobs wait for the limiter as long as their budget allows; a page only briefly.
        rate_wait=None if background else (_page_rate_wait.get() or WaitAllowance(rate_wait())),
        shared_reads=shared,
        deadline=(
            clock() + LOW_PRIORITY_SECONDS if low_priority else None if background else _page_deadline.get()
        ),
    )
