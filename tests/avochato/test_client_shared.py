"""Shared reads: identical GETs from different callers cost one upstream call, a person's write
retires them for that person at once (a background write: for everyone), failures are never
shared. Counted in the scripted API's log."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.core.cache.backends.locmem import LocMemCache

from avodash.avochato import RateLimitedError, ServerError
from avodash.avochato.shared import Flights, SharedReads

from .conftest import SECRET, Reply, ok


@pytest.fixture
def cache() -> LocMemCache:
    return LocMemCache(f"shared-{uuid.uuid4()}", {})


@pytest.fixture
def shared(cache):
    def build(ttl: float = 3.0, **kw) -> SharedReads:
        kw.setdefault("flights", Flights())
        return SharedReads(cache, "cred-hash", ttl=ttl, **kw)

    return build


def gets(api) -> list[str]:
    return [
        f"{s.path}?{sorted((k, v) for k, v in s.query.items() if k != 'auth_secret')}" for s in api.requests
    ]


def test_people_asking_the_same_read_cost_one_call(api, make_client, shared):
    api.script(ok(tickets=[{"id": "t1"}]))
    reads = shared()
    alice, bob = make_client(shared_reads=reads), make_client(shared_reads=reads)
    first = alice.get(("tickets",), {"status": "open", "limit": 25})
    second = bob.get(("tickets",), {"limit": 25, "status": "open"})  # same parameters, any order
    assert first == second == {"status": 200, "data": {"tickets": [{"id": "t1"}]}}
    assert len(api.requests) == 1
    second["data"]["tickets"].clear()  # a caller changing its copy changes nobody else's
    assert bob.get(("tickets",), {"limit": 25, "status": "open"})["data"]["tickets"] == [{"id": "t1"}]


def test_another_inbox_path_or_parameter_is_another_read(api, make_client, shared):
    reads = shared()
    support, sales = make_client(shared_reads=reads), make_client(shared_reads=reads, subdomain="acme-sales")
    support.get(("tickets",), {"status": "open"})
    sales.get(("tickets",), {"status": "open"})
    support.get(("tickets",), {"status": "closed"})
    support.get(("users",), {"status": "open"})
    support.get(("tickets",), {"status": "open"})  # the first one again: shared
    assert len(api.requests) == 4
    assert {s.query["subdomain"] for s in api.requests} == {"acme-support", "acme-sales"}


def test_overlapping_reads_are_made_once(api, make_client, shared):
    api.script(Reply(body={"status": 200, "data": {"n": 1}}, hang=0.3))
    reads = shared()
    results: list[dict] = []

    def person() -> None:
        results.append(make_client(shared_reads=reads).get(("tickets",), {"status": "open"}))

    threads = [threading.Thread(target=person) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(api.requests) == 1
    assert results == [{"status": 200, "data": {"n": 1}}] * 10


def test_a_write_to_the_inbox_retires_its_shared_reads(api, make_client, shared):
    reads = shared()
    agent, other = make_client(shared_reads=reads), make_client(shared_reads=reads)
    sales = make_client(shared_reads=reads, subdomain="acme-sales")
    agent.get(("tickets", "t1", "events"))
    sales.get(("tickets", "t9", "events"))
    agent.post(("messages",), {"ticket_id": "t1", "message": "hi"})
    other.get(("tickets", "t1", "events"))  # after the write: asked again, for everyone
    other.get(("tickets", "t1", "events"))
    sales.get(("tickets", "t9", "events"))  # another inbox: still shared
    assert [(s.method, s.query.get("subdomain")) for s in api.requests] == [
        ("GET", "acme-support"),
        ("GET", "acme-sales"),
        ("POST", None),
        ("GET", "acme-support"),
    ]


def test_a_persons_write_retires_the_reads_for_them_and_leaves_them_to_the_others(
    api, make_client, shared, cache, monkeypatch
):
    monkeypatch.setattr("avodash.avochato.shared.MARK_SKEW", 0.0)  # one process, one clock
    flights = Flights()
    alice = make_client(shared_reads=shared(reader="user:1", flights=flights))
    bob = make_client(shared_reads=shared(reader="user:2", flights=flights))
    alice.get(("tickets", "t1", "events"))
    bob.get(("tickets", "t1", "events"))  # shared
    alice.post(("messages",), {"ticket_id": "t1", "message": "hi"})
    bob.get(("tickets", "t1", "events"))  # still shared: at most the TTL old, like a change made in Avochato
    alice.get(("tickets", "t1", "events"))  # her own write: read afresh
    alice.get(("tickets", "t1", "events"))  # and shared again from then on
    bob.get(("tickets", "t1", "events"))
    assert [s.method for s in api.requests] == ["GET", "POST", "GET"]
    assert not any("user:1" in str(k) for k in cache._cache)  # the person is hashed into the key


def test_a_persons_write_concerns_their_account_wide_reads_too(api, make_client, shared):
    reads = shared(reader="user:1")
    support, account = make_client(shared_reads=reads), make_client(shared_reads=reads, subdomain=None)
    account.get(("users",))
    support.put(("users", "u1"), {"role": "manager"})
    account.get(("users",))
    assert [s.method for s in api.requests] == ["GET", "PUT", "GET"]


def test_a_read_kept_from_before_the_write_is_not_the_writers(api, make_client, shared, cache):
    """Across processes too: a kept read carries the time its request started."""
    alice_reads = shared(reader="user:1")
    alice = make_client(shared_reads=alice_reads)
    alice.get(("tickets",))
    key = next(k for k in cache._cache if ":read:" in str(k))
    alice.post(("messages",), {"ticket_id": "t1", "message": "hi"})
    assert key in cache._cache  # the read from before is still kept (for the others)
    alice.get(("tickets",))
    assert [s.method for s in api.requests] == ["GET", "POST", "GET"]


def test_a_failed_write_retires_them_too(api, make_client, shared):
    """A write that failed may have applied anyway: nobody may be shown the read before it."""
    reads = shared()
    client = make_client(shared_reads=reads, max_attempts=1)
    client.get(("tickets",))
    api.script(Reply(status=500), ok())
    with pytest.raises(ServerError):
        client.put(("tickets", "t1"), {"status": "closed"})
    client.get(("tickets",))
    assert [s.method for s in api.requests] == ["GET", "PUT", "GET"]


def test_a_write_without_an_inbox_retires_every_read_on_the_credential(api, make_client, shared):
    reads = shared()
    support, account = make_client(shared_reads=reads), make_client(shared_reads=reads, subdomain=None)
    support.get(("tickets",))
    account.get(("accounts",))
    account.delete(("users", "u1"))
    support.get(("tickets",))
    account.get(("accounts",))
    assert [s.method for s in api.requests] == ["GET", "GET", "DELETE", "GET", "GET"]


def test_failures_are_never_shared_or_kept(api, make_client, shared):
    reads = shared()
    api.script(Reply(status=503), ok(n=2))
    with pytest.raises(ServerError):
        make_client(shared_reads=reads, max_attempts=1).get(("tickets",))
    assert make_client(shared_reads=reads).get(("tickets",)) == {"status": 200, "data": {"n": 2}}
    assert len(api.requests) == 2


def test_a_read_is_kept_only_for_the_ttl(api, make_client, shared):
    client = make_client(shared_reads=shared(ttl=1.0))
    client.get(("tickets",))
    client.get(("tickets",))
    time.sleep(1.05)
    client.get(("tickets",))
    assert len(api.requests) == 2


def test_a_ttl_of_zero_turns_sharing_off(api, make_client, shared, cache):
    reads = shared(ttl=0)
    for _ in range(3):
        make_client(shared_reads=reads).get(("tickets",))
    assert len(api.requests) == 3
    assert list(cache._cache) == []  # nothing stored, not even a generation


def test_no_key_or_value_in_the_cache_holds_the_secret(api, make_client, shared, cache):
    make_client(shared_reads=shared()).get(("tickets",), {"q": "x"})
    assert cache._cache
    assert not any(SECRET in key for key in cache._cache)
    assert not any(SECRET.encode() in value for value in cache._cache.values())


def test_when_the_first_caller_gets_no_slot_the_others_are_told_busy_too(api, make_client, shared):
    class Full:
        def __init__(self) -> None:
            self.asked = 0

        def acquire(self, max_wait: float) -> bool:
            self.asked += 1
            time.sleep(1.0)  # the others join meanwhile
            return False

        def pause(self, seconds: float | None) -> None:
            raise AssertionError("nothing was sent")

    reads, limiter, errors = shared(), Full(), []

    def person() -> None:
        try:
            make_client(shared_reads=reads, rate_limiter=limiter).get(("tickets",))
        except RateLimitedError as err:
            errors.append(err)

    threads = [threading.Thread(target=person) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(errors) == 5 and all(e.status is None for e in errors)
    assert limiter.asked == 1 and api.requests == []


def _until_asked(api) -> None:
    """Wait until the first caller's request reached the API (it holds the lock)."""
    deadline = time.monotonic() + 5
    while not api.requests and time.monotonic() < deadline:
        time.sleep(0.01)


def _two_processes(cache_a, cache_b) -> tuple[SharedReads, SharedReads]:
    """Two app servers: each its own flights and its own cache connection."""
    return (
        SharedReads(cache_a, "cred-hash", ttl=3, flights=Flights()),
        SharedReads(cache_b, "cred-hash", ttl=3, flights=Flights()),
    )


def test_a_read_under_way_in_another_process_is_awaited(api, make_client, cache):
    api.script(Reply(body={"status": 200, "data": {"n": 1}}, hang=0.4))
    first, second = _two_processes(cache, cache)
    results = []
    t = threading.Thread(target=lambda: results.append(make_client(shared_reads=first).get(("tickets",))))
    t.start()
    _until_asked(api)
    results.append(make_client(shared_reads=second, sleep=time.sleep).get(("tickets",)))
    t.join()
    assert results == [{"status": 200, "data": {"n": 1}}] * 2
    assert len(api.requests) == 1


def test_when_the_other_process_fails_the_waiter_asks_itself(api, make_client, cache):
    api.script(Reply(status=500, hang=0.3), ok(n=2))
    first, second = _two_processes(cache, cache)
    t = threading.Thread(
        target=lambda: pytest.raises(
            ServerError, make_client(shared_reads=first, max_attempts=1).get, ("tickets",)
        )
    )
    t.start()
    _until_asked(api)
    assert make_client(shared_reads=second, sleep=time.sleep).get(("tickets",)) == {
        "status": 200,
        "data": {"n": 2},
    }
    t.join()
    assert len(api.requests) == 2


def test_shared_through_redis_between_processes(api, make_client):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, db=15, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    from django.core.cache.backends.redis import RedisCache

    prefix = f"avodash-test-{uuid.uuid4().hex}"
    caches = [RedisCache("redis://127.0.0.1:6379/15", {"KEY_PREFIX": prefix}) for _ in range(2)]
    first, second = _two_processes(*caches)
    try:
        make_client(shared_reads=first).get(("tickets",))
        make_client(shared_reads=second).get(("tickets",))
        assert len(api.requests) == 1
        make_client(shared_reads=second).put(("tickets", "t1"), {"status": "closed"})
        make_client(shared_reads=first).get(("tickets",))  # the write in the other process counts
        assert [s.method for s in api.requests] == ["GET", "PUT", "GET"]
    finally:
        server = redis.Redis(host="127.0.0.1", port=6379, db=15)
        for key in server.scan_iter(f"{prefix}*"):
            server.delete(key)
