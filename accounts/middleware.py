"""Session rules on every request, and MFA enrolment before any page for those who must."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from accounts import events, mfa, sessions


def _redirect(request: HttpRequest, url: str) -> HttpResponse:
    if request.headers.get("HX-Request") == "true":  # before django-htmx's middleware has run
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


class SessionPolicyMiddleware:
    """Ends a session that is too old, idle too long, signed out everywhere, or whose SSO
    groups no longer give access; the person lands on the sign-in page with the reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            reason = sessions.end_reason(request)
            if reason:
                user = request.user
                logout(request)
                events.record(request, "auth.session_ended", user=user, target=user.username, reason=reason)
                messages.info(request, reason)
                query = (
                    urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
                    if request.method == "GET"
                    else ""
                )
                return _redirect(request, reverse("login") + (f"?{query}" if query else ""))
        return self.get_response(request)


# Paths open to someone who must enrol first (the enrolment itself, signing out, static files).
_OPEN_PREFIXES = ("/accounts/", "/static/", "/health/")


class MfaEnrolmentMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and mfa.must_enrol(request)
        ):
            messages.warning(request, "Your role requires two-factor authentication. Set it up to continue.")
            return _redirect(
                request,
                f"{reverse('mfa_activate_totp')}?{urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})}",
            )
        return self.get_response(request)
