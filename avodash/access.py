"""Access to an inbox's views: the grant (once, in the middleware), then the role and the form.

    @require_POST
    @inbox_view(perm="avodash.assign_tickets")
    def ticket_assign(request: InboxRequest, subdomain: str, ticket_id: str): ...

One decorator order everywhere: the HTTP method decorator (`require_GET`, `require_POST`,
`require_http_methods`) outermost, then `inbox_view`.

* not logged in: redirect to login (LoginRequiredMiddleware);
* no grant for the inbox (or no such inbox): 404, decided by `InboxGrantMiddleware` before
  any decorator runs, which also sets `request.inbox` and `request.avochato`;
* missing permission: 403;
* a POST whose form names another inbox than its URL (a stale tab): 400, nothing sent.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from avodash.http import render_region

INBOX_FIELD = "inbox"


def stale_inbox_response(request: HttpRequest, url_inbox: str, form_inbox: str) -> HttpResponse:
    context = {"url_inbox": url_inbox, "form_inbox": form_inbox}
    return render_region(request, "errors/stale_inbox.html", "panel", context, status=400)


def inbox_view(perm: str | None = None, perms: tuple[str, ...] = ()) -> Callable:
    required = ((perm,) if perm else ()) + tuple(perms)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, subdomain: str, *args, **kwargs) -> HttpResponse:
            inbox = getattr(request, "inbox", None)
            if inbox is None or inbox.subdomain != subdomain:
                # InboxGrantMiddleware resolves the grant; without it, nothing is granted.
                raise Http404("No such inbox.")
            if required and not request.user.has_perms(required):
                raise PermissionDenied
            if request.method == "POST":
                form_inbox = request.POST.get(INBOX_FIELD, "")
                if form_inbox != subdomain:
                    return stale_inbox_response(request, subdomain, form_inbox)
            return view(request, subdomain, *args, **kwargs)

        wrapper.inbox_view = True  # type: ignore[attr-defined]
        return wrapper

    return decorator


def require_perm(request: HttpRequest, perm: str) -> None:
    """For a view that serves several roles and checks an action's permission inline."""
    if not request.user.has_perm(perm):
        raise PermissionDenied
