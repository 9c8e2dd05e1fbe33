"""The composer: a reply on the ticket page, a new message to any phone number, and the
ticket page's scheduled region.

The decisions (the draft key, the recipient's guards, the audit trail, sent / not sent /
unknown) are `inbox.services.sending.message_submit`'s; these views read the form, call it,
and show the outcome. On any failure the form comes back with the text intact (422 for
htmx and the new-message page; a redirect keeping the draft in the session without JS).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event

from avodash.access import inbox_view
from avodash.audit import client_ip
from avodash.domain import phones
from avodash.hosts import reverse
from avodash.http import FORM_ERROR, InboxRequest, render_fragment, render_region
from inbox.closing import close_and_move_on
from inbox.composer import (
    compose_context,
    composer_for,
    fresh_reply_form,
    invalid_title,
    session_key,
    ticket_scheduled_for,
)
from inbox.forms.composer import REDRAFT, SCHEDULE, ComposeForm, MessageForm, ReplyForm
from inbox.forms.ids import ID_RE
from inbox.forms.queue import origin_querystring
from inbox.idempotency import new_key, valid_key
from inbox.pages import SEND, VIEW, ticket_id_or_404
from inbox.services import sending
from inbox.services.delivery import Outcome
from inbox.services.recipients import ticket_contact_quietly
from inbox.services.sending import Attempt, SubmitResult


def _status(result: SubmitResult) -> int:
    """A draft that comes back to be looked at again answers 422 (htmx swaps it in place)."""
    return 200 if result.outcome.ok or result.outcome.kind == "redraft" else FORM_ERROR


def _attempt(request: InboxRequest, form: MessageForm, ticket_id: str | None) -> Attempt:
    """What was submitted, as far as it can be read, for the audit entry of a refusal."""
    form.is_valid()
    data, post = getattr(form, "cleaned_data", None) or {}, request.POST
    return Attempt(
        key=post.get("idempotency_key", ""),
        text=data["text"] if "text" in data else (post.get("text") or ""),
        phone=data.get("phone") or post.get("phone") or "",
        ticket_id=ticket_id,
        scheduling=(data.get("action") or post.get("action")) == SCHEDULE,
        scheduled_for=data.get("scheduled_for"),
    )


def _submit(
    request: InboxRequest, form: MessageForm, *, check_url: str, ticket_id: str | None = None
) -> SubmitResult:
    """Replay a known key, check the form, then hand the draft to the sending service."""
    key = request.POST.get("idempotency_key", "")
    if request.POST.get("action") == REDRAFT:
        return sending.redraft_result()
    replay = sending.message_replay(
        actor=request.user,
        inbox=request.inbox.subdomain,
        attempt=_attempt(request, form, ticket_id),
        check_url=check_url,
        ip=client_ip(request),
    )
    if replay is not None:
        return replay
    if not form.is_valid():
        detail = " ".join(form.errors.get("idempotency_key", []))
        outcome = Outcome(kind="invalid", title=invalid_title(form), detail=detail)
        return SubmitResult(outcome=outcome, keep_key=valid_key(key))
    scheduling = form.cleaned_data.get("action") == SCHEDULE
    return sending.message_submit(
        client=request.avochato,
        actor=request.user,
        inbox=request.inbox.subdomain,
        key=key,
        draft=form.draft(phone=form.cleaned_data.get("phone") or "", send_as_email=None),
        scheduled_for=form.cleaned_data["scheduled_for"] if scheduling else None,
        ticket_id=ticket_id,
        shown_contact_id=form.cleaned_data.get("contact_id") or "",
        check_url=check_url,
        ip=client_ip(request),
    )


def _redraft_data(post: QueryDict, key: str) -> QueryDict:
    """The submitted fields for the re-shown draft, with the key it should carry now."""
    data = post.copy()
    data["idempotency_key"] = key
    if data.get("action") == REDRAFT:
        data.pop("action")
    return data


def _next_key(request: InboxRequest, result: SubmitResult) -> str:
    key = request.POST.get("idempotency_key", "")
    return key if result.keep_key and valid_key(key) else new_key()


# --- the ticket page's composer --------------------------------------------------------------
def _next_reply_form(request: InboxRequest, result: SubmitResult) -> ReplyForm:
    contact = result.contact
    if result.clear:
        if contact:
            return fresh_reply_form(contact)
        return ReplyForm(initial={"idempotency_key": new_key(), "contact_id": "", "mark_addressed": True})
    data = _redraft_data(request.POST, _next_key(request, result))
    if contact is not None:
        data["contact_id"] = contact.id  # the draft belongs to the ticket's contact
    return ReplyForm(data=data)


def _reply_without_js(request: InboxRequest, ticket_id: str, result: SubmitResult, form: ReplyForm):
    """Post, redirect, get: the outcome as a flash message, a failed draft kept in the session."""
    ticket_url = reverse("inbox:ticket", args=[request.inbox.subdomain, ticket_id])
    outcome = result.outcome
    if outcome.ok:
        flash.success(request, f"{outcome.title} {outcome.detail}".strip())
        return redirect(ticket_url)
    request.session[session_key(request.inbox.subdomain, ticket_id)] = {
        "data": {k: form.data.get(k) for k in form.data if k != "csrfmiddlewaretoken"},
        "outcome": outcome.as_dict(),
    }
    (flash.warning if outcome.level == "warn" else flash.error)(request, outcome.title)
    return redirect(ticket_url + "#composer")


def _close_after_send(request: InboxRequest, ticket_id: str, result: SubmitResult) -> HttpResponse:
    """Send and close: the message went; close the ticket and go on as closing does (the
    next ticket, with Undo). Closing needs its own permission."""
    flash.success(request, f"{result.outcome.title} {result.outcome.detail}".strip())
    if not request.user.has_perm("avodash.change_ticket_status"):
        flash.error(request, "Not closed: your role does not allow closing tickets.")
        url = reverse("inbox:ticket", args=[request.inbox.subdomain, ticket_id])
    else:
        contact = result.contact
        landing = close_and_move_on(
            request,
            ticket_id=ticket_id,
            origin=origin_querystring(request.POST.get("from", "")),
            name=contact.display_name if contact else "",
        )
        if landing.error:
            flash.error(request, landing.error)
        url = landing.url
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@require_POST
@inbox_view(perm=SEND)
def send(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """The composer's POST: send now or schedule, then the fresh composer (htmx) or the
    ticket page (PRG, with the draft kept in the session on failure)."""
    ticket_id_or_404(ticket_id)
    check_url = reverse("inbox:ticket", args=[subdomain, ticket_id]) + "#stream-scroll"
    # Someone else having the ticket open is shown in the page's header (one notice, never
    # a question): it does not hold the reply back.
    result = _submit(request, ReplyForm(request.POST), check_url=check_url, ticket_id=ticket_id)
    next_form = _next_reply_form(request, result)
    if result.outcome.ok and not result.scheduled and request.POST.get("and_close"):
        return _close_after_send(request, ticket_id, result)
    if not request.htmx:
        return _reply_without_js(request, ticket_id, result, next_form)
    contact, keep_open = result.contact, False
    if contact is None:
        # Not looked up (a replay, or the form failed first): fetch the ticket's contact for
        # the composer, and never switch the composer off over a failed lookup (the draft
        # must stay editable).
        contact = ticket_contact_quietly(client=request.avochato, ticket_id=ticket_id)
        keep_open = contact is None
    composer = composer_for(
        request,
        ticket_id=ticket_id,
        contact=contact,
        keep_open=keep_open,
        form=next_form,
        outcome=result.outcome,
        send_as=result.send_as,
    )
    response = render_fragment(
        request, "inbox/_composer.html", "composer", {"composer": composer}, status=_status(result)
    )
    if result.outcome.ok:
        trigger_client_event(response, "streamChanged")
        if result.scheduled:
            trigger_client_event(response, "scheduledChanged")
        if result.mark_addressed:
            trigger_client_event(response, "ticketChanged")
    return response


@require_GET
@inbox_view(perm=VIEW)
def ticket_scheduled(request: InboxRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """The ticket page's scheduled region, reloaded after a schedule or a cancel."""
    ticket_id_or_404(ticket_id)
    if not request.htmx:
        return redirect(reverse("inbox:scheduled", args=[subdomain]) + f"?ticket={ticket_id}")
    ctx = {"ticket_scheduled": ticket_scheduled_for(request, ticket_id=ticket_id)}
    return render_fragment(request, "inbox/_ticket_scheduled.html", "ticket_scheduled", ctx)


# --- a new message to any phone number ----------------------------------------------------------
def _compose_page(
    request: InboxRequest, form: ComposeForm, outcome=None, *, status=200, **known
) -> HttpResponse:
    composer = compose_context(request, form, outcome, **known)
    return render_region(
        request, "inbox/compose.html", None, {"composer": composer, "form": form}, status=status
    )


@require_http_methods(["GET", "POST"])
@inbox_view(perm=SEND)
def compose(request: InboxRequest, subdomain: str) -> HttpResponse:
    """The new-message page. Success goes to the conversation the message landed in."""
    if request.method == "GET":
        initial = {"idempotency_key": new_key()}
        if e164 := phones.to_e164(request.GET.get("phone", "")):
            initial["phone"] = e164
        return _compose_page(request, ComposeForm(initial=initial))

    form = ComposeForm(request.POST)
    search_url = reverse("inbox:messages", args=[subdomain])
    typed = phones.to_e164(request.POST.get("phone", ""))
    check_url = f"{search_url}?{urlencode({'to_number': typed})}" if typed else search_url
    result = _submit(request, form, check_url=check_url)
    if result.outcome.ok:
        flash.success(request, f"{result.outcome.title} {result.outcome.detail}".strip())
        if result.ticket_id and ID_RE.match(result.ticket_id):
            return redirect("inbox:ticket", subdomain=subdomain, ticket_id=result.ticket_id)
        return redirect("inbox:compose", subdomain=subdomain)
    next_form = ComposeForm(data=_redraft_data(request.POST, _next_key(request, result)))
    if form.phone_suggestion:
        next_form.phone_suggestion = form.phone_suggestion
    return _compose_page(
        request,
        next_form,
        result.outcome,
        status=_status(result),
        send_as=result.send_as,
        contact=result.contact,
    )
