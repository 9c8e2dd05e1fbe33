"""A scripted HTTP server for the client's tests: real sockets, no mocks of requests.

Each test queues replies (or sets a handler) on `api`; the server records every request
it receives. `fake_time` replaces the client's sleep and clock so retry tests are instant.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from avodash.avochato import AvochatoClient

SECRET = "s3cr3t-VALUE-xyz"
AUTH_ID = "id-123"


@dataclass
class Reply:
    status: int = 200
    body: Any = field(default_factory=lambda: {"status": 200, "data": {}})
    headers: dict[str, str] = field(default_factory=dict)
    hang: float = 0.0  # seconds to wait before answering (past the client's timeout)
    drop: bool = False  # close the connection without any answer
    no_length: bool = False  # no Content-Length: body runs until the connection closes


def ok(**data: Any) -> Reply:
    return Reply(body={"status": 200, "data": data})


@dataclass
class Seen:
    method: str
    path: str  # raw, still percent-encoded
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    peer: tuple[str, int]  # the client's address: one per pooled connection


class ScriptedAPI:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.handler: Callable[[Seen], Reply] | None = None
        self.requests: list[Seen] = []
        self.stop = threading.Event()
        self.server: ThreadingHTTPServer | None = None
        self.url = ""

    def script(self, *replies: Reply) -> None:
        """Answer requests with these replies in turn; the last one repeats."""
        self.replies = list(replies)

    def next_reply(self, seen: Seen) -> Reply:
        if self.handler is not None:
            return self.handler(seen)
        if not self.replies:
            return ok()
        return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def start(self, port: int = 0) -> None:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes: without this, Nagle + delayed ACK
                # add ~40 ms to every keep-alive request.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                seen = Seen(
                    self.command,
                    parts.path,
                    {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()},
                    body,
                    dict(self.headers),
                    self.client_address,
                )
                api.requests.append(seen)
                reply = api.next_reply(seen)
                if reply.hang:
                    api.stop.wait(reply.hang)
                if reply.drop:
                    self.close_connection = True
                    return
                payload = reply.body
                if isinstance(payload, dict | list):
                    payload = json.dumps(payload)
                if isinstance(payload, str):
                    payload = payload.encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    if reply.no_length:
                        self.send_header("Connection", "close")
                        self.close_connection = True
                    else:
                        self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up first

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        ).start()

    def close(self) -> None:
        self.stop.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


@pytest.fixture
def api():
    srv = ScriptedAPI()
    srv.start()
    yield srv
    srv.close()


def free_port() -> int:
    """A port nothing listens on (connection refused), until someone binds it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeTime:
    """Sleeping advances a virtual clock instead of waiting; hooks run on each sleep."""

    def __init__(self) -> None:
        self.offset = 0.0
        self.sleeps: list[float] = []
        self.on_sleep: Callable[[], None] | None = None

    def clock(self) -> float:
        return time.monotonic() + self.offset

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.offset += seconds
        if self.on_sleep is not None:
            self.on_sleep()


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def make_client(api: ScriptedAPI, fake_time: FakeTime) -> Callable[..., AvochatoClient]:
    def build(url: str | None = None, subdomain: str | None = "acme-support", **kw: Any) -> AvochatoClient:
        kw.setdefault("timeout", (0.5, 0.5))
        kw.setdefault("sleep", fake_time.sleep)
        kw.setdefault("clock", fake_time.clock)
        return AvochatoClient(url or api.url, AUTH_ID, SECRET, subdomain, **kw)

    return build
