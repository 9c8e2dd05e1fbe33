"""`make bench`: upstream calls, rounds and server time per page, against the sandbox with latency.

Starts the sandbox in-process with added latency per request (BENCH_LATENCY_MS, default 80),
renders each main page through Django's test client as a logged-in superuser, and reads the
sandbox's request log: how many API calls a page made, in how many sequential rounds
(calls that overlap in time are one round), and how long the server took.
Cold = empty cache; warm = the same page again.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avodash.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from avodash.sandbox import SandboxServer  # noqa: E402

LATENCY_MS = int(os.environ.get("BENCH_LATENCY_MS", "80"))
INBOX = "acme-support"


def rounds(calls: list[dict], latency_s: float) -> int:
    """Calls that start within one latency of a round's first call belong to that round."""
    starts = sorted(c["time"] for c in calls)
    n, first = 0, None
    for t in starts:
        if first is None or t - first > latency_s * 0.9:
            n, first = n + 1, t
    return n


def main() -> int:
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    srv = SandboxServer(port=0, seed=1, latency_ms=LATENCY_MS)
    srv.start()
    settings.AVOCHATO_API_URL = srv.url
    settings.ALLOWED_HOSTS = ["*"]
    try:
        from django.contrib.auth.models import User

        from avodash.models import ALL_INBOXES, InboxGrant

        user = User.objects.create_superuser("bench", "admin@avodash.example", "bench-pw")
        InboxGrant.objects.create(user=user, subdomain=ALL_INBOXES)
        c = Client()
        c.force_login(user)
        ticket_id = _first_ticket(srv)
        user_id = _first_user(srv)
        pages = [
            ("inbox home", "inbox:home", {}),
            ("ticket queue", "inbox:tickets", {}),
            ("ticket page", "inbox:ticket", {"ticket_id": ticket_id}),
            ("message search", "inbox:messages", {}),
            ("scheduled", "inbox:scheduled", {}),
            ("team", "team:list", {}),
            ("team user", "team:user", {"user_id": user_id}),
            ("people directory", "people:directory", None),
            ("compliance", "people:compliance", None),
        ]
        print(f"sandbox latency {LATENCY_MS} ms per request; figures per page (median of 3 for server time)\n")
        print(f"{'page':<18} {'cache':<5} {'status':>6} {'calls':>6} {'rounds':>7} {'server ms':>10}")
        for label, name, kwargs in pages:
            try:
                url = reverse(name, kwargs=({"subdomain": INBOX, **kwargs} if kwargs is not None else None))
            except NoReverseMatch:
                print(f"{label:<18} (no such page: {name})")
                continue
            for state in ("cold", "warm"):
                times, calls_n, rounds_n, status = [], 0, 0, 0
                for i in range(3):
                    # A person does not load a page four times a second: let the deployment's
                    # rate-limit window pass, so the figures measure the page, not the limiter.
                    time.sleep(1.05)
                    if state == "cold":
                        cache.clear()
                    elif i == 0:
                        c.get(url)  # warm it
                        time.sleep(1.05)
                    srv.clear_log()
                    t0 = time.perf_counter()
                    r = c.get(url)
                    times.append((time.perf_counter() - t0) * 1000)
                    status = r.status_code
                    log = [x for x in srv.requests if not x["path"].startswith("/_sandbox")]
                    calls_n, rounds_n = len(log), rounds(log, LATENCY_MS / 1000)
                print(f"{label:<18} {state:<5} {status:>6} {calls_n:>6} {rounds_n:>7} {statistics.median(times):>10.0f}")
    finally:
        srv.stop()
        connection.creation.destroy_test_db(old_name, verbosity=0)
    return 0


def _first_ticket(srv) -> str:
    import requests

    r = requests.get(f"{srv.url}/v1/tickets", params={"auth_id": "sandbox", "auth_secret": "sandbox-secret",
                                                     "subdomain": INBOX}, timeout=10)
    return r.json()["data"]["tickets"][0]["id"]


def _first_user(srv) -> str:
    import requests

    r = requests.get(f"{srv.url}/v1/users", params={"auth_id": "sandbox", "auth_secret": "sandbox-secret",
                                                   "subdomain": INBOX}, timeout=10)
    return r.json()["data"]["users"][0]["id"]


if __name__ == "__main__":
    sys.exit(main())
