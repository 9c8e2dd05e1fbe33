"""The HTTP surface every answer shares: the headers the real API (Rails) sends, and quiet
handling of clients that drop their connection."""

from __future__ import annotations

import re
import socket
import struct
import time

import pytest

from avodash.sandbox import SandboxServer
from avodash.sandbox.seed import BOB_PHONE
from tests.helpers import wait_for
from tests.sandbox.conftest import Api, http

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
RUNTIME = re.compile(r"^\d+\.\d+$")


def assert_rails_headers(resp) -> None:
    assert resp.headers["Content-Type"] == "application/json; charset=utf-8"
    assert UUID.match(resp.headers.get("X-Request-Id", "")), resp.headers
    assert RUNTIME.match(resp.headers.get("X-Runtime", "")), resp.headers


def test_every_answer_has_a_fresh_request_id_and_a_runtime(srv: SandboxServer, api: Api) -> None:
    first, second = api.get("/v1/whoami"), api.get("/v1/whoami")
    for resp in (first, second):
        assert resp.status_code == 200
        assert_rails_headers(resp)
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]


def test_runtime_counts_the_time_spent(srv: SandboxServer, api: Api) -> None:
    srv.set_latency(120)
    assert float(api.get("/v1/whoami").headers["X-Runtime"]) >= 0.12


@pytest.mark.parametrize("status", [401, 403, 404, 429, 500])
def test_error_answers_carry_the_headers_too(srv: SandboxServer, api: Api, status: int) -> None:
    if status == 401:
        resp = http.get(f"{srv.url}/v1/tickets", params={"auth_id": "sandbox", "auth_secret": "nope"})
    elif status == 403:
        resp = api.get("/v1/tickets", subdomain="no-such-inbox")
    elif status == 404:
        resp = api.get("/v1/no-such-thing")
    elif status == 429:
        srv.faults.add("/v1/tickets", status=429, retry_after="3")
        resp = api.get("/v1/tickets")
        assert resp.headers["Retry-After"] == "3"
    else:
        srv.faults.add("/v1/messages", method="POST", status=500)
        resp = api.post("/v1/messages", phone=BOB_PHONE, message="hi")
    assert resp.status_code == status
    assert_rails_headers(resp)


def test_a_method_the_api_does_not_know_answers_like_the_api(srv: SandboxServer) -> None:
    resp = http.request("OPTIONS", f"{srv.url}/v1/whoami")
    assert resp.status_code == 501 and resp.json()["status"] == 501 and resp.json()["errors"]
    assert_rails_headers(resp)


def test_the_rate_limit_answer_carries_the_headers(srv: SandboxServer, api: Api) -> None:
    srv.set_rate_limit(2)
    answers = [api.get("/v1/whoami") for _ in range(4)]
    limited = [r for r in answers if r.status_code == 429]
    assert limited
    for resp in limited:
        assert_rails_headers(resp)


def _drop(sock: socket.socket) -> None:
    """Close with a reset (SO_LINGER 0), as a client that gives up does."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_a_dropped_keep_alive_connection_prints_nothing(srv: SandboxServer, capfd) -> None:
    host, port = srv.host, srv.port
    request = (
        f"GET /v1/whoami?auth_id=sandbox&auth_secret=sandbox-secret HTTP/1.1\r\nHost: {host}\r\n\r\n"
    ).encode()
    for partial in (False, True):
        sock = socket.create_connection((host, port), timeout=5)
        sock.sendall(request)
        assert b"200 OK" in sock.recv(65536)  # the answer came; the connection stays open
        if partial:
            sock.sendall(request[:20])  # half a second request, then gone
        _drop(sock)
    # a request whose answer the client no longer waits for
    srv.set_latency(150)
    sock = socket.create_connection((host, port), timeout=5)
    sock.sendall(request)
    _drop(sock)
    time.sleep(0.4)
    srv.set_latency(0)
    wait_for(lambda: len(srv.requests) >= 3)
    assert http.get(f"{srv.url}/v1/whoami", params={"auth_id": "sandbox", "auth_secret": "sandbox-secret"}).ok
    out, err = capfd.readouterr()
    assert "Traceback" not in err and "Error" not in err, err
    assert "Traceback" not in out, out
