"""Closing from the ticket page: close (then the next ticket of the queue), Undo, and the
person's "after closing" preference. Plain forms that redirect; htmx gets a client redirect
to the same place, so the page and the address bar always match."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect

from avodash.access import inbox_view
from avodash.audit import audited
from avodash.avochato import AvochatoError
from avodash.domain import users as user_svc
from avodash.http import InboxRequest
from inbox.closing import close_and_move_on, ticket_url, undo_take
from inbox.forms.queue import origin_querystring
from inbox.models import Preference, after_close_set
from inbox.pages import ticket_id_or_404
from inbox.services import closing as closing_svc

STATUS = "avodash.change_ticket_status"


def _go(request: InboxRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
@inbox_view(perm=STATUS)
def ticket_close(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """Close the ticket, then go on (the queue's next ticket, or stay: the person's choice)
    with an Undo toast."""
    ticket_id_or_404(ticket_id)
    origin = origin_querystring(request.POST.get("from", ""))
    name = request.POST.get("name", "")[:200]
    landing = close_and_move_on(request, ticket_id=ticket_id, origin=origin, name=name)
    if landing.error:
        messages.error(request, landing.error)
    elif landing.note:
        messages.info(request, landing.note)
    return _go(request, landing.url)


@require_POST
@inbox_view(perm=STATUS)
def ticket_undo_close(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """Undo the last close: the ticket's old status, owner and addressed state, in one update."""
    ticket_id_or_404(ticket_id)
    taken = undo_take(request, ticket_id)
    if taken is None:
        messages.error(request, "Too late to undo that close: use Reopen on the ticket.")
        return _go(
            request, ticket_url(subdomain, ticket_id, origin_querystring(request.POST.get("from", "")))
        )
    before, origin = taken
    params = {
        "status": before.status,
        "user_id": before.owner_id or "unassign",
        "unaddressed": "true" if before.unaddressed else "false",
    }
    client = request.avochato
    try:
        with audited(request, action="ticket.undo_close", target=ticket_id, params=params) as audit:
            with audit.lookup():  # the users; the restore settles its own answer
                users = user_svc.inbox_users(client=client)
                outcome = closing_svc.ticket_restore(
                    client=client, ticket_id=ticket_id, before=before, users=users
                )
            if outcome.unknown:
                audit.unknown(outcome.message)
            elif not outcome.ok:
                audit.fail(outcome.message)
    except AvochatoError as err:
        messages.error(request, f"Not reopened: {err.message}")
    else:
        again = f"Close undone: the ticket is {before.status} again, as it was"
        if outcome.unknown:
            messages.error(
                request,
                "Avochato did not say whether the ticket was reopened, and it could not be read back. "
                "Check the ticket before trying again.",
            )
        elif outcome.ok:
            unclear = " (Avochato's answer was unclear; the ticket was read back to know)"
            messages.success(request, again + (unclear if outcome.checked else "") + ".")
        elif outcome.checked:  # read back after an unclear answer: still closed
            messages.error(request, f"Not reopened: {outcome.message}")
        else:
            messages.error(request, f"Reopened only in part: {outcome.message}.")
    return _go(request, ticket_url(subdomain, ticket_id, origin))


@require_POST
@inbox_view(perm=STATUS)
def after_close_preference(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """The person's choice: after closing, go to the next ticket or stay."""
    ticket_id_or_404(ticket_id)
    value = request.POST.get("after_close", "")
    if value not in (Preference.NEXT, Preference.STAY):
        return HttpResponse("Choose next or stay.", status=400)
    after_close_set(request.user, value)
    if request.htmx:
        return HttpResponse(status=204)
    messages.success(request, "Saved: " + dict(Preference.AFTER_CLOSE)[value].lower() + " after closing.")
    return redirect(ticket_url(subdomain, ticket_id, origin_querystring(request.POST.get("from", ""))))
