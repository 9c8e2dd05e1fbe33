"""`make bench`: what each page costs in upstream round trips, against the sandbox with latency.

For every main page: the API calls it made, in how many sequential rounds (calls whose time
intervals overlap in the sandbox's request log are one round), the floor (rounds x latency:
what the page cannot beat), the median and p95 server time over several runs, and the ratio of
the median to the floor. `first` is the page's very first load (empty caches, empty local
directory). Then the first full directory sync runs (timed), and the other rows are measured
once it has finished: `cold` empties the cache before each run (the directory stays: it is the
database), `warm` loads the page again with the app's caches warm but no shared reads (what one
person pays), `shard` loads it right after someone else did (reads shared within
AVOCHATO_SHARED_READ_TTL). Last, every page in turn while a full sync runs.

Scenarios: the demo data; `scale 1000` (1,000 more users over ten inboxes); `acme-support +300`
(300 users added to one inbox). When `manage.py directory_sync` exists, each scenario also times
the first full sync (`directory_sync --all`, empty directory) and the pages while a full sync runs.

Environment: BENCH_LATENCY_MS (default 100), BENCH_RUNS (default 5), BENCH_QUICK=1 (two runs,
no scale-1000 scenario), BENCH_ONLY=demo|scale (one seed; without it each seed runs in a process of its own), BENCH_SYNC_PROCESS=0 (the sync during pages in a thread, not its own process), BENCH_REDIS=1 (the whole bench on Redis), BENCH_VERBOSE=1 (the app's warnings too; `429s` counts the refusals). Figures go to bench-results.json; a table is printed as it goes.
The sandbox runs in the seed's process; the rate limits stay as deployed (the dashboard's own limiter).
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import statistics
import sys
import tempfile
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "avodash.settings")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _redis_reachable(host: str = "127.0.0.1", port: int = 6379) -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


# The sync during pages runs in its own process, as db_worker does in production, sharing the
# rate limiter with the pages through Redis (the pages switch to it for that phase): a sync in a
# thread of this process would put its GIL stalls into the pages' times. Without Redis on this
# machine, or with BENCH_SYNC_PROCESS=0, it runs in a thread. BENCH_REDIS=1: the whole bench on
# Redis (production's cache; every page then also pays Redis round trips).
BENCH_CACHE_URL = os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/3")
REDIS = _redis_reachable()
ALL_ON_REDIS = os.environ.get("BENCH_REDIS", "") not in ("", "0") and REDIS
SYNC_PROCESS = os.environ.get("BENCH_SYNC_PROCESS", "1") not in ("", "0") and REDIS
if ALL_ON_REDIS:
    os.environ["CACHE_URL"] = BENCH_CACHE_URL

import django  # noqa: E402
import environ  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command, get_commands  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402

from avodash.sandbox import SandboxServer  # noqa: E402
from tests.helpers import rounds  # noqa: E402

LATENCY_MS = float(os.environ.get("BENCH_LATENCY_MS", "100"))
QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
VERBOSE = os.environ.get("BENCH_VERBOSE", "") not in ("", "0")
RUNS = int(os.environ.get("BENCH_RUNS", "2" if QUICK else "5"))
ONLY = os.environ.get("BENCH_ONLY", "")
RESULTS = Path(__file__).resolve().parents[1] / "bench-results.json"
INBOX = "acme-support"
CREDS = {"auth_id": "sandbox", "auth_secret": "sandbox-secret"}
MIN_LOADS_DURING_SYNC = 60  # per page, while a full sync runs (the sync is run again until then): a p95 of 20 loads is their second-worst
SETTLE_S = 1.05  # the deployment's limiter counts per second: let its window pass between runs

# label, URL name, kwargs (None: a page outside any inbox)
PAGES: list[tuple[str, str, dict[str, str] | None]] = [
    ("inbox home", "inbox:home", {}),
    ("ticket queue", "inbox:tickets", {}),
    ("ticket page", "inbox:ticket", {"ticket_id": "{ticket}"}),
    ("message search", "inbox:messages", {}),
    ("scheduled", "inbox:scheduled", {}),
    ("team", "team:list", {}),
    ("team user", "team:user", {"user_id": "{user}"}),
    ("people directory", "people:directory", None),
    ("compliance", "people:compliance", None),
]


# -- figures --------------------------------------------------------------------------------------


def p95(values: list[float]) -> float:
    """Nearest rank: with fewer than 20 runs, the slowest."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


@dataclass
class Run:
    ms: float
    status: int
    calls: int
    rounds: int
    refused: int  # calls the sandbox answered 429 (its per-credential limit)


@dataclass
class Figures:
    page: str
    cache: str
    runs: list[Run] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        times = [r.ms for r in self.runs]
        calls = statistics.median_low([r.calls for r in self.runs])
        rnds = statistics.median_low([r.rounds for r in self.runs])
        floor = rnds * LATENCY_MS
        median = statistics.median(times)
        return {
            "page": self.page,
            "cache": self.cache,
            "status": sorted({r.status for r in self.runs}),
            "calls": calls,
            "rounds": rnds,
            "floor_ms": round(floor, 1),
            "median_ms": round(median, 1),
            "p95_ms": round(p95(times), 1),
            "ratio": round(median / floor, 2) if floor else None,
            "refused_429": max(r.refused for r in self.runs),
            "runs": [vars(r) for r in self.runs],
        }


# -- one page load --------------------------------------------------------------------------------


class Bench:
    def __init__(self, srv: SandboxServer, client: Client):
        self.srv, self.client = srv, client

    def api_calls(self) -> list[dict[str, Any]]:
        return [x for x in self.srv.requests if not x["path"].startswith("/_sandbox")]

    def settle(self) -> None:
        """Wait until the limiter's window since the last API call has passed."""
        ends = [c["time"] + (c.get("duration_ms") or 0) / 1000 for c in self.srv.requests]
        if ends:
            time.sleep(max(0.0, max(ends) + SETTLE_S - time.time()))

    def load(self, url: str, settle: bool = True) -> Run:
        if settle:
            self.settle()
        self.srv.clear_log()
        t0 = time.perf_counter()
        response = self.client.get(url)
        ms = (time.perf_counter() - t0) * 1000
        calls = self.api_calls()
        refused = sum(1 for c in calls if c["status"] == 429)
        return Run(round(ms, 1), response.status_code, len(calls), rounds(calls), refused)

    def first(self, label: str, url: str) -> Figures:
        """The page's very first load: empty caches, and the local directory as first use left it."""
        cache.clear()
        return Figures(label, "first", [self.load(url)])

    def steady(self, label: str, url: str) -> list[Figures]:
        """`cold`, `warm` and `shard` runs, once the directory has had its first full sync."""
        cold, warm, shared = Figures(label, "cold"), Figures(label, "warm"), Figures(label, "shard")
        for _ in range(RUNS):
            cache.clear()
            cold.runs.append(self.load(url))
        # `warm`: the app's own caches warm, but no read shared from someone else's load (what
        # one person pays); `shard`: the same page asked again within AVOCHATO_SHARED_READ_TTL.
        ttl = settings.AVOCHATO_SHARED_READ_TTL
        settings.AVOCHATO_SHARED_READ_TTL = 0
        try:
            self.load(url)  # warm it
            for _ in range(RUNS):
                warm.runs.append(self.load(url))
        finally:
            settings.AVOCHATO_SHARED_READ_TTL = ttl
        if ttl > 0:
            for _ in range(RUNS):
                self.load(url, settle=False)  # someone else's load, just before
                shared.runs.append(self.load(url, settle=False))
        return [cold, warm] + ([shared] if shared.runs else [])


# -- scenarios ------------------------------------------------------------------------------------


def _api(srv: SandboxServer, path: str, **params: Any) -> dict[str, Any]:
    import requests

    r = requests.get(f"{srv.url}{path}", params={**CREDS, "subdomain": INBOX, **params}, timeout=30)
    return r.json()["data"]


def page_urls(srv: SandboxServer) -> list[tuple[str, str | None]]:
    """(label, URL or None when the page does not exist in this build)."""
    ticket = _api(srv, "/v1/tickets")["tickets"][0]["id"]
    state = srv.state
    with state.lock:  # someone real: not the API user, in the most inboxes (first such in the list)
        members = sorted(state.inboxes[INBOX].members.values(), key=lambda m: (m.added_at, m.user_id))
        humans = [m.user_id for m in members if not state.users[m.user_id].is_api]
        user = max(humans, key=lambda uid: (len(state.inboxes_of(uid)), -humans.index(uid)))
    out: list[tuple[str, str | None]] = []
    for label, name, kwargs in PAGES:
        try:
            if kwargs is None:
                url = reverse(name)
            else:
                args = {k: v.format(ticket=ticket, user=user) for k, v in kwargs.items()}
                url = reverse(name, kwargs={"subdomain": INBOX, **args})
        except NoReverseMatch:
            url = None
        out.append((label, url))
    return out


def fresh_db() -> Client:
    """An empty database (local directory included) and cache, and a logged-in superuser."""
    from django.contrib.auth.models import User

    from avodash.models import ALL_INBOXES, InboxGrant

    call_command("flush", interactive=False, verbosity=0)
    cache.clear()
    user = User.objects.create_superuser("bench", "admin@avodash.example", "bench-pw")
    InboxGrant.objects.create(user=user, subdomain=ALL_INBOXES)
    client = Client()
    client.force_login(user)
    return client


def _pages(srv: SandboxServer, measure) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for label, url in page_urls(srv):
        if url is None:
            rows.append({"page": label, "missing": True})
            print(f"  {label:<18} (no such page in this build)")
            continue
        for figures in measure(label, url):
            row = figures.to_dict()
            rows.append(row)
            print_row(row)
    return rows


def run_first_loads(srv: SandboxServer) -> list[dict[str, Any]]:
    """Each page's first load, on an empty directory and empty caches (first use)."""
    bench = Bench(srv, fresh_db())
    return _pages(srv, lambda label, url: [bench.first(label, url)])


def first_sync(srv: SandboxServer) -> tuple[Client, dict[str, Any]]:
    """The first full directory sync, from an empty directory (what `make run` does once)."""
    client = fresh_db()
    if "directory_sync" not in get_commands():
        note = "skipped: no `manage.py directory_sync` command in this build"
        print(f"  directory sync: {note}")
        return client, {"skipped": note}
    srv.clear_log()
    t0 = time.perf_counter()
    try:
        call_command("directory_sync", "--all", stdout=io.StringIO())
    except Exception as err:  # noqa: BLE001 - a bench reports, it does not stop
        print(f"  directory sync failed: {err!r}")
        return client, {"error": repr(err)}
    first_s = time.perf_counter() - t0
    calls = len(Bench(srv, client).api_calls())
    print(f"  first full directory sync: {first_s:.1f} s, {calls} API calls")
    return client, {"first_full_sync_s": round(first_s, 2), "first_full_sync_calls": calls}


# The sync process: set up once, then a full sync each time the bench says "again".
_SYNC_LOOP = """
import io, sys
import django
django.setup()
from django.core.management import call_command
print("ready", flush=True)
while True:
    call_command("directory_sync", "--all", stdout=io.StringIO())
    print("synced", flush=True)
    if sys.stdin.readline().strip() != "again":
        break
"""


class SyncProcess:
    """`directory_sync --all`, once and again, in one process of its own that lives through the
    phase, as production's db_worker does (one long-lived process, not one per sync); on this
    bench's database and Redis, so it shares the rate limiter with the pages. The process is
    set up (Django imported) before any page is timed."""

    def __init__(self, srv: SandboxServer) -> None:
        import subprocess

        if connection.vendor != "sqlite":
            raise RuntimeError("the out-of-process sync needs the bench's SQLite file")
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
            "CACHE_URL": BENCH_CACHE_URL,
            "AVOCHATO_API_URL": srv.url,
            "AVOCHATO_AUTH_ID": CREDS["auth_id"],
            "AVOCHATO_AUTH_SECRET": CREDS["auth_secret"],
            "SECRET_KEY": settings.SECRET_KEY,
            "DJANGO_SETTINGS_MODULE": "avodash.settings",
        }
        self.proc = subprocess.Popen(  # noqa: S603 - our own code
            [sys.executable, "-c", _SYNC_LOOP],
            cwd=Path(__file__).resolve().parents[1],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._expect("ready")

    def _expect(self, word: str) -> None:
        assert self.proc.stdout is not None and self.proc.stderr is not None
        line = self.proc.stdout.readline().strip()
        if line != word:
            self.proc.kill()
            raise RuntimeError(f"the sync process said {line!r}: {self.proc.stderr.read()[-2000:]}")

    def synced(self, again: bool) -> None:
        """Wait for the sync under way to finish; then start another, or end the process."""
        assert self.proc.stdin is not None
        self._expect("synced")
        self.proc.stdin.write("again\n" if again else "stop\n")
        self.proc.stdin.flush()
        if not again:
            self.proc.wait(timeout=60)


class SyncRuns:
    """The full syncs that run while the pages load, from a thread of the bench: in a process of
    their own (SYNC_PROCESS) or in this one. `ready` is set once the first is under way."""

    def __init__(self, srv: SandboxServer) -> None:
        self.srv = srv
        self.ready, self.done, self.enough = threading.Event(), threading.Event(), threading.Event()
        self.count, self.error = 0, ""

    def run(self) -> None:
        try:
            process = SyncProcess(self.srv) if SYNC_PROCESS else None
            self.ready.set()
            while True:
                if process is not None:
                    process.synced(again=not self.enough.is_set())
                else:
                    call_command("directory_sync", "--all", stdout=io.StringIO())
                self.count += 1
                if self.enough.is_set():
                    break
        except Exception as err:  # noqa: BLE001
            self.error = repr(err)
        finally:
            connection.close()
            self.ready.set()
            self.done.set()


def pages_during_sync(srv: SandboxServer, client: Client, floors: dict[str, float]) -> dict[str, Any]:
    """Every page in turn while a full sync runs, without shared reads (each load pays its own
    calls): per page the p95 and its ratio to the page's floor (its cold rounds x latency).
    A short sync (the demo's takes seconds) is run again, back to back, until every page has
    been loaded MIN_LOADS_DURING_SYNC times: a p95 needs that many loads to mean anything."""
    syncs = SyncRuns(srv)
    pages = [(label, url) for label, url in page_urls(srv) if url]
    # The pages share the limiter with the sync's process: through Redis, for this phase.
    on_redis = SYNC_PROCESS and not ALL_ON_REDIS
    redis = override_settings(CACHES={"default": environ.Env.cache_url_config(BENCH_CACHE_URL)})
    with redis if on_redis else nullcontext():
        if on_redis:
            cache.clear()  # the bench's own Redis database: nothing from an earlier run,
            for _label, url in pages:  # and the pages' own caches as the phase before left them
                client.get(url)
        out = _pages_while(client, floors, pages, syncs)
    if syncs.error:
        out["sync_error"] = syncs.error
    return out


def _pages_while(client, floors, pages, syncs: SyncRuns) -> dict[str, Any]:
    ttl, settings.AVOCHATO_SHARED_READ_TTL = settings.AVOCHATO_SHARED_READ_TTL, 0
    worker = threading.Thread(target=syncs.run, daemon=True)
    worker.start()
    syncs.ready.wait()
    t0 = time.perf_counter()
    times: dict[str, list[float]] = {label: [] for label, _url in pages}
    statuses, i = set(), 0
    try:
        while not syncs.done.is_set() or i < len(pages):  # at least one pass over the pages
            label, url = pages[i % len(pages)]
            s = time.perf_counter()
            statuses.add(client.get(url).status_code)
            times[label].append((time.perf_counter() - s) * 1000)
            i += 1
            if min(len(ms) for ms in times.values()) >= MIN_LOADS_DURING_SYNC:
                syncs.enough.set()
        worker.join()
    finally:
        settings.AVOCHATO_SHARED_READ_TTL = ttl
    per_page = {}
    for label, ms in times.items():
        floor = floors.get(label) or 0
        high = p95(ms)
        per_page[label] = {
            "loads": len(ms),
            "median_ms": round(statistics.median(ms), 1),
            "p95_ms": round(high, 1),
            "floor_ms": floor,
            "p95_ratio": round(high / floor, 2) if floor else None,
        }
    every = [t for ms in times.values() for t in ms]
    ratios = [v["p95_ratio"] for v in per_page.values() if v["p95_ratio"] is not None]
    out = {
        "sync_with_pages_s": round(time.perf_counter() - t0, 2),
        "pages_during_sync": len(every),
        "full_syncs_during_pages": syncs.count,
        "sync_in_own_process": SYNC_PROCESS,
        "pages_during_sync_median_ms": round(statistics.median(every), 1),
        "pages_during_sync_p95_ms": round(p95(every), 1),
        "pages_during_sync_worst_p95_ratio": max(ratios) if ratios else None,
        "pages_during_sync_status": sorted(statuses),
        "pages_during_sync_by_page": per_page,
    }
    where = "its own process" if SYNC_PROCESS else "a thread of this process"
    print(
        f"  pages while a full sync runs (in {where}; no shared reads): {len(every)} loads in "
        f"{out['sync_with_pages_s']:.1f} s, {syncs.count} full sync(s); worst p95 / floor {out['pages_during_sync_worst_p95_ratio']}"
    )
    for label, v in per_page.items():
        ratio = f"{v['p95_ratio']:.2f}" if v["p95_ratio"] is not None else "-"
        print(
            f"    {label:<18} loads {v['loads']:>4}  median {v['median_ms']:>6.0f}  p95 {v['p95_ms']:>6.0f}  ratio {ratio}"
        )
    return out


def scenario(name: str, srv: SandboxServer, seed_s: float) -> dict[str, Any]:
    settings.AVOCHATO_API_URL = srv.url
    with srv.state.lock:
        inboxes = {sub: len(i.members) for sub, i in srv.state.inboxes.items()}
        users = len(srv.state.users)
    print(
        f"\n== {name}: {users} users, {len(inboxes)} inboxes, {inboxes[INBOX]} in {INBOX} "
        f"(seeded in {seed_s:.1f} s)"
    )
    print_header()
    result = {"scenario": name, "users": users, "members_per_inbox": inboxes, "seed_s": round(seed_s, 2)}
    # First use (empty directory), then the first full sync, then every page once it has finished
    # (the figures the targets are about), then every page while a full sync runs.
    first = run_first_loads(srv)
    client, sync = first_sync(srv)
    steady = _pages(srv, Bench(srv, client).steady)
    result["pages"] = first + steady
    if "first_full_sync_s" in sync:
        floors = {r["page"]: r["floor_ms"] for r in steady if r.get("cache") == "cold"}
        sync.update(pages_during_sync(srv, client, floors))
    result["directory_sync"] = sync
    return result


# -- output ---------------------------------------------------------------------------------------


def print_header() -> None:
    print(
        f"  {'page':<18} {'cache':<5} {'status':>7} {'calls':>6} {'rounds':>6} {'floor':>7} "
        f"{'median':>8} {'p95':>8} {'ratio':>6} {'429s':>5}"
    )


def print_row(row: dict[str, Any]) -> None:
    ratio = f"{row['ratio']:.1f}" if row["ratio"] is not None else "-"
    status = ",".join(str(s) for s in row["status"])
    print(
        f"  {row['page']:<18} {row['cache']:<5} {status:>7} {row['calls']:>6} {row['rounds']:>6} "
        f"{row['floor_ms']:>7.0f} {row['median_ms']:>8.0f} {row['p95_ms']:>8.0f} {ratio:>6} "
        f"{row['refused_429']:>5}",
        flush=True,
    )


# seed: (scenario name, users added over ten inboxes); the demo's seed also runs its +300 scenario
SEEDS = {"demo": ("demo data", 0), "scale": ("scale 1000 (10 inboxes)", 1000)}


def wanted_seeds() -> list[str]:
    """BENCH_ONLY's seed, else every seed (BENCH_QUICK: the demo's only)."""
    if ONLY:
        return [seed for seed in SEEDS if seed.startswith(ONLY)]
    return ["demo"] if QUICK else list(SEEDS)


def run_seeds() -> list[dict[str, Any]]:
    """The scenarios of the wanted seeds, in this process."""
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["*"]
    tmp = tempfile.TemporaryDirectory(prefix="avodash-bench-")
    if connection.vendor == "sqlite":  # a file, not memory: the sync thread shares it with pages
        connection.settings_dict["TEST"]["NAME"] = str(Path(tmp.name) / "bench.sqlite3")
    old_name = connection.creation.create_test_db(verbosity=0)
    if ALL_ON_REDIS:
        cache.clear()  # the bench's own Redis database: no limiter or reads from an earlier run
    scenarios: list[dict[str, Any]] = []
    try:
        for seed in wanted_seeds():
            name, scale = SEEDS[seed]
            t0 = time.perf_counter()
            srv = SandboxServer(port=0, seed=1, latency_ms=LATENCY_MS, scale=scale).start()
            try:
                scenarios.append(scenario(name, srv, time.perf_counter() - t0))
                if scale == 0:
                    t0 = time.perf_counter()
                    srv.add_users(INBOX, 300)
                    scenarios.append(scenario(f"{INBOX} +300 users", srv, time.perf_counter() - t0))
            finally:
                srv.stop()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        tmp.cleanup()
    return scenarios


def seed_in_a_process(seed: str) -> list[dict[str, Any]]:
    """One seed's scenarios in a process of its own (`BENCH_ONLY=seed`): each seed is measured
    as a fresh server would serve it, not in a process still holding an earlier seed's sandbox,
    directory and heap (the 1,000-user pages were 3 to 5% slower after the demo's seeds ran in
    the same process)."""
    import subprocess

    with tempfile.NamedTemporaryFile(prefix="avodash-bench-", suffix=".json", delete=False) as part:
        out = Path(part.name)
    try:
        env = {**os.environ, "BENCH_ONLY": seed, "BENCH_PART": str(out)}
        done = subprocess.run([sys.executable, "-m", "tests.bench"], env=env, check=False)  # noqa: S603
        if done.returncode:
            raise RuntimeError(f"the {seed} seed's bench failed (exit {done.returncode})")
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def main() -> int:
    if not VERBOSE:  # the table counts the 429s; the client's warnings would only break it up
        logging.disable(logging.WARNING)
    part = os.environ.get("BENCH_PART")
    if part:  # a seed's process, started by the bench's main process
        Path(part).write_text(json.dumps(run_seeds()))
        return 0
    started = time.time()
    results: dict[str, Any] = {
        "latency_ms": LATENCY_MS,
        "runs": RUNS,
        "quick": QUICK,
        "started_at": started,
        "scenarios": [],
    }
    print(
        f"sandbox latency {LATENCY_MS:g} ms per call; {RUNS} runs per page and cache state; "
        "times in ms; floor = rounds x latency; ratio = median / floor",
        flush=True,
    )
    if ONLY:
        results["scenarios"] = run_seeds()
    else:
        for seed in wanted_seeds():
            results["scenarios"] += seed_in_a_process(seed)
            RESULTS.write_text(json.dumps(results, indent=2))
    results["duration_s"] = round(time.time() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(f"\nbench took {results['duration_s']:.0f} s; figures in {RESULTS.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
