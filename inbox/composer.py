"""The composer's template context: the reply composer on the ticket page, the new-message
page, and the ticket's scheduled messages. Context builders only: no view imports, no writes.

`composer_context(request, *, ticket, contact)` returns the template context for
templates/inbox/_composer.html (`composer`) and templates/inbox/_ticket_scheduled.html
(`ticket_scheduled`); the ticket page merges it into its own context. The send view
(inbox/views/composer.py) renders the same partial after a send with `composer_for`.

A draft that failed without JavaScript comes back through the session (post, redirect,
get): the reply view stores the submitted fields and the outcome, and the next render of
the ticket page puts them back into the composer, text intact.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from avodash.avochato import AvochatoError
from avodash.domain import scheduled as scheduled_svc
from avodash.domain.contacts import Contact, contacts_get
from avodash.hosts import reverse
from inbox.forms.composer import ComposeForm, ReplyForm
from inbox.forms.queue import origin_querystring
from inbox.idempotency import new_key
from inbox.replies import FilledReply, replies_filled
from inbox.services import messages as message_svc
from inbox.services.delivery import Outcome, disabled_reason
from inbox.services.messages import SendAs, sms_segments
from inbox.services.scheduled import cancellable_ids

log = logging.getLogger(__name__)
SESSION_PREFIX = "composer:"


FIELD_WORDS = {
    "phone": "the phone number",
    "text": "the message",
    "media_url": "the media URL",
    "tags": "the tags",
    "when": "the schedule time",
    "scheduled_at": "the schedule time",
}


def invalid_title(form) -> str:
    """'Not sent: check the message and the tags below.' — what to fix, in words."""
    names = list(dict.fromkeys(FIELD_WORDS[f] for f in form.errors if f in FIELD_WORDS))
    if not names:
        return "Not sent."
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"Not sent: check {joined} below."


def _count(text: str) -> dict[str, Any]:
    """The counter under the text: characters, segments, and how far over the limit."""
    segments = sms_segments(text.replace("\r\n", "\n"))
    over_by = max(0, segments.chars - message_svc.MAX_LENGTH)
    return {
        "segments": segments,
        "max_length": message_svc.MAX_LENGTH,
        "over_by": over_by,
        "over_by_text": f"{over_by:,}",
    }


def session_key(subdomain: str, ticket_id: str) -> str:
    return f"{SESSION_PREFIX}{subdomain}:{ticket_id}"


def fresh_reply_form(contact: Contact | None) -> ReplyForm:
    """An empty composer with a new draft key; replying marks the conversation addressed."""
    return ReplyForm(
        initial={
            "idempotency_key": new_key(),
            "contact_id": contact.id if contact else "",
            "mark_addressed": True,
        }
    )


def _send_as(request: HttpRequest) -> SendAs:
    try:
        return message_svc.send_as_for(client=request.avochato, email=request.user.email)
    except AvochatoError as err:
        log.warning("users list unavailable for the composer: %s", err.message)
        return SendAs(user=None, email=None)


def composer_for(
    request: HttpRequest,
    *,
    ticket_id: str,
    contact: Contact | None,
    form: ReplyForm | None = None,
    outcome: Outcome | None = None,
    send_as: SendAs | None = None,
    keep_open: bool = False,
) -> dict[str, Any]:
    """The `composer` context of `_composer.html`. `keep_open`: the contact is unknown right
    now (a failed lookup) but a draft is being shown: do not switch the composer off."""
    sub = request.inbox.subdomain
    form = form or fresh_reply_form(contact)
    text = form["text"].value() or ""
    can_send = request.user.has_perm("avodash.send_messages")
    return {
        "form": form,
        "ticket_id": ticket_id,
        "contact": contact,
        "outcome": outcome,
        "send_as": send_as if send_as is not None else _send_as(request),
        "user_email": request.user.email,
        "from_number": getattr(request.inbox, "phone", None),
        "inbox_name": request.inbox.name,
        "can_send": can_send,
        "disabled": "" if keep_open else disabled_reason(contact),
        **_count(text),
        "presets": form.presets,
        "tz_name": timezone.get_current_timezone_name(),
        "replies": _replies(request, contact),
        "manage_replies": request.user.has_perm("avodash.manage_saved_replies"),
        "replies_url": reverse("inbox:replies", args=[sub]),
        "action_url": reverse("inbox:send", args=[sub, ticket_id]),
        # Send and close: the queue the ticket was opened from, for the next ticket.
        "can_close": request.user.has_perm("avodash.change_ticket_status"),
        "origin": origin_querystring(request.GET.get("from") or request.POST.get("from") or ""),
        "stream_url": reverse("inbox:ticket", args=[sub, ticket_id]) + "#stream-scroll",
    }


def _replies(request: HttpRequest, contact: Contact | None) -> list[FilledReply]:
    """The inbox's saved replies, filled in for this contact and this person."""
    return replies_filled(
        inbox=request.inbox.subdomain,
        contact_first_name=contact.first_name if contact else "",
        agent_first_name=request.user.first_name or request.user.get_username(),
        inbox_name=request.inbox.name,
    )


def _reply_form_with(request: HttpRequest, contact: Contact | None) -> ReplyForm | None:
    """Without JavaScript the picker is a link (`?reply=<name>`): a fresh composer holding it."""
    name = request.GET.get("reply", "")
    chosen = next((r for r in _replies(request, contact) if r.name == name), None) if name else None
    if chosen is None:
        return None
    form = fresh_reply_form(contact)
    form.initial["text"] = chosen.text
    return form


def ticket_scheduled_for(
    request: HttpRequest,
    *,
    ticket_id: str,
    note: str = "",
    error: str = "",
    contact: Contact | None = None,
    fetched: list | AvochatoError | None = None,
) -> dict[str, Any]:
    """The `ticket_scheduled` context: the ticket's pending messages and which ones the viewer
    may cancel (one call: `GET /v1/messages/scheduled?ticket_id=...`, unless the caller
    `fetched` them alongside its own calls). `contact`, when the caller has it (the ticket
    page), names the recipient; otherwise the phone does."""
    sub = request.inbox.subdomain
    messages: list = []
    load_error = ""
    try:
        if fetched is None:
            fetched = scheduled_svc.scheduled_for_ticket(client=request.avochato, ticket_id=ticket_id)
        if isinstance(fetched, AvochatoError):
            raise fetched
        messages = fetched
    except AvochatoError as err:
        load_error = err.message
    contacts = {contact.id: contact} if contact is not None else {}
    missing = {m.contact_id for m in messages if m.contact_id and m.contact_id not in contacts}
    if missing:
        # The region reloaded on its own (after a schedule or a cancel): one batched lookup
        # so that the messages name their recipient, not just the number.
        try:
            contacts.update(contacts_get(client=request.avochato, contact_ids=sorted(missing)))
        except AvochatoError as err:
            log.warning("contacts for the ticket's scheduled messages unavailable: %s", err.message)
    for m in messages:
        if m.contact is None and m.contact_id in contacts:
            m.contact = contacts[m.contact_id]
    return {
        "messages": messages,
        "may_cancel": cancellable_ids(user=request.user, inbox=sub, messages=messages),
        "load_error": load_error,
        "note": note,
        "error": error,
        "ticket_id": ticket_id,
        "refresh_url": reverse("inbox:ticket_scheduled", args=[sub, ticket_id]),
        "cancel_url": reverse("inbox:scheduled_cancel", args=[sub]),
        "list_url": reverse("inbox:scheduled", args=[sub]) + f"?ticket={ticket_id}",
    }


def composer_context(request, *, ticket, contact, scheduled: list | AvochatoError | None = None) -> dict:
    """For the ticket page: the composer (restoring a draft kept by a failed no-JS submit)
    and the ticket's scheduled messages (`scheduled`: already fetched by the page)."""
    ticket_id = ticket.id
    saved = request.session.pop(session_key(request.inbox.subdomain, ticket_id), None)
    form = outcome = None
    if isinstance(saved, dict) and isinstance(saved.get("data"), dict):
        form = ReplyForm(data=saved["data"])
        outcome = Outcome.from_dict(saved.get("outcome") or {})
    else:
        form = _reply_form_with(request, contact)
    return {
        "composer": composer_for(request, ticket_id=ticket_id, contact=contact, form=form, outcome=outcome),
        "ticket_scheduled": ticket_scheduled_for(
            request, ticket_id=ticket_id, contact=contact, fetched=scheduled
        ),
    }


def compose_context(
    request: HttpRequest,
    form: ComposeForm,
    outcome: Outcome | None,
    *,
    send_as: SendAs | None = None,
    contact: Contact | None = None,
) -> dict[str, Any]:
    """The new-message page's `composer` (the same partial as the reply composer)."""
    if form.is_bound and form.phone_suggestion is None:
        form.is_valid()  # fills the phone suggestion for a mistyped number
    text = (form["text"].value() or "") if form.is_bound else ""
    return {
        "form": form,
        "outcome": outcome,
        "send_as": send_as if send_as is not None else _send_as(request),
        "contact": contact,
        "user_email": request.user.email,
        "from_number": getattr(request.inbox, "phone", None),
        "inbox_name": request.inbox.name,
        "can_send": True,
        "disabled": "",
        **_count(text),
        "presets": form.presets,
        "tz_name": timezone.get_current_timezone_name(),
        "action_url": reverse("inbox:compose", args=[request.inbox.subdomain]),
        "stream_url": outcome.check_url if outcome else None,
    }
