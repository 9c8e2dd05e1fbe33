"""Small helpers for tests: forms posted the way pages post them, the sandbox's log, time."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

INBOX = "acme-support"
OTHER_INBOX = "acme-sales"
UNGRANTED_FOR_OUTSIDER = "acme-support"


def post(client, url: str, data: dict | None = None, inbox: str = INBOX, **extra):
    """POST a form the way the page does: with the hidden `inbox` field."""
    return client.post(url, {"inbox": inbox, **(data or {})}, **extra)


def api_calls(sandbox, method: str | None = None, path: str | None = None) -> list[dict]:
    """Requests the sandbox received, optionally filtered by method and path prefix."""
    return [
        r
        for r in sandbox.requests
        if (method is None or r["method"] == method) and (path is None or r["path"].startswith(path))
    ]


def rounds(calls: list[dict]) -> int:
    """Sequential rounds: calls whose [start, end] intervals overlap are one round."""
    n, end = 0, -math.inf
    for start, stop in sorted((c["time"], c["time"] + (c.get("duration_ms") or 0) / 1000) for c in calls):
        if start >= end:
            n += 1
            end = stop
        else:
            end = max(end, stop)
    return n


class Clock:
    """A clock a test moves by hand instead of sleeping: it starts at the real time (a whole
    second, like the API's epochs) and stands still until `advance()`. Install it with `monkeypatch.setattr(sandbox, "clock", clock)`."""

    def __init__(self, start: float | None = None) -> None:
        self.now = float(int(time.time())) if start is None else start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def wait_for(condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Wait until another thread has made `condition()` true (fails after `timeout` seconds).

    For things that happen in another thread (a hung request reaching the sandbox); never a
    stand-in for time passing: move a `Clock` for that."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"still waiting after {timeout} s"
        time.sleep(0.005)
