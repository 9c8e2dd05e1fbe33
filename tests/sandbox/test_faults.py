"""Fault knobs (latency, forced status, error rate, hang, mangled bodies), global latency, and
the control endpoints under /_sandbox/."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from avodash.sandbox import SandboxServer
from avodash.sandbox.faults import parse_spec
from avodash.sandbox.seed import BOB_PHONE
from tests.helpers import wait_for
from tests.sandbox.conftest import DEFAULT, Api, http


def _timed(fn) -> tuple[float, requests.Response]:
    start = time.monotonic()
    r = fn()
    return time.monotonic() - start, r


def test_added_latency_by_glob(srv: SandboxServer, api: Api) -> None:
    srv.faults.add("/v1/tickets*", latency_ms=300)
    slow, r = _timed(lambda: api.get("/v1/tickets/abc/events"))
    assert r.status_code == 200 and slow >= 0.3
    fast, _ = _timed(lambda: api.get("/v1/whoami"))
    assert fast < 0.2


def test_global_latency_applies_to_every_request_and_reset_restores_it(srv: SandboxServer, api: Api) -> None:
    srv.set_latency(200)
    for path in ("/v1/whoami", "/v1/users"):
        took, _ = _timed(lambda path=path: api.get(path))
        assert took >= 0.2
    srv.reset()
    took, _ = _timed(lambda: api.get("/v1/whoami"))
    assert took < 0.2


def test_constructor_latency() -> None:
    with SandboxServer(port=0, latency_ms=150) as slow:
        took, r = _timed(lambda: http.get(f"{slow.url}/v1/whoami", params=DEFAULT))
        assert r.status_code == 200 and took >= 0.15


@pytest.mark.parametrize("status", [500, 502, 503])
def test_forced_status_answers_without_touching_state(srv: SandboxServer, api: Api, status: int) -> None:
    srv.faults.add("/v1/messages", method="POST", status=status)
    before = len(srv.state.inboxes["acme-support"].events)
    r = api.post("/v1/messages", phone=BOB_PHONE, message="hello")
    assert r.status_code == status
    assert r.json()["status"] == status and r.json()["errors"]
    assert len(srv.state.inboxes["acme-support"].events) == before
    assert api.get("/v1/messages").status_code == 200  # GET is not affected
    assert srv.requests[0]["status"] == status


def test_apply_processes_the_request_then_answers_the_forced_status(srv: SandboxServer, api: Api) -> None:
    """A write that went through although the answer was a 5xx: the state changed."""
    srv.faults.add("/v1/messages", method="POST", status=502, apply=True, times=1)
    before = len(srv.state.inboxes["acme-support"].events)
    r = api.post("/v1/messages", phone=BOB_PHONE, message="went through")
    assert r.status_code == 502 and r.json()["errors"]
    events = srv.state.inboxes["acme-support"].events
    assert len(events) == before + 1
    assert getattr(events[list(events)[-1]], "message", "") == "went through"
    assert parse_spec("PUT /v1/users/* status=500 apply") == {
        "method": "PUT",
        "path": "/v1/users/*",
        "status": 500,
        "apply": True,
    }


def test_forced_429_carries_retry_after(srv: SandboxServer, api: Api) -> None:
    fault = srv.faults.add("/v1/tickets", status=429)
    r = api.get("/v1/tickets")
    assert r.status_code == 429 and r.headers["Retry-After"] == "1"
    srv.faults.remove(fault)
    srv.faults.add("/v1/tickets", status=429, retry_after="2.5")
    assert api.get("/v1/tickets").headers["Retry-After"] == "2.5"
    srv.faults.clear()
    srv.faults.add("/v1/tickets", status=429, retry_after=None)
    r = api.get("/v1/tickets")
    assert r.status_code == 429 and "Retry-After" not in r.headers


def test_error_rate_is_partial_and_repeatable(srv: SandboxServer, api: Api) -> None:
    srv.set_rate_limit(None)

    def run() -> list[int]:
        srv.faults.clear()
        srv.faults.add("/v1/tickets", error_rate=0.5, status=503)
        return [api.get("/v1/tickets", limit=1).status_code for _ in range(30)]

    first = run()
    assert set(first) == {200, 503}
    assert 5 < first.count(503) < 25
    assert run() == first  # seeded: the same sequence again
    srv.faults.clear()
    srv.faults.add("/v1/whoami", error_rate=1.0)
    assert api.get("/v1/whoami").status_code == 500


def test_times_limits_a_fault(srv: SandboxServer, api: Api) -> None:
    srv.faults.add("/v1/whoami", status=502, times=2)
    assert [api.get("/v1/whoami").status_code for _ in range(3)] == [502, 502, 200]
    assert srv.faults.list() == []


@pytest.mark.parametrize(
    "spec", [{"status": 500, "apply": True}, {"body": "<html>oops</html>", "status": 502}]
)
def test_apply_processes_the_request_then_answers_with_the_status(srv: SandboxServer, api: Api, spec) -> None:
    srv.faults.add("/v1/messages", method="POST", **spec)
    before = len(srv.state.inboxes["acme-support"].events)
    r = api.post("/v1/messages", phone=BOB_PHONE, message="hello")
    assert r.status_code == spec["status"]
    applied = len(srv.state.inboxes["acme-support"].events) > before
    assert applied == bool(spec.get("apply"))  # a plain status never touches the state
    assert parse_spec("PUT /v1/tickets/* status=500 apply") == {
        "method": "PUT",
        "path": "/v1/tickets/*",
        "status": 500,
        "apply": True,
    }


def test_non_json_and_truncated_bodies(srv: SandboxServer, api: Api) -> None:
    srv.faults.add("/v1/users", body="<html>oops</html>", status=502)
    r = api.get("/v1/users")
    assert r.status_code == 502 and r.text == "<html>oops</html>"
    assert r.headers["Content-Type"].startswith("text/html")
    srv.faults.clear()
    srv.faults.add("/v1/users", body="<html>proxy</html>")
    assert api.get("/v1/users").status_code == 200
    srv.faults.clear()
    srv.faults.add("/v1/tickets", truncate=True)
    r = api.get("/v1/tickets")
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()


def test_hang_outlasts_the_client_timeout_but_the_request_happened(srv: SandboxServer) -> None:
    srv.faults.add("/v1/messages", method="POST", hang=True, hang_seconds=30)
    with pytest.raises(requests.Timeout):
        http.post(
            f"{srv.url}/v1/messages", json={**DEFAULT, "phone": BOB_PHONE, "message": "slow"}, timeout=0.5
        )
    inbox = srv.state.inboxes["acme-support"]
    last = inbox.events[list(inbox.events)[-1]]
    assert getattr(last, "message", "") == "slow"  # processed: a retry would send twice
    took, _ = _timed(srv.reset)  # releases the hung request at once
    assert took < 1.0


def test_reset_releases_a_hung_request(srv: SandboxServer) -> None:
    srv.faults.add("/v1/whoami", hang=True, times=1)  # gone from the list once it has fired
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(http.get(f"{srv.url}/v1/whoami", params=DEFAULT, timeout=20).status_code)
        except requests.RequestException as err:
            outcome.append(type(err).__name__)

    thread = threading.Thread(target=call)
    thread.start()
    wait_for(lambda: len(srv.faults) == 0)  # the request is in, its answer withheld
    assert outcome == []
    srv.reset()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert outcome and outcome[0] != 200  # the connection was closed without an answer


def test_stop_is_not_blocked_by_a_hung_request() -> None:
    other = SandboxServer(port=0).start()
    other.faults.add("*", hang=True, hang_seconds=60, times=1)
    thread = threading.Thread(target=lambda: _swallow(other.url), daemon=True)
    thread.start()
    wait_for(lambda: len(other.faults) == 0)  # the request is in and hanging
    took, _ = _timed(lambda: other.stop())
    assert took < 2.0
    thread.join(timeout=5)
    assert not thread.is_alive()


def _swallow(url: str) -> None:
    try:
        http.get(f"{url}/v1/whoami", params=DEFAULT, timeout=30)
    except requests.RequestException:
        pass


def test_reset_clears_faults_and_log(srv: SandboxServer, api: Api) -> None:
    srv.faults.add("/v1/whoami", status=500)
    api.get("/v1/whoami")
    srv.reset()
    assert srv.faults.list() == [] and srv.requests == []
    assert api.get("/v1/whoami").status_code == 200


# -- control API -----------------------------------------------------------------------------
def test_control_endpoints(srv: SandboxServer, api: Api) -> None:
    base = f"{srv.url}/_sandbox"
    summary = http.get(base).json()
    assert [i["subdomain"] for i in summary["inboxes"]] == ["acme-support", "acme-sales", "globex-help"]
    assert {c["auth_id"] for c in summary["credentials"]} >= {"sandbox", "sandbox-manager"}

    fault = http.post(f"{base}/faults", json={"path": "/v1/whoami", "status": 503}).json()["fault"]
    assert fault["status"] == 503
    http.post(f"{base}/faults", json={"spec": "GET /v1/users latency_ms=10"})
    assert len(http.get(f"{base}/faults").json()["faults"]) == 2
    assert api.get("/v1/whoami").status_code == 503
    http.delete(f"{base}/faults")
    assert api.get("/v1/whoami").status_code == 200
    assert http.post(f"{base}/faults", json={"status": 99}).status_code == 400

    http.post(f"{base}/settings", json={"rate_limit": 2})
    codes = [api.get("/v1/whoami").status_code for _ in range(3)]
    assert codes == [200, 200, 429]

    api.post("/v1/messages", phone="+14155550909", message="before reset")
    assert http.post(f"{base}/reset", json={}).json()["reset"] is True
    assert srv.state.inboxes["acme-support"].contact_by_phone("+14155550909") is None
    assert srv.rate_limiter.per_second == 20
    assert http.get(f"{base}/nope").status_code == 404
    # control calls need no credentials and are not logged
    assert srv.requests == []


def test_control_deliver_due(srv: SandboxServer, api: Api) -> None:
    pending = api.post(
        "/v1/messages", phone=BOB_PHONE, message="later", scheduled_for=time.time() + 7200
    ).json()["data"]["message"]
    http.post(f"{srv.url}/_sandbox/deliver_due", json={"at": time.time() + 7300})
    got = api.get(f"/v1/messages/{pending['event_id']}").json()["data"]["message"]
    assert got["sent"]["element_id"]


def test_it_binds_to_localhost_only(srv: SandboxServer) -> None:
    assert srv.url.startswith("http://127.0.0.1:")


def test_a_forced_status_carries_the_errors_asked_for(srv: SandboxServer, api: Api) -> None:
    srv.faults.add("/v1/users", status=422, errors=["Email is invalid", "Name is too long"])
    r = api.get("/v1/users")
    assert r.status_code == 422 and r.json() == {
        "status": 422,
        "errors": ["Email is invalid", "Name is too long"],
    }


def test_drop_processes_the_request_then_closes_without_an_answer(srv: SandboxServer) -> None:
    srv.faults.add("/v1/messages", method="POST", drop=True)
    with pytest.raises(requests.ConnectionError):
        http.post(
            f"{srv.url}/v1/messages", json={**DEFAULT, "phone": BOB_PHONE, "message": "dropped"}, timeout=5
        )
    inbox = srv.state.inboxes["acme-support"]
    last = inbox.events[list(inbox.events)[-1]]
    assert getattr(last, "message", "") == "dropped"  # processed: the client cannot tell
    (entry,) = [r for r in srv.requests if r["method"] == "POST"]
    assert entry["status"] is None


def test_parse_spec() -> None:
    assert parse_spec("POST /v1/messages status=500") == {
        "method": "POST",
        "path": "/v1/messages",
        "status": 500,
    }
    assert parse_spec("/v1/tickets* latency_ms=300") == {"path": "/v1/tickets*", "latency_ms": 300}
    assert parse_spec("/v1/tickets status=503 error_rate=0.5 times=3") == {
        "path": "/v1/tickets",
        "status": 503,
        "error_rate": 0.5,
        "times": 3,
    }
    assert parse_spec("POST /v1/messages hang=5") == {
        "method": "POST",
        "path": "/v1/messages",
        "hang": True,
        "hang_seconds": 5.0,
    }
    assert parse_spec("GET /v1/users hang truncate") == {
        "method": "GET",
        "path": "/v1/users",
        "hang": True,
        "truncate": True,
    }
    assert parse_spec("/v1/users 'body=<html>oops</html>'")["body"] == "<html>oops</html>"
    assert parse_spec("/v1/x status=429 retry_after=2")["retry_after"] == "2"
    assert parse_spec("POST /v1/users status=422 'errors=Email is invalid'")["errors"] == "Email is invalid"
    assert parse_spec("POST /v1/messages drop") == {"method": "POST", "path": "/v1/messages", "drop": True}
    with pytest.raises(ValueError):
        parse_spec("/v1/x colour=red")


def test_fault_specs_survive_reset() -> None:
    with SandboxServer(port=0, fault_specs=["GET /v1/whoami status=503"]) as other:
        assert http.get(f"{other.url}/v1/whoami", params=DEFAULT).status_code == 503
        other.reset()
        assert http.get(f"{other.url}/v1/whoami", params=DEFAULT).status_code == 503
