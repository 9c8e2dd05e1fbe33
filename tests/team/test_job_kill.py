"""`kill -9` of the worker in the middle of an offboarding, then a new worker: the job finishes
by itself, every write is made exactly once, and no django-tasks row is left RUNNING.

Real processes: `manage.py db_worker` runs in a subprocess against this test's database (the
temporary SQLite file, or the PostgreSQL test database) and the sandbox over HTTP, so the
test's data is committed (a transactional test) for the worker to see it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from team.models import Job, JobStep
from tests.team.support import assert_job, last_job, user_id

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("db_tasks", "no_rate_limit", "short_lease"),
]

SAM = "sam.rivera@acme.example"
MAYA = "maya.patel@acme.example"
BOTH = ("acme-support", "acme-sales")
LEASE = 2  # seconds: the new worker takes the job up within a few


@pytest.fixture
def short_lease(settings):
    """The dashboard (which queues the first watch) and the workers share the lease, as in production."""
    settings.TEAM_JOB_LEASE = LEASE


def _database_url() -> str:
    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    if "postgresql" in db["ENGINE"]:
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    pytest.skip(f"no worker subprocess for {db['ENGINE']}")


def _worker(sandbox, name: str, logs: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "AVOCHATO_API_URL": sandbox.url,
        "AVOCHATO_AUTH_ID": "sandbox",
        "AVOCHATO_AUTH_SECRET": "sandbox-secret",
        "AVOCHATO_RATE_LIMIT": "1000",
        "TEAM_JOB_LEASE": str(LEASE),
        "DEBUG": "true",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
    }
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "db_worker"]
    command += ["--no-reload", "--no-startup-delay", "--interval", "0.2", "--worker-id", name]
    return subprocess.Popen(  # noqa: S603 - our own manage.py
        command, env=env, stdout=(logs / f"{name}.log").open("wb"), stderr=subprocess.STDOUT
    )


def _wait(what: str, check, seconds: float, logs: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    output = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(logs.glob("*.log")))
    steps = "\n".join(f"  {s.position} {s.inbox} {s.action}: {s.status}" for s in last_job().steps.all())
    raise AssertionError(f"timed out waiting for {what}\n{steps}\n{output}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_kill_9_mid_offboarding_then_a_new_worker_finishes_it_writing_everything_once(
    client_itadmin, sandbox, tmp_path
):
    sam, maya = user_id(sandbox, SAM), user_id(sandbox, MAYA)
    tickets = {
        sub: {
            t.id
            for t in sandbox.state.inbox(sub).tickets.values()
            if t.user_id == sam and t.status != "Closed"
        }
        for sub in BOTH
    }
    scheduled = {
        sub: {
            p.event_id
            for p in sandbox.state.inbox(sub).pending.values()
            if p.sender_id == sam and not p.aborted
        }
        for sub in BOTH
    }
    assert all(tickets.values()) and any(scheduled.values())
    form = {"email": SAM, "action": "disable", "scheduled": "cancel", "when": "now", "confirm": "yes"}
    for sub in BOTH:
        form |= {f"in_{sub}": "on", f"to_{sub}": maya}
    assert client_itadmin.post("/team/offboard/", form).status_code == 302
    job = last_job()
    assert job.status == Job.QUEUED and job.steps.count() == 6
    sandbox.clear_log()
    sandbox.faults.add("/v1/*", latency_ms=300)  # slow enough to be caught in the middle

    first = _worker(sandbox, "worker-1", tmp_path)
    second = None
    try:
        _wait("two steps done", lambda: job.steps.filter(status=JobStep.DONE).count() >= 2, 60, tmp_path)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
        job.refresh_from_db()
        assert job.status == Job.RUNNING and job.steps.exclude(status=JobStep.DONE).exists()
        assert DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, worker_ids=["worker-1"]).exists()

        second = _worker(sandbox, "worker-2", tmp_path)
        _wait(
            "the job to finish",
            lambda: Job.objects.get(pk=job.pk).status in (Job.DONE, Job.FAILED),
            90,
            tmp_path,
        )
    finally:
        _stop(first)
        if second is not None:
            _stop(second)

    assert_job(job, Job.DONE)
    # None of the killed worker's rows stays RUNNING (the second worker, stopped by this test
    # at any moment, may be in the middle of its recurring watch).
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, worker_ids=["worker-1"]).exists()
    dead = DBTaskResult.objects.get(worker_ids=["worker-1"], task_path__endswith="run_job")
    assert dead.status == TaskResultStatus.FAILED and "stopped" in dead.traceback
    writes = [r for r in sandbox.requests if r["method"] != "GET"]
    for sub in BOTH:
        inbox = sandbox.state.inbox(sub)
        puts = [r for r in writes if r["method"] == "PUT" and r["subdomain"] == sub]
        for tid in tickets[sub]:
            assert sum(tid in r["path"] for r in puts) == 1, f"{sub} ticket {tid} written more than once"
            assert inbox.tickets[tid].user_id == maya
        for mid in scheduled[sub]:
            assert [r["path"] for r in writes].count(f"/v1/messages/{mid}") == 1
            assert inbox.pending[mid].aborted
        disables = [r for r in writes if r["path"] == f"/v1/users/{sam}/disable" and r["subdomain"] == sub]
        assert len(disables) == 1
        assert inbox.members[sam].enabled is False


def test_a_step_slower_than_the_lease_keeps_its_job_while_another_worker_watches(
    client_itadmin, sandbox, tmp_path
):
    """The heartbeat thread beats during a long API call: a second, idle worker running the
    watch never takes the job away from a live one."""
    from avodash.models import AuditEntry

    sam = user_id(sandbox, SAM)
    form = {"email": SAM, "action": "disable", "scheduled": "keep", "when": "now", "confirm": "yes"}
    form |= {"in_acme-support": "on", "to_acme-support": user_id(sandbox, MAYA)}
    assert client_itadmin.post("/team/offboard/", form).status_code == 302
    job = last_job()
    sandbox.clear_log()
    sandbox.faults.add(f"/v1/users/{sam}/disable", method="POST", latency_ms=LEASE * 2500)
    workers = [_worker(sandbox, "worker-a", tmp_path), _worker(sandbox, "worker-b", tmp_path)]
    try:
        _wait(
            "the job to finish",
            lambda: Job.objects.get(pk=job.pk).status in (Job.DONE, Job.FAILED),
            60,
            tmp_path,
        )
    finally:
        for proc in workers:
            _stop(proc)
    assert_job(job, Job.DONE)
    assert len([r for r in sandbox.requests if r["path"] == f"/v1/users/{sam}/disable"]) == 1
    assert not AuditEntry.objects.filter(action="team.job_resume").exists()
    assert DBTaskResult.objects.filter(
        task_path__endswith="watch_jobs", status=TaskResultStatus.SUCCESSFUL
    ).exists()
