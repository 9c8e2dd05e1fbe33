"""Publishing a broadcast once, whatever the clicks: the confirmation form carries an
idempotency key, claimed in the database before `POST /v1/broadcasts/:id/publish`. A second
submit with the same key (double click, resubmit, retry after a timeout) reports the first
outcome and never reaches the API. Every attempt is audited (`broadcast.publish`).

Outcomes: `published`, `duplicate` (the key was used: its first outcome), `not_published`
(certain: refused before the call, or the API said no with a 4xx/429), `unknown` (the request
may have reached Avochato: the page says to look at the broadcast before trying again).

API operations: `GET /v1/broadcasts/:id` (still a draft?), `POST /v1/broadcasts/:id/publish`.

Publishing now: the API answers with the broadcast still `draft`, scheduled about 10 s ahead
(the reference's example), and sends it then. The person is told exactly that ("Publishing:
scheduled to send at 14:03:27"), and until the API says it went out the broadcast is shown as
publishing (`broadcasts_mark_publishing`, from the audit trail), never as an editable draft.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone as djtz

from avodash.audit import audit_begin, audit_finish
from avodash.avochato import AvochatoClient, AvochatoError
from avodash.domain import broadcasts as broadcasts_svc
from avodash.domain.errors import ActionError
from avodash.domain.scheduled import local_when
from avodash.models import AuditEntry, IdempotencyKey
from inbox.idempotency import idem_claim, idem_finish, idem_is_stale, idem_wait

ACTION = "broadcast.publish"


@dataclass(frozen=True, kw_only=True)
class PublishOutcome:
    kind: str  # published | duplicate | not_published | unknown
    title: str
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.kind in ("published", "duplicate")


def _replay(record: IdempotencyKey) -> PublishOutcome:
    record = idem_wait(record)
    result = record.result or {}
    if record.state == IdempotencyKey.SENT:
        return PublishOutcome(
            kind="duplicate",
            title=result.get("title") or "Already published.",
            detail="This confirmation was submitted more than once; the broadcast was published once.",
        )
    if record.state == IdempotencyKey.NOT_SENT:
        return PublishOutcome(kind="not_published", title=result.get("title") or "Not published.")
    if record.state == IdempotencyKey.PENDING and not idem_is_stale(record):
        return PublishOutcome(
            kind="unknown",
            title="Still publishing.",
            detail="An earlier click is still being handled. Reload the broadcast in a moment.",
        )
    return PublishOutcome(
        kind="unknown",
        title="Not known whether it was published.",
        detail=result.get("detail") or "Look at the broadcast's status before publishing again.",
    )


def clock_time(value: datetime) -> str:
    """A time a few seconds ahead, to the second, in the viewer's zone: "14:03:27 PST"."""
    local = djtz.localtime(value)
    return f"{local:%H:%M:%S} {local.strftime('%Z') or djtz.get_current_timezone_name()}"


def _published_title(broadcast: broadcasts_svc.Broadcast, scheduled_for: datetime | None) -> str:
    """What the API's answer says, no more: sent, going out in a moment, or at a time."""
    if broadcast.status == "completed":
        return f"Published “{broadcast.title}”: it has been sent."
    if scheduled_for is None or broadcast.is_draft:
        when = f"at {clock_time(broadcast.scheduled_for)}" if broadcast.scheduled_for else "in a moment"
        return f"Publishing “{broadcast.title}”: scheduled to send {when}."
    return f"“{broadcast.title}” will go out {local_when(broadcast.scheduled_for or scheduled_for)}."


def broadcasts_mark_publishing(*, inbox: str, broadcasts: Iterable[broadcasts_svc.Broadcast]) -> None:
    """Mark the drafts avodash has published (an ok `broadcast.publish` in the audit trail) as
    publishing: the API shows them as `draft` until they go out. One query."""
    drafts = {b.id: b for b in broadcasts if b.is_draft and b.id}
    if not drafts:
        return
    published = AuditEntry.objects.filter(
        inbox=inbox, action=ACTION, outcome=AuditEntry.OK, target__in=list(drafts)
    ).values_list("target", flat=True)
    for broadcast_id in set(published):
        drafts[broadcast_id].publishing = True


def broadcast_publish_once(
    *,
    client: AvochatoClient,
    actor,
    inbox: str,
    key: str,
    broadcast_id: str,
    scheduled_for: datetime | None,
    audience: int | None,
    ip: str | None = None,
) -> PublishOutcome:
    """Publish the draft at most once per `key`, audited."""
    params = {
        "when": scheduled_for.isoformat() if scheduled_for else "now",
        "audience": audience,
        "key": key,
    }

    entry = audit_begin(actor=actor, inbox=inbox, action=ACTION, target=broadcast_id, params=params, ip=ip)

    def record(outcome: str, error: str = "", **extra) -> None:
        audit_finish(entry, outcome=outcome, error=error, params=extra)

    try:
        claim = idem_claim(key=key, user=actor, inbox=inbox, action=ACTION)
    except ActionError as err:
        record(AuditEntry.FAILED, err.message, refused="key conflict")
        return PublishOutcome(
            kind="not_published", title="Not published: this form belongs to another draft."
        )
    if not claim.fresh:
        outcome = _replay(claim.record)
        record(AuditEntry.OK if outcome.ok else AuditEntry.FAILED, outcome.title, repeat=True, api_call=False)
        return outcome
    try:
        current = broadcasts_svc.broadcast_get(client=client, broadcast_id=broadcast_id)
    except AvochatoError as err:  # the lookup: nothing was published
        title = f"Not published: {err.message}"
        idem_finish(claim, state=IdempotencyKey.NOT_SENT, result={"title": title})
        record(AuditEntry.FAILED, err.message, api_call=False)
        return PublishOutcome(kind="not_published", title=title)
    broadcasts_mark_publishing(inbox=inbox, broadcasts=[current])
    if not current.is_editable:
        title = f"Not published: it is already {current.status_label.lower()}."
        if current.publishing and current.scheduled_for:
            title = f"Not published again: it is already publishing, to send at {clock_time(current.scheduled_for)}."
        idem_finish(claim, state=IdempotencyKey.NOT_SENT, result={"title": title})
        record(AuditEntry.FAILED, title, api_call=False)
        return PublishOutcome(kind="not_published", title=title)
    try:
        published = broadcasts_svc.broadcast_publish(
            client=client, broadcast_id=broadcast_id, scheduled_for=scheduled_for
        )
    except AvochatoError as err:
        return _publish_failed(client, err, claim, record, broadcast_id, scheduled_for)
    title = _published_title(published, scheduled_for)
    idem_finish(claim, state=IdempotencyKey.SENT, result={"title": title, "status": published.status})
    goes_out = published.scheduled_for.isoformat() if published.scheduled_for else None
    record(AuditEntry.OK, status=published.status, scheduled_for=goes_out)
    return PublishOutcome(kind="published", title=title)


def _publish_failed(
    client, err: AvochatoError, claim, record, broadcast_id: str, scheduled_for
) -> PublishOutcome:
    """The publish request failed. A refusal: not published. An answer that did not say: the
    broadcast is read back; no longer a draft means it went through. Still a draft proves
    nothing (a publish "now" stays a draft for a few seconds), so that stays unknown, and the
    request is never sent again on its own."""
    if not err.may_have_applied:
        title = f"Not published: {err.message}"
        idem_finish(claim, state=IdempotencyKey.NOT_SENT, result={"title": title})
        record(AuditEntry.FAILED, err.message)
        return PublishOutcome(kind="not_published", title=title)
    try:
        now = broadcasts_svc.broadcast_get(client=client, broadcast_id=broadcast_id)
    except AvochatoError:
        now = None
    if now is not None and not now.is_draft:
        title = (
            _published_title(now, scheduled_for)
            + " (Avochato's answer was unclear; checked: it went through.)"
        )
        idem_finish(claim, state=IdempotencyKey.SENT, result={"title": title, "status": now.status})
        record(AuditEntry.OK, status=now.status, read_back=True)
        return PublishOutcome(kind="published", title=title)
    detail = f"{err.message} Look at the broadcast's status before publishing again."
    idem_finish(claim, state=IdempotencyKey.UNKNOWN, result={"detail": detail})
    record(AuditEntry.UNKNOWN, err.message, delivery="unknown")
    return PublishOutcome(kind="unknown", title="Not known whether it was published.", detail=detail)


def broadcast_history(*, inbox: str, broadcast_id: str) -> list[AuditEntry]:
    """What was done to this broadcast through avodash (created, audience added, published),
    oldest first: the API does not list an audience's members, so this is how the page shows
    what the audience was built from."""
    rows = AuditEntry.objects.filter(
        inbox=inbox, target=broadcast_id, action__in=("broadcast.create", "broadcast.update", ACTION)
    ).order_by("created_at", "id")
    return list(rows[:100])
