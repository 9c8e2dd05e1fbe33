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

A page whose last API round only adds detail answers with `render_alongside` instead: the
same page, rendered while that round is under way (its `{% late %}` blocks once it is in).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers

from avodash.avochato import alongside
from avodash.late import CONTEXT_KEY as LATE_PARTS
from avodash.late import LateParts

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_htmx.middleware import HtmxDetails

    from avodash.avochato import AvochatoClient
    from avodash.domain.inboxes import Inbox

log = logging.getLogger(__name__)
FORM_ERROR = 422  # a form sent back with what to fix (htmx swaps it; see static/js/app.js)
# Seconds `render_alongside` lets its calls' threads send each request before rendering, which
# holds the interpreter for tens of milliseconds: a thread needs about 3 ms of it to build and
# send a request (measured against the sandbox), and would otherwise get it in 5 ms slices.
RENDER_HEAD_START = 0.004


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
    return vary_on_htmx(
        render(request, _region_name(request, template, region), context or {}, status=status)
    )


def _region_name(request: HttpRequest, template: str, region: str | None) -> str:
    return f"{template}#{region}" if region and getattr(request, "htmx", False) else template


class Rendered:
    """A page rendered by `render_alongside`, its `{% late %}` blocks still to fill (or rendered
    ahead, with a guess at the round's answer: `ahead`)."""

    def __init__(self, html: str, late: LateParts, ahead: list[str] | None = None):
        self.html, self.late, self.ahead = html, late, ahead

    def response(
        self,
        *,
        status: int = 200,
        late: dict[str, Any] | Callable[[], dict[str, Any]] | None = None,
        guessed: bool = False,
    ) -> HttpResponse:
        """The page, its late blocks rendered now (the round's answer attached by then), with
        `late`: the variables only they use, made from that answer (or a function making them).
        `guessed`: the answer is what the guess expected, so the blocks rendered ahead with it
        are the page's (when there are any; else they are rendered now, with `late`)."""
        if guessed and self.ahead is not None:
            html = self.late.fill(self.html, parts=self.ahead)
        else:
            html = self.late.fill(self.html, late() if callable(late) else late)
        return vary_on_htmx(HttpResponse(html, status=status))


def render_alongside(
    request: HttpRequest,
    template: str,
    region: str | None,
    context: Callable[[], dict[str, Any]],
    calls: Sequence[Callable[[], Any]],
    *,
    sends: int | None = None,
    guess: Callable[[], dict[str, Any] | None] | None = None,
) -> tuple[Rendered, list[Any]]:
    """`render_region`'s page, its `context()` made and rendered while `calls` (the page's last
    API round) are under way: a page costs its rounds and little more.

    Returns the page and the calls' results (the calls' first failure raises, as `parallel`).
    The caller attaches the results to the page's objects, then answers `rendered.response()`:
    only then are the template's `{% late %}...{% endlate %}` blocks, which read them, rendered
    (avodash.late). `sends`: how many requests the calls make (one each unless said); the
    render waits until they are out. `guess`: called once the page is rendered, still in the
    round's time; it attaches a guess at the answer to the page's objects and returns the late
    blocks' variables as that answer would make them (None: no guess). The blocks are rendered
    with it then, and `response(guessed=True)` uses them when the answer proves the guess right.
    """
    late = LateParts()
    name = _region_name(request, template, region)

    def here() -> tuple[str, list[str] | None]:
        html = render_to_string(name, {**context(), LATE_PARTS: late}, request)
        if guess is None or not len(late):
            return html, None
        try:
            values = guess()
            return html, (late.render(values) if values is not None else None)
        except Exception:  # noqa: BLE001 - a guess is only a head start: the page goes on without it
            log.warning("rendering ahead with a guess failed; rendering after the answer", exc_info=True)
            return html, None

    head_start = RENDER_HEAD_START * (len(calls) if sends is None else sends)
    (html, parts), results = alongside(here, calls, head_start=head_start)  # type: ignore[misc]
    return Rendered(html or "", late, parts), results


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
