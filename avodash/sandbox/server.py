"""`SandboxServer`: the Avochato v1 API emulator over real HTTP (stdlib `http.server`).

    srv = SandboxServer(port=0, seed=1, latency_ms=0)   # port 0 = a free port
    srv.start()              # serves in a daemon thread; srv.url == "http://127.0.0.1:<port>"
    srv.reset()              # seeded demo state again; faults, log, rate limit, latency restored
    SandboxServer(scale=1000)           # 1,000 more users over ten inboxes (scale_inbox= for one)
    srv.add_users("acme-support", 300)  # more users in one inbox, until the next reset
    srv.state                # avodash.sandbox.state.SandboxState, for assertions
    srv.faults.add(...)      # see avodash.sandbox.faults
    srv.requests             # the request log (secret redacted); srv.clear_log()
    srv.set_rate_limit(per_second=20)   # None turns it off
    srv.clock = lambda: 1.8e9           # the API's "now" (default time.time): tests move time
    srv.stop()

Each API call goes: path check (empty, `.` and `..` segments are refused) -> faults (latency,
forced status, answered at once unless the fault says `apply`: then after the handler) -> route (404/405) -> credentials (401) -> `subdomain` scope (403) -> rate
limit per credential (429 + Retry-After) -> due scheduled messages delivered -> handler ->
(hang / mangled body faults) -> answer, logged. A global `latency_ms` delays every API call.
Every answer, errors included, carries the reference's `X-Request-Id` and `X-Runtime`; a client
that drops its connection is no error worth a traceback (`_HTTPServer.handle_error`).

The control API lives under `/_sandbox/` (no credentials; the server binds 127.0.0.1 only):
`GET /_sandbox` (summary and credentials), `GET|DELETE /_sandbox/requests`,
`GET|POST|DELETE /_sandbox/faults` (POST a fault's fields as JSON, or `{"spec": "POST
/v1/messages status=500"}`), `POST /_sandbox/reset` (`{"seed": N}` optional),
`POST /_sandbox/settings` (`{"rate_limit": N|null, "latency_ms": N}`),
`POST /_sandbox/deliver_due` (`{"at": epoch}` optional: deliver scheduled messages due by then),
`POST /_sandbox/add_users` (`{"n": 300, "subdomain": "acme-support"}`: see `add_users`).
It is never part of the dashboard's request path.
"""

from __future__ import annotations

import json
import math
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote

from avodash.sandbox import actions
from avodash.sandbox.faults import FaultPlan, FaultSet, RateLimiter, parse_spec
from avodash.sandbox.handlers import build_router
from avodash.sandbox.routing import ApiError, Ctx, Params, Response, nest, parse_body
from avodash.sandbox.seed import DEFAULT_AUTH_ID, DEFAULT_AUTH_SECRET, add_users, fresh_state
from avodash.sandbox.state import Credential, SandboxState

DEFAULT_RATE_LIMIT = 20.0
LOG_LIMIT = 20_000
_ROUTER = build_router()


class SandboxServer:
    """The sandbox API server; see the module docstring."""

    def __init__(
        self,
        port: int = 0,
        seed: int = 1,
        latency_ms: float = 0,
        *,
        host: str = "127.0.0.1",
        auth_id: str = DEFAULT_AUTH_ID,
        auth_secret: str = DEFAULT_AUTH_SECRET,
        rate_limit: float | None = DEFAULT_RATE_LIMIT,
        fault_specs: tuple[str, ...] | list[str] = (),
        scale: int = 0,
        scale_inbox: str | None = None,
    ):
        self.host = host
        self.port = port
        self.seed = seed
        self.latency_ms = float(latency_ms)
        # The API's "now" (rate limit, due scheduled messages, timestamps); tests move a fake one.
        self.clock = time.time
        self._defaults = {"latency_ms": float(latency_ms), "rate_limit": rate_limit}
        self.auth_id = auth_id
        self.auth_secret = auth_secret
        self._release = threading.Event()
        self._log: list[dict[str, Any]] = []
        self._log_lock = threading.Lock()
        # Moved by clear_log(): a call that began before the log was cleared (a request still
        # in flight from an earlier test) is not recorded in the new log.
        self._log_generation = 0
        self.faults = FaultSet(seed)
        self._fault_specs = list(fault_specs)
        self._add_spec_faults()
        self.rate_limiter = RateLimiter(rate_limit)
        self.scale, self.scale_inbox = scale, scale_inbox
        self.state: SandboxState = self._fresh()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    # -- lifecycle ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _bind(self) -> ThreadingHTTPServer:
        if self._httpd is None:
            httpd = _HTTPServer((self.host, self.port), _Handler)
            httpd.sandbox = self
            self.port = httpd.server_address[1]
            self._httpd = httpd
        return self._httpd

    def start(self) -> SandboxServer:
        """Serve in a daemon thread; returns self (so `srv = SandboxServer().start()` works)."""
        httpd = self._bind()
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"sandbox:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until stop() or KeyboardInterrupt (the CLI uses this)."""
        self._bind().serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self._release_hung()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        for conn in list(self._connections):
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test API -------------------------------------------------------------------------
    def reset(self, seed: int | None = None) -> None:
        """Back to the seeded demo state; faults, log, rate limit and latency as constructed
        (faults given as `fault_specs`, e.g. on the command line, come back too)."""
        self._release_hung()
        if seed is not None:
            self.seed = seed
        fresh = self._fresh()
        with self.state.lock:
            self.state = fresh
        self.faults.clear()
        self._add_spec_faults()
        self.clear_log()
        self.rate_limiter.reset(self._defaults["rate_limit"])
        self.latency_ms = self._defaults["latency_ms"]

    def _fresh(self) -> SandboxState:
        return fresh_state(
            self.seed,
            auth_id=self.auth_id,
            auth_secret=self.auth_secret,
            scale=self.scale,
            scale_inbox=self.scale_inbox,
        )

    def add_users(self, subdomain: str | None, n: int) -> list[str]:
        """Add `n` generated users, with their share of contacts and tickets, to `subdomain`
        (or over ten inboxes when None); returns their ids. Until the next reset()."""
        state = self.state
        with state.lock:
            return add_users(state, n, subdomain)

    @property
    def requests(self) -> list[dict[str, Any]]:
        with self._log_lock:
            return list(self._log)

    def clear_log(self) -> None:
        with self._log_lock:
            self._log.clear()
            self._log_generation += 1

    def set_rate_limit(self, per_second: float | None = DEFAULT_RATE_LIMIT) -> None:
        self.rate_limiter.reset(per_second)

    def set_latency(self, latency_ms: float) -> None:
        self.latency_ms = float(latency_ms)

    def deliver_due(self, at: float | None = None) -> None:
        """Deliver the scheduled messages (and broadcasts) due by `at` (default now)."""
        state = self.state
        with state.lock:
            actions.advance(state, self.clock() if at is None else at)

    def credentials(self) -> list[dict[str, str]]:
        """Every demo credential: label, auth_id, auth_secret, user email, home subdomain."""
        state = self.state
        with state.lock:
            return [
                {
                    "label": c.label,
                    "auth_id": c.auth_id,
                    "auth_secret": c.auth_secret,
                    "user": state.users[c.user_id].email or "",
                    "role": _role(state, c),
                    "subdomain": c.subdomain,
                }
                for c in state.credentials.values()
            ]

    def _add_spec_faults(self) -> None:
        for spec in self._fault_specs:
            self.faults.add(**parse_spec(spec))

    def _release_hung(self) -> None:
        old, self._release = self._release, threading.Event()
        old.set()

    def _record(self, entry: dict[str, Any]) -> None:
        with self._log_lock:
            if entry.pop("_generation", self._log_generation) != self._log_generation:
                return  # began before the log was cleared
            self._log.append(entry)
            if len(self._log) > LOG_LIMIT:
                del self._log[: len(self._log) - LOG_LIMIT]

    # -- one API call ---------------------------------------------------------------------
    def handle_api(
        self, method: str, raw_path: str, query: str, body: bytes, content_type: str
    ) -> tuple[Response, FaultPlan, dict[str, Any]]:
        """Answer one API call; returns the response, the fault plan and the log entry."""
        started = time.time()
        entry: dict[str, Any] = {
            "method": method,
            "path": unquote(raw_path),
            "raw_path": raw_path,
            "params": {},
            "subdomain": None,
            "auth_id": None,
            "time": started,
            "status": None,
            "_generation": self._log_generation,
        }
        release = self._release
        plan = FaultPlan()
        try:
            segments = [unquote(s) for s in raw_path[1:].split("/")]
            if any(s in ("", ".", "..") for s in segments):
                raise ApiError(404, ["Not found"])
            data = nest(parse_qsl(query, keep_blank_values=True))
            entry["params"] = Params(data).redacted()
            data.update(parse_body(body, content_type))
            params = Params(data)
            entry["params"] = params.redacted()
            entry["subdomain"] = params.str("subdomain")
            entry["auth_id"] = params.str("auth_id")
            plan = self.faults.plan(method, raw_path, entry["path"])
            delay = (self.latency_ms + plan.latency_ms) / 1000.0
            if delay > 0:
                release.wait(delay)
            if plan.status is not None and not plan.apply:
                headers = {"Retry-After": plan.retry_after} if plan.retry_after is not None else {}
                raise ApiError(plan.status, plan.errors or [_REASONS.get(plan.status, "Error")], headers)
            response = self._dispatch(method, segments, params, entry)
            if plan.status is not None:  # `apply`: the work is done, the answer says otherwise
                raise ApiError(plan.status, plan.errors or [_REASONS.get(plan.status, "Error")])
        except ApiError as err:
            response = Response({"status": err.status, "errors": err.errors}, err.status, dict(err.headers))
        entry["status"] = response.status
        entry["duration_ms"] = round((time.time() - started) * 1000, 1)
        return response, plan, entry

    def _dispatch(self, method: str, segments: list[str], params: Params, entry: dict[str, Any]) -> Response:
        state = self.state
        with state.lock:  # one call at a time; tests may hold it too (`with srv.state.lock:`)
            found = _ROUTER.match(method, segments)
            if found is None:
                raise ApiError(404, ["Not found"])
            route, args = found
            cred = state.credentials.get(params.str("auth_id") or "")
            if cred is None or cred.auth_secret != (params.str("auth_secret") or ""):
                raise ApiError(401, ["Unauthorized"])
            home = state.inboxes.get(cred.subdomain)
            user = state.users.get(cred.user_id)
            membership = home.members.get(cred.user_id) if home else None
            if home is None or user is None or membership is None or not membership.enabled:
                raise ApiError(401, ["Unauthorized"])  # the user left the inbox: a dead credential
            inbox = home
            wanted = params.str("subdomain")
            if wanted and wanted != home.subdomain and not route.ignores_subdomain:
                other = state.inboxes.get(wanted)
                m = other.members.get(user.id) if other else None
                if other is None or m is None or not m.enabled:
                    raise ApiError(403, [f"You do not have access to the subdomain '{wanted}'"])
                inbox = other
            entry["subdomain"] = inbox.subdomain
            now = self.clock()
            wait = self.rate_limiter.check(cred.auth_id, now)
            if wait is not None:
                raise ApiError(
                    429,
                    ["Too many requests: rate limit exceeded, slow down."],
                    {"Retry-After": str(max(1, math.ceil(wait)))},
                )
            actions.advance(state, now)
            ctx = Ctx(
                state=state, params=params, credential=cred, user=user, inbox=inbox, path_args=args, now=now
            )
            return route.handler(ctx)

    # -- control API ----------------------------------------------------------------------
    def handle_control(self, method: str, path: str, query: str, body: bytes) -> Response:
        try:
            data: dict[str, Any] = json.loads(body) if body.strip() else {}
            if not isinstance(data, dict):
                raise ValueError("a JSON object is expected")
        except ValueError as err:
            return Response({"status": 400, "errors": [f"Bad JSON: {err}"]}, 400)
        data.update(dict(parse_qsl(query)))
        name = path[len("/_sandbox") :].strip("/")
        try:
            if name == "" and method == "GET":
                return Response(self.summary())
            if name == "requests":
                if method == "GET":
                    return Response({"requests": self.requests})
                if method == "DELETE" or (method == "POST" and data.get("clear")):
                    self.clear_log()
                    return Response({"cleared": True})
            if name == "faults":
                if method == "GET":
                    return Response({"faults": [f.to_dict() for f in self.faults.list()]})
                if method == "DELETE" or (method == "POST" and data.get("clear")):
                    self.faults.clear()
                    return Response({"cleared": True})
                if method == "POST":
                    kwargs = parse_spec(data["spec"]) if "spec" in data else data
                    return Response({"fault": self.faults.add(**kwargs).to_dict()})
            if name == "reset" and method == "POST":
                self.reset(int(data["seed"]) if data.get("seed") is not None else None)
                return Response({"reset": True, "seed": self.seed})
            if name == "settings" and method == "POST":
                if "rate_limit" in data:
                    self.set_rate_limit(data["rate_limit"])
                if "latency_ms" in data:
                    self.set_latency(float(data["latency_ms"]))
                return Response(self.summary())
            if name == "add_users" and method == "POST":
                ids = self.add_users(data.get("subdomain") or None, int(data["n"]))
                return Response({"added": len(ids), "user_ids": ids})
            if name == "deliver_due" and method == "POST":
                self.deliver_due(float(data["at"]) if data.get("at") is not None else None)
                return Response({"delivered": True})
        except (TypeError, ValueError, KeyError) as err:
            return Response({"status": 400, "errors": [str(err)]}, 400)
        return Response({"status": 404, "errors": ["Not found"]}, 404)

    def summary(self) -> dict[str, Any]:
        state = self.state
        with state.lock:
            inboxes = [
                {
                    "subdomain": i.subdomain,
                    "name": i.name,
                    "phone": i.phone,
                    "contacts": len(i.contacts),
                    "tickets": len(i.tickets),
                    "users": len(i.members),
                }
                for i in state.inboxes.values()
            ]
        return {
            "url": self.url,
            "seed": self.seed,
            "scale": self.scale,
            "latency_ms": self.latency_ms,
            "rate_limit": self.rate_limiter.per_second,
            "inboxes": inboxes,
            "credentials": self.credentials(),
            "faults": len(self.faults),
        }


def _role(state: SandboxState, cred: Credential) -> str:
    m = state.inboxes[cred.subdomain].members.get(cred.user_id)
    return m.role if m else "-"


_REASONS = {
    429: "Too many requests: rate limit exceeded, slow down.",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that drops its (keep-alive) connection is normal life for an HTTP server,
        # not a fault to print a traceback for; anything else is still reported.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Thin HTTP adapter around SandboxServer.handle_api / handle_control."""

    server: _HTTPServer
    protocol_version = "HTTP/1.1"
    timeout = 120  # idle keep-alive connections close after this
    server_version = "AvochatoSandbox/1.0"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes: without this, Nagle + delayed ACK add ~40 ms
        # to every answer on a kept-alive connection (what a requests.Session uses).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.sandbox._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.sandbox._connections.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # the request log replaces stderr noise

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        started = time.perf_counter()
        sandbox = self.server.sandbox
        raw_path, _, query = self.path.partition("?")
        body = self._read_body()
        if raw_path == "/_sandbox" or raw_path.startswith("/_sandbox/"):
            self._send(sandbox.handle_control(self.command, raw_path, query, body), started=started)
            return
        release = sandbox._release
        response, plan, entry = sandbox.handle_api(
            self.command, raw_path, query, body, self.headers.get("Content-Type", "")
        )
        if plan.hang_seconds is not None and release.wait(plan.hang_seconds):
            entry["status"] = None  # released by reset/stop: the client gets no answer
            sandbox._record(entry)
            self.close_connection = True
            return
        if plan.drop:  # processed; the client gets no answer
            entry["status"] = None
            sandbox._record(entry)
            self.close_connection = True
            return
        sandbox._record(entry)
        self._send(response, plan, started=started)

    def _send(self, response: Response, plan: FaultPlan | None = None, *, started: float) -> None:
        """Write the answer with the headers the real API (Rails) sends on every answer, errors
        included: `X-Request-Id` (a fresh uuid) and `X-Runtime` (seconds, as a decimal string)."""
        payload = json.dumps(response.body).encode()
        ctype = "application/json; charset=utf-8"
        if plan is not None and plan.body is not None:
            payload = plan.body.encode()
            if not plan.body.lstrip().startswith(("{", "[")):
                ctype = "text/html; charset=utf-8"
        if plan is not None and plan.truncate:
            payload = payload[: max(1, len(payload) // 2)]
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("X-Request-Id", str(uuid.uuid4()))
            self.send_header("X-Runtime", f"{time.perf_counter() - started:.6f}")
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """The stdlib's own refusals (a malformed request line, an unknown method) answer like
        the API too: a JSON error with the same headers, then the connection is closed."""
        self.close_connection = True
        reason = message or self.responses.get(code, ("Error",))[0]
        self._send(
            Response({"status": code, "errors": [reason]}, code, {"Connection": "close"}),
            started=time.perf_counter(),
        )

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle
