"""The message composer shown on the ticket page, and the ticket's scheduled messages.

`composer_context(request, *, ticket, contact)` returns the template context for
templates/inbox/_composer.html (`composer`) and templates/inbox/_ticket_scheduled.html
(`ticket_scheduled`); the ticket page merges it into its own context. The reply view
(inbox/views/messaging.py) renders the same partial after a send with `composer_for`.

A draft that failed without JavaScript comes back through the session (post, redirect,
get): the reply view stores the submitted fields and the outcome, and the next render of
the ticket page puts them back into the composer, text intact.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from avodash.avochato import AvochatoError, RateLimitedError, UnavailableError
from inbox.forms_messaging import ReplyForm
from inbox.idempotency import new_key
from inbox.services import messages as message_svc
from inbox.services.messages import SendAs, sms_segments
from inbox.services.presence import presence_others
from inbox.services.types import Contact

log = logging.getLogger(__name__)
SESSION_PREFIX = "composer:"


@dataclass(kw_only=True)
class Outcome:
    """What happened to a submitted draft, in words for the person who sent it.

    kind: sent | scheduled | duplicate | not_sent | unknown | invalid | refused | others | redraft
    """

    kind: str
    title: str
    detail: str = ""
    check_url: str | None = None  # where to look when the outcome is unknown

    @property
    def ok(self) -> bool:
        return self.kind in ("sent", "scheduled", "duplicate")

    @property
    def level(self) -> str:
        if self.ok:
            return "ok"
        return "warn" if self.kind in ("unknown", "others", "redraft") else "bad"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "detail": self.detail, "check_url": self.check_url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(
            kind=str(data.get("kind") or "not_sent"),
            title=str(data.get("title") or ""),
            detail=str(data.get("detail") or ""),
            check_url=data.get("check_url"),
        )


def not_sent_outcome(err: AvochatoError) -> Outcome:
    """Certainly not sent: the API refused the message (4xx, 429), the request never left,
    or a check before sending failed. Say so, and what to do next. (A failure after the
    message may have reached Avochato is `unknown_outcome`, never this.)"""
    if isinstance(err, RateLimitedError):
        wait = f" in {int(err.retry_after) + 1} seconds" if err.retry_after else " in a moment"
        return Outcome(
            kind="not_sent",
            title="Not sent: Avochato asked us to slow down.",
            detail=f"Nothing was sent. Your draft is below: send it again{wait}.",
        )
    if isinstance(err, UnavailableError):
        return Outcome(
            kind="not_sent",
            title="Not sent: Avochato could not be reached.",
            detail=f"{err.message} The request never left, so nothing was sent. Your draft is below: try again.",
        )
    if err.status and err.status >= 500:
        return Outcome(
            kind="not_sent",
            title="Not sent: Avochato had a problem.",
            detail=f"Avochato answered with an error (HTTP {err.status}). Nothing was sent. Your draft is below: try again in a moment.",
        )
    return Outcome(kind="not_sent", title="Not sent: Avochato refused it.", detail=err.message)


UNKNOWN_ADVICE = (
    "Check the conversation before sending it again: pressing Send again will not resend this draft."
)


def unknown_outcome(check_url: str, detail: str = "", *, err: AvochatoError | None = None) -> Outcome:
    """The request may have reached Avochato and been acted on (a timeout or broken
    connection after it left, an HTTP 5xx from Avochato or a gateway in front of it, an
    answer we could not read): it may have been sent. The draft keeps its key, so pressing
    Send again replays this outcome instead of sending a second copy."""
    if not detail:
        if isinstance(err, UnavailableError) or err is None:
            why = "Avochato did not answer after the message left"
        elif err.status and err.status >= 500:
            why = f"Avochato answered with an error (HTTP {err.status}) after the message reached it"
        else:
            why = "Avochato's answer to the message could not be read"
        detail = f"{why}, so it may have been sent. {UNKNOWN_ADVICE}"
    return Outcome(kind="unknown", title="Unknown whether it was sent.", detail=detail, check_url=check_url)


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


def disabled_reason(contact: Contact | None) -> str:
    if contact is None:
        return "This ticket's contact could not be found, so there is no number to reply to."
    if not contact.phone:
        return "This contact has no phone number to reply to."
    if contact.opted_out:
        return f"{contact.display_name} has opted out of messages from this inbox: Avochato refuses to send to them."
    if contact.blocked:
        return f"{contact.display_name} is blocked: messages to them are not delivered."
    return ""


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
    others: list[str] | None = None,
    keep_open: bool = False,
) -> dict[str, Any]:
    """The `composer` context of `_composer.html`. `keep_open`: the contact is unknown right
    now (a failed lookup) but a draft is being shown: do not switch the composer off."""
    sub = request.inbox.subdomain
    form = form or fresh_reply_form(contact)
    text = (form["text"].value() or "") if form.is_bound else ""
    can_send = request.user.has_perm("avodash.send_messages")
    return {
        "form": form,
        "ticket_id": ticket_id,
        "contact": contact,
        "outcome": outcome,
        "send_as": send_as if send_as is not None else _send_as(request),
        "user_email": request.user.email,
        "others": others or [],
        "from_number": getattr(request.inbox, "phone", None),
        "inbox_name": request.inbox.name,
        "can_send": can_send,
        "disabled": "" if keep_open else disabled_reason(contact),
        "segments": sms_segments(text.replace("\r\n", "\n")),
        "max_length": message_svc.MAX_LENGTH,
        "presets": form.presets,
        "tz_name": timezone.get_current_timezone_name(),
        "action_url": reverse("inbox:send", args=[sub, ticket_id]),
        "stream_url": reverse("inbox:ticket", args=[sub, ticket_id]) + "#stream-scroll",
    }


def ticket_scheduled_for(
    request: HttpRequest,
    *,
    ticket_id: str,
    note: str = "",
    error: str = "",
    contact: Contact | None = None,
) -> dict[str, Any]:
    """The `ticket_scheduled` context: the ticket's pending messages and which ones the viewer
    may cancel (one call: `GET /v1/messages/scheduled?ticket_id=...`). `contact`, when the
    caller has it (the ticket page), names the recipient; otherwise the phone does."""
    from inbox.views.scheduled import cancellable_ids  # the cancel rule lives with the cancel view

    sub = request.inbox.subdomain
    messages: list = []
    load_error = ""
    try:
        messages = message_svc.scheduled_for_ticket(client=request.avochato, ticket_id=ticket_id)
    except AvochatoError as err:
        load_error = err.message
    contacts = {contact.id: contact} if contact is not None else {}
    missing = {m.contact_id for m in messages if m.contact_id and m.contact_id not in contacts}
    if missing:
        # The region reloaded on its own (after a schedule or a cancel): one batched lookup
        # so that the messages name their recipient, not just the number.
        try:
            contacts.update(message_svc.contacts_get(client=request.avochato, contact_ids=sorted(missing)))
        except AvochatoError as err:
            log.warning("contacts for the ticket's scheduled messages unavailable: %s", err.message)
    for m in messages:
        if m.contact is None and m.contact_id in contacts:
            m.contact = contacts[m.contact_id]
    return {
        "messages": messages,
        "may_cancel": cancellable_ids(request, messages) if messages else set(),
        "load_error": load_error,
        "note": note,
        "error": error,
        "ticket_id": ticket_id,
        "refresh_url": reverse("inbox:ticket_scheduled", args=[sub, ticket_id]),
        "cancel_url": reverse("inbox:scheduled_cancel", args=[sub]),
        "list_url": reverse("inbox:scheduled", args=[sub]) + f"?ticket={ticket_id}",
    }


def composer_context(request, *, ticket, contact) -> dict:
    """For the ticket page: the composer (restoring a draft kept by a failed no-JS submit)
    and the ticket's scheduled messages."""
    ticket_id = ticket.id
    saved = request.session.pop(session_key(request.inbox.subdomain, ticket_id), None)
    form = outcome = None
    if isinstance(saved, dict) and isinstance(saved.get("data"), dict):
        form = ReplyForm(data=saved["data"])
        outcome = Outcome.from_dict(saved.get("outcome") or {})
    others = presence_others(subdomain=request.inbox.subdomain, ticket_id=ticket_id, user_id=request.user.pk)
    return {
        "composer": composer_for(
            request, ticket_id=ticket_id, contact=contact, form=form, outcome=outcome, others=others
        ),
        "ticket_scheduled": ticket_scheduled_for(request, ticket_id=ticket_id, contact=contact),
    }
