"""Keep the whole deployment under Avochato's rate limit instead of learning it from 429s.

The API allows 20 requests per second per credential and answers 429 (ignoring the
request) past that. `SharedRateLimiter` runs just under it (`AVOCHATO_RATE_LIMIT`, 18/s by
default) with the `limits` library's moving window: no sliding second ever carries more
than the limit, and a quiet second lets a page fire its whole burst at once. The window
lives in shared storage keyed by the credential: Redis when Django's cache is Redis (every
app server shares one budget), process memory otherwise.

Pages first, but background work is never starved. The rule, with the defaults in brackets:
* Background work has a guaranteed minimum (`AVOCHATO_BACKGROUND_MIN_SHARE`, 2/s): a
  background acquire first takes a slot in its own minimum window (2/s), and then a slot in
  the shared window (18/s). While background work is waiting or running (it marked itself in
  the cache within the last 2 s), pages leave room in the shared window for what is left of
  that minimum in the current second, so a stream of pages can never starve the directory sync.
* Pages take any other slot in the credential's window (18/s; 16/s while background work has
  not yet used its minimum).
* Past its minimum, a background acquire takes a slot only when (1) the shared window has
  room for it *and* the reserve kept for pages (rate - background cap = 14), so it waits while
  pages are using the budget; (2) its own cap window has room (`AVOCHATO_BACKGROUND_SHARE` x
  rate = 4/s, the minimum included); (3) the shared window gives it a slot like any request.
  Checks that read a window without taking from it (the storage has no atomic "take if N are
  free") can let racing callers pass together: the atomic windows bound how far they reach.
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
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

from limits import RateLimitItem, RateLimitItemPerSecond
from limits.storage import Storage
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger("avodash.avochato")

DEFAULT_PAUSE = 1.0  # seconds, for a 429 without Retry-After: the API counts per second
MAX_PAUSE = 60.0  # a nonsensical Retry-After must not stop the dashboard for long
DEMAND_SECONDS = 2  # background work that asked this recently still counts as present
SLACK = 0.001  # the moving window includes its edge: wait just past it


class RateLimiter(Protocol):
    def acquire(self, max_wait: float) -> bool:
        """Take one request slot, waiting at most `max_wait` seconds; False if none came."""
        ...

    def pause(self, seconds: float | None) -> None:
        """The API answered 429: hold every request on this credential for `seconds`."""
        ...


class WaitAllowance:
    """How long one owner (a page), all its calls together, may wait for the limiter.

    Wall time while at least one of its calls waits: calls waiting in parallel spend it together,
    once (a page's five parallel calls waiting 0.4 s have spent 0.4 s, not 2 s).
    """

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = max(0.0, seconds)
        self._clock = clock
        self._lock = threading.Lock()
        self._spent = 0.0
        self._waiting = 0
        self._since = 0.0

    @property
    def remaining(self) -> float:
        with self._lock:
            spent = self._spent + (self._clock() - self._since if self._waiting else 0.0)
        return max(0.0, self.seconds - spent)

    def begin(self) -> None:
        with self._lock:
            if not self._waiting:
                self._since = self._clock()
            self._waiting += 1

    def end(self) -> None:
        with self._lock:
            self._waiting -= 1
            if not self._waiting:
                self._spent += self._clock() - self._since


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
        background_min: float = 2.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1 request per second")
        if not 0 < background_share <= 1:
            raise ValueError("background_share must be > 0 and <= 1")
        if background_min < 0:
            raise ValueError("background_min must not be negative")
        self.key = key
        self.background = background
        self.window = RateLimitItemPerSecond(math.floor(rate))
        self.background_window = RateLimitItemPerSecond(
            max(1, math.floor(self.window.amount * background_share))
        )
        self.reserve = self.window.amount - self.background_window.amount
        # The guaranteed minimum, within the cap (None: background work only takes what pages leave).
        minimum = min(math.floor(background_min), self.background_window.amount)
        self.minimum_window = RateLimitItemPerSecond(minimum) if minimum >= 1 else None
        self._demand_key = f"{key}:background-demand"
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
            return self._take_background(now)
        if not self._limiter.test(self.window, self.key, cost=1 + self._kept_for_background()):
            return self._wait(now, self.window, self.key)
        if not self._limiter.hit(self.window, self.key):
            return self._wait(now, self.window, self.key)
        return 0.0

    def _take_background(self, now: float) -> float:
        if self.minimum_window is not None:
            self._pauses.set(self._demand_key, now, timeout=DEMAND_SECONDS)
            if self._limiter.test(self.minimum_window, self.key, "minimum"):
                if not self._limiter.hit(self.window, self.key):
                    return self._wait(now, self.window, self.key)
                # Taken from the shared window: count it against the minimum and the cap.
                self._limiter.hit(self.minimum_window, self.key, "minimum")
                self._limiter.hit(self.background_window, self.key, "background")
                return 0.0
        if not self._limiter.test(self.window, self.key, cost=1 + self.reserve):
            wait = self._wait(now, self.window, self.key)
            if self.minimum_window is not None:  # whichever frees up first
                wait = min(wait, self._wait(now, self.minimum_window, self.key, "minimum"))
            return wait
        if not self._limiter.hit(self.background_window, self.key, "background"):
            return self._wait(now, self.background_window, self.key, "background")
        # A background slot taken just above is lost if a page wins this last race: fine.
        if not self._limiter.hit(self.window, self.key):
            return self._wait(now, self.window, self.key)
        return 0.0

    def _kept_for_background(self) -> int:
        """Slots a page leaves free: the rest of background work's minimum, while it is present."""
        if self.minimum_window is None or self._pauses.get(self._demand_key) is None:
            return 0
        stats = self._limiter.get_window_stats(self.minimum_window, self.key, "minimum")
        return stats.remaining

    def _wait(self, now: float, item: RateLimitItem, *identifiers: str) -> float:
        # Until the oldest entry leaves the window: one slot frees up (then look again).
        reset = self._limiter.get_window_stats(item, *identifiers).reset_time
        return max(0.0, reset - now) + SLACK
