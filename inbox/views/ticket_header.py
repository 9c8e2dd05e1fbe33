"""The ticket page's header controls: status, owner, addressed, and assign to me.

Every change is audited from its first lookup on; when Avochato's answer did not say, the
ticket is read back (`avodash.domain.tickets.ticket_update`) and the person is told what is
true: changed, not changed, or not known (then reload to check). A plain POST redirects back
to the ticket with a flash message; with htmx the `state` region of `ticket.html` answers.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from avodash.access import inbox_view, require_perm
from avodash.audit import audited
from avodash.avochato import AvochatoError
from avodash.domain import tickets as ticket_write
from avodash.domain import users as user_svc
from avodash.domain.errors import ActionError
from avodash.domain.tickets import STATUSES, Ticket
from avodash.domain.users import InboxUser
from avodash.hosts import reverse
from avodash.http import FORM_ERROR, InboxRequest, render_region
from inbox.forms.queue import origin_querystring
from inbox.forms.ticket import TicketUpdateForm
from inbox.models import Preference, after_close_for
from inbox.pages import VIEW, owner_label, perms, ticket_id_or_404
from inbox.services import assigning
from inbox.services import tickets as ticket_svc

TEMPLATE = "inbox/ticket.html"


def _back(subdomain: str, ticket_id: str) -> HttpResponse:
    return redirect("inbox:ticket", subdomain=subdomain, ticket_id=ticket_id)


def _form_errors(form) -> str:
    return "; ".join(e for errs in form.errors.values() for e in errs)


def _origin(request: InboxRequest) -> str:
    """The queue the ticket was opened from (`from`, in the address or a form)."""
    return origin_querystring(request.GET.get("from") or request.POST.get("from") or "")


def _state_context(request: InboxRequest, ticket: Ticket, users: list[InboxUser], **extra) -> dict:
    ticket_svc.attach_people(tickets=[ticket], contacts={}, users=users)
    return {
        "origin": _origin(request),
        "after_close": after_close_for(request.user),
        "after_close_choices": Preference.AFTER_CLOSE,
        "me": user_svc.user_for_email(users, request.user.email),
        "ticket": ticket,
        "users": users,
        "owner_choices": user_svc.owner_choices(client=request.avochato),
        "statuses": STATUSES,
        **perms(request.user),
        **extra,
    }


@require_GET
@inbox_view(perm=VIEW)
def ticket_state(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """The header controls (status, owner, addressed), refreshed after changes."""
    ticket_id_or_404(ticket_id)
    if not request.htmx:
        return _back(subdomain, ticket_id)
    client = request.avochato
    users = user_svc.inbox_users(client=client)
    ticket = ticket_svc.ticket_get(client=client, ticket_id=ticket_id)
    return render_region(request, TEMPLATE, "state", _state_context(request, ticket, users))


_ACTION_NAMES = {"status": "ticket.status", "owner": "ticket.owner", "unaddressed": "ticket.addressed"}
UNCLEAR = " (Avochato's answer was unclear; the ticket was read back: the change is in place.)"
UNKNOWN_TEXT = (
    "Avochato did not say whether the change went through, and the ticket could not be read "
    "back. Reload the ticket to check before trying again."
)


def _asked_field(post) -> str:
    """Which header control was used (the form's own check comes later)."""
    return "owner" if post.get("owner") else ("status" if post.get("status") else "unaddressed")


def _outcome_words(outcome: ticket_write.TicketOutcome, done: str, audit) -> tuple[str, str]:
    """(note, error) for one ticket's outcome; the audit row says the same."""
    if outcome.unknown:
        audit.unknown(outcome.message)
        return "", UNKNOWN_TEXT
    if not outcome.ok:
        audit.fail(outcome.message)
        return "", f"Not changed: {outcome.message}."
    if outcome.checked:
        return done.rstrip(".") + UNCLEAR, ""
    return done + (f" ({outcome.message})" if outcome.message else ""), ""


@require_POST
@inbox_view(perm=VIEW)
def ticket_update(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """Change a ticket's status or addressed state (Agent) or owner (Lead). The audit row is
    written first: the user lookups the change needs are part of the attempt."""
    ticket_id_or_404(ticket_id)
    field = _asked_field(request.POST)
    require_perm(request, "avodash.assign_tickets" if field == "owner" else "avodash.change_ticket_status")
    client = request.avochato
    names = {"status": "status", "owner": "user_id", "unaddressed": "unaddressed"}  # the API's words
    asked = {names[k]: request.POST[k][:64] for k in names if request.POST.get(k)}
    users: list[InboxUser] = []
    try:
        with audited(request, action=_ACTION_NAMES[field], target=ticket_id, params=asked) as audit:
            with audit.lookup():
                users = user_svc.inbox_users(client=client)
                ids = {u.id for u in user_svc.owner_choices(client=client)}
            form = TicketUpdateForm(request.POST, user_ids=ids)
            if not form.is_valid():
                audit.settle("failed", _form_errors(form))
                return _state_response(request, ticket_id, users, error=_form_errors(form), status=FORM_ERROR)
            change = form.change()
            outcome = ticket_write.ticket_update(
                client=client, ticket_id=ticket_id, change=change, users=users
            )
            note, error = _outcome_words(outcome, _change_text(change, users), audit)
    except (ActionError, AvochatoError) as err:
        error = f"Not changed ({_asked_words(request.POST, field, users)}): {err.message}"
        return _state_response(request, ticket_id, users, error=error)
    return _state_response(request, ticket_id, users, ticket=outcome.ticket, note=note, error=error)


def _asked_words(post, field: str, users: list[InboxUser]) -> str:
    """What the person asked for, named in a failure (the header may not be shown when Avochato
    cannot be read, so the message keeps the choice): "status Pending"."""
    if field == "status":
        return f"status {post.get('status', '')[:32]}"
    if field == "owner":
        names = {u.id: u.name for u in users}
        return f"owner {names.get(post.get('owner', ''), 'the chosen person')}"
    return "addressed state"


@require_POST
@inbox_view(perm=VIEW)
def ticket_assign_me(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """Assign to me (key `m`): a lead takes any ticket, an agent one that nobody owns."""
    ticket_id_or_404(ticket_id)
    may_reassign = request.user.has_perm("avodash.assign_tickets")
    if not may_reassign:
        require_perm(request, "avodash.change_ticket_status")
    client = request.avochato
    users: list[InboxUser] = []
    try:
        with audited(request, action="ticket.owner", target=ticket_id) as audit:
            with audit.lookup():  # the write itself settles an unclear answer: what escapes wrote nothing
                users = user_svc.inbox_users(client=client)
                me = assigning.taker_for(users=users, email=request.user.email)
                audit.extra["user_id"] = me.id
                result = assigning.tickets_take(
                    client=client, ticket_ids=[ticket_id], me=me, users=users, may_reassign=may_reassign
                )
            outcome = result.outcomes[0]
            note, error = _outcome_words(outcome, "Assigned to you.", audit)
    except (ActionError, AvochatoError) as err:
        return _state_response(request, ticket_id, users, error=f"Not assigned: {err.message}")
    if error and not outcome.unknown:
        error = f"Not assigned: {outcome.message}."
    return _state_response(request, ticket_id, users, ticket=outcome.ticket, note=note, error=error)


def _change_text(change: ticket_write.TicketChange, users: list[InboxUser]) -> str:
    if change.status == "Closed":
        return "Closed (and marked addressed)."
    if change.status:
        return f"Status set to {change.status}."
    if change.owner:
        return f"Owner set to {owner_label(change.owner, users)}."
    return "Marked unaddressed." if change.unaddressed else "Marked addressed."


def _state_response(
    request: InboxRequest,
    ticket_id: str,
    users: list[InboxUser],
    *,
    ticket: Ticket | None = None,
    note: str = "",
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    if not request.htmx:
        if error:
            messages.error(request, error)
        elif note:
            messages.success(request, note)
        return _back(request.inbox.subdomain, ticket_id)
    try:
        if ticket is None:
            ticket = ticket_svc.ticket_get(client=request.avochato, ticket_id=ticket_id)
        users = users or user_svc.inbox_users(client=request.avochato)
        kept = {}
        if error:  # what the person chose stays chosen, to try again
            kept = {
                "asked_status": request.POST.get("status", ""),
                "asked_owner": request.POST.get("owner", ""),
            }
        ctx = _state_context(request, ticket, users, note=note, error=error, **kept)
    except AvochatoError:
        # The header cannot be drawn now (the API is failing): the words still reach the
        # person, on the ticket page they are sent back to.
        if error:
            messages.error(request, error)
        elif note:
            messages.success(request, note)
        return HttpResponseClientRedirect(reverse("inbox:ticket", args=[request.inbox.subdomain, ticket_id]))
    response = render_region(request, TEMPLATE, "state", ctx, status=status)
    if note:
        trigger_client_event(response, "streamChanged")
    return response
