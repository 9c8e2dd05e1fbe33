"""Helpers for the people page tests (onboarding, offboarding, jobs): the job queue and the
sandbox's request log. The fixtures `immediate`, `db_tasks` and `no_rate_limit` are in conftest.py."""

from __future__ import annotations

from django_tasks_db.management.commands.db_worker import Worker

from team.models import Job

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

PEOPLE_URLS = [
    "/team/",
    "/team/compliance/",
    "/team/onboard/",
    "/team/onboard/csv/",
    "/team/onboard/csv/template.csv",
    "/team/offboard/",
    "/team/jobs/",
]


def run_worker() -> None:
    """The real `manage.py db_worker` loop, once over every task that is due, then return.

    The worker calls close_old_connections() each round; inside a test's transaction that
    would close PostgreSQL's connection under the test (SQLite's in-memory one survives).
    """
    from unittest import mock

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        _worker().run()


def _worker() -> Worker:
    return Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test-worker",
        excluded_queue_names=[],
    )


def user_id(sandbox, email: str) -> str:
    return sandbox.state.user_by_email(email).id


def calls(sandbox, method: str, path: str, subdomain: str | None = None) -> list[dict]:
    return [
        r
        for r in sandbox.requests
        if r["method"] == method and r["path"] == path and (subdomain is None or r["subdomain"] == subdomain)
    ]


def last_job() -> Job:
    return Job.objects.order_by("-pk").first()


def assert_job(job: Job, status: str) -> None:
    """The job ended in `status`; the message lists every step when it did not."""
    job.refresh_from_db()
    steps = "\n".join(
        f"  {s.position} {s.inbox} {s.action}: {s.status} {s.outcome} {s.error}" for s in job.steps.all()
    )
    assert job.status == status, f"job {job.pk} is {job.status}, not {status}:\n{steps}"


def offboard_now(client, sandbox, email: str = "sam.rivera@acme.example") -> Job:
    """Start the offboarding of `email` from acme-support (tickets to Maya) and acme-sales
    (auto-assignment), now; the job's page is where it lands."""
    maya = user_id(sandbox, "maya.patel@acme.example")
    r = client.post(
        "/team/offboard/",
        {
            "email": email,
            "action": "disable",
            "scheduled": "cancel",
            "when": "now",
            "in_acme-support": "on",
            "to_acme-support": maya,
            "in_acme-sales": "on",
            "to_acme-sales": "autoassign",
            "confirm": "yes",
        },
    )
    job = last_job()
    assert r.status_code == 302 and r["Location"] == f"/team/jobs/{job.pk}/"
    return job
