"""Command-line front end shared by `python manage.py sandbox` and `python -m avodash.sandbox`.

Credentials: the default pair is `AVOCHATO_AUTH_ID` / `AVOCHATO_AUTH_SECRET` from the
environment (the same variables the dashboard reads), else `sandbox` / `sandbox-secret`.
"""

from __future__ import annotations

import argparse
import os
from typing import TextIO

from avodash.sandbox.seed import DEFAULT_AUTH_ID, DEFAULT_AUTH_SECRET, INBOXES
from avodash.sandbox.server import DEFAULT_RATE_LIMIT, SandboxServer

FAULT_HELP = (
    "add a fault: '[METHOD] PATH-GLOB key=value ...' with keys status, latency_ms, error_rate, "
    "retry_after, hang[=SECONDS], body, truncate, times. Repeatable. Examples: "
    "--fault 'POST /v1/messages status=500'  --fault '/v1/tickets* latency_ms=300'  "
    "--fault '/v1/tickets status=503 error_rate=0.5'  --fault 'POST /v1/messages hang=40'  "
    "--fault 'GET /v1/users body=<html>oops</html>'"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("SANDBOX_PORT", 8001)),
        help="port on 127.0.0.1 (default 8001 or $SANDBOX_PORT; 0 = any free)",
    )
    parser.add_argument(
        "--latency-ms", type=float, default=0.0, help="added latency for every API request, in milliseconds"
    )
    parser.add_argument("--seed", type=int, default=1, help="demo data seed (default 1)")
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=DEFAULT_RATE_LIMIT,
        help="requests per second per credential before 429 (0 = unlimited)",
    )
    parser.add_argument("--fault", action="append", default=[], metavar="SPEC", help=FAULT_HELP)
    parser.add_argument(
        "--scale",
        type=int,
        default=0,
        metavar="N",
        help="add N generated users (about 3 contacts and 2 tickets each) over ten inboxes: "
        "the three demo inboxes and scale-01..scale-07 (default 0: the demo data only)",
    )
    parser.add_argument(
        "--scale-inbox",
        default=None,
        choices=[sub for sub, *_ in INBOXES],
        help="with --scale, add all N users to this one demo inbox instead (e.g. acme-support)",
    )


def build(options: dict) -> SandboxServer:
    srv = SandboxServer(
        port=options["port"],
        seed=options["seed"],
        latency_ms=options["latency_ms"],
        auth_id=os.environ.get("AVOCHATO_AUTH_ID") or DEFAULT_AUTH_ID,
        auth_secret=os.environ.get("AVOCHATO_AUTH_SECRET") or DEFAULT_AUTH_SECRET,
        rate_limit=options["rate_limit"] or None,
        fault_specs=options["fault"],
        scale=options.get("scale") or 0,
        scale_inbox=options.get("scale_inbox") or None,
    )
    return srv


def banner(srv: SandboxServer, out: TextIO) -> None:
    scale = ""
    if srv.scale:
        scale = f", {srv.scale} more users" + (f" in {srv.scale_inbox}" if srv.scale_inbox else "")
    out.write(
        f"Avochato sandbox listening on {srv.url}  (seed {srv.seed}, "
        f"latency {srv.latency_ms:g} ms, rate limit {srv.rate_limiter.per_second or 'off'}/s{scale})\n"
    )
    out.write("Credentials (auth_id / auth_secret -> API user, role in home inbox):\n")
    for c in srv.credentials():
        out.write(
            f"  {c['label']:8} {c['auth_id']} / {c['auth_secret']}  -> {c['user']} "
            f"({c['role']} in {c['subdomain']})\n"
        )
    out.write("Inboxes: " + ", ".join(i.subdomain for i in srv.state.inboxes.values()) + "\n")
    for f in srv.faults.list():
        out.write(f"Fault: {f.method or '*'} {f.path} {f.to_dict()}\n")
    out.write(f"Try: curl -g '{srv.url}/v1/whoami?auth_id={srv.auth_id}&auth_secret={srv.auth_secret}'\n")
    out.write(f"Control: {srv.url}/_sandbox (requests, faults, reset). Ctrl-C to stop.\n")
    out.flush()


def run(options: dict, out: TextIO) -> None:
    srv = build(options)
    srv._bind()
    banner(srv, out)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        srv.stop()


def main(argv: list[str] | None = None) -> None:
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m avodash.sandbox", description="Serve the Avochato API sandbox."
    )
    add_arguments(parser)
    run(vars(parser.parse_args(argv)), sys.stdout)
