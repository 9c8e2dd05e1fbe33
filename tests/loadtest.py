"""`make loadtest`: many people at once on the production path, bounded in time.

Starts the sandbox standalone (`python -m avodash.sandbox`, its own process, 100 ms latency, its
20/s limit as the real API's), then PostgreSQL's `avodash_load` database (created if missing),
Redis db 2 as the cache, `manage.py db_worker` and gunicorn (4 workers x 4 threads, gthread), as production runs
them behind a TLS proxy (the load sends X-Forwarded-Proto: https). It signs in N people (agents
with a grant for acme-support) through the real login form, and each of them, for the run's
length, goes round an agent's mix (10% inbox home, 20% queue, 40% ticket page, 10% message
search, 20% reply on a ticket from the queue), thinking 0.5 to 1.5 x LOAD_THINK_S between clicks. A page counts with the fragments it loads by itself (hx-trigger="load").
Every reply has a unique text, so duplicates are counted afterwards in the sandbox's record of
the messages it accepted (its request log: every POST /v1/messages answered 2xx).

It reports p50/p95/max per page kind and overall, 5xx answers, "busy" answers, duplicate sends,
page views per second, the upstream calls per page view and the capacity this gives at the
API's allowance (18 calls/s). Figures go to loadtest-results.json (the sandbox's request log to
loadtest-api-log.json, gunicorn's and the worker's output to loadtest-server.log). Exit status 1
if any 5xx ("busy" included), any duplicate send, any reply confirmed that the sandbox never
accepted, or an overall p95 of 2 s or more.

Environment: LOAD_USERS (20), LOAD_SECONDS (60), LOAD_THINK_S (5), LOAD_SPAWN_RATE (2 people
starting a second, as locust's -r: the 20 arrive over the first 10 s), LOAD_LATENCY_MS (100),
LOAD_DATABASE_URL (postgres://postgres@127.0.0.1:5432/avodash_load), LOAD_CACHE_URL
(redis://127.0.0.1:6379/2), LOAD_WORKERS (4), LOAD_THREADS (4), LOAD_SHARED_READ_TTL (the
deployed default when unset).
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from avodash.management.commands.rundemo import port_answers

ROOT = Path(__file__).resolve().parents[1]

USERS = int(os.environ.get("LOAD_USERS", "20"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
THINK = float(os.environ.get("LOAD_THINK_S", "5"))
SPAWN_RATE = float(os.environ.get("LOAD_SPAWN_RATE", "2"))  # people starting per second (locust's -r)
LATENCY_MS = int(os.environ.get("LOAD_LATENCY_MS", "100"))
DATABASE_URL = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/avodash_load")
CACHE_URL = os.environ.get("LOAD_CACHE_URL", "redis://127.0.0.1:6379/2")
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
THREADS = int(os.environ.get("LOAD_THREADS", "4"))
API_ALLOWANCE = 18.0  # calls per second: the deployment's own limit (the API allows 20)
INBOX = "acme-support"
PASSWORD = "load-" + uuid.uuid4().hex[:12]
RESULTS = ROOT / "loadtest-results.json"
P95_LIMIT_S = 2.0
BUSY_HEADER = "X-Avodash-Retry"


# -- figures ---------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] if ordered else 0.0


@dataclass
class Hit:
    kind: str
    seconds: float
    status: int
    busy: bool


@dataclass
class Tally:
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    sent: list[str] = field(default_factory=list)  # reply texts the dashboard said it sent
    refused: int = 0  # replies not confirmed on the landing page (refused, or that page was busy)
    errors: list[str] = field(default_factory=list)

    def add(self, hit: Hit) -> None:
        with self.lock:
            self.hits.append(hit)


def summary(hits: list[Hit]) -> dict:
    times = [h.seconds for h in hits]
    return {
        "count": len(hits),
        "p50_s": round(statistics.median(times), 3) if times else None,
        "p95_s": round(p95(times), 3) if times else None,
        "max_s": round(max(times), 3) if times else None,
        "5xx": sum(1 for h in hits if h.status >= 500),
        "busy": sum(1 for h in hits if h.busy),  # of those, "Avochato is busy, retrying"
    }


# -- the deployment -------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float = 30) -> None:
    if not port_answers(port, seconds=seconds):
        raise SystemExit(f"nothing answered on port {port} within {seconds:.0f} s")


def ensure_database(url: str) -> None:
    """Create the load test's own database if it is missing (the server's `postgres` db knows)."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def settings_env(sandbox_url: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "avodash.settings",
        "DATABASE_URL": DATABASE_URL,
        "CACHE_URL": CACHE_URL,
        "AVOCHATO_API_URL": sandbox_url,
        "AVOCHATO_AUTH_ID": "sandbox",
        "AVOCHATO_AUTH_SECRET": "sandbox-secret",
        "DEBUG": "false",
        "SECRET_KEY": "load-test-" + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    if "LOAD_SHARED_READ_TTL" in os.environ:
        env["AVOCHATO_SHARED_READ_TTL"] = os.environ["LOAD_SHARED_READ_TTL"]
    return env


def prepare(env: dict[str, str]) -> list[str]:
    """Migrate, collect static files, empty the cache, and the N load logins."""
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth.models import Group, User
    from django.core.cache import cache
    from django.core.management import call_command

    from avodash.models import InboxGrant
    from avodash.roles import AGENT

    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    cache.clear()  # Redis db 2 is the load test's own
    # A deployment in use has its local directory filled; its first fill is not what is measured.
    call_command("directory_sync", "--all", stdout=open(os.devnull, "w"))  # noqa: SIM115
    names = []
    for i in range(1, USERS + 1):
        user, _ = User.objects.get_or_create(username=f"load{i:02d}")
        user.email, user.first_name, user.last_name = f"load{i:02d}@avodash.test", "Load", f"Agent {i}"
        user.set_password(PASSWORD)
        user.save()
        user.groups.set([Group.objects.get(name=AGENT)])
        InboxGrant.objects.get_or_create(user=user, subdomain=INBOX)
        names.append(user.username)
    return names


def start(env: dict[str, str], port: int) -> list[subprocess.Popen]:
    """gunicorn as production runs it, and a task worker; their output to loadtest-server.log."""
    python = sys.executable
    gunicorn = shutil.which("gunicorn", path=str(Path(python).parent)) or "gunicorn"
    out = (ROOT / "loadtest-server.log").open("w")
    commands = [
        [python, str(ROOT / "manage.py"), "db_worker", "--interval", "1", "--no-reload"],
        [gunicorn, "avodash.wsgi:application", f"--workers={WORKERS}", f"--threads={THREADS}"]
        + ["--worker-class=gthread", f"--bind=127.0.0.1:{port}", "--forwarded-allow-ips=127.0.0.1"],
    ]
    return [
        subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        for command in commands
    ]


def stop(children: list[subprocess.Popen]) -> None:
    for child in children:
        child.terminate()
    for child in children:
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()


# -- one person -------------------------------------------------------------------------------


class ProxiedSession(requests.Session):
    """A browser behind the TLS proxy: the dashboard's cookies are Secure (it is served over
    HTTPS in production); here the proxy is simulated, so they are sent over plain HTTP."""

    def request(self, method, url, **kwargs):  # noqa: ANN001, ANN201
        kwargs.setdefault("allow_redirects", False)
        kwargs.setdefault("timeout", 30)
        response = super().request(method, url, **kwargs)
        for cookie in self.cookies:
            cookie.secure = False
        return response


LOAD_FRAGMENT = re.compile(r"<[^>]*\bhx-get=\"([^\"]+)\"[^>]*>")
TICKET_LINK = re.compile(r'data-ticket="([^"]+)"')
COMPOSER = re.compile(r'<form[^>]*action="([^"]+)"[^>]*class="composer-form"')
HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


class Person:
    def __init__(self, base: str, username: str, tally: Tally, run: str, stop_at: float) -> None:
        self.base, self.username, self.tally, self.run, self.stop_at = base, username, tally, run, stop_at
        self.http = ProxiedSession()
        self.http.headers.update({"X-Forwarded-Proto": "https", "Origin": f"https://{urlsplit(base).netloc}"})
        self.tickets: list[str] = []
        self.replies = 0

    def csrf(self) -> str:
        return self.http.cookies.get("csrftoken", "")

    def login(self) -> None:
        self.http.get(f"{self.base}/accounts/login/", timeout=30)
        r = self.http.post(
            f"{self.base}/accounts/login/",
            data={"login": self.username, "password": PASSWORD, "csrfmiddlewaretoken": self.csrf()},
            headers={"Referer": f"{self.base}/accounts/login/"},
            allow_redirects=False,
            timeout=30,
        )
        if r.status_code != 302:
            raise SystemExit(f"{self.username} could not sign in (HTTP {r.status_code})")

    def page(self, kind: str, path: str) -> requests.Response | None:
        """A page and the fragments it loads by itself, timed together."""
        started = time.monotonic()
        try:
            r = self.http.get(self.base + path, timeout=30, allow_redirects=False)
            status, busy = r.status_code, BUSY_HEADER in r.headers
            if status == 200:
                for tag in LOAD_FRAGMENT.finditer(r.text):
                    if 'hx-trigger="load"' in tag.group(0):
                        f = self.http.get(
                            self.base + unescape(tag.group(1)), headers={"HX-Request": "true"}, timeout=30
                        )
                        if f.status_code >= 500:
                            status, busy = f.status_code, BUSY_HEADER in f.headers
        except requests.RequestException as err:
            self.tally.errors.append(f"{kind}: {type(err).__name__}")
            self.tally.add(Hit(kind, time.monotonic() - started, 599, False))
            return None
        self.tally.add(Hit(kind, time.monotonic() - started, status, busy))
        return r if status == 200 else None

    def home(self) -> None:
        self.page("inbox home", f"/i/{INBOX}/")

    def queue(self) -> None:
        r = self.page("queue", f"/i/{INBOX}/tickets/")
        if r is not None:
            self.tickets = TICKET_LINK.findall(r.text) or self.tickets

    def ticket(self) -> requests.Response | None:
        if not self.tickets:
            self.queue()
        if not self.tickets:
            return None
        return self.page("ticket page", f"/i/{INBOX}/tickets/{random.choice(self.tickets[:25])}/")

    def search(self) -> None:
        self.page("search", f"/i/{INBOX}/messages/?q={random.choice(['order', 'thanks', 'ship', 'hello'])}")

    def reply(self) -> None:
        r = self.ticket()
        if r is None or 'class="composer-form"' not in r.text:
            return
        found = COMPOSER.search(r.text)
        if found is None:
            return
        action, form = unescape(found.group(1)), r.text[found.end() :]
        form = form[: form.index("</form>")]
        self.replies += 1
        text = f"Load {self.run} {self.username} reply {self.replies}"
        data = {name: unescape(value) for name, value in HIDDEN.findall(form)}
        data.update({"text": text, "action": "send"})
        started = time.monotonic()
        try:
            p = self.http.post(
                self.base + action,
                data=data,
                headers={"Referer": r.url.replace("http://", "https://", 1)},
                allow_redirects=False,
                timeout=30,
            )
        except requests.RequestException as err:
            self.tally.errors.append(f"reply: {type(err).__name__}")
            self.tally.add(Hit("reply", time.monotonic() - started, 599, False))
            return
        self.tally.add(Hit("reply", time.monotonic() - started, p.status_code, BUSY_HEADER in p.headers))
        landed = None
        if p.status_code == 302:  # the ticket page, with the outcome in words
            landed = self.page("ticket page", urlsplit(p.headers["Location"]).path)
        with self.tally.lock:
            if landed is not None and "Sent to " in landed.text:
                self.tally.sent.append(text)
            else:
                self.tally.refused += 1

    def run_until_stopped(self, start_after: float) -> None:
        # A support agent's day: mostly the queue and tickets, replies, now and then a search
        # and the inbox's overview (10% home, 20% queue, 40% ticket, 10% search, 20% reply).
        steps = [self.queue, self.ticket, self.reply, self.ticket, self.search]
        steps += [self.queue, self.ticket, self.reply, self.home, self.ticket]
        i = random.randrange(len(steps))
        time.sleep(start_after)  # people do not all click at the same instant
        while time.monotonic() < self.stop_at:
            steps[i % len(steps)]()
            i += 1
            time.sleep(random.uniform(0.5 * THINK, 1.5 * THINK))


# -- the run ----------------------------------------------------------------------------------


def api_log(sandbox_url: str) -> list[dict]:
    r = requests.get(f"{sandbox_url}/_sandbox/requests", timeout=60)
    return [c for c in r.json()["requests"] if not c["path"].startswith("/_sandbox")]


def duplicates(calls: list[dict], run: str) -> tuple[Counter, int]:
    """How many times the sandbox accepted each of this run's reply texts."""
    seen: Counter = Counter()
    marker = re.compile(rf"Load {re.escape(run)} load\d+ reply \d+")
    for c in calls:
        if c["method"] == "POST" and c["path"] == "/v1/messages" and 200 <= (c.get("status") or 0) < 300:
            found = marker.search(str((c.get("params") or {}).get("message", "")))
            if found:
                seen[found.group(0)] += 1
    return seen, sum(n - 1 for n in seen.values() if n > 1)


def report(tally: Tally, run: str, seconds: float, calls: list[dict]) -> dict:
    api_calls, api_429 = len(calls), sum(1 for c in calls if c.get("status") == 429)
    api_paths = Counter(c["method"] + " /" + "/".join(c["path"].split("/")[1:3]) for c in calls)
    by_kind: dict[str, list[Hit]] = defaultdict(list)
    for h in tally.hits:
        by_kind[h.kind].append(h)
    seen, dup = duplicates(calls, run)
    missing = [t for t in tally.sent if t not in seen]
    views = len(tally.hits)
    out = {
        "users": USERS,
        "seconds": round(seconds, 1),
        "think_s": THINK,
        "spawn_rate_per_s": SPAWN_RATE,
        "latency_ms": LATENCY_MS,
        "gunicorn": f"{WORKERS} workers x {THREADS} threads (gthread)",
        "pages": {kind: summary(hits) for kind, hits in sorted(by_kind.items())},
        "overall": summary(tally.hits),
        "page_views_per_s": round(views / seconds, 2),
        "replies_attempted": len(tally.sent) + tally.refused,
        "replies_accepted_by_sandbox": sum(seen.values()),
        "replies_confirmed_on_page": len(tally.sent),
        "replies_confirmed_but_missing_in_sandbox": len(missing),
        "duplicate_sends": dup,
        "api_calls": api_calls,
        "api_429": api_429,
        "api_calls_per_s": round(api_calls / seconds, 2),
        "api_calls_per_page_view": round(api_calls / views, 2) if views else None,
        "api_calls_by_path": dict(api_paths.most_common(12)),
        "transport_errors": tally.errors[:20],
        "machine": f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end",
    }
    per_view = out["api_calls_per_page_view"]
    out["capacity_page_views_per_s_at_18_calls"] = round(API_ALLOWANCE / per_view, 1) if per_view else None
    return out


def print_report(r: dict) -> None:
    print(
        f"\n{r['users']} users x {r['seconds']:.0f} s, think {r['think_s']} s, {r['spawn_rate_per_s']:g} starting a second, "
        f"API latency {r['latency_ms']} ms, {r['gunicorn']}"
    )
    print(r["machine"])
    print(f"{'page':<14}{'count':>7}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'5xx':>6}{'busy':>6}")
    for kind, s in [*r["pages"].items(), ("overall", r["overall"])]:
        print(
            f"{kind:<14}{s['count']:>7}{s['p50_s']:>8.2f}{s['p95_s']:>8.2f}{s['max_s']:>8.2f}{s['5xx']:>6}{s['busy']:>6}"
        )
    print(
        f"page views/s {r['page_views_per_s']}; replies: {r['replies_attempted']} attempted, "
        f"{r['replies_accepted_by_sandbox']} accepted by the sandbox, {r['replies_confirmed_on_page']} confirmed "
        f"on the page ({r['replies_confirmed_but_missing_in_sandbox']} of those missing); "
        f"duplicate sends {r['duplicate_sends']}"
    )
    print(
        f"API calls {r['api_calls']} ({r['api_calls_per_s']}/s, {r['api_calls_per_page_view']} per page view, "
        f"429s {r['api_429']}); capacity at 18 calls/s: {r['capacity_page_views_per_s_at_18_calls']} page views/s"
    )
    print("API calls by path:", ", ".join(f"{k} {v}" for k, v in r["api_calls_by_path"].items()))


def main() -> int:
    sandbox_port = free_port()
    children = [
        subprocess.Popen(  # noqa: S603 - the sandbox, standalone
            [
                sys.executable,
                "-m",
                "avodash.sandbox",
                "--port",
                str(sandbox_port),
                "--latency-ms",
                str(LATENCY_MS),
            ],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
    ]
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    try:
        wait_for_port(sandbox_port)
        ensure_database(DATABASE_URL)
        env = settings_env(sandbox_url)
        users = prepare(env)
        port = free_port()
        children += start(env, port)
        wait_for_port(port)
        base = f"http://127.0.0.1:{port}"
        run = uuid.uuid4().hex[:8]
        tally = Tally()
        people = [Person(base, u, tally, run, 0) for u in users]
        for p in people:
            p.login()
        requests.delete(f"{sandbox_url}/_sandbox/requests", timeout=30)
        started = time.monotonic()
        for p in people:
            p.stop_at = started + SECONDS
        # Spawned as locust does (-r): LOAD_SPAWN_RATE people a second, each at a random moment
        # of their second; the timed run includes the ramp and its cold caches.
        threads = [
            threading.Thread(
                target=p.run_until_stopped, args=((n + random.random()) / SPAWN_RATE if SPAWN_RATE else 0.0,)
            )
            for n, p in enumerate(people)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        calls = api_log(sandbox_url)
        (ROOT / "loadtest-api-log.json").write_text(json.dumps(calls))  # for a closer look
        result = report(tally, run, elapsed, calls)
    finally:
        stop(children)
    RESULTS.write_text(json.dumps(result, indent=2))
    print_report(result)
    failures = []
    if result["overall"]["5xx"]:
        failures.append(f"{result['overall']['5xx']} answers were 5xx (see loadtest-server.log)")
    if result["duplicate_sends"]:
        failures.append(f"{result['duplicate_sends']} duplicate sends")
    if result["replies_confirmed_but_missing_in_sandbox"]:
        failures.append("replies confirmed as sent that the sandbox never accepted")
    if (result["overall"]["p95_s"] or 0) >= P95_LIMIT_S:
        failures.append(f"p95 {result['overall']['p95_s']} s is not under {P95_LIMIT_S} s")
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
