"""Sending: the ticket page's composer (reply) and the new-message page (any phone number).

Both go through `_submit`, which keeps two promises:

* never twice: the draft's idempotency key is claimed in the database before the API call;
  a second POST with the same key (double click, resubmit, retry after a timeout) gets the
  first outcome back and never reaches the API;
* never lost: on any failure the form comes back with the text intact and says whether the
  message was sent, not sent, or unknown.

"Not sent" is said only when it is certain: the API refused it (4xx, 429) or the request
never left. Anything after the request may have reached Avochato (a timeout after it left,
any HTTP 5xx, which a gateway can answer after the backend acted, an unreadable answer) is
"unknown": the draft keeps its key, so pressing Send again replays "unknown" and cannot send
a second copy; the person checks the conversation, then makes a new draft deliberately.

A ticket reply always goes to the ticket's own contact, fetched again from the API; the
form's hidden `contact_id` is only a cross-check (a different one is refused).

Order of the guards, all before the send: a known key (replay) -> the form's rules
(phone, text or media, length, schedule time) -> someone else viewing the ticket (asks for
confirmation) -> the recipient (a reply: the ticket's contact, and the form's contact must
be that one) and its state (opted out or blocked: refused) -> the key claim.

Every attempt that gets past the form is in the audit trail: a refusal by the recipient
guards or the key claim is recorded `failed` with its reason (no message request made),
like a send the API refused. Input the form rejects (a malformed phone, an empty message)
and a replayed key are not new attempts and add no entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages as flash
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import trigger_client_event

from avodash.access import inbox_view
from avodash.audit import audit_record, audited, client_ip
from avodash.avochato import (
    AvochatoError,
    NotFoundError,
    RateLimitedError,
    UnavailableError,
    parallel,
)
from avodash.middleware import api_error_status
from avodash.models import AuditEntry, IdempotencyKey
from inbox.composer import (
    Outcome,
    composer_for,
    disabled_reason,
    fresh_reply_form,
    invalid_title,
    not_sent_outcome,
    session_key,
    ticket_scheduled_for,
    unknown_outcome,
)
from inbox.forms_messaging import REDRAFT, SCHEDULE, ComposeForm, MessageForm, ReplyForm
from inbox.forms_triage import ID_RE
from inbox.idempotency import (
    KeyConflict,
    idem_claim,
    idem_finish,
    idem_is_stale,
    idem_wait,
    new_key,
    valid_key,
)
from inbox.services import messages as message_svc
from inbox.services.contacts import contact_get
from inbox.services.messages import SendAs
from inbox.services.presence import presence_others
from inbox.services.tickets import ticket_get
from inbox.services.types import Contact, Ticket

SEND = "avodash.send_messages"


def swap_status(request: HttpRequest, status: int) -> int:
    """An htmx answer that carries a form back uses 422 rather than 400: django-htmx's debug
    script (DEBUG, the sandbox default) replaces the whole page on a 400, and composer.js
    swaps any 4xx/5xx answer into its region like a normal one."""
    return 422 if status == 400 and getattr(request, "htmx", False) else status


@dataclass(kw_only=True)
class Result:
    """What `_submit` decided. `keep_key`: the re-rendered draft keeps its key (so a resubmit
    replays this outcome); otherwise it gets a new one. `clear`: show an empty composer."""

    outcome: Outcome
    status: int = 200
    keep_key: bool = True
    clear: bool = False
    ticket_id: str | None = None
    scheduled: bool = False
    mark_addressed: bool = False


class Refused(Exception):
    """A guard refused the draft before the send. `audit`: more to record about why (for
    example the contact a tampered form named)."""

    def __init__(self, outcome: Outcome, audit: dict | None = None):
        self.outcome = outcome
        self.audit = audit or {}


@dataclass(kw_only=True)
class Recipient:
    phone: str
    contact: Contact | None
    send_as: SendAs


def _when_text(value) -> str:
    return message_svc.local_when(value) if value else "the chosen time"


def _is_unknown(err: AvochatoError) -> bool:
    """Whether a failed send/schedule POST may have gone through.

    Certainly not sent: 429 (also our own limiter, which never sent it), any other 4xx
    (refused), and a request that never left (`UnavailableError` without `maybe_sent`).
    Everything else may have been acted on: a timeout or broken connection after the
    request left, any 5xx (a 500/502/504 from a gateway can come after the backend sent
    it), a redirect or an answer we could not read."""
    if isinstance(err, RateLimitedError):
        return False
    if isinstance(err, UnavailableError):
        return err.maybe_sent
    return not (err.status is not None and 400 <= err.status < 500)


def _replay(record: IdempotencyKey, check_url: str) -> Result:
    """A key seen before: its first outcome, without calling the API."""
    record = idem_wait(record)
    result = record.result or {}
    if record.state == IdempotencyKey.SENT:
        scheduled = result.get("kind") == "scheduled"
        what = "scheduled" if scheduled else "sent"
        return Result(
            outcome=Outcome(
                kind="duplicate",
                title=f"Already {what}.",
                detail=f"This draft was submitted more than once; it was {what} once.",
            ),
            clear=True,
            ticket_id=result.get("ticket_id"),
            scheduled=scheduled,
        )
    if record.state == IdempotencyKey.NOT_SENT:
        return Result(
            outcome=Outcome(
                kind="not_sent", title=result.get("title") or "Not sent.", detail=result.get("detail") or ""
            ),
            status=409,
            keep_key=False,
        )
    if record.state == IdempotencyKey.PENDING and not idem_is_stale(record):
        return Result(
            outcome=unknown_outcome(
                check_url,
                "An earlier submit of this draft is still being sent; its outcome is not known yet. "
                "Check the conversation in a moment before sending it again.",
            ),
            status=409,
        )
    return Result(outcome=unknown_outcome(check_url, result.get("detail") or ""), status=409)


def _audit_params(
    draft: message_svc.Draft, form: MessageForm, key: str, ticket_id: str | None, contact: Contact | None
) -> dict:
    d = form.cleaned_data
    return {
        "to": draft.phone,
        "ticket": ticket_id or "",
        "contact": contact.id if contact else "",
        "text": draft.text,
        "chars": len(draft.text),
        "media_url": draft.media_url or "",
        "tags": list(draft.tags),
        "mark_addressed": draft.mark_addressed,
        "send_as": draft.send_as_email or "API user",
        **({"scheduled_for": d["scheduled_for"].isoformat()} if d.get("scheduled_for") else {}),
        "key": key,
    }


def _audit_refusal(
    request: HttpRequest,
    form: MessageForm,
    outcome: Outcome,
    *,
    ticket_id: str | None,
    reason: str,
    contact: Contact | None = None,
    extra: dict | None = None,
) -> None:
    """Record a send or schedule refused before the message request: `failed`, with the
    reason. Every write attempt is in the audit trail, also the ones that never reached the
    API (a stale or altered contact, an opted-out or blocked contact, a draft key conflict,
    the contact lookup failing)."""
    data = getattr(form, "cleaned_data", None) or {}
    post = request.POST
    scheduling = (data.get("action") or post.get("action")) == SCHEDULE
    text = data.get("text") if "text" in data else (post.get("text") or "")
    phone = (
        (contact.phone if contact and contact.phone else None) or data.get("phone") or post.get("phone") or ""
    )
    params = {
        "to": phone,
        "ticket": ticket_id or "",
        "contact": contact.id if contact else "",
        "text": text,
        "chars": len(text),
        **({"scheduled_for": data["scheduled_for"].isoformat()} if data.get("scheduled_for") else {}),
        "key": post.get("idempotency_key", ""),
        "delivery": "not sent",
        "refused": reason,
        "api_send_call": False,  # refused before `POST /v1/messages`
        **(extra or {}),
    }
    detail = f"{outcome.title} {outcome.detail}".strip()
    audit_record(
        actor=request.user,
        inbox=request.inbox.subdomain,
        action="message.schedule" if scheduling else "message.send",
        target=ticket_id or phone,
        params=params,
        outcome=AuditEntry.FAILED,
        error=f"Refused before sending ({reason}); no message request was made. {detail}",
        ip=client_ip(request),
    )


def _submit(
    request: HttpRequest,
    form: MessageForm,
    *,
    resolve,
    check_url: str,
    ticket_id: str | None = None,
    others: list[str] | None = None,
) -> Result:
    key = request.POST.get("idempotency_key", "")
    if request.POST.get("action") == REDRAFT:
        return Result(
            outcome=Outcome(
                kind="redraft",
                title="New draft with the same text.",
                detail="Check the conversation first: if the earlier message did go out, this sends it again.",
            ),
            keep_key=False,
        )
    if valid_key(key):
        existing = IdempotencyKey.objects.filter(key=key).first()
        if existing is not None:
            if existing.user_id != request.user.pk or existing.inbox != request.inbox.subdomain:
                result = _key_conflict()
                form.is_valid()  # for the audit entry's summary of the draft
                _audit_refusal(
                    request,
                    form,
                    result.outcome,
                    ticket_id=ticket_id,
                    reason="key conflict",
                    extra={"key_owner": "another person or inbox"},
                )
                return result
            return _replay(existing, check_url)
    if not form.is_valid():
        title = invalid_title(form)
        detail = " ".join(form.errors.get("idempotency_key", []))
        return Result(
            outcome=Outcome(kind="invalid", title=title, detail=detail), status=400, keep_key=valid_key(key)
        )
    if others and not form.cleaned_data.get("confirm_others"):
        names = ", ".join(others)
        return Result(
            outcome=Outcome(
                kind="others",
                title=f"{names} {'has' if len(others) == 1 else 'have'} this ticket open too.",
                detail="They may be replying right now. Nothing was sent: tick “Send anyway” to send it regardless.",
            ),
            status=409,
        )
    try:
        recipient: Recipient = resolve(form)
    except Refused as refused:
        _audit_refusal(
            request,
            form,
            refused.outcome,
            ticket_id=ticket_id,
            reason=refused.audit.pop("reason", "recipient refused"),
            contact=refused.audit.pop("contact", None),
            extra=refused.audit,
        )
        return Result(outcome=refused.outcome, status=400)
    except AvochatoError as err:
        outcome = not_sent_outcome(err)
        outcome.detail = f"The contact could not be checked before sending. {outcome.detail}"
        _audit_refusal(
            request,
            form,
            outcome,
            ticket_id=ticket_id,
            reason="contact check failed",
            extra={"error": err.message},
        )
        return Result(outcome=outcome, status=api_error_status(err))

    scheduling = form.cleaned_data.get("action") == SCHEDULE
    action = "message.schedule" if scheduling else "message.send"
    try:
        claim = idem_claim(key=key, user=request.user, inbox=request.inbox.subdomain, action=action)
    except KeyConflict:
        result = _key_conflict()
        _audit_refusal(
            request,
            form,
            result.outcome,
            ticket_id=ticket_id,
            reason="key conflict",
            contact=recipient.contact,
        )
        return result
    if not claim.fresh:
        return _replay(claim.record, check_url)

    draft = form.draft(phone=recipient.phone, send_as_email=recipient.send_as.email)
    name = recipient.contact.display_name if recipient.contact else recipient.phone
    client = request.avochato
    try:
        with audited(
            request,
            action=action,
            target=ticket_id or recipient.phone,
            params=_audit_params(draft, form, key, ticket_id, recipient.contact),
        ) as audit:
            try:
                if scheduling:
                    when = form.cleaned_data["scheduled_for"]
                    sent = message_svc.message_schedule(client=client, draft=draft, scheduled_for=when)
                else:
                    sent = message_svc.message_send(client=client, draft=draft)
            except AvochatoError as err:
                audit.extra["delivery"] = "unknown" if _is_unknown(err) else "not sent"
                raise
            audit.extra.update(message_id=sent.id, delivery="scheduled" if scheduling else "sent")
    except AvochatoError as err:
        if _is_unknown(err):
            outcome = unknown_outcome(check_url, err=err)
            idem_finish(
                claim, state=IdempotencyKey.UNKNOWN, result={"detail": outcome.detail, "error": err.message}
            )
            return Result(outcome=outcome, status=api_error_status(err))
        outcome = not_sent_outcome(err)
        idem_finish(
            claim,
            state=IdempotencyKey.NOT_SENT,
            result={"title": outcome.title, "detail": outcome.detail, "error": err.message},
        )
        status = (
            400 if err.status and 400 <= err.status < 500 and err.status != 429 else api_error_status(err)
        )
        return Result(outcome=outcome, status=status, keep_key=False)

    sent_ticket = sent.ticket_id or ticket_id
    if scheduling:
        when_text = _when_text(sent.scheduled_for or form.cleaned_data["scheduled_for"])
        outcome = Outcome(
            kind="scheduled",
            title=f"Scheduled for {when_text}.",
            detail=f"To {name}. It is listed under Scheduled until it goes out.",
        )
    else:
        outcome = Outcome(kind="sent", title=f"Sent to {name}.", detail="")
    idem_finish(
        claim,
        state=IdempotencyKey.SENT,
        result={
            "kind": "scheduled" if scheduling else "sent",
            "message_id": sent.id,
            "ticket_id": sent_ticket,
            "to": recipient.phone,
        },
    )
    return Result(
        outcome=outcome,
        clear=True,
        ticket_id=sent_ticket,
        scheduled=scheduling,
        mark_addressed=draft.mark_addressed,
    )


def _key_conflict() -> Result:
    """The draft's key belongs to another person's or inbox's draft (a copied or altered form)."""
    return Result(
        outcome=Outcome(
            kind="invalid",
            title="Not sent: this form belongs to another draft.",
            detail="Press Send again to send it as a new draft.",
        ),
        status=400,
        keep_key=False,
    )


def _refuse_contact(contact: Contact | None) -> None:
    """Opted out (Avochato refuses anyway) or blocked (nothing is delivered): do not send."""
    if contact is not None and (contact.opted_out or contact.blocked):
        raise Refused(
            Outcome(kind="refused", title="Not sent.", detail=disabled_reason(contact)),
            audit={"reason": "opted out" if contact.opted_out else "blocked", "contact": contact},
        )


def _redraft_data(post: QueryDict, key: str) -> QueryDict:
    """The submitted fields for the re-rendered draft, with the key it should carry now."""
    data = post.copy()
    data["idempotency_key"] = key
    if data.get("action") == REDRAFT:
        data.pop("action")
    return data


# --- the ticket page's composer --------------------------------------------------------------
def _ticket_or_refuse(client, ticket_id: str) -> Ticket:
    """The ticket (`GET /v1/tickets/:id`), which names the contact a reply goes to."""
    try:
        ticket = ticket_get(client=client, ticket_id=ticket_id)
    except NotFoundError:
        raise Refused(
            Outcome(
                kind="refused",
                title="Not sent: this ticket was not found.",
                detail="Avochato has no such ticket in this inbox, so there is no one to reply to.",
            ),
            audit={"reason": "ticket not found"},
        ) from None
    if not ticket.contact_id or not ID_RE.match(ticket.contact_id):
        raise Refused(
            Outcome(kind="refused", title="Not sent.", detail=disabled_reason(None)),
            audit={"reason": "ticket has no contact"},
        )
    return ticket


def _contact_or_none(client, contact_id: str) -> Contact | None:
    try:
        return contact_get(client=client, contact_id=contact_id)
    except NotFoundError:
        return None


def _ticket_contact_quietly(request: HttpRequest, ticket_id: str) -> Contact | None:
    """The ticket's contact for re-rendering the composer; None when it cannot be had."""
    try:
        ticket = _ticket_or_refuse(request.avochato, ticket_id)
        return contact_get(client=request.avochato, contact_id=ticket.contact_id)
    except (AvochatoError, Refused):
        return None


def _check_ticket_id(ticket_id: str) -> None:
    if not ID_RE.match(ticket_id or ""):
        raise Http404("No such ticket.")


def _wrong_contact(contact: Contact | None, posted: str) -> Refused:
    """The form named another contact than the ticket's (an outdated or altered page)."""
    if contact is not None:
        name = contact.display_name
        detail = (
            f"Replies on this ticket go to its contact, {name}, but the form named a different "
            f"contact (an outdated page?). Nothing was sent. Your draft is below: check it, then "
            f"press Send again to send it to {name}."
        )
    else:
        detail = (
            "Replies on this ticket go to its own contact, but the form named a different contact "
            "(an outdated page?). Nothing was sent. Reload the ticket, then send your draft again."
        )
    return Refused(
        Outcome(
            kind="refused",
            title="Not sent: this reply was addressed to someone other than the ticket's contact.",
            detail=detail,
        ),
        audit={"reason": "contact mismatch", "contact": contact, "form_contact": posted},
    )


@require_POST
@inbox_view(perm=SEND)
def send(request: HttpRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """The composer's POST: send now or schedule, then the fresh composer (htmx) or the
    ticket page (PRG, with the draft kept in the session on failure)."""
    _check_ticket_id(ticket_id)
    form = ReplyForm(request.POST)
    ticket_url = reverse("inbox:ticket", args=[subdomain, ticket_id])
    check_url = ticket_url + "#stream-scroll"
    others = presence_others(subdomain=subdomain, ticket_id=ticket_id, user_id=request.user.pk)
    found: dict = {}

    def resolve(f: ReplyForm) -> Recipient:
        """The ticket's own contact, whatever the form says; a form naming another contact
        (a stale or tampered page) is refused rather than sent to either."""
        client = request.avochato
        posted = f.cleaned_data.get("contact_id") or ""
        # One round: the ticket, the contact the page showed (checked against the ticket
        # below, never trusted alone) and who sends.
        calls = [
            lambda: _ticket_or_refuse(client, ticket_id),
            lambda: message_svc.send_as_for(client=client, email=request.user.email),
        ]
        if posted:
            calls.append(lambda: _contact_or_none(client, posted))
        ticket, send_as, *shown = parallel(calls)
        found["send_as"] = send_as
        if posted and posted != ticket.contact_id:
            try:  # for the composer that comes back: the ticket's real contact
                found["contact"] = contact_get(client=client, contact_id=ticket.contact_id)
            except AvochatoError:
                found["contact"] = None
            raise _wrong_contact(found["contact"], posted)
        contact = shown[0] if posted else _contact_or_none(client, ticket.contact_id)
        if contact is None or contact.id != ticket.contact_id:
            raise Refused(
                Outcome(kind="refused", title="Not sent.", detail=disabled_reason(None)),
                audit={"reason": "contact not found", "form_contact": posted},
            )
        found["contact"] = contact
        if not contact.phone:
            raise Refused(
                Outcome(kind="refused", title="Not sent.", detail=disabled_reason(contact)),
                audit={"reason": "contact has no phone", "contact": contact},
            )
        _refuse_contact(contact)
        return Recipient(phone=contact.phone, contact=contact, send_as=send_as)

    result = _submit(request, form, resolve=resolve, check_url=check_url, ticket_id=ticket_id, others=others)
    contact = found.get("contact")

    if result.clear:
        next_form = (
            fresh_reply_form(contact)
            if contact
            else ReplyForm(initial={"idempotency_key": new_key(), "contact_id": "", "mark_addressed": True})
        )
    else:
        key = (
            request.POST.get("idempotency_key", "")
            if result.keep_key and valid_key(request.POST.get("idempotency_key", ""))
            else new_key()
        )
        data = _redraft_data(request.POST, key)
        if contact is not None:
            data["contact_id"] = contact.id  # the draft belongs to the ticket's contact
        next_form = ReplyForm(data=data)

    if not request.htmx:
        if result.outcome.ok:
            flash.success(request, f"{result.outcome.title} {result.outcome.detail}".strip())
            return redirect(ticket_url)
        request.session[session_key(subdomain, ticket_id)] = {
            "data": {k: next_form.data.get(k) for k in next_form.data if k not in ("csrfmiddlewaretoken",)},
            "outcome": result.outcome.as_dict(),
        }
        (flash.warning if result.outcome.level == "warn" else flash.error)(request, result.outcome.title)
        return redirect(ticket_url + "#composer")

    keep_open = False
    if contact is None:
        # Not looked up (a replay, or the form failed first): fetch the ticket's contact for
        # the composer, and never switch the composer off over a failed lookup (the draft
        # must stay editable).
        contact = _ticket_contact_quietly(request, ticket_id)
        keep_open = contact is None
    composer = composer_for(
        request,
        ticket_id=ticket_id,
        contact=contact,
        keep_open=keep_open,
        form=next_form,
        outcome=result.outcome,
        send_as=found.get("send_as"),
        others=others,
    )
    response = render(
        request,
        "inbox/_composer.html#composer",
        {"composer": composer},
        status=swap_status(request, result.status),
    )
    if result.outcome.ok:
        trigger_client_event(response, "streamChanged")
        if result.scheduled:
            trigger_client_event(response, "scheduledChanged")
        if result.mark_addressed:
            trigger_client_event(response, "ticketChanged")
    return response


@require_GET
@inbox_view(perm="avodash.view_tickets")
def ticket_scheduled(request: HttpRequest, subdomain: str, ticket_id: str) -> HttpResponse:
    """The ticket page's scheduled region, reloaded after a schedule or a cancel."""
    _check_ticket_id(ticket_id)
    if not request.htmx:
        return redirect(reverse("inbox:scheduled", args=[subdomain]) + f"?ticket={ticket_id}")
    ctx = {"ticket_scheduled": ticket_scheduled_for(request, ticket_id=ticket_id)}
    return render(request, "inbox/_ticket_scheduled.html#ticket_scheduled", ctx)


# --- a new message to any phone number ----------------------------------------------------------
@require_http_methods(["GET", "POST"])
@inbox_view(perm=SEND)
def compose(request: HttpRequest, subdomain: str) -> HttpResponse:
    """The new-message page. Success goes to the conversation the message landed in."""
    found: dict = {}
    if request.method == "GET":
        initial = {"idempotency_key": new_key()}
        phone = request.GET.get("phone", "")
        if phone and message_svc.phone_normalize(phone):
            initial["phone"] = message_svc.phone_normalize(phone)
        return _compose_page(request, ComposeForm(initial=initial), None, status=200)

    form = ComposeForm(request.POST)

    def resolve(f: ComposeForm) -> Recipient:
        client = request.avochato
        phone = f.cleaned_data["phone"]
        contact, send_as = parallel(
            [
                lambda: message_svc.contact_for_phone(client=client, phone=phone),
                lambda: message_svc.send_as_for(client=client, email=request.user.email),
            ]
        )
        found.update(contact=contact, send_as=send_as)
        _refuse_contact(contact)
        return Recipient(phone=phone, contact=contact, send_as=send_as)

    search_url = reverse("inbox:messages", args=[subdomain])
    typed = message_svc.phone_normalize(request.POST.get("phone", ""))
    check_url = f"{search_url}?{urlencode({'to_number': typed})}" if typed else search_url
    result = _submit(request, form, resolve=resolve, check_url=check_url)

    if result.outcome.ok:
        flash.success(request, f"{result.outcome.title} {result.outcome.detail}".strip())
        if result.ticket_id and ID_RE.match(result.ticket_id):
            return redirect("inbox:ticket", subdomain=subdomain, ticket_id=result.ticket_id)
        return redirect("inbox:compose", subdomain=subdomain)
    key = request.POST.get("idempotency_key", "")
    key = key if result.keep_key and valid_key(key) else new_key()
    next_form = ComposeForm(data=_redraft_data(request.POST, key))
    if form.phone_suggestion:
        next_form.phone_suggestion = form.phone_suggestion
    return _compose_page(
        request,
        next_form,
        result.outcome,
        status=result.status,
        send_as=found.get("send_as"),
        contact=found.get("contact"),
    )


def _compose_page(
    request: HttpRequest,
    form: ComposeForm,
    outcome: Outcome | None,
    *,
    status: int,
    send_as: SendAs | None = None,
    contact: Contact | None = None,
) -> HttpResponse:
    if send_as is None:
        try:
            send_as = message_svc.send_as_for(client=request.avochato, email=request.user.email)
        except AvochatoError:
            send_as = SendAs(user=None, email=None)
    if form.is_bound and form.phone_suggestion is None:
        form.is_valid()  # fills the phone suggestion for a mistyped number
    text = (form["text"].value() or "") if form.is_bound else ""
    composer = {
        "form": form,
        "outcome": outcome,
        "send_as": send_as,
        "contact": contact,
        "user_email": request.user.email,
        "from_number": getattr(request.inbox, "phone", None),
        "inbox_name": request.inbox.name,
        "can_send": True,
        "disabled": "",
        "others": [],
        "segments": message_svc.sms_segments(text.replace("\r\n", "\n")),
        "max_length": message_svc.MAX_LENGTH,
        "presets": form.presets,
        "tz_name": timezone.get_current_timezone_name(),
        "action_url": reverse("inbox:compose", args=[request.inbox.subdomain]),
        "stream_url": outcome.check_url if outcome else None,
    }
    return render(request, "inbox/compose.html", {"composer": composer, "form": form}, status=status)
