"""Scheduled messages: the inbox's queue of messages waiting to go out, and cancelling them.

Who may cancel (decided here, in `cancellable_ids`, and checked again on every POST):
* `avodash.manage_scheduled` (leads): any pending message, one or several at once;
* `avodash.send_messages` (agents): one at a time, only messages they scheduled themselves:
  avodash recorded it as scheduled by them, or Avochato names their own user (same email)
  as its sender;
* everyone else with `view_tickets`: reads the list.

Cancelling always asks first, naming each message (its text, recipient, and time with the
zone): a confirmation page without JavaScript, the same panel in the page with htmx (on the
Scheduled page and on the ticket page alike).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import trigger_client_event

from avodash.access import inbox_view
from avodash.audit import audit_record, client_ip
from avodash.avochato import NotFoundError, parallel
from avodash.models import AuditEntry
from inbox.forms_messaging import CancelForm, ScheduledFilterForm
from inbox.idempotency import idem_message_ids
from inbox.services import messages as message_svc
from inbox.services.messages import ScheduledMessage
from inbox.services.tickets import inbox_users
from inbox.views.messaging import swap_status

VIEW = "avodash.view_tickets"
SEND = "avodash.send_messages"
MANAGE = "avodash.manage_scheduled"
CANCEL_RULE_LEAD = "You can cancel any pending message, one or several at once."
CANCEL_RULE_AGENT = (
    "You can cancel the messages you scheduled yourself, one at a time. Cancelling someone "
    "else's, or several at once, needs the Lead role."
)
CANCEL_RULE_READER = "You can see what is queued; cancelling needs permission to send messages."


def cancel_rule(request: HttpRequest) -> str:
    if request.user.has_perm(MANAGE):
        return CANCEL_RULE_LEAD
    if request.user.has_perm(SEND):
        return CANCEL_RULE_AGENT
    return CANCEL_RULE_READER


def cancellable_ids(request: HttpRequest, messages: list[ScheduledMessage]) -> set[str]:
    """The ids among these pending messages that this viewer may cancel."""
    pending = [m for m in messages if m.is_pending]
    if not pending:
        return set()
    if request.user.has_perm(MANAGE):
        return {m.id for m in pending}
    if not request.user.has_perm(SEND):
        return set()
    mine = idem_message_ids(
        user=request.user,
        inbox=request.inbox.subdomain,
        action="message.schedule",
        message_ids=[m.id for m in pending],
    )
    email = (request.user.email or "").strip().lower()
    for m in pending:
        if email and m.sender and m.sender.email and m.sender.email.lower() == email:
            mine.add(m.id)
    return mine


def cancellations(subdomain: str, ids: list[str]) -> dict[str, AuditEntry]:
    """Cancellations made through avodash (the audit trail knows who and when)."""
    found: dict[str, AuditEntry] = {}
    if not ids:
        return found
    entries = AuditEntry.objects.filter(
        inbox=subdomain, action="message.cancel", outcome=AuditEntry.OK, target__in=ids
    ).order_by("created_at")
    for entry in entries:
        found[entry.target] = entry
    return found


def _back_qs(raw: str) -> str:
    """The list's filters to return to, re-validated (never a free-form redirect)."""
    form = ScheduledFilterForm(QueryDict(raw or ""))
    if not form.is_valid():
        return ""
    params = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", False)}
    return urlencode({k: ("on" if v is True else v) for k, v in params.items()})


# --- the list --------------------------------------------------------------------------------
@require_GET
@inbox_view(perm=VIEW)
def scheduled(request: HttpRequest, subdomain: str) -> HttpResponse:
    form = ScheduledFilterForm(request.GET)
    template = "inbox/scheduled.html#results" if request.htmx else "inbox/scheduled.html"
    base = {"form": form, "cancel_rule": cancel_rule(request), "can_bulk": request.user.has_perm(MANAGE)}
    if not form.is_valid():
        return render(request, template, {**base, "page": None}, status=swap_status(request, 400))
    page_no = form.cleaned_data.get("page") or 1
    client = request.avochato
    page = message_svc.scheduled_search(client=client, filters=form.filters(), page=page_no)
    cancelled = cancellations(subdomain, [m.id for m in page.messages if m.aborted])
    contact_name = ""
    if form.cleaned_data.get("contact"):
        contact_name = next(
            (
                m.contact.display_name
                for m in page.messages
                if m.contact and m.contact.id == form.cleaned_data["contact"]
            ),
            "",
        )
    ctx = {
        **base,
        "page": page,
        "rows": [(m, cancelled.get(m.id)) for m in page.messages],
        "may_cancel": cancellable_ids(request, page.messages),
        "users": inbox_users(client=client),
        "filtered": form.is_filtered,
        "contact_name": contact_name,
        "back_qs": request.GET.urlencode(),
    }
    return render(request, template, ctx)


# --- cancelling ------------------------------------------------------------------------------
def _fetch(client, ids: list[str]) -> list[ScheduledMessage]:
    """The named messages, for the confirmation and the ownership check (parallel GETs)."""

    def one(mid: str):
        def run():
            try:
                m = message_svc.message_get(client=client, message_id=mid)
            except NotFoundError:
                return None
            return m if isinstance(m, ScheduledMessage) else None

        return run

    found = [m for m in parallel([one(i) for i in ids], max_workers=6) if m is not None]
    if found:
        message_svc.attach_people(
            messages=found,
            contacts=message_svc.contacts_get(
                client=client, contact_ids=[m.contact_id for m in found if m.contact_id]
            ),
            users=inbox_users(client=client),
        )
    return found


def _return_url(subdomain: str, ticket: str, back: str) -> str:
    if ticket:
        return reverse("inbox:ticket", args=[subdomain, ticket])
    url = reverse("inbox:scheduled", args=[subdomain])
    qs = _back_qs(back)
    return f"{url}?{qs}" if qs else url


@require_http_methods(["GET", "POST"])
@inbox_view(perm=VIEW)
def scheduled_cancel(request: HttpRequest, subdomain: str) -> HttpResponse:
    """Cancel one or several. A GET (or a POST without `confirm`) only shows what would be
    cancelled, naming each message; a POST with `confirm` cancels."""
    data = request.POST if request.method == "POST" else request.GET
    form = CancelForm(data)
    back = data.get("back", "")
    if not form.is_valid():
        ticket = "" if "ticket" in form.errors else (form.cleaned_data.get("ticket") or "")
        problem = " ".join(e for errs in form.errors.values() for e in errs)
        if request.htmx:
            ctx = {"confirm_error": problem, "return_url": _return_url(subdomain, ticket, back)}
            return render(request, "inbox/scheduled.html#confirm", ctx, status=swap_status(request, 400))
        flash.error(request, problem)
        return redirect(_return_url(subdomain, ticket, back))
    ids: list[str] = form.cleaned_data["ids"]
    ticket = form.cleaned_data.get("ticket") or ""
    is_manager = request.user.has_perm(MANAGE)
    if not (is_manager or request.user.has_perm(SEND)):
        raise PermissionDenied
    if len(ids) > 1 and not is_manager:
        raise PermissionDenied  # bulk cancel is a lead's action
    client = request.avochato

    known_mine: set[str] = set()
    fetched: list[ScheduledMessage] | None = None
    if not is_manager:
        known_mine = idem_message_ids(
            user=request.user, inbox=subdomain, action="message.schedule", message_ids=ids
        )
        if not set(ids) <= known_mine:
            fetched = _fetch(client, ids)
            if not fetched or not set(ids) <= cancellable_ids(request, fetched) | known_mine:
                raise PermissionDenied

    if request.method != "POST" or not form.cleaned_data.get("confirm"):
        messages = fetched if fetched is not None else _fetch(client, ids)
        ctx = {
            "confirm_messages": messages,
            "missing": len(ids) - len(messages),
            "ticket": ticket,
            "back": back,
            "return_url": _return_url(subdomain, ticket, back),
            # Shown inside the ticket page: its buttons swap the ticket's scheduled region.
            "inline": bool(request.htmx),
        }
        template = "inbox/scheduled.html#confirm" if request.htmx else "inbox/scheduled.html"
        return render(request, template, {**ctx, "confirming": True})

    def record(outcome: message_svc.CancelOutcome) -> None:
        audit_record(
            actor=request.user,
            inbox=subdomain,
            action="message.cancel",
            target=outcome.message_id,
            params={"ticket": ticket, "bulk": len(ids) > 1},
            outcome=AuditEntry.OK if outcome.ok else AuditEntry.FAILED,
            error=outcome.error,
            ip=client_ip(request),
        )

    outcomes = message_svc.scheduled_cancel_many(client=client, message_ids=ids, on_each=record)
    done = sum(1 for o in outcomes if o.ok)
    failed = [o for o in outcomes if not o.ok]
    note = f"Cancelled {done} scheduled message{'' if done == 1 else 's'}." if done else ""
    error = ""
    if failed:
        error = f"{len(failed)} could not be cancelled: " + "; ".join(sorted({o.error for o in failed}))

    if request.htmx and ticket:
        from inbox.composer import ticket_scheduled_for

        ctx = {"ticket_scheduled": ticket_scheduled_for(request, ticket_id=ticket, note=note, error=error)}
        response = render(request, "inbox/_ticket_scheduled.html#ticket_scheduled", ctx)
        if done:
            trigger_client_event(response, "streamChanged")
        return response
    if note:
        flash.success(request, note)
    if error:
        flash.error(request, error)
    return redirect(_return_url(subdomain, ticket, back))
