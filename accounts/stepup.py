"""Step-up: dangerous actions ask for the password (or an MFA code) again when the last
authentication is older than STEP_UP_SECONDS, then complete the original request once.

    @step_up
    @require_POST
    @inbox_view(perm=MANAGE)
    def user_role(request, subdomain, user_id): ...

`step_up` goes outermost. A POST that needs it is kept in the session (allauth's suspended
request, htmx headers dropped so the answer is a whole page) and the person is sent to
allauth's re-authentication page; once they pass, allauth replays the POST through this same
view, which now finds the authentication fresh, resolves the inbox grant again (the replay
does not pass the middleware) and runs the action. GETs pass: only writes are stepped up.
Someone signed in through SSO without a local password or MFA signs in at the IdP again
(`prompt=login`); the POST is kept the same way and replayed by `resume` when they are back.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.reauthentication import STATE_SESSION_KEY
from allauth.core.internal.httpkit import deserialize_request, serialize_request
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import resolve, reverse
from django.views.decorators.http import require_GET
from django_htmx.http import HttpResponseClientRedirect

from accounts import events, sessions, sso


def step_up(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and not sessions.recently_authenticated(request):
            return _suspend(request)
        if "subdomain" in kwargs and getattr(request, "inbox", None) is None:
            from avodash.middleware import InboxGrantMiddleware

            refused = InboxGrantMiddleware(view).process_view(request, view, args, kwargs)
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    wrapper.step_up = True  # type: ignore[attr-defined]
    return wrapper


# The SSO sign-in starts a new session: the kept request waits in the cache, under a key that
# travels in the URLs and works once, for the same person.
SSO_STASH = "accounts-step-up"
SSO_STASH_SECONDS = 15 * 60


_META_KEPT = {
    "REMOTE_ADDR",
    "SERVER_NAME",
    "SERVER_PORT",
    "CONTENT_TYPE",
    "CONTENT_LENGTH",
    "SCRIPT_NAME",
    "CSRF_COOKIE",
}


def _serialized(request: HttpRequest) -> str:
    """The request as allauth keeps it: its headers (not the htmx ones, so the replay answers a
    whole page; not the cookies) and the address, never the server's environment (the
    development server puts os.environ into every request)."""
    request.POST  # noqa: B018 - read the body with the real headers before they are swapped
    saved = request.META
    request.META = {
        k: v
        for k, v in saved.items()
        if (k.startswith("HTTP_") and not k.startswith("HTTP_HX_") and k != "HTTP_COOKIE") or k in _META_KEPT
    }
    try:
        return serialize_request(request)
    finally:
        request.META = saved


def _suspend(request: HttpRequest) -> HttpResponse:
    path = request.get_full_path()
    methods = get_adapter().get_reauthentication_methods(request.user)
    if methods:
        request.session[STATE_SESSION_KEY] = {"request": _serialized(request)}
        url = f"{methods[0]['url']}?{urlencode({REDIRECT_FIELD_NAME: path})}"
    elif sso.enabled():
        key = secrets.token_urlsafe(24)
        cache.set(
            f"{SSO_STASH}:{key}",
            {"user": request.user.pk, "request": _serialized(request)},
            SSO_STASH_SECONDS,
        )
        url = f"{reverse('step_up_sso')}?{urlencode({'k': key})}"
    else:
        url = f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: path})}"
    events.record(request, "auth.step_up_asked", target=path)
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)


@require_GET
def sso_again(request: HttpRequest) -> HttpResponse:
    """The SSO user's step-up page: sign in at the IdP again, then `resume`."""
    key = request.GET.get("k", "")
    if not sso.enabled() or not cache.get(f"{SSO_STASH}:{key}"):
        return redirect("home")
    return render(
        request,
        "accounts/step_up_sso.html",
        {"resume_url": f"{reverse('step_up_resume')}?{urlencode({'k': key})}"},
    )


@require_GET
def resume(request: HttpRequest) -> HttpResponse:
    """Back from the IdP: replay the kept POST once, if the sign-in is fresh and theirs."""
    key = f"{SSO_STASH}:{request.GET.get('k', '')}"
    stashed = cache.get(key)
    cache.delete(key)
    if not stashed or stashed["user"] != request.user.pk or not sessions.recently_authenticated(request):
        return redirect("home")
    replay = deserialize_request(stashed["request"], request)
    match = resolve(replay.path_info)
    return match.func(replay, *match.args, **match.kwargs)
