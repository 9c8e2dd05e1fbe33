"""Sending a drafted message: the reply on a ticket and the new message to a phone number.

`message_submit` keeps two promises:

* never twice: the draft's idempotency key is claimed in the database before the API call;
  a second submit with the same key (double click, resubmit, retry after a timeout) gets the
  first outcome back and never reaches the API (`message_replay` answers a known key before
  the form is even read);
* never lost: every answer says whether the message was sent, not sent, or unknown, and
  whether the draft keeps its key, so the caller can put the text back in the form.

"Not sent" is said only when it is certain: the API refused it (4xx, 429) or the request
never left. Anything after the request may have reached Avochato (a timeout after it left,
any HTTP 5xx, which a gateway can answer after the backend acted, an unreadable answer) is
"unknown": the draft keeps its key, so submitting again replays "unknown" and cannot send a
second copy.

A ticket reply always goes to the ticket's own contact, fetched again from the API; the
contact the page showed is only a cross-check (a different one is refused).

Order of the guards, all before the send: someone else viewing the ticket (asks for
confirmation) -> the recipient (a reply: the ticket's contact, and the page's contact must be
that one) and its state (opted out or blocked: refused) -> the key claim. Every attempt that
gets this far is in the audit trail: a refusal is recorded `failed` with its reason (no
message request made), like a send the API refused.

API operations: `GET /v1/tickets/:id`, `GET /v1/contacts/:id`, `GET /v1/contacts?query=phone:`
(the recipient), `POST /v1/messages` (send or schedule, never retried once it may have left).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from avodash.audit import audit_begin, audit_finish, audit_record
from avodash.avochato import (
    AvochatoClient,
    AvochatoError,
)
from avodash.domain import phones
from avodash.domain.contacts import Contact
from avodash.domain.errors import ActionError
from avodash.domain.scheduled import local_when
from avodash.models import AuditEntry, IdempotencyKey
from inbox.idempotency import idem_claim, idem_finish, idem_is_stale, idem_wait, valid_key
from inbox.services import messages as message_svc
from inbox.services.delivery import Outcome, not_sent_outcome, unknown_outcome
from inbox.services.messages import Draft, SendAs
from inbox.services.recipients import Recipient, resolve_recipient


@dataclass(kw_only=True)
class SubmitResult:
    """What `message_submit` decided. `keep_key`: the re-shown draft keeps its key (so a
    resubmit replays this outcome); otherwise it gets a new one. `clear`: show an empty
    composer. `contact` / `send_as`: the recipient and sender when they were looked up."""

    outcome: Outcome
    keep_key: bool = True
    clear: bool = False
    ticket_id: str | None = None
    scheduled: bool = False
    mark_addressed: bool = False
    contact: Contact | None = None
    send_as: SendAs | None = None


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """What was submitted, for the audit entry of an attempt refused before the send."""

    key: str
    text: str = ""
    phone: str = ""
    ticket_id: str | None = None
    scheduling: bool = False
    scheduled_for: datetime | None = None


def redraft_result() -> SubmitResult:
    """The person asked for a new draft of an unknown one: same text, new key."""
    return SubmitResult(
        outcome=Outcome(
            kind="redraft",
            title="New draft with the same text.",
            detail="Check the conversation first: if the earlier message did go out, this sends it again.",
        ),
        keep_key=False,
    )


def _key_conflict() -> SubmitResult:
    """The draft's key belongs to another person's or inbox's draft (a copied or altered form)."""
    return SubmitResult(
        outcome=Outcome(
            kind="invalid",
            title="Not sent: this form belongs to another draft.",
            detail="Press Send again to send it as a new draft.",
        ),
        keep_key=False,
    )


# --- the audit trail of refusals ---------------------------------------------------------------
def _record_refusal(
    *,
    actor,
    inbox: str,
    ip: str | None,
    attempt: Attempt,
    outcome: Outcome,
    reason: str,
    contact: Contact | None = None,
    extra: dict | None = None,
) -> None:
    """Record a send or schedule refused before the message request: `failed`, with the reason."""
    phone = (contact.phone if contact and contact.phone else None) or attempt.phone or ""
    params = {
        "to": phone,
        "ticket": attempt.ticket_id or "",
        "contact": contact.id if contact else "",
        "text": attempt.text,
        "chars": len(attempt.text),
        **({"scheduled_for": attempt.scheduled_for.isoformat()} if attempt.scheduled_for else {}),
        "key": attempt.key,
        "delivery": "not sent",
        "refused": reason,
        "api_send_call": False,  # refused before `POST /v1/messages`
        **(extra or {}),
    }
    detail = f"{outcome.title} {outcome.detail}".strip()
    audit_record(
        actor=actor,
        inbox=inbox,
        action="message.schedule" if attempt.scheduling else "message.send",
        target=attempt.ticket_id or phone,
        params=params,
        outcome=AuditEntry.FAILED,
        error=f"Refused before sending ({reason}); no message request was made. {detail}",
        ip=ip,
    )


# --- a key seen before -----------------------------------------------------------------------------
def _replay(record: IdempotencyKey, check_url: str) -> SubmitResult:
    """A key seen before: its first outcome, without calling the API."""
    record = idem_wait(record)
    result = record.result or {}
    if record.state == IdempotencyKey.SENT:
        scheduled = result.get("kind") == "scheduled"
        what = "scheduled" if scheduled else "sent"
        outcome = Outcome(
            kind="duplicate",
            title=f"Already {what}.",
            detail=f"This draft was submitted more than once; it was {what} once.",
        )
        return SubmitResult(
            outcome=outcome, clear=True, ticket_id=result.get("ticket_id"), scheduled=scheduled
        )
    if record.state == IdempotencyKey.NOT_SENT:
        outcome = Outcome(
            kind="not_sent", title=result.get("title") or "Not sent.", detail=result.get("detail") or ""
        )
        return SubmitResult(outcome=outcome, keep_key=False)
    if record.state == IdempotencyKey.PENDING and not idem_is_stale(record):
        detail = (
            "An earlier submit of this draft is still being sent; its outcome is not known yet. "
            "Check the conversation in a moment before sending it again."
        )
        return SubmitResult(outcome=unknown_outcome(check_url, detail))
    return SubmitResult(outcome=unknown_outcome(check_url, result.get("detail") or ""))


def message_replay(
    *, actor, inbox: str, attempt: Attempt, check_url: str, ip: str | None = None
) -> SubmitResult | None:
    """The first outcome of a draft key already used (None: a new key). Someone else's key
    (another person or inbox) is refused and recorded. No API call."""
    if not valid_key(attempt.key):
        return None
    existing = IdempotencyKey.objects.filter(key=attempt.key).first()
    if existing is None:
        return None
    if existing.user_id != actor.pk or existing.inbox != inbox:
        result = _key_conflict()
        _record_refusal(
            actor=actor,
            inbox=inbox,
            ip=ip,
            attempt=attempt,
            outcome=result.outcome,
            reason="key conflict",
            extra={"key_owner": "another person or inbox"},
        )
        return result
    return _replay(existing, check_url)


# --- the submit ------------------------------------------------------------------------------------
def _audit_params(draft: Draft, attempt: Attempt, contact: Contact | None) -> dict:
    return {
        "to": draft.phone,
        "ticket": attempt.ticket_id or "",
        "contact": contact.id if contact else "",
        "text": draft.text,
        "chars": len(draft.text),
        "media_url": draft.media_url or "",
        "tags": list(draft.tags),
        "mark_addressed": draft.mark_addressed,
        "send_as": draft.send_as_email or "API user",
        **({"scheduled_for": attempt.scheduled_for.isoformat()} if attempt.scheduled_for else {}),
        "key": attempt.key,
    }


def _post(client: AvochatoClient, draft: Draft, scheduled_for: datetime | None):
    if scheduled_for is not None:
        return message_svc.message_schedule(client=client, draft=draft, scheduled_for=scheduled_for)
    return message_svc.message_send(client=client, draft=draft)


def _failed(err: AvochatoError, claim, check_url: str) -> SubmitResult:
    """The message request failed: unknown (may have gone out, the key stays) or not sent."""
    if err.may_have_applied:
        outcome = unknown_outcome(check_url, err=err)
        idem_finish(
            claim, state=IdempotencyKey.UNKNOWN, result={"detail": outcome.detail, "error": err.message}
        )
        return SubmitResult(outcome=outcome)
    outcome = not_sent_outcome(err)
    result = {"title": outcome.title, "detail": outcome.detail, "error": err.message}
    idem_finish(claim, state=IdempotencyKey.NOT_SENT, result=result)
    return SubmitResult(outcome=outcome, keep_key=False)


def _succeeded(sent, claim, recipient: Recipient, draft: Draft, attempt: Attempt) -> SubmitResult:
    name = recipient.contact.display_name if recipient.contact else phones.shown(recipient.phone)
    sent_ticket = sent.ticket_id or attempt.ticket_id
    if attempt.scheduling:
        when = sent.scheduled_for or attempt.scheduled_for
        outcome = Outcome(
            kind="scheduled",
            title=f"Scheduled for {local_when(when) if when else 'the chosen time'}.",
            detail=f"To {name}. It is listed under Scheduled until it goes out.",
        )
    else:
        outcome = Outcome(kind="sent", title=f"Sent to {name}.", detail="")
    kind = "scheduled" if attempt.scheduling else "sent"
    result = {"kind": kind, "message_id": sent.id, "ticket_id": sent_ticket, "to": recipient.phone}
    idem_finish(claim, state=IdempotencyKey.SENT, result=result)
    return SubmitResult(
        outcome=outcome,
        clear=True,
        ticket_id=sent_ticket,
        scheduled=attempt.scheduling,
        mark_addressed=draft.mark_addressed,
    )


def _send_once(
    *,
    client: AvochatoClient,
    actor,
    inbox: str,
    ip: str | None,
    draft: Draft,
    attempt: Attempt,
    recipient: Recipient,
    check_url: str,
) -> SubmitResult:
    """Claim the key, make the one message request, record it, and remember its outcome."""
    action = "message.schedule" if attempt.scheduling else "message.send"
    try:
        claim = idem_claim(key=attempt.key, user=actor, inbox=inbox, action=action)
    except ActionError:
        result = _key_conflict()
        _record_refusal(
            actor=actor,
            inbox=inbox,
            ip=ip,
            attempt=attempt,
            outcome=result.outcome,
            reason="key conflict",
            contact=recipient.contact,
        )
        return result
    if not claim.fresh:
        return _replay(claim.record, check_url)
    draft = dataclasses.replace(draft, phone=recipient.phone, send_as_email=recipient.send_as.email)
    params = _audit_params(draft, attempt, recipient.contact)
    target = attempt.ticket_id or recipient.phone
    # Written before the request: a worker killed mid-send leaves a row shown as unknown.
    entry = audit_begin(actor=actor, inbox=inbox, action=action, target=target, params=params, ip=ip)
    try:
        sent = _post(client, draft, attempt.scheduled_for if attempt.scheduling else None)
    except AvochatoError as err:
        # A POST that may have been received is never sent again, nor read back into a guess.
        delivery = "unknown" if err.may_have_applied else "not sent"
        outcome = AuditEntry.UNKNOWN if err.may_have_applied else AuditEntry.FAILED
        audit_finish(entry, outcome=outcome, error=err.message, params={"delivery": delivery})
        return _failed(err, claim, check_url)
    done = {"message_id": sent.id, "delivery": "scheduled" if attempt.scheduling else "sent"}
    audit_finish(entry, outcome=AuditEntry.OK, params=done)
    return _succeeded(sent, claim, recipient, draft, attempt)


def _record_unreachable(
    err: ActionError | AvochatoError, *, actor, inbox: str, ip: str | None, attempt: Attempt
) -> Outcome:
    """The recipient was refused (ActionError) or could not be checked (AvochatoError):
    record the refusal, and say so."""
    if isinstance(err, ActionError):
        facts = dict(err.audit)
        outcome = Outcome(kind="refused", title=facts.pop("title", "Not sent."), detail=err.message)
        reason, contact = facts.pop("reason", "recipient refused"), facts.pop("contact", None)
    else:
        outcome = not_sent_outcome(err)
        outcome.detail = f"The contact could not be checked before sending. {outcome.detail}"
        reason, contact, facts = "contact check failed", None, {"error": err.message}
    _record_refusal(
        actor=actor,
        inbox=inbox,
        ip=ip,
        attempt=attempt,
        outcome=outcome,
        reason=reason,
        contact=contact,
        extra=facts,
    )
    return outcome


def message_submit(
    *,
    client: AvochatoClient,
    actor,
    inbox: str,
    key: str,
    draft: Draft,
    scheduled_for: datetime | None = None,
    ticket_id: str | None = None,
    shown_contact_id: str = "",
    check_url: str,
    ip: str | None = None,
) -> SubmitResult:
    """Send `draft` now, or schedule it for `scheduled_for`, at most once per draft `key`.

    `ticket_id`: a reply on that ticket, to its own contact (`shown_contact_id`, the contact
    the page showed, must be that one; `draft.phone` is ignored); otherwise a new message to
    `draft.phone`. `actor`: the
    dashboard user, who owns the key, is in the audit trail and sends as themselves when
    their email is a user of the inbox. `check_url`: where to look when the outcome is unknown.
    """
    attempt = Attempt(
        key=key,
        text=draft.text,
        phone=draft.phone,
        ticket_id=ticket_id,
        scheduling=scheduled_for is not None,
        scheduled_for=scheduled_for,
    )
    found: dict = {}
    try:
        recipient = resolve_recipient(
            client=client,
            actor=actor,
            phone=draft.phone,
            ticket_id=ticket_id,
            shown_contact_id=shown_contact_id,
            found=found,
        )
    except (ActionError, AvochatoError) as err:
        outcome = _record_unreachable(err, actor=actor, inbox=inbox, ip=ip, attempt=attempt)
        return SubmitResult(outcome=outcome, contact=found.get("contact"), send_as=found.get("send_as"))
    result = _send_once(
        client=client,
        actor=actor,
        inbox=inbox,
        ip=ip,
        draft=draft,
        attempt=attempt,
        recipient=recipient,
        check_url=check_url,
    )
    result.contact, result.send_as = recipient.contact, recipient.send_as
    return result
