"""Keep the whole deployment under Avochato's rate limit instead of learning it from 429s.

The API allows 20 requests/s per credential and answers 429 (ignoring the request) past
that. Both limiters here aim lower (15/s by default) and shape bursts so that no sliding
second ever carries more than 20. The client calls `acquire(max_wait)` before every
attempt; it blocks at most `max_wait` seconds and returns False if no slot came in time.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, Protocol

log = logging.getLogger("avodash.avochato")


class RateLimiter(Protocol):
    def acquire(self, max_wait: float) -> bool:
        """Take one request slot, waiting at most `max_wait` seconds; False if none came."""
        ...


class TokenBucket:
    """In-process token bucket (one process: dev, tests, a single worker).

    `burst` is kept small on purpose: burst + rate must stay under the API's 20 in any
    one-second span, or a quiet bucket would let 15 + 15 through in a second.
    """

    def __init__(
        self,
        rate: float = 15.0,
        burst: float = 4.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._sleep = sleep
        self._tokens = burst
        self._updated = clock()
        self._lock = threading.Lock()

    def acquire(self, max_wait: float = 0.0) -> bool:
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._updated) * self.rate)
            self._updated = now
            wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / self.rate
            if wait > max_wait:
                return False
            # Reserve now, sleep outside the lock: waiters queue up in arrival order.
            self._tokens -= 1
        if wait > 0:
            self._sleep(wait)
        return True


class CacheRateLimiter:
    """A limiter shared by every app server through Django's cache (locmem, Redis, ...).

    Fixed windows of `window` seconds keyed on wall-clock time, counted with the
    cache's atomic `add` + `incr`. Each window admits floor(rate * window) requests
    (3 per 200 ms at 15/s), so any sliding second sees at most 6 windows' worth (18).
    If the cache itself fails we let the request through: the API's own 429 still
    protects it, and a broken cache must not take the dashboard down with it.
    """

    def __init__(
        self,
        cache: Any,
        key: str,
        rate: float = 15.0,
        *,
        window: float = 0.2,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or window <= 0:
            raise ValueError("rate and window must be > 0")
        self.cache = cache
        self.key = key
        self.window = window
        self.per_window = max(1, math.floor(rate * window))
        self._ttl = math.ceil(window) + 1
        self._clock = clock
        self._sleep = sleep

    def acquire(self, max_wait: float = 0.0) -> bool:
        give_up = self._clock() + max_wait
        misses = 0
        while True:
            now = self._clock()
            slot = math.floor(now / self.window)
            key = f"{self.key}:{slot}"
            try:
                self.cache.add(key, 0, timeout=self._ttl)
                count = self.cache.incr(key)
            except ValueError:
                # The key expired between add and incr (look again), or the cache stores
                # nothing at all (DummyCache): then there is nothing to share, let it through.
                misses += 1
                if misses < 3:
                    continue
                return True
            except Exception:
                log.warning("rate limiter cache failed; letting the request through", exc_info=True)
                return True
            if count <= self.per_window:
                return True
            wait = (slot + 1) * self.window - now
            if now + wait > give_up:
                return False
            self._sleep(wait)
