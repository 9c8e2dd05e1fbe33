"""The shared rate limiter: moving window, pages before background work, 429 pauses everyone.

Time is fake: `wall` drives the limiter's clock and sleep *and* the clock of limits'
MemoryStorage, so waits are exact and nothing really sleeps.
"""

from __future__ import annotations

import threading
import uuid
from collections import defaultdict
from types import SimpleNamespace

import limits.storage.memory
import pytest
from django.core.cache.backends.locmem import LocMemCache
from limits.storage import MemoryStorage, RedisStorage

from avodash.avochato import RateLimitedError, SharedRateLimiter
from avodash.avochato.ratelimit import DEFAULT_PAUSE, SLACK

from .conftest import Reply, ok

KEY = "avodash:avochato:rl:test"


class Wall:
    """A wall clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self.sleeps: list[float] = []
        self.lock = threading.Lock()  # held while time moves (never while reading it)

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.sleeps.append(seconds)
            self.now += seconds


class RecordingStorage(MemoryStorage):
    """MemoryStorage noting when each entry was taken, per key (time cannot move meanwhile)."""

    def __init__(self, wall: Wall) -> None:
        super().__init__()
        self.wall = wall
        self.taken: dict[str, list[float]] = defaultdict(list)

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        with self.wall.lock:
            acquired = super().acquire_entry(key, limit, expiry, amount)
            if acquired:
                self.taken[key].append(self.wall.now)
        return acquired


@pytest.fixture
def wall(monkeypatch) -> Wall:
    clock = Wall()
    monkeypatch.setattr(limits.storage.memory, "time", SimpleNamespace(time=clock.time))
    return clock


@pytest.fixture
def storage(wall) -> RecordingStorage:
    return RecordingStorage(wall)


@pytest.fixture
def pauses() -> LocMemCache:
    return LocMemCache(f"rl-{uuid.uuid4()}", {})


@pytest.fixture
def limiter(storage, pauses, wall):
    def build(*, background: bool = False, rate: float = 18.0, **kw) -> SharedRateLimiter:
        return SharedRateLimiter(
            storage,
            KEY,
            pauses=pauses,
            rate=rate,
            background=background,
            clock=wall.time,
            sleep=wall.sleep,
            **kw,
        )

    return build


def busiest_second(times: list[float]) -> int:
    """The most entries in any closed one-second span (the moving window includes its edge)."""
    return max((sum(1 for t in times if start <= t <= start + 1.0) for start in times), default=0)


def test_pages_get_the_whole_allowance_at_once_then_wait_for_the_window(limiter, wall):
    pages = limiter()
    assert [pages.acquire(0) for _ in range(18)] == [True] * 18
    assert wall.sleeps == []
    assert pages.acquire(0) is False  # no slot, and no waiting allowed
    assert pages.acquire(0.5) is False  # the oldest entry leaves the window only in 1 s
    assert wall.sleeps == []
    assert pages.acquire(2.0) is True
    assert wall.sleeps == [1.0 + SLACK]


def test_never_more_than_the_limit_in_any_sliding_second_under_threads(limiter, storage, wall):
    pages = limiter()
    results: list[bool] = []

    def worker() -> None:
        for _ in range(20):
            results.append(pages.acquire(1000))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 160
    (times,) = storage.taken.values()
    assert len(times) == 160
    assert times.count(1_000_000.0) == 18  # the first second carries the full allowance
    assert busiest_second(times) == 18


def test_the_limit_is_configurable(limiter):
    pages = limiter(rate=5)
    assert [pages.acquire(0) for _ in range(6)] == [True] * 5 + [False]


def test_background_work_takes_only_its_share(limiter, storage, wall):
    jobs = limiter(background=True)
    assert (jobs.background_window.amount, jobs.reserve) == (4, 14)
    assert [jobs.acquire(0) for _ in range(5)] == [True] * 4 + [False]
    while wall.now < 1_000_005.0:
        assert jobs.acquire(10)
    background = storage.taken[f"LIMITER/{KEY}/background/4/1/second"]
    assert busiest_second(background) == 4
    assert busiest_second(storage.taken[f"LIMITER/{KEY}/18/1/second"]) == 4


def test_pages_keep_the_rest_while_background_work_runs(limiter):
    jobs, pages = limiter(background=True), limiter()
    assert [jobs.acquire(0) for _ in range(4)] == [True] * 4
    assert [pages.acquire(0) for _ in range(15)] == [True] * 14 + [False]


def test_past_its_minimum_background_work_waits_while_pages_use_the_budget(limiter, wall):
    jobs, pages = limiter(background=True, background_min=0), limiter()
    assert [pages.acquire(0) for _ in range(4)] == [True] * 4
    # Its own window is empty, but the shared one lacks room for it plus the pages' reserve.
    assert jobs.acquire(0) is False
    assert jobs.acquire(5.0) is True
    assert wall.sleeps == [1.0 + SLACK]


def test_past_its_minimum_background_work_fits_beside_light_page_traffic(limiter):
    jobs, pages = limiter(background=True, background_min=0), limiter()
    assert [pages.acquire(0) for _ in range(3)] == [True] * 3
    assert [jobs.acquire(0) for _ in range(2)] == [True, False]


def test_background_work_gets_its_minimum_while_pages_use_the_budget(limiter):
    jobs, pages = limiter(background=True), limiter()
    assert (jobs.minimum_window.amount, jobs.background_window.amount) == (2, 4)
    assert [pages.acquire(0) for _ in range(4)] == [True] * 4
    # Beyond the pages' reserve, but within the guaranteed minimum: no waiting.
    assert [jobs.acquire(0) for _ in range(3)] == [True, True, False]


def test_continuous_page_traffic_never_starves_background_work(limiter, storage, wall):
    """Pages ask for every slot they can get, all the time; jobs still get 2 a second."""
    jobs, pages = limiter(background=True), limiter()
    while wall.now < 1_000_010.0:
        while pages.acquire(0):
            pass
        while jobs.acquire(0):
            pass
        wall.sleep(0.05)
    shared = storage.taken[f"LIMITER/{KEY}/18/1/second"]
    background = storage.taken[f"LIMITER/{KEY}/minimum/2/1/second"]
    assert busiest_second(shared) == 18  # never past the limit, and no slot left unused
    # Pages took the first second before any job asked; every second after, jobs had their 2.
    for second in range(1, 9):
        start = 1_000_000.0 + second + 0.05
        assert sum(1 for t in background if start <= t < start + 1.0) == 2
    assert len(shared) >= 9 * 18


def test_pages_take_the_whole_allowance_once_background_work_has_its_minimum(limiter):
    jobs, pages = limiter(background=True), limiter()
    assert [jobs.acquire(0) for _ in range(2)] == [True, True]
    assert [pages.acquire(0) for _ in range(17)] == [True] * 16 + [False]


def test_pages_leave_the_minimum_free_only_while_background_work_waits(limiter, wall):
    jobs, pages = limiter(background=True), limiter()
    assert [pages.acquire(0) for _ in range(19)] == [True] * 18 + [False]  # no jobs: all of it
    assert jobs.acquire(0) is False  # it asks, and waits for the window like everyone
    wall.sleep(1.0 + SLACK)
    assert [pages.acquire(0) for _ in range(17)] == [True] * 16 + [False]
    assert [jobs.acquire(0) for _ in range(2)] == [True, True]


def test_a_pause_holds_every_caller_and_is_never_shortened(limiter, wall):
    pages, jobs = limiter(), limiter(background=True)
    pages.pause(3.0)
    jobs.pause(1.0)  # a shorter pause does not cut the first one short
    assert pages.acquire(2.9) is False and jobs.acquire(0) is False
    assert jobs.acquire(3.0) is True
    assert wall.sleeps == [3.0]
    pages.pause(None)
    assert pages.acquire(DEFAULT_PAUSE) is True
    assert wall.sleeps == [3.0, DEFAULT_PAUSE]


def test_a_429_pauses_every_client_on_the_credential(api, make_client, limiter, wall):
    """Two app servers: separate limiters and clients over the same storage and cache."""
    api.script(Reply(status=429, headers={"Retry-After": "2"}), ok())
    first, second = make_client(rate_limiter=limiter()), make_client(rate_limiter=limiter(), budget=5)
    with pytest.raises(RateLimitedError) as info:
        first.post(("messages",), {"body": "hi"})  # a POST is never retried, but it still pauses
    assert info.value.status == 429 and info.value.retry_after == 2.0
    assert second.rate_limiter.acquire(0) is False
    second.get(("tickets",))
    assert wall.sleeps == [2.0] and len(api.requests) == 2


def test_the_limiter_lets_requests_through_when_its_storage_fails(pauses, wall):
    class Broken(MemoryStorage):
        def acquire_entry(self, *args, **kwargs):
            raise ConnectionError("redis down")

    pages = SharedRateLimiter(Broken(), KEY, pauses=pauses, clock=wall.time, sleep=wall.sleep)
    assert pages.acquire(0) is True


def test_a_bad_configuration_is_refused(storage, pauses):
    with pytest.raises(ValueError):
        SharedRateLimiter(storage, KEY, pauses=pauses, rate=0.5)
    with pytest.raises(ValueError):
        SharedRateLimiter(storage, KEY, pauses=pauses, background_share=0)
    with pytest.raises(ValueError):
        SharedRateLimiter(storage, KEY, pauses=pauses, background_min=-1)


def test_the_window_is_shared_through_redis(pauses):
    """Two app servers, each with its own connection to the same Redis."""
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, db=15, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    prefix = f"avodash-test-{uuid.uuid4().hex}"
    servers = [RedisStorage("redis://127.0.0.1:6379/15", key_prefix=prefix) for _ in range(2)]
    try:
        a, b = (SharedRateLimiter(s, KEY, pauses=pauses) for s in servers)
        # All within one second of real time: nothing leaves the window meanwhile.
        assert [(a if i % 2 else b).acquire(0) for i in range(18)] == [True] * 18
        assert a.acquire(0) is False and b.acquire(0) is False
        other = SharedRateLimiter(servers[0], KEY + ":other-credential", pauses=pauses)
        assert other.acquire(0) is True
    finally:
        servers[0].reset()


def test_the_client_asks_the_limiter_before_each_attempt(api, make_client):
    class Counting:
        calls: list[float] = []

        def acquire(self, max_wait: float) -> bool:
            self.calls.append(max_wait)
            return True

        def pause(self, seconds: float | None) -> None:
            raise AssertionError("no 429 here")

    api.script(Reply(status=503), ok())
    limiter = Counting()
    make_client(rate_limiter=limiter, budget=5).get(("tickets",))
    assert len(limiter.calls) == 2 == len(api.requests)
    assert all(0 < w <= 5 for w in limiter.calls)  # never past the budget


def test_the_client_gives_up_when_the_limiter_has_no_slot(api, make_client):
    class Full:
        def acquire(self, max_wait: float) -> bool:
            return False

        def pause(self, seconds: float | None) -> None:
            raise AssertionError("no request was sent")

    with pytest.raises(RateLimitedError) as info:
        make_client(rate_limiter=Full()).get(("tickets",))
    assert info.value.status is None and api.requests == []


def test_a_pages_calls_waiting_together_spend_its_wait_once():
    from avodash.avochato.ratelimit import WaitAllowance

    clock = Wall()
    page = WaitAllowance(1.5, clock=clock.time)
    page.begin()
    page.begin()  # five parallel calls, say: waiting at the same time
    clock.sleep(0.4)
    assert page.remaining == pytest.approx(1.1)
    page.end()
    clock.sleep(0.2)
    page.end()
    clock.sleep(5.0)  # time not spent waiting does not count
    assert page.remaining == pytest.approx(0.9)


def test_a_page_waits_for_the_limiter_no_longer_than_its_allowance(api, make_client):
    from avodash.avochato.ratelimit import WaitAllowance

    class Full:
        asked: list[float] = []

        def acquire(self, max_wait: float) -> bool:
            self.asked.append(max_wait)
            return False

        def pause(self, seconds: float | None) -> None:
            raise AssertionError("nothing was sent")

    limiter = Full()
    with pytest.raises(RateLimitedError) as info:
        make_client(rate_limiter=limiter, rate_wait=WaitAllowance(1.5), budget=15).get(("tickets",))
    assert limiter.asked == [pytest.approx(1.5, abs=0.01)]  # not the page's 15 s budget
    assert info.value.status is None and info.value.retry_after == 2.0
    assert "Avochato is busy" in info.value.message and api.requests == []
