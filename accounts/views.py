"""The person's own security page (MFA, sign out everywhere)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts import events, mfa, sessions
from accounts.models import state_for


@require_GET
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    context = {
        "has_mfa": mfa.has_mfa(user),
        "mfa_required": mfa.role_requires_mfa(user),
        "state": state_for(user),
    }
    return render(request, "accounts/security.html", context)


@require_POST
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    user = request.user
    sessions.sign_out_everywhere(user)
    events.record(request, "auth.sign_out_everywhere", user=user, target=user.username)
    logout(request)
    messages.info(request, "You are signed out on every device and browser.")
    return redirect("login")
