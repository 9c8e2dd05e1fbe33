"""Idempotency keys: each composer carries one, and a write runs at most once per key.

    claim = idem_claim(key=form_key, user=request.user, inbox=subdomain, action="message.send")
    if claim.fresh:
        ...call the API once...
        idem_finish(claim, state=IdempotencyKey.SENT, result={...})
    else:
        record = idem_wait(claim.record)   # a twin request still running: wait for its outcome
        ...show record's outcome; never call the API again...

The key row is created in `pending` state inside its own transaction *before* the API call,
so the unique constraint decides the race: of two concurrent submits with the same key
exactly one creates the row (and calls the API); the other finds the row and waits for, or
reports, the first one's outcome. The store is the database (`avodash.models.IdempotencyKey`),
so this holds across app servers.

The claim must be visible to other connections at once: call it outside any outer
transaction (avodash does not use ATOMIC_REQUESTS).
"""

from __future__ import annotations

import re
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q
from django.utils import timezone

from avodash.avochato import without_nul
from avodash.domain.errors import ActionError
from avodash.models import IdempotencyKey

KEY_RE = re.compile(r"^[0-9a-f]{32}$")
POLL_SECONDS = 0.2
# A pending row older than this belongs to a request that died mid-call (server restart):
# nobody will finish it, so its outcome is reported as unknown.
STALE_AFTER = timedelta(minutes=5)


def new_key() -> str:
    """A fresh key for a new draft (random, 32 hex characters)."""
    return uuid.uuid4().hex


def valid_key(key: str | None) -> bool:
    return bool(key and KEY_RE.match(key))


@dataclass
class Claim:
    record: IdempotencyKey
    fresh: bool  # True: this request owns the key and makes the call


def idem_claim(*, key: str, user, inbox: str, action: str) -> Claim:
    """Claim `key` for one write. Fresh when this call created the row; otherwise the
    existing row (whatever its state). ActionError when someone else's key is replayed (another
    person, or another inbox): refuse, do nothing."""
    if not valid_key(key):
        raise ValueError("Not an idempotency key.")
    try:
        with transaction.atomic():
            record = IdempotencyKey.objects.create(
                key=key, user=user, inbox=inbox, action=action, state=IdempotencyKey.PENDING
            )
        if secrets.randbelow(200) == 0:  # now and then, forget old keys (no scheduler needed)
            idem_purge()
        return Claim(record=record, fresh=True)
    except IntegrityError:
        record = IdempotencyKey.objects.get(key=key)
        if record.user_id != user.pk or record.inbox != inbox:
            raise ActionError(
                "This form's key belongs to another draft.", audit={"reason": "key conflict"}
            ) from None
        return Claim(record=record, fresh=False)


def idem_finish(claim: Claim, *, state: str, result: dict[str, Any]) -> None:
    """Record the outcome of the write the claim was made for (texts storable: no NUL)."""
    result = without_nul(result)  # update() skips the save hook (avodash.storable): clean here
    IdempotencyKey.objects.filter(pk=claim.record.pk).update(
        state=state, result=result, updated_at=timezone.now()
    )
    claim.record.state, claim.record.result = state, result


def wait_seconds() -> float:
    """How long a twin request waits for the first one: the API call's own time limit."""
    read = float(getattr(settings, "AVOCHATO_TIMEOUT", 10.0))
    budget = float(getattr(settings, "AVOCHATO_PAGE_BUDGET", 15.0))
    return max(0.5, min(read + 4.0, budget))


def idem_wait(record: IdempotencyKey, *, timeout: float | None = None) -> IdempotencyKey:
    """Wait while the row is pending (another request is making the call), up to `timeout`."""
    deadline = time.monotonic() + (wait_seconds() if timeout is None else timeout)
    while record.state == IdempotencyKey.PENDING and time.monotonic() < deadline:
        time.sleep(POLL_SECONDS)
        try:
            record.refresh_from_db(fields=["state", "result", "updated_at"])
        except OperationalError:
            continue  # a lock held by the writer for a moment (SQLite): look again
    return record


def idem_is_stale(record: IdempotencyKey) -> bool:
    return record.state == IdempotencyKey.PENDING and record.created_at < timezone.now() - STALE_AFTER


def idem_message_ids(*, user, inbox: str, action: str, message_ids: list[str]) -> set[str]:
    """Which of these message ids this user created through avodash (recorded outcomes)."""
    if not message_ids:
        return set()
    rows = IdempotencyKey.objects.filter(
        user=user,
        inbox=inbox,
        action=action,
        state=IdempotencyKey.SENT,
        result__message_id__in=list(message_ids),
    ).values_list("result", flat=True)
    return {r.get("message_id") for r in rows if isinstance(r, dict)}


def idem_purge(*, older_than: timedelta = timedelta(days=30)) -> int:
    """Forget finished keys after a while (a draft is not resubmitted a month later).

    Scheduled messages are kept for as long as they can be pending (a year), because the
    scheduled page uses them to know who scheduled what (`idem_message_ids`).
    """
    now = timezone.now()
    old = IdempotencyKey.objects.filter(updated_at__lt=now - older_than)
    keep = Q(action="message.schedule", state=IdempotencyKey.SENT, updated_at__gte=now - timedelta(days=400))
    deleted, _ = old.exclude(keep).delete()
    return deleted
