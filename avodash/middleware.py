"""Request-wide concerns: the viewer's time zone, the inbox grant, and API faults shown as a
friendly panel."""

from __future__ import annotations

import logging
import math
import zoneinfo
from collections.abc import Callable
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from avodash.avochato import (
    AuthError,
    AvochatoError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
)
from avodash.avochato.django import get_client
from avodash.domain.inboxes import inbox_for
from avodash.http import render_region, vary_on_htmx

log = logging.getLogger(__name__)


class TimezoneMiddleware:
    """Show times in the viewer's zone: a `tz` cookie set by static/js/app.js."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # app.js writes the name with encodeURIComponent ("America%2FLos_Angeles").
        name = unquote(request.COOKIES.get("tz", ""))
        try:
            timezone.activate(zoneinfo.ZoneInfo(name)) if name else timezone.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return self.get_response(request)


def api_error_status(err: AvochatoError) -> int:
    if isinstance(err, NotFoundError):
        return 404
    if isinstance(err, (RateLimitedError,)):
        return 503
    if isinstance(err, UnavailableError):
        return 504
    return 502


BUSY_RETRY_MIN, BUSY_RETRY_MAX = 2, 60  # seconds before a busy page asks again by itself


def busy_retry_seconds(err: RateLimitedError) -> int:
    return min(BUSY_RETRY_MAX, max(BUSY_RETRY_MIN, math.ceil(err.retry_after or 0)))


def api_error_advice(err: AvochatoError, *, retrying: bool = False) -> str:
    if isinstance(err, RateLimitedError):
        wait = busy_retry_seconds(err)
        if retrying:
            return f"This page asks again by itself in {wait} seconds; nothing needs to be done."
        if err.status == 429:
            return f"Avochato is asking us to slow down. Try again in {wait} seconds."
        return f"Try again in {wait} seconds."
    if isinstance(err, UnavailableError):
        return "Avochato did not answer in time. Check your connection and try again."
    if isinstance(err, AuthError):
        return "The dashboard's API credentials were refused. Ask IT to check AVOCHATO_AUTH_ID and AVOCHATO_AUTH_SECRET."
    if isinstance(err, ForbiddenError):
        return "The API credential has no access to this. Ask IT to check the inbox's API user."
    if isinstance(err, NotFoundError):
        return "It may have been removed, or the link is out of date."
    return "Try again in a moment. If it keeps happening, Avochato may be having trouble."


def not_found_response(request: HttpRequest) -> HttpResponse:
    """Our own 404 page even with DEBUG on (make run): Django's technical 404 would list
    every URL pattern to someone who merely lacks a grant."""
    if getattr(request, "htmx", False):
        response = HttpResponse("Not found, or no access.", status=404, content_type="text/plain")
        return vary_on_htmx(response)
    return vary_on_htmx(render(request, "404.html", status=404))


def api_error_response(request: HttpRequest, err: AvochatoError) -> HttpResponse:
    """The friendly panel for an API fault: the page, or its `panel` region for htmx."""
    log.warning("API error on %s %s: %s", request.method, request.path, err.message)
    busy = isinstance(err, RateLimitedError)
    # Busy (the limiter had no slot in time, or Avochato's 429): a page read asks again by itself,
    # the full page with a meta refresh, an htmx region through app.js (data-busy-retry). A form
    # post is never repeated by itself.
    retry_in = busy_retry_seconds(err) if busy and request.method in ("GET", "HEAD") else None
    context = {
        "error": err,
        "busy": busy,
        "retry_in": retry_in,
        "advice": api_error_advice(err, retrying=retry_in is not None),
    }
    response = render_region(request, "errors/api.html", "panel", context, status=api_error_status(err))
    if busy:
        response["Retry-After"] = str(busy_retry_seconds(err))
    if retry_in is not None:
        response["X-Avodash-Retry"] = str(retry_in)  # for app.js: retry this htmx request
    response.avodash_handled = True  # a page like any other (see HandledErrorSessionMiddleware)
    return response


class HandledErrorSessionMiddleware:
    """Django's SessionMiddleware saves nothing on a 5xx answer. Our own API-fault panels are
    pages like any other: the flash messages they showed are gone, and must not show again on
    the next page. (Sits right after SessionMiddleware; other 5xx answers are left alone.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if (
            response.status_code >= 500
            and getattr(response, "avodash_handled", False)
            and session is not None
            and session.session_key
            and session.modified
        ):
            session.save()
        return response


LAST_INBOX_COOKIE = "last_inbox"
LAST_INBOX_MAX_AGE = 365 * 24 * 3600


class InboxGrantMiddleware:
    """The one grant check: every URL with a `subdomain` resolves its inbox here, once.

    No grant (or no such inbox): 404 before the view and any of its decorators run, for pages,
    htmx regions and POSTs alike. Otherwise the view gets `request.inbox` (the Inbox) and
    `request.avochato` (the API client for it); `avodash.access.inbox_view` then checks only
    the role permission and the stale-form refusal, and the layout reads `request.inbox`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        last = getattr(request, "last_inbox_seen", None)
        if last and request.COOKIES.get(LAST_INBOX_COOKIE) != last:
            # `/` goes back to the last inbox used, in this browser, after the session ends too
            # (only if the person who lands still has a grant for it).
            response.set_cookie(
                LAST_INBOX_COOKIE, last, max_age=LAST_INBOX_MAX_AGE, samesite="Lax", httponly=True
            )
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        subdomain = view_kwargs.get("subdomain")
        if subdomain is None or not request.user.is_authenticated:
            return None
        try:
            inbox = inbox_for(request.user, subdomain)
        except AvochatoError as err:
            return api_error_response(request, err)
        if inbox is None:
            return not_found_response(request)
        request.inbox = inbox
        request.avochato = get_client(subdomain)
        if request.method == "GET" and not getattr(request, "htmx", False):
            request.session["last_inbox"] = subdomain  # `/` goes back to it
            request.last_inbox_seen = subdomain
        return None


class ApiErrorMiddleware:
    """An AvochatoError that escapes a view becomes a friendly panel, never a Django error page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, Http404):
            return not_found_response(request)
        if not isinstance(exception, AvochatoError):
            return None
        return api_error_response(request, exception)


def content_security_policy() -> str:
    """The policy every page is sent with: scripts and styles from avodash only (inline
    style attributes allowed: htmx and a few progress bars use them), pictures from the web
    (MMS media), no framing, and forms that post only to avodash (or to the SSO provider)."""
    if settings.CONTENT_SECURITY_POLICY:
        return settings.CONTENT_SECURITY_POLICY
    # A form's redirect counts too: sign-in may land on an inbox's own host, or at the IdP.
    targets = ""
    if domain := getattr(settings, "INBOX_HOST_DOMAIN", ""):
        targets += f" {domain}:* *.{domain}:*"
    issuer = urlsplit(getattr(settings, "SSO_ISSUER_URL", "") or "")
    if issuer.scheme and issuer.netloc:
        targets += f" {issuer.scheme}://{issuer.netloc}"
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data: https:; font-src 'self'; connect-src 'self'; object-src 'none'; "
        f"base-uri 'self'; frame-ancestors 'none'; form-action 'self'{targets}"
    )


class ContentSecurityPolicyMiddleware:
    """Sends `Content-Security-Policy` (CONTENT_SECURITY_POLICY overrides the default)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy()
        return response
