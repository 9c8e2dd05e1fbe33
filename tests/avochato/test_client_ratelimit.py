"""The shared token bucket: in process, and through Django's cache."""

from __future__ import annotations

import pytest
from django.core.cache.backends.locmem import LocMemCache

from avodash.avochato import CacheRateLimiter, RateLimitedError, TokenBucket

from .conftest import FakeTime


class WallClock(FakeTime):
    """CacheRateLimiter reads wall time; start on a window boundary for exact counts."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 1_000_000.0

    def clock(self) -> float:
        return self.now + self.offset


def test_token_bucket_allows_a_small_burst_then_the_rate(fake_time):
    bucket = TokenBucket(rate=15, burst=4, clock=fake_time.clock, sleep=fake_time.sleep)
    for _ in range(4):
        assert bucket.acquire(0) is True
    assert fake_time.sleeps == []
    assert bucket.acquire(0) is False  # no slot, and no waiting allowed
    assert bucket.acquire(1.0) is True
    assert fake_time.sleeps and 0 < fake_time.sleeps[0] <= 1 / 15 + 1e-6


def test_token_bucket_keeps_any_second_under_the_apis_limit(fake_time):
    bucket = TokenBucket(rate=15, burst=4, clock=fake_time.clock, sleep=fake_time.sleep)
    start = fake_time.clock()
    count = 0
    while fake_time.clock() - start < 1.0:
        assert bucket.acquire(10)
        count += 1
    assert count <= 20


def test_cache_limiter_admits_a_windows_share_then_waits():
    clock = WallClock()
    cache = LocMemCache("rl-test", {})
    limiter = CacheRateLimiter(cache, "rl:test", rate=15, clock=clock.clock, sleep=clock.sleep)
    assert limiter.per_window == 3
    assert [limiter.acquire(0) for _ in range(4)] == [True, True, True, False]
    assert limiter.acquire(1.0) is True
    assert clock.sleeps and clock.sleeps[0] <= 0.2 + 1e-9


def test_cache_limiter_is_shared_by_every_limiter_on_the_same_key():
    clock = WallClock()
    cache = LocMemCache("rl-shared", {})
    a = CacheRateLimiter(cache, "rl:cred", rate=15, clock=clock.clock, sleep=clock.sleep)
    b = CacheRateLimiter(cache, "rl:cred", rate=15, clock=clock.clock, sleep=clock.sleep)
    other = CacheRateLimiter(cache, "rl:other-cred", rate=15, clock=clock.clock, sleep=clock.sleep)
    assert [a.acquire(0), b.acquire(0), a.acquire(0), b.acquire(0)] == [True, True, True, False]
    assert other.acquire(0) is True


def test_cache_limiter_keeps_any_second_under_the_apis_limit():
    clock = WallClock()
    limiter = CacheRateLimiter(
        LocMemCache("rl-sec", {}), "rl:x", rate=15, clock=clock.clock, sleep=clock.sleep
    )
    times = []
    while clock.clock() - clock.now < 3.0:
        assert limiter.acquire(10)
        times.append(clock.clock())
    assert max(sum(1 for t in times if s <= t < s + 1.0) for s in times) <= 20


def test_cache_limiter_fails_open_when_the_cache_breaks():
    class Broken:
        def add(self, *a, **k):
            raise ConnectionError("redis down")

    assert CacheRateLimiter(Broken(), "k").acquire(0) is True


def test_the_client_asks_the_limiter_before_each_attempt(api, make_client):
    class Counting:
        calls: list[float] = []

        def acquire(self, max_wait: float) -> bool:
            self.calls.append(max_wait)
            return True

    from .conftest import Reply, ok

    api.script(Reply(status=503), ok())
    limiter = Counting()
    make_client(rate_limiter=limiter, budget=5).get(("tickets",))
    assert len(limiter.calls) == 2 == len(api.requests)
    assert all(0 < w <= 5 for w in limiter.calls)  # never past the budget


def test_the_client_gives_up_when_the_limiter_has_no_slot(api, make_client):
    class Full:
        def acquire(self, max_wait: float) -> bool:
            return False

    with pytest.raises(RateLimitedError) as info:
        make_client(rate_limiter=Full()).get(("tickets",))
    assert info.value.status is None and api.requests == []
