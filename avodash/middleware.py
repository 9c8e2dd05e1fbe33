"""Request-wide concerns: the viewer's time zone, and API faults shown as a friendly panel."""

from __future__ import annotations

import logging
import zoneinfo
from collections.abc import Callable
from urllib.parse import unquote

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


def api_error_advice(err: AvochatoError) -> str:
    if isinstance(err, RateLimitedError):
        wait = f" in {int(err.retry_after) + 1} seconds" if err.retry_after else " in a moment"
        return f"Avochato is asking us to slow down. Try again{wait}."
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
        return HttpResponse("Not found, or no access.", status=404, content_type="text/plain")
    return render(request, "404.html", status=404)


class InboxGrantMiddleware:
    """No grant, no inbox: every URL with a `subdomain` answers 404 before its view runs.

    The view decorator (avodash.access.inbox_view) checks again; doing it here too means the
    answer is 404 whatever other decorators (require_POST, ...) a view stacks on top.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        subdomain = view_kwargs.get("subdomain")
        if subdomain is None or not request.user.is_authenticated:
            return None
        from avodash.inboxes import inbox_for

        try:
            if inbox_for(request.user, subdomain) is None:
                return not_found_response(request)
        except AvochatoError as err:
            return ApiErrorMiddleware(self.get_response).process_exception(request, err)
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
        log.warning("API error on %s %s: %s", request.method, request.path, exception.message)
        context = {"error": exception, "advice": api_error_advice(exception)}
        template = "errors/api.html"
        if getattr(request, "htmx", False):
            template += "#panel"
        response = render(request, template, context, status=api_error_status(exception))
        if isinstance(exception, RateLimitedError) and exception.retry_after:
            response["Retry-After"] = str(int(exception.retry_after) + 1)
        return response
