"""What may be tried again, and after how long: only what cannot do harm twice (a read, an
idempotent PUT, or any request that never left), with full-jitter backoff, and never past the
call's time budget (`AvochatoClient._exchange` runs the loop)."""

from __future__ import annotations

import random

from ..errors import AvochatoError, RateLimitedError, UnavailableError

IDEMPOTENT = {"GET", "PUT"}
RETRY_STATUSES = {429, 502, 503, 504}
BACKOFF_BASE = 0.25  # seconds; full jitter over base * 2**n, capped
BACKOFF_CAP = 4.0
MIN_TIMEOUT = 0.05  # below this an attempt cannot succeed: stop instead


def retryable(method: str, err: AvochatoError) -> bool:
    """Whether a request that failed with `err` may be sent again."""
    if isinstance(err, UnavailableError):
        transient = getattr(err, "_transient", False)
        return transient and (method in IDEMPOTENT or getattr(err, "_nothing_sent", False))
    return method in IDEMPOTENT and err.status in RETRY_STATUSES


def backoff(attempt: int, err: AvochatoError) -> float:
    """Seconds to wait before attempt `attempt + 1`: the API's Retry-After when it gave one."""
    if isinstance(err, RateLimitedError) and err.retry_after is not None:
        return err.retry_after
    return random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))


def told(err: AvochatoError, sent: AvochatoError | None) -> AvochatoError:
    """What the caller hears when giving up after `err`: an earlier attempt's error that may
    have gone through (`sent`) outweighs a later one that was refused or could not start."""
    return err if sent is None or err.may_have_applied else sent
