"""Access is decided here, once: login, inbox grant, role permission, stale-inbox refusal.

    @inbox_view(perm="avodash.assign_tickets")
    def ticket_assign(request, subdomain, ticket_id): ...

* not logged in: redirect to login (LoginRequiredMiddleware);
* no grant for the inbox (or no such inbox): 404, for pages, partials and POSTs alike;
* missing permission: 403;
* a POST whose form names another inbox than its URL (a stale tab): 400, nothing sent.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from avodash.avochato.django import get_client
from avodash.inboxes import inbox_for

INBOX_FIELD = "inbox"


def stale_inbox_response(request: HttpRequest, url_inbox: str, form_inbox: str) -> HttpResponse:
    context = {"url_inbox": url_inbox, "form_inbox": form_inbox}
    template = "errors/stale_inbox.html"
    if getattr(request, "htmx", False):
        template += "#panel"
    return render(request, template, context, status=400)


def inbox_view(perm: str | None = None, perms: tuple[str, ...] = ()) -> Callable:
    required = ((perm,) if perm else ()) + tuple(perms)

    def decorator(view: Callable) -> Callable:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, subdomain: str, *args, **kwargs) -> HttpResponse:
            inbox = inbox_for(request.user, subdomain)
            if inbox is None:
                raise Http404("No such inbox.")
            if required and not request.user.has_perms(required):
                raise PermissionDenied
            if request.method == "POST":
                form_inbox = request.POST.get(INBOX_FIELD, "")
                if form_inbox != subdomain:
                    return stale_inbox_response(request, subdomain, form_inbox)
            request.inbox = inbox
            request.avochato = get_client(subdomain)
            if request.method == "GET" and not getattr(request, "htmx", False):
                request.session["last_inbox"] = subdomain
            return view(request, subdomain, *args, **kwargs)

        wrapper.inbox_view = True  # type: ignore[attr-defined]
        return wrapper

    return decorator


def require_perm(request: HttpRequest, perm: str) -> None:
    """For a view that serves several roles and checks an action's permission inline."""
    if not request.user.has_perm(perm):
        raise PermissionDenied
