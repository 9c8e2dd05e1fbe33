"""The request an inbox view gets, and the one way a view answers with a page or one region of it.

    @require_POST
    @inbox_view(perm="avodash.change_ticket_status")
    def ticket_update(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
        ...
        return render_region(request, "inbox/ticket.html", "state", context, status=FORM_ERROR)

The htmx convention, kept in one place:
* htmx asks for a region: the answer is `template#region` (a named partial); anything else gets
  the whole page. Both answers carry `Vary: HX-Request`, so a browser's cache never shows a
  bare region for a full page (Back/Forward after `hx-push-url`).
* A form that comes back to be corrected (invalid input, a refused or failed draft) answers
  `FORM_ERROR` (422). static/js/app.js configures htmx once to swap 422 answers like 200s;
  every other 4xx/5xx is not swapped and shows its message in the flash area.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_htmx.middleware import HtmxDetails

    from avodash.avochato import AvochatoClient
    from avodash.domain.inboxes import Inbox

FORM_ERROR = 422  # a form sent back with what to fix (htmx swaps it; see static/js/app.js)


class InboxRequest(HttpRequest):
    """What InboxGrantMiddleware and django-htmx put on a request to an inbox URL (types only)."""

    htmx: HtmxDetails
    inbox: Inbox  # the granted inbox named by the URL
    avochato: AvochatoClient  # the API client for that inbox
    user: User


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ("HX-Request",))
    return response


def render_region(
    request: HttpRequest,
    template: str,
    region: str | None,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """`template#region` for an htmx request, the whole `template` otherwise (`region` None:
    always the whole page)."""
    name = f"{template}#{region}" if region and getattr(request, "htmx", False) else template
    return vary_on_htmx(render(request, name, context or {}, status=status))


def render_fragment(
    request: HttpRequest,
    template: str,
    region: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """Only ever the region: for endpoints that exist for htmx alone (polling, deferred parts)."""
    return vary_on_htmx(render(request, f"{template}#{region}", context or {}, status=status))
