"""Who may cancel which scheduled message, what avodash knows about past cancellations, and
cancelling with the audit trail. The messages themselves: `avodash.domain.scheduled`.

Who may cancel (decided in `cancellable_ids`, and checked again on every POST):
* `avodash.manage_scheduled` (leads): any pending message, one or several at once;
* `avodash.send_messages` (agents): one at a time, only messages they scheduled themselves:
  avodash recorded it as scheduled by them, or Avochato names their own user (same email)
  as its sender;
* everyone else with `view_tickets`: reads the list.
"""

from __future__ import annotations

from collections.abc import Sequence

from avodash.audit import audit_record
from avodash.avochato import AvochatoClient, NotFoundError, parallel
from avodash.domain import scheduled as scheduled_svc
from avodash.domain.scheduled import CancelOutcome, ScheduledMessage
from avodash.models import AuditEntry
from inbox.idempotency import idem_message_ids
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
