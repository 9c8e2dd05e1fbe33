"""Retry only what is safe to retry, and never past the time budget."""

from __future__ import annotations

import time

import pytest

from avodash.avochato import RateLimitedError, ServerError, UnavailableError

from .conftest import Reply, ScriptedAPI, free_port, ok


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_get_is_retried_on_transient_statuses(api, make_client, fake_time, status):
    api.script(Reply(status=status, body={"status": status, "errors": ["busy"]}), ok(n=1))
    assert make_client().get(("tickets",))["data"] == {"n": 1}
    assert len(api.requests) == 2 and len(fake_time.sleeps) == 1


@pytest.mark.parametrize("status", [400, 401, 403, 404, 500])
def test_get_is_not_retried_on_other_errors(api, make_client, status):
    api.script(Reply(status=status, body={"status": status, "errors": ["no"]}), ok())
    with pytest.raises(Exception):  # noqa: B017 - the type is covered in test_client_errors
        make_client().get(("tickets",))
    assert len(api.requests) == 1


def test_put_is_retried(api, make_client):
    api.script(Reply(status=503), Reply(status=502), ok(tickets=[{"id": "a"}]))
    assert make_client().put(("tickets", "a,b"), data={"status": "Closed"})["data"]["tickets"]
    assert len(api.requests) == 3
    assert all(r.body["status"] == "Closed" for r in api.requests)


def test_get_is_retried_after_a_dropped_connection(api, make_client):
    api.script(Reply(drop=True), ok(n=2))
    assert make_client().get(("tickets",))["data"] == {"n": 2}
    assert len(api.requests) == 2


def test_get_is_retried_after_a_read_timeout(api, make_client):
    api.script(Reply(hang=2), ok(n=3))
    assert make_client(timeout=(0.5, 0.2)).get(("tickets",))["data"] == {"n": 3}
    assert len(api.requests) == 2


def test_get_is_retried_when_the_connection_is_refused(make_client, fake_time):
    port = free_port()
    late = ScriptedAPI()
    fake_time.on_sleep = lambda: late.server or late.start(port)
    try:
        client = make_client(url=f"http://127.0.0.1:{port}")
        assert client.get(("tickets",))["data"] == {}
    finally:
        late.close()
    assert len(late.requests) == 1


def test_retry_after_is_honoured(api, make_client, fake_time):
    api.script(Reply(status=429, headers={"Retry-After": "2"}), ok())
    make_client().get(("tickets",))
    assert fake_time.sleeps == [2.0]


def test_retry_after_past_the_budget_gives_up_at_once(api, make_client, fake_time):
    api.script(Reply(status=429, headers={"Retry-After": "30"}), ok())
    with pytest.raises(RateLimitedError) as info:
        make_client(budget=15).get(("tickets",))
    assert info.value.retry_after == 30.0
    assert fake_time.sleeps == [] and len(api.requests) == 1


def test_backoff_stays_within_the_budget(api, make_client, fake_time):
    api.script(Reply(status=503))
    with pytest.raises(ServerError):
        make_client(budget=3, max_attempts=1000).get(("tickets",))
    assert sum(fake_time.sleeps) <= 3
    assert len(api.requests) == len(fake_time.sleeps) + 1 > 2
    # full jitter over an exponential, capped
    assert all(0 <= s <= 4.0 for s in fake_time.sleeps)


def test_max_attempts_caps_retries(api, make_client):
    api.script(Reply(status=503))
    with pytest.raises(ServerError):
        make_client(max_attempts=3).get(("tickets",))
    assert len(api.requests) == 3


def test_timeouts_shrink_to_the_remaining_budget(api):
    from avodash.avochato import AvochatoClient

    api.script(Reply(hang=3))
    client = AvochatoClient(api.url, "id", "secret", timeout=(2.0, 2.0), budget=0.4, sleep=lambda s: None)
    started = time.monotonic()
    with pytest.raises(UnavailableError):
        client.get(("tickets",))
    assert time.monotonic() - started < 1.0


def test_post_is_not_retried_after_a_read_timeout(api, make_client):
    api.script(Reply(hang=2), ok())
    with pytest.raises(UnavailableError) as info:
        make_client(timeout=(0.5, 0.2)).post(("messages",), data={"message": "hi"})
    assert info.value.maybe_sent is True
    assert "may have gone through" in info.value.message
    assert len(api.requests) == 1


def test_delete_is_not_retried_after_a_read_timeout(api, make_client):
    api.script(Reply(hang=2), ok())
    with pytest.raises(UnavailableError) as info:
        make_client(timeout=(0.5, 0.2)).delete(("messages", "m1"))
    assert info.value.maybe_sent is True and len(api.requests) == 1


def test_post_is_not_retried_after_a_dropped_connection(api, make_client):
    api.script(Reply(drop=True), ok())
    with pytest.raises(UnavailableError) as info:
        make_client().post(("messages",), data={})
    assert info.value.maybe_sent is True and len(api.requests) == 1


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_post_is_not_retried_on_any_answer(api, make_client, status):
    api.script(Reply(status=status, headers={"Retry-After": "0"}), ok())
    with pytest.raises((RateLimitedError, ServerError)):
        make_client().post(("messages",), data={})
    assert len(api.requests) == 1


def test_post_is_retried_when_the_connection_was_refused(make_client, fake_time):
    port = free_port()
    late = ScriptedAPI()
    fake_time.on_sleep = lambda: late.server or late.start(port)
    try:
        make_client(url=f"http://127.0.0.1:{port}").post(("messages",), data={"message": "once"})
    finally:
        late.close()
    assert [r.body["message"] for r in late.requests] == ["once"]


def test_post_refused_until_the_end_is_unavailable_and_not_sent(make_client):
    with pytest.raises(UnavailableError) as info:
        make_client(url=f"http://127.0.0.1:{free_port()}", max_attempts=3).post(("messages",), data={})
    assert info.value.maybe_sent is False


def test_a_put_that_timed_out_stays_may_have_applied_when_its_retry_cannot_start(api, make_client, fake_time):
    """The first attempt reached Avochato and its answer never came; the machine then stalls past
    the deadline before the retry. The caller must hear "may have gone through" (and read back),
    not the retry's "did not start", which would report a write that happened as not done."""
    api.script(Reply(hang=2), ok())
    fake_time.on_sleep = lambda: setattr(fake_time, "offset", fake_time.offset + 30)
    with pytest.raises(UnavailableError) as info:
        make_client(timeout=(0.5, 0.2), budget=5).put(("tickets", "a"), data={"status": "Closed"})
    assert info.value.may_have_applied is True
    assert len(api.requests) == 1


def test_a_put_that_timed_out_stays_may_have_applied_when_its_retry_is_refused(api, make_client):
    api.script(Reply(hang=2), Reply(status=429, headers={"Retry-After": "30"}), ok())
    with pytest.raises(UnavailableError) as info:
        make_client(timeout=(0.5, 0.2), budget=5).put(("tickets", "a"), data={"status": "Closed"})
    assert info.value.may_have_applied is True
    assert len(api.requests) == 2
