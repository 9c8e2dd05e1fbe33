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
Someone signed in through SSO without a local password or MFA re-authenticates at the IdP.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from urllib.parse import urlencode

from allauth.account.adapter import get_adapter
from allauth.account.internal.flows.reauthentication import STATE_SESSION_KEY
from allauth.core.internal.httpkit import serialize_request
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
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


def _suspend(request: HttpRequest) -> HttpResponse:
    path = request.get_full_path()
    methods = get_adapter().get_reauthentication_methods(request.user)
    if methods:
        saved = request.META
        request.META = {k: v for k, v in saved.items() if not k.startswith("HTTP_HX_")}
        try:
            request.session[STATE_SESSION_KEY] = {"request": serialize_request(request)}
        finally:
            request.META = saved
        url = f"{methods[0]['url']}?{urlencode({REDIRECT_FIELD_NAME: path})}"
    elif sso.enabled():
        back = request.META.get("HTTP_REFERER") or "/"
        query = {"process": "login", "auth_params": "prompt=login", REDIRECT_FIELD_NAME: back}
        url = f"{reverse('openid_connect_login', kwargs={'provider_id': sso.PROVIDER_ID})}?{urlencode(query)}"
    else:
        url = f"{reverse('login')}?{urlencode({REDIRECT_FIELD_NAME: path})}"
    events.record(request, "auth.step_up_asked", target=path)
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)
