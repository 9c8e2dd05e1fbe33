"""Keep the whole deployment under Avochato's rate limit instead of learning it from 429s.

The API allows 20 requests per second per credential and answers 429 (ignoring the
request) past that. `SharedRateLimiter` runs just under it (`AVOCHATO_RATE_LIMIT`, 18/s by
default) with the `limits` library's moving window: no sliding second ever carries more
than the limit, and a quiet second lets a page fire its whole burst at once. The window
lives in shared storage keyed by the credential: Redis when Django's cache is Redis (every
app server shares one budget), process memory otherwise.

Pages first. The rule, with the defaults in brackets:
* An interactive acquire (a page) takes a slot in the credential's window (18/s).
* A background acquire (jobs, directory sync) takes a slot only when (1) the shared window
  has room for it *and* the reserve kept for pages (rate - background cap = 14), so it waits
  while pages are using the budget; (2) its own window has room (`AVOCHATO_BACKGROUND_SHARE`
  x rate = 4/s); (3) the shared window gives it a slot like any request. Check (1) reads
  the window without taking from it (the storage has no atomic "take if N are free"), so
  background requests racing each other can pass it together: the atomic cap of (2) bounds
  how far they can reach into the reserve.
* A 429 from the API pauses everyone: the client calls `pause(retry_after)`, which stores
  "paused until" in Django's cache, and every acquire, interactive or background, waits it
  out before taking a slot.

`acquire(max_wait)` blocks at most `max_wait` seconds and returns False if no slot came in
time (the client then raises RateLimitedError instead of overrunning a page's budget). If
the storage or the cache fails, requests go through: the API's own 429 still protects it,
and a broken cache must not take the dashboard down with it.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any, Protocol

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("avodash.avochato")

DEFAULT_PAUSE = 1.0  # seconds, for a 429 without Retry-After: the API counts per second
MAX_PAUSE = 60.0  # a nonsensical Retry-After must not stop the dashboard for long
SLACK = 0.001  # the moving window includes its edge: wait just past it


class RateLimiter(Protocol):
    def acquire(self, max_wait: float) -> bool:
        """Take one request slot, waiting at most `max_wait` seconds; False if none came."""
        ...

    def pause(self, seconds: float | None) -> None:
        """The API answered 429: hold every request on this credential for `seconds`."""
        ...


class SharedRateLimiter:
    """One credential's budget in `storage`, for an interactive or a background caller.

    `pauses` is a Django cache (anything with get/set) holding the shared "paused until".
    `clock` is wall time: the storage and every app server read the same clock.
    """

    def __init__(
        self,
        storage: Storage,
        key: str,
        *,
        pauses: Any,
        rate: float = 18.0,
        background: bool = False,
        background_share: float = 0.25,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1 request per second")
        if not 0 < background_share <= 1:
            raise ValueError("background_share must be > 0 and <= 1")
        self.key = key
        self.background = background
        self.window = RateLimitItemPerSecond(math.floor(rate))
        self.background_window = RateLimitItemPerSecond(
            max(1, math.floor(self.window.amount * background_share))
        )
        self.reserve = self.window.amount - self.background_window.amount
        self._limiter = MovingWindowRateLimiter(storage)
        self._pauses = pauses
        self._pause_key = f"{key}:paused"
        self._clock = clock
        self._sleep = sleep

    def acquire(self, max_wait: float = 0.0) -> bool:
        give_up = self._clock() + max_wait
        while True:
            now = self._clock()
            try:
                wait = self._paused_for(now) or self._take(now)
            except Exception:
                log.warning("rate limiter storage failed; letting the request through", exc_info=True)
                return True
            if wait <= 0:
                return True
            if now + wait > give_up:
                return False
            self._sleep(wait)

    def pause(self, seconds: float | None) -> None:
        seconds = DEFAULT_PAUSE if seconds is None else min(max(seconds, 0.0), MAX_PAUSE)
        if seconds <= 0:
            return
        until = self._clock() + seconds
        try:
            current = self._pauses.get(self._pause_key)
            if current is None or until > current:  # a pause is extended, never shortened
                self._pauses.set(self._pause_key, until, timeout=math.ceil(seconds) + 1)
        except Exception:
            log.warning("rate limiter cache failed; the 429 pause is not shared", exc_info=True)

    def _paused_for(self, now: float) -> float:
        until = self._pauses.get(self._pause_key)
        return max(0.0, until - now) if until is not None else 0.0

    def _take(self, now: float) -> float:
        """0 when a slot was taken, else the seconds until one may free up."""
        if self.background:
            if not self._limiter.test(self.window, self.key, cost=1 + self.reserve):
                return self._wait(now, self.window, self.key)
            if not self._limiter.hit(self.background_window, self.key, "background"):
                return self._wait(now, self.background_window, self.key, "background")
        # A background slot taken just above is lost if a page wins this last race: fine.
        if not self._limiter.hit(self.window, self.key):
            return self._wait(now, self.window, self.key)
        return 0.0

    def _wait(self, now: float, item: RateLimitItem, *identifiers: str) -> float:
        # Until the oldest entry leaves the window: one slot frees up (then look again).
        reset = self._limiter.get_window_stats(item, *identifiers).reset_time
        return max(0.0, reset - now) + SLACK
