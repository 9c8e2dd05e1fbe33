"""Scheduled messages: the inbox's queue of messages waiting to go out, cancelling them, and
changing one (text or time: a new copy, then the original cancelled).

Who may cancel what is `inbox.services.scheduled`'s rule (`cancellable_ids`), checked again on
every POST. Cancelling always asks first, naming each message (its text, recipient, and time
with the zone): a confirmation page without JavaScript, the same panel in the page with htmx
(on the Scheduled page and on the ticket page alike).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import trigger_client_event

from avodash.access import inbox_view
from avodash.audit import audit_record, client_ip
from avodash.avochato import AvochatoError
from avodash.domain import scheduled as scheduled_svc
from avodash.domain.scheduled import ScheduledMessage
from avodash.domain.users import inbox_users
from avodash.hosts import reverse
from avodash.http import FORM_ERROR, InboxRequest, render_alongside, render_fragment, render_region
from avodash.models import AuditEntry
from inbox.composer import ticket_scheduled_for
from inbox.forms.ids import ID_RE
from inbox.forms.scheduled import CancelForm, RescheduleForm, ScheduledFilterForm
from inbox.idempotency import new_key
from inbox.pages import SEND, VIEW
from inbox.services import messages as message_svc
from inbox.services.scheduled import (
    MANAGE,
    cancel_rule,
    cancel_words,
    cancellable_ids,
    cancellations,
    scheduled_by,
    scheduled_cancel_recorded,
    scheduled_get_many,
    scheduled_reschedule,
)

TEMPLATE = "inbox/scheduled.html"


def _back_qs(raw: str) -> str:
    """The list's filters to return to, re-validated (never a free-form redirect)."""
    form = ScheduledFilterForm(QueryDict(raw or ""))
    if not form.is_valid():
        return ""
    params = {k: v for k, v in form.cleaned_data.items() if v not in (None, "", False)}
    return urlencode({k: ("on" if v is True else v) for k, v in params.items()})


def _return_url(subdomain: str, ticket: str, back: str) -> str:
    if ticket:
        return reverse("inbox:ticket", args=[subdomain, ticket])
    url = reverse("inbox:scheduled", args=[subdomain])
    qs = _back_qs(back)
    return f"{url}?{qs}" if qs else url


# --- the list --------------------------------------------------------------------------------
@require_GET
@inbox_view(perm=VIEW)
def scheduled(request: InboxRequest, subdomain: str) -> HttpResponse:
    form = ScheduledFilterForm(request.GET)
    base = {
        "form": form,
        "cancel_rule": cancel_rule(user=request.user),
        "can_bulk": request.user.has_perm(MANAGE),
    }
    if not form.is_valid():
        return render_region(request, TEMPLATE, "results", {**base, "page": None}, status=FORM_ERROR)
    client = request.avochato
    page = scheduled_svc.scheduled_search(
        client=client, filters=form.filters(), page=form.cleaned_data.get("page") or 1, with_names=False
    )
    wanted = form.cleaned_data.get("contact")

    def contact_name() -> str:  # read in a `{% late %}` block: once the contacts are in
        shown = (m.contact.display_name for m in page.messages if m.contact and m.contact.id == wanted)
        return next(shown, "") if wanted else ""

    def context() -> dict:
        users = inbox_users(client=client)
        scheduled_svc.attach_people(messages=page.messages, contacts={}, users=users)  # senders
        cancelled = cancellations(inbox=subdomain, message_ids=[m.id for m in page.messages if m.aborted])
        may_cancel = cancellable_ids(user=request.user, inbox=subdomain, messages=page.messages)
        return {
            **base,
            "page": page,
            "rows": _rows(subdomain, page.messages, cancelled, may_cancel, request.GET.urlencode()),
            "may_cancel": may_cancel,
            "users": users,
            "filtered": form.is_filtered,
            "contact_name": contact_name,
            "back_qs": request.GET.urlencode(),
        }

    # The page is made while its second round (the messages' contacts) is under way.
    rendered, (contacts,) = render_alongside(
        request,
        TEMPLATE,
        "results",
        context,
        [lambda: scheduled_svc.contacts_of(client=client, messages=page.messages)],
    )
    scheduled_svc.attach_contacts(page.messages, contacts)
    return rendered.response()


@dataclass(frozen=True)
class Row:
    """One message of the list with what its row links to, worked out once (a page has 25)."""

    m: ScheduledMessage
    via: AuditEntry | None  # avodash's own record of its cancellation, if it was cancelled here
    ticket_url: str
    cancel_url: str  # "" when this person may not cancel it
    change_url: str

    @property
    def label(self) -> str:
        """ "the message to Ana at Sat 28 Nov 09:00 PST": the row's buttons' names (it names the
        contact: in a `{% late %}` block)."""
        return f"the message to {self.m.contact_name} at {self.m.when_text}"


def _rows(
    subdomain: str,
    messages: list[ScheduledMessage],
    cancelled: dict[str, AuditEntry],
    may_cancel: set[str],
    back_qs: str,
) -> list[Row]:
    cancel = reverse("inbox:scheduled_cancel", args=[subdomain])
    back = quote(back_qs, safe="/")
    rows = []
    for m in messages:
        mine = m.id in may_cancel
        rows.append(
            Row(
                m=m,
                via=cancelled.get(m.id),
                ticket_url=reverse("inbox:ticket", args=[subdomain, m.ticket_id]) if m.ticket_id else "",
                cancel_url=f"{cancel}?ids={quote(m.id, safe='/')}&back={back}" if mine else "",
                change_url=f"{reverse('inbox:scheduled_change', args=[subdomain, m.id])}?back={back}"
                if mine
                else "",
            )
        )
    return rows


# --- cancelling ------------------------------------------------------------------------------
def _check_may_cancel(request: InboxRequest, ids: list[str]) -> list[ScheduledMessage] | None:
    """PermissionDenied unless this person may cancel every one of `ids`. Returns the messages
    when they had to be fetched for the check (None: not fetched)."""
    is_manager = request.user.has_perm(MANAGE)
    if not (is_manager or request.user.has_perm(SEND)):
        raise PermissionDenied
    if len(ids) > 1 and not is_manager:
        raise PermissionDenied  # bulk cancel is a lead's action
    if is_manager:
        return None
    inbox = request.inbox.subdomain
    known_mine = scheduled_by(user=request.user, inbox=inbox, message_ids=ids)
    if set(ids) <= known_mine:
        return None
    fetched = scheduled_get_many(client=request.avochato, message_ids=ids)
    if (
        not fetched
        or not set(ids) <= cancellable_ids(user=request.user, inbox=inbox, messages=fetched) | known_mine
    ):
        raise PermissionDenied
    return fetched


def _invalid_cancel(request: InboxRequest, form: CancelForm, back: str) -> HttpResponse:
    ticket = "" if "ticket" in form.errors else (form.cleaned_data.get("ticket") or "")
    problem = " ".join(e for errs in form.errors.values() for e in errs)
    return_url = _return_url(request.inbox.subdomain, ticket, back)
    if request.htmx:
        ctx = {"confirm_error": problem, "return_url": return_url}
        return render_fragment(request, TEMPLATE, "confirm", ctx, status=FORM_ERROR)
    flash.error(request, problem)
    return redirect(return_url)


def _confirmation(request: InboxRequest, ids, fetched, ticket: str, back: str) -> HttpResponse:
    messages = (
        fetched if fetched is not None else scheduled_get_many(client=request.avochato, message_ids=ids)
    )
    ctx = {
        "confirm_messages": messages,
        "missing": len(ids) - len(messages),
        "ticket": ticket,
        "back": back,
        "return_url": _return_url(request.inbox.subdomain, ticket, back),
        # Shown inside the ticket page: its buttons swap the ticket's scheduled region.
        "inline": bool(request.htmx),
        "confirming": True,
    }
    return render_region(request, TEMPLATE, "confirm", ctx)


@require_http_methods(["GET", "POST"])
@inbox_view(perm=VIEW)
def scheduled_cancel(request: InboxRequest, subdomain: str) -> HttpResponse:
    """Cancel one or several. A GET (or a POST without `confirm`) only shows what would be
    cancelled, naming each message; a POST with `confirm` cancels."""
    data = request.POST if request.method == "POST" else request.GET
    form = CancelForm(data)
    back = data.get("back", "")
    if not form.is_valid():
        return _invalid_cancel(request, form, back)
    ids: list[str] = form.cleaned_data["ids"]
    ticket = form.cleaned_data.get("ticket") or ""
    confirmed = request.method == "POST" and form.cleaned_data.get("confirm")
    try:
        fetched = _check_may_cancel(request, ids)
    except AvochatoError as err:
        if confirmed:  # the attempt ended at its lookup: recorded, nothing cancelled
            params = {"ticket": ticket, "bulk": len(ids) > 1, "count": len(ids)}
            audit_record(
                actor=request.user,
                inbox=subdomain,
                action="message.cancel",
                target=ids,
                params=params,
                outcome=AuditEntry.FAILED,
                error=err.message,
                ip=client_ip(request),
            )
        raise
    if not confirmed:
        return _confirmation(request, ids, fetched, ticket, back)

    outcomes = scheduled_cancel_recorded(
        client=request.avochato,
        actor=request.user,
        inbox=subdomain,
        message_ids=ids,
        ticket=ticket,
        ip=client_ip(request),
    )
    done = sum(1 for o in outcomes if o.ok)
    note, error = cancel_words(outcomes)
    if request.htmx and ticket:
        ctx = {"ticket_scheduled": ticket_scheduled_for(request, ticket_id=ticket, note=note, error=error)}
        response = render_fragment(request, "inbox/_ticket_scheduled.html", "ticket_scheduled", ctx)
        if done:
            trigger_client_event(response, "streamChanged")
        return response
    if note:
        flash.success(request, note)
    if error:
        flash.error(request, error)
    return redirect(_return_url(subdomain, ticket, back))


# --- change (reschedule, edit) ---------------------------------------------------------------------
def _changeable(request: InboxRequest, message_id: str) -> ScheduledMessage:
    """The pending message, if this person may change it (the cancel rule: a change cancels)."""
    if not ID_RE.match(message_id or ""):
        raise Http404("No such scheduled message.")
    found = scheduled_get_many(client=request.avochato, message_ids=[message_id])
    if not found or not found[0].is_pending:
        raise Http404("This message is no longer pending.")
    if message_id not in cancellable_ids(user=request.user, inbox=request.inbox.subdomain, messages=found):
        raise PermissionDenied("You may change only the messages you may cancel.")
    return found[0]


def _change_page(
    request: InboxRequest, message: ScheduledMessage, form, *, status: int = 200, error: str = ""
):
    ctx = {
        "message": message,
        "form": form,
        "error": error,
        "back_url": _return_url(request.inbox.subdomain, "", form["back"].value() or ""),
    }
    return render_region(request, "inbox/scheduled_change.html", None, ctx, status=status)


@require_http_methods(["GET", "POST"])
@inbox_view(perm=SEND)
def scheduled_change(request: InboxRequest, subdomain: str, message_id: str) -> HttpResponse:
    """Change a pending message's text or time: a new copy, then the original cancelled
    (`inbox.services.scheduled.scheduled_reschedule`), at most once per form."""
    message = _changeable(request, message_id)
    if request.method == "GET":
        initial = {
            "idempotency_key": new_key(),
            "text": message.body,
            "scheduled_at": timezone.localtime(message.scheduled_for) if message.scheduled_for else None,
            "back": _back_qs(request.GET.get("back", "")),
        }
        return _change_page(request, message, RescheduleForm(initial=initial))
    form = RescheduleForm(request.POST)
    if not form.is_valid():
        return _change_page(request, message, form, status=FORM_ERROR)
    d = form.cleaned_data
    send_as = message_svc.send_as_for(client=request.avochato, email=request.user.email)
    result = scheduled_reschedule(
        client=request.avochato,
        actor=request.user,
        inbox=subdomain,
        key=d["idempotency_key"],
        original=message,
        text=d["text"],
        scheduled_for=d["scheduled_at"],
        send_as_email=send_as.email,
        ip=client_ip(request),
    )
    if not result.ok:
        return _change_page(request, message, form, status=FORM_ERROR, error=result.message)
    flash.success(request, result.message)
    return redirect(_return_url(subdomain, "", d.get("back") or ""))
