"""Who may cancel which scheduled message, what avodash knows about past cancellations,
cancelling with the audit trail, and changing a pending message (reschedule, edit) safely. The messages themselves: `avodash.domain.scheduled`.

Who may cancel (decided in `cancellable_ids`, and checked again on every POST):
* `avodash.manage_scheduled` (leads): any pending message, one or several at once;
* `avodash.send_messages` (agents): one at a time, only messages they scheduled themselves:
  avodash recorded it as scheduled by them, or Avochato names their own user (same email)
  as its sender;
* everyone else with `view_tickets`: reads the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from avodash.audit import audit_record
from avodash.avochato import (
    AvochatoClient,
    AvochatoError,
    NotFoundError,
    parallel,
)
from avodash.domain import scheduled as scheduled_svc
from avodash.domain.scheduled import CancelOutcome, ScheduledMessage
from avodash.models import AuditEntry, IdempotencyKey
from inbox.idempotency import idem_claim, idem_finish, idem_message_ids, idem_wait
from inbox.services import messages as message_svc

SEND = "avodash.send_messages"
MANAGE = "avodash.manage_scheduled"
CANCEL_RULE_LEAD = "You can cancel any pending message, one or several at once."
CANCEL_RULE_AGENT = (
    "You can cancel the messages you scheduled yourself, one at a time. Cancelling someone "
    "else's, or several at once, needs the Lead role."
)
CANCEL_RULE_READER = "You can see what is queued; cancelling needs permission to send messages."


def cancel_rule(*, user) -> str:
    """The rule above, in words for this person."""
    if user.has_perm(MANAGE):
        return CANCEL_RULE_LEAD
    if user.has_perm(SEND):
        return CANCEL_RULE_AGENT
    return CANCEL_RULE_READER


def scheduled_by(*, user, inbox: str, message_ids: Sequence[str]) -> set[str]:
    """Which of these messages avodash recorded as scheduled by this person (no API call)."""
    return idem_message_ids(user=user, inbox=inbox, action="message.schedule", message_ids=list(message_ids))


def cancellable_ids(*, user, inbox: str, messages: Sequence[ScheduledMessage]) -> set[str]:
    """The ids among these messages that this person may cancel (pending ones only)."""
    pending = [m for m in messages if m.is_pending]
    if not pending:
        return set()
    if user.has_perm(MANAGE):
        return {m.id for m in pending}
    if not user.has_perm(SEND):
        return set()
    mine = scheduled_by(user=user, inbox=inbox, message_ids=[m.id for m in pending])
    email = (user.email or "").strip().lower()
    for m in pending:
        if email and m.sender and m.sender.email and m.sender.email.lower() == email:
            mine.add(m.id)
    return mine


def cancellations(*, inbox: str, message_ids: Sequence[str]) -> dict[str, AuditEntry]:
    """Cancellations made through avodash, by message id (the audit trail knows who and when)."""
    if not message_ids:
        return {}
    entries = AuditEntry.objects.filter(
        inbox=inbox, action="message.cancel", outcome=AuditEntry.OK, target__in=list(message_ids)
    ).order_by("created_at")
    return {entry.target: entry for entry in entries}


def scheduled_get_many(*, client: AvochatoClient, message_ids: Sequence[str]) -> list[ScheduledMessage]:
    """The named scheduled messages with their people (`GET /v1/messages/:id` each, in
    parallel); ids that are not scheduled messages, or not found, are left out."""

    def one(mid: str):
        def run():
            try:
                m = message_svc.message_get(client=client, message_id=mid)
            except NotFoundError:
                return None
            return m if isinstance(m, ScheduledMessage) else None

        return run

    found = [m for m in parallel([one(i) for i in message_ids], max_workers=6) if m is not None]
    if found:
        scheduled_svc.with_people(client=client, messages=found)
    return found


def scheduled_cancel_recorded(
    *,
    client: AvochatoClient,
    actor,
    inbox: str,
    message_ids: Sequence[str],
    ticket: str = "",
    ip: str | None = None,
) -> list[CancelOutcome]:
    """Cancel each (`DELETE /v1/messages/:id`), recording every outcome in the audit trail."""

    def record(outcome: CancelOutcome) -> None:
        audit_record(
            actor=actor,
            inbox=inbox,
            action="message.cancel",
            target=outcome.message_id,
            params={"ticket": ticket, "bulk": len(message_ids) > 1},
            outcome=AuditEntry.OK if outcome.ok else AuditEntry.FAILED,
            error=outcome.error,
            ip=ip,
        )

    return scheduled_svc.scheduled_cancel_many(client=client, message_ids=message_ids, on_each=record)


# --- reschedule and edit -------------------------------------------------------------------------
@dataclass(kw_only=True)
class RescheduleResult:
    ok: bool
    message: str  # for the person
    new: ScheduledMessage | None = None


def _withdraw(client: AvochatoClient, new: ScheduledMessage, err: AvochatoError) -> str:
    """The original could not be cancelled: cancel the new copy, so there are never two."""
    try:
        scheduled_svc.scheduled_cancel(client=client, message_id=new.id)
    except AvochatoError as again:
        return (
            f"Both copies are pending now: the original could not be cancelled ({err.message}) and "
            f"neither could the new one ({again.message}). Cancel one of them in the list."
        )
    return f"Not changed: the original could not be cancelled ({err.message}), so it stays as it was."


def scheduled_reschedule(
    *,
    client: AvochatoClient,
    actor,
    inbox: str,
    key: str,
    original: ScheduledMessage,
    text: str,
    scheduled_for: datetime,
    send_as_email: str | None,
    ip: str | None = None,
) -> RescheduleResult:
    """Change a pending message's text or time. The API has no update: the new copy is
    scheduled (`POST /v1/messages`), then the original cancelled (`DELETE /v1/messages/:id`).
    A failed schedule leaves the original alone; a failed cancel withdraws the new copy, so
    there are never two. At most once per draft `key` (a second submit reports the first);
    one audit entry, `message.reschedule`, for the pair."""
    claim = idem_claim(key=key, user=actor, inbox=inbox, action="message.schedule")
    if not claim.fresh:
        record = idem_wait(claim.record)
        done = record.state == IdempotencyKey.SENT
        text_done = "Already changed: this form was sent before." if done else "This form was already used."
        return RescheduleResult(ok=done, message=text_done)
    params = {"text": text, "scheduled_for": scheduled_for.isoformat(), "to": original.to_phone}
    result, state = _replace(client, original, text, scheduled_for, send_as_email, params)
    idem_finish(
        claim,
        state=state,
        result={"message_id": result.new.id if result.new else "", "rescheduled_from": original.id},
    )
    audit_record(
        actor=actor,
        inbox=inbox,
        action="message.reschedule",
        target=original.id,
        params=params,
        outcome=AuditEntry.OK if result.ok else AuditEntry.FAILED,
        error="" if result.ok else result.message,
        ip=ip,
    )
    return result


def _replace(client, original, text, scheduled_for, send_as_email, params) -> tuple[RescheduleResult, str]:
    draft = message_svc.Draft(
        phone=original.to_phone or "", text=text, media_url=original.media_url, send_as_email=send_as_email
    )
    try:
        new = message_svc.message_schedule(client=client, draft=draft, scheduled_for=scheduled_for)
    except AvochatoError as err:
        if err.may_have_applied:
            why = f"Unknown whether the new copy was scheduled ({err.message}); the original is kept. "
            return RescheduleResult(ok=False, message=why + "Check the list before trying again."), (
                IdempotencyKey.UNKNOWN
            )
        return RescheduleResult(
            ok=False, message=f"Not changed: {err.message} The original is kept."
        ), IdempotencyKey.NOT_SENT
    params["new"] = new.id
    try:
        scheduled_svc.scheduled_cancel(client=client, message_id=original.id)
    except AvochatoError as err:
        return RescheduleResult(ok=False, message=_withdraw(client, new, err)), IdempotencyKey.NOT_SENT
    return RescheduleResult(ok=True, message=f"Changed: it now goes out {new.when_text}.", new=new), (
        IdempotencyKey.SENT
    )
