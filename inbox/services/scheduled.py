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

from django.db.models import Q

from avodash.audit import audit_begin, audit_finish
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
    """Cancellations made through avodash, by message id (the audit trail knows who and when):
    a single cancel's row names the message; a bulk cancel's row lists what it cancelled."""
    if not message_ids:
        return {}
    ids = list(message_ids)
    near = Q(target__in=ids)
    for mid in ids:
        near |= Q(target__contains=mid)
    entries = AuditEntry.objects.filter(near, inbox=inbox, action="message.cancel").order_by("created_at")
    found: dict[str, AuditEntry] = {}
    for entry in entries:
        done = (entry.params or {}).get("cancelled")
        if not isinstance(done, list):
            done = [entry.target] if entry.outcome == AuditEntry.OK else []
        found.update((mid, entry) for mid in done if mid in ids)
    return found


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
    """Cancel each (`DELETE /v1/messages/:id`, an unclear answer settled by reading the message
    back), in one audit row written before the first call: ok when all are cancelled, unknown
    when one could not be known, else failed; per-message results in its params."""
    ids = list(dict.fromkeys(message_ids))
    params = {"ticket": ticket, "bulk": len(ids) > 1, "count": len(ids)}
    entry = audit_begin(actor=actor, inbox=inbox, action="message.cancel", target=ids, params=params, ip=ip)
    try:
        outcomes = scheduled_svc.scheduled_cancel_many(client=client, message_ids=ids)
    except BaseException as err:  # a crash of ours: nothing known about the rest
        audit_finish(entry, outcome=AuditEntry.UNKNOWN, error=str(getattr(err, "message", "") or err))
        raise
    unknown = [o.message_id for o in outcomes if o.unknown]
    failed = {o.message_id: o.error for o in outcomes if not o.ok and not o.unknown}
    outcome = AuditEntry.UNKNOWN if unknown else (AuditEntry.FAILED if failed else AuditEntry.OK)
    results = {"cancelled": [o.message_id for o in outcomes if o.ok], "failed": failed}
    if unknown:
        results["unknown"] = unknown
    checked = [o.message_id for o in outcomes if o.checked]
    if checked:
        results["read_back"] = checked
    errors = sorted({o.error for o in outcomes if not o.ok})
    audit_finish(entry, outcome=outcome, error="; ".join(errors), params=results)
    return outcomes


def cancel_words(outcomes: Sequence[CancelOutcome]) -> tuple[str, str]:
    """(note, error) for the person: what was cancelled, what was not and why, what is unknown."""
    done = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok and not o.unknown]
    unknown = [o for o in outcomes if o.unknown]
    note = f"Cancelled {len(done)} scheduled message{'' if len(done) == 1 else 's'}." if done else ""
    if any(o.checked for o in done):
        note = note[:-1] + " (Avochato's answer was unclear; checked: cancelled)."
    errors = []
    if failed:
        errors.append(
            f"{len(failed)} could not be cancelled: " + "; ".join(sorted({o.error for o in failed}))
        )
    if unknown:
        errors.append(
            f"Unknown for {len(unknown)}: Avochato did not say whether "
            f"{'it was' if len(unknown) == 1 else 'they were'} cancelled, and a check failed too. "
            "Look at the scheduled list before trying again."
        )
    return note, " ".join(errors)


# --- reschedule and edit -------------------------------------------------------------------------
@dataclass(kw_only=True)
class RescheduleResult:
    ok: bool
    message: str  # for the person
    new: ScheduledMessage | None = None
    unknown: bool = False  # Avochato did not say, and a read-back could not tell


def _withdraw(client: AvochatoClient, new: ScheduledMessage, error: str) -> RescheduleResult:
    """The original is verifiably still pending: cancel the new copy, so there are never two."""
    again = scheduled_svc.scheduled_cancel_settled(client=client, message_id=new.id)
    if again.ok:
        why = f"Not changed: the original could not be cancelled ({error}), so it stays as it was."
        return RescheduleResult(ok=False, message=why)
    if again.unknown:
        why = (
            f"The original could not be cancelled ({error}), and Avochato did not say whether the new "
            "copy was withdrawn: check the list, there may be two."
        )
        return RescheduleResult(ok=False, message=why, unknown=True)
    why = (
        f"Both copies are pending now: the original could not be cancelled ({error}) and "
        f"neither could the new one ({again.error}). Cancel one of them in the list."
    )
    return RescheduleResult(ok=False, message=why)


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
    scheduled (`POST /v1/messages`), then the original cancelled (`DELETE /v1/messages/:id`,
    an unclear answer settled by reading it back). A failed schedule leaves the original
    alone; a verifiably failed cancel withdraws the new copy, so there are never two. At most
    once per draft `key` (a second submit reports the first); one audit entry,
    `message.reschedule`, written before the first call."""
    claim = idem_claim(key=key, user=actor, inbox=inbox, action="message.schedule")
    if not claim.fresh:
        record = idem_wait(claim.record)
        done = record.state == IdempotencyKey.SENT
        text_done = "Already changed: this form was sent before." if done else "This form was already used."
        return RescheduleResult(ok=done, message=text_done)
    params = {"text": text, "scheduled_for": scheduled_for.isoformat(), "to": original.to_phone}
    entry = audit_begin(
        actor=actor, inbox=inbox, action="message.reschedule", target=original.id, params=params, ip=ip
    )
    result, state = _replace(client, original, text, scheduled_for, send_as_email, params)
    idem_finish(
        claim,
        state=state,
        result={"message_id": result.new.id if result.new else "", "rescheduled_from": original.id},
    )
    outcome = AuditEntry.OK if result.ok else (AuditEntry.UNKNOWN if result.unknown else AuditEntry.FAILED)
    audit_finish(entry, outcome=outcome, error="" if result.ok else result.message, params=params)
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
            return RescheduleResult(
                ok=False, message=why + "Check the list before trying again.", unknown=True
            ), IdempotencyKey.UNKNOWN
        return RescheduleResult(
            ok=False, message=f"Not changed: {err.message} The original is kept."
        ), IdempotencyKey.NOT_SENT
    params["new"] = new.id
    cancelled = scheduled_svc.scheduled_cancel_settled(client=client, message_id=original.id)
    if cancelled.unknown:
        why = (
            f"The new copy goes out {new.when_text}, but Avochato did not say whether the original was "
            "cancelled, and it could not be read back: check the list, there may be two."
        )
        return RescheduleResult(ok=False, message=why, new=new, unknown=True), IdempotencyKey.SENT
    if not cancelled.ok:
        result = _withdraw(client, new, cancelled.error)
        return result, IdempotencyKey.NOT_SENT
    unclear = (
        " (Avochato's answer was unclear; checked: the original is cancelled)" if cancelled.checked else ""
    )
    return RescheduleResult(
        ok=True, message=f"Changed: it now goes out {new.when_text}{unclear}.", new=new
    ), (IdempotencyKey.SENT)
