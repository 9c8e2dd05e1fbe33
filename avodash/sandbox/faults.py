"""Fault knobs: make chosen requests slow, fail, hang or come back mangled.

    srv.faults.add("/v1/messages", method="POST", status=500)      # forced status
    srv.faults.add("/v1/tickets*", latency_ms=300)                  # added latency
    srv.faults.add("/v1/tickets", error_rate=0.5, status=503)       # fail half of them
    srv.faults.add("/v1/messages", method="POST", hang=True)        # sleep past the client timeout
    srv.faults.add("/v1/users", body="<html>oops</html>")           # non-JSON body
    srv.faults.add("/v1/tickets", truncate=True)                    # JSON cut in half
    srv.faults.add("/v1/tickets", status=429, retry_after="2.5", times=1)   # once only
    srv.faults.add("/v1/users", status=422, errors=["Email is invalid"])  # the API's words
    srv.faults.add("/v1/messages", method="POST", drop=True)        # processed, then no answer
    srv.faults.add("/v1/users/*", method="PUT", status=500, apply=True)  # applied, then a 500

`path` is a glob (fnmatch) over the request path without the query string, matched against
both the raw and the percent-decoded path; `method` (optional) narrows it. Several matching
faults add up: latencies are summed; the first that fires a status decides it.

* `status` (429/500/502/503/...): answered without touching the state, with an `errors` body
  (`errors`, a list of strings; default the status's reason phrase); a 429 carries
  `Retry-After` (`retry_after`, default "1"; None leaves the header out). With `apply`, the
  request is processed first and only the answer is the error: a write that went through
  although the API (or a proxy) answered 5xx.
* `error_rate` (0..1): the chance the fault fires (default 1 with a status, else 500 at that rate).
  Draws come from a seeded RNG, so a test run is repeatable.
* `hang`: the request is processed, then the answer is withheld for `hang_seconds` (default
  30). `reset()` and `stop()` release hung requests at once; a released request is answered
  by closing the connection.
* `body` replaces the answer's body (sent as text/html unless it looks like JSON); `truncate`
  cuts the JSON in half. The request is processed either way.
  `body`, `truncate` and `hang` always process the request first.
* `drop`: the request is processed, then the connection is closed without an answer (a proxy
  or a server dying after acting: the client cannot tell whether it went through).
* `times`: the fault applies to the next N matching requests, then removes itself.

From the command line: `--fault 'POST /v1/messages status=500'` (see `parse_spec`).
"""

from __future__ import annotations

import fnmatch
import random
import shlex
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

HTTP_METHODS = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"}
_NO_RETRY_AFTER = None


@dataclass
class Fault:
    path: str = "*"
    method: str | None = None
    latency_ms: float = 0.0
    status: int | None = None
    error_rate: float | None = None
    retry_after: str | None = "1"
    hang: bool = False
    hang_seconds: float = 30.0
    body: str | None = None
    truncate: bool = False
    errors: list[str] | None = None
    drop: bool = False
    times: int | None = None
    apply: bool = False
    id: int = 0

    def matches(self, method: str, paths: tuple[str, ...]) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return any(fnmatch.fnmatchcase(p, self.path) for p in paths)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class FaultPlan:
    """What the faults decided for one request."""

    latency_ms: float = 0.0
    status: int | None = None
    retry_after: str | None = None
    hang_seconds: float | None = None
    body: str | None = None
    truncate: bool = False
    errors: list[str] | None = None
    drop: bool = False
    apply: bool = False  # process the request before answering with `status`
    fired: list[int] = field(default_factory=list)


class FaultSet:
    """The active faults of one server; thread-safe."""

    def __init__(self, seed: int = 0):
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self._seed = seed
        self._next_id = 0

    def add(
        self,
        path: str = "*",
        *,
        method: str | None = None,
        latency_ms: float = 0.0,
        status: int | None = None,
        error_rate: float | None = None,
        retry_after: str | float | None = "1",
        hang: bool = False,
        hang_seconds: float = 30.0,
        body: str | None = None,
        truncate: bool = False,
        errors: list[str] | str | None = None,
        drop: bool = False,
        times: int | None = None,
        apply: bool = False,
    ) -> Fault:
        if status is not None and not 100 <= int(status) <= 599:
            raise ValueError(f"status {status} is not an HTTP status")
        if error_rate is not None and not 0.0 <= float(error_rate) <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")
        with self._lock:
            self._next_id += 1
            fault = Fault(
                path=path,
                method=method.upper() if method else None,
                latency_ms=float(latency_ms),
                status=int(status) if status is not None else None,
                error_rate=float(error_rate) if error_rate is not None else None,
                retry_after=None if retry_after is None else str(retry_after),
                hang=bool(hang),
                hang_seconds=float(hang_seconds),
                body=body,
                truncate=bool(truncate),
                errors=[errors] if isinstance(errors, str) else (list(errors) if errors else None),
                drop=bool(drop),
                times=times,
                apply=bool(apply),
                id=self._next_id,
            )
            self._faults.append(fault)
            return fault

    def remove(self, fault: Fault | int) -> None:
        fid = fault if isinstance(fault, int) else fault.id
        with self._lock:
            self._faults = [f for f in self._faults if f.id != fid]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
            self._rng = random.Random(self._seed)

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def __len__(self) -> int:
        return len(self._faults)

    def plan(self, method: str, *paths: str) -> FaultPlan:
        plan = FaultPlan()
        with self._lock:
            for fault in list(self._faults):
                if not fault.matches(method, paths):
                    continue
                fires = True
                if fault.error_rate is not None:
                    fires = self._rng.random() < fault.error_rate
                if not fires:
                    continue
                plan.fired.append(fault.id)
                plan.latency_ms += fault.latency_ms
                status = fault.status or (500 if fault.error_rate is not None else None)
                if status is not None and plan.status is None:
                    plan.status = status
                    plan.retry_after = fault.retry_after if status == 429 else None
                    plan.errors = fault.errors
                    plan.apply = fault.apply
                if fault.hang and plan.hang_seconds is None:
                    plan.hang_seconds = fault.hang_seconds
                if fault.body is not None and plan.body is None:
                    plan.body = fault.body
                plan.truncate = plan.truncate or fault.truncate
                plan.drop = plan.drop or fault.drop
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self._faults.remove(fault)
        return plan


def _value(text: str) -> Any:
    low = text.lower()
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if low in ("none", "null"):
        return None
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def parse_spec(spec: str) -> dict[str, Any]:
    """`'[METHOD] PATH key=value ...'` -> keyword arguments for `FaultSet.add`.

    Keys: status, latency_ms (or latency), error_rate (or rate), retry_after, hang (a bare word,
    or hang=SECONDS), hang_seconds, body, truncate, drop and apply (bare words), errors (one
    error string), times. Examples:
    `POST /v1/messages status=500`, `PUT /v1/users/* status=502 apply`, `/v1/tickets* latency_ms=300`,
    `GET /v1/users body=<html>`, `/v1/tickets status=503 error_rate=0.5`, `POST /v1/messages hang=5`,
    `POST /v1/users status=422 "errors=Email is invalid"`, `POST /v1/messages drop`.
    """
    words = shlex.split(spec)
    kwargs: dict[str, Any] = {}
    if words and words[0].upper() in HTTP_METHODS:
        kwargs["method"] = words.pop(0).upper()
    if words and "=" not in words[0] and words[0] not in ("hang", "truncate", "drop", "apply"):
        kwargs["path"] = words.pop(0)
    aliases = {"latency": "latency_ms", "rate": "error_rate"}
    for word in words:
        if word in ("hang", "truncate", "drop", "apply"):
            kwargs[word] = True
            continue
        if "=" not in word:
            raise ValueError(f"fault spec {spec!r}: expected key=value, got {word!r}")
        key, raw = word.split("=", 1)
        key = aliases.get(key, key)
        if key == "hang" and raw.replace(".", "", 1).isdigit():
            kwargs["hang"], kwargs["hang_seconds"] = True, float(raw)
        elif key in ("body", "errors"):
            kwargs[key] = raw
        elif key in (
            "status",
            "latency_ms",
            "error_rate",
            "retry_after",
            "hang",
            "hang_seconds",
            "truncate",
            "drop",
            "apply",
            "times",
        ):
            kwargs[key] = _value(raw)
        else:
            raise ValueError(f"fault spec {spec!r}: unknown key {key!r}")
    if "retry_after" in kwargs and kwargs["retry_after"] is not None:
        kwargs["retry_after"] = str(kwargs["retry_after"])
    return kwargs


class RateLimiter:
    """Per-credential sliding one-second window; `per_second=None` turns it off."""

    def __init__(self, per_second: float | None = 20.0):
        self.per_second = per_second
        self._hits: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def reset(self, per_second: float | None = None, *, keep_limit: bool = False) -> None:
        with self._lock:
            self._hits.clear()
            if not keep_limit:
                self.per_second = per_second

    def check(self, key: str, now: float) -> float | None:
        """None when allowed (and counted); else the seconds to wait before the next try."""
        with self._lock:
            if not self.per_second:
                return None
            window = [t for t in self._hits.get(key, []) if now - t < 1.0]
            if len(window) >= self.per_second:
                self._hits[key] = window
                return max(window[0] + 1.0 - now, 0.001)
            window.append(now)
            self._hits[key] = window
            return None
