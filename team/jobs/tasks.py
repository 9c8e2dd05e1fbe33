"""The background tasks: `run_job` runs (or continues) one job; `watch_jobs` takes up the jobs
of workers that died, so a job continues by itself, without anyone pressing Resume.

`watch_jobs` runs every half lease while a job is queued or running: the first thing it does is
queue its successor (a worker killed in the middle of it leaves the chain going), then it
re-queues every job whose lease ran out and closes the django-tasks rows dead workers left
RUNNING. Whatever starts a job queues a watch if none is waiting, and so does every run, so a
worker that starts after a crash finds one due and the orphaned job moves on within a lease or
two. The queue is django-tasks-db's (`manage.py db_worker`); with the immediate backend a job
runs inside the request that starts it and nothing can be orphaned.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from team.jobs.lease import queue_in_database, running_rows, task_row_abandon, waiting_rows
from team.jobs.runner import audit_job, job_run
from team.models import Job, job_lease

log = logging.getLogger(__name__)

# Rows queued before the jobs package was split name the task by its old path.
LEGACY_RUN_JOB = "team.jobs.run_job"


@task(takes_context=True)
def run_job(context, job_id: int) -> dict:
    """The background entry point: run (or continue) one lifecycle job."""
    if queue_in_database():
        watch_next()
        jobs_reclaim()
    return job_run(job_id=job_id, task_id=str(context.task_result.id))


RUN_JOB_PATHS = (run_job.module_path, LEGACY_RUN_JOB)


@task()
def watch_jobs() -> dict:
    """Take up the jobs of dead workers; queue the next look while jobs are live."""
    watch_next()
    return {"reclaimed": jobs_reclaim()}


def enqueue_run(job: Job) -> None:
    """Queue a run of the job (at `run_after` for a scheduled one)."""
    when = job.run_after if job.status == Job.SCHEDULED else None
    runner = run_job.using(run_after=when) if when else run_job
    result = runner.enqueue(job.pk)
    # The immediate backend (tests) has already run it; keep what the runner saved.
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()
    if queue_in_database():
        watch_next()


def watch_next() -> None:
    """Queue a watch half a lease from now, unless one is waiting, or there is nothing to watch:
    no job queued or running, and no row of ours left RUNNING (but the watch running now)."""
    if not queue_in_database() or waiting_rows(watch_jobs.module_path):
        return
    live = Job.objects.filter(status__in=(Job.QUEUED, Job.RUNNING)).exists()
    earlier = timezone.now() - timedelta(seconds=1)
    left = any(running_rows(p, started_before=earlier) for p in (*RUN_JOB_PATHS, watch_jobs.module_path))
    if live or left:
        watch_jobs.using(run_after=timezone.now() + job_lease() / 2).enqueue()


def job_requeue(job: Job, *, user=None) -> bool:
    """Queue a job whose worker died (running, heartbeat older than the lease) to continue.
    `user`: whoever pressed Resume (they run it from now on); None when a worker found it.
    False when it changed meanwhile (another worker or person took it up)."""
    fields = {"status": Job.QUEUED, "queued_at": timezone.now(), "lease_token": ""}
    if user is not None:
        from avodash.audit import actor_display

        fields.update(run_by=user, run_by_name=actor_display(user))
    claimed = Job.objects.filter(pk=job.pk, status=Job.RUNNING, heartbeat_at=job.heartbeat_at).update(
        **fields
    )
    if not claimed:
        return False
    since = f"{job.heartbeat_at:%Y-%m-%d %H:%M:%S} UTC" if job.heartbeat_at else "it started"
    lease = int(job_lease().total_seconds())
    task_row_abandon(
        job.task_id,
        why=f"The worker running job {job.pk} stopped: no heartbeat since {since} (lease {lease} s). "
        f"The job was queued to continue {'by ' + str(user) if user else 'by a worker'}.",
    )
    job.refresh_from_db()
    log.warning("job %s: its worker stopped (last heartbeat %s); queued to continue", job.pk, since)
    audit_job(
        job,
        user,
        "team.job_resume",
        actor_name=None if user else "avodash (its worker stopped)",
        last_heartbeat=since,
        automatic=user is None,
    )
    enqueue_run(job)
    return True


def jobs_reclaim() -> list[int]:
    """Re-queue every job whose lease ran out; close the RUNNING rows of dead workers. The ids
    of the jobs taken up."""
    cutoff = timezone.now() - job_lease()
    stale = Job.objects.filter(status=Job.RUNNING).filter(
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    )
    taken = [job.pk for job in stale if job_requeue(job)]
    for path in RUN_JOB_PATHS:
        for row in running_rows(path, started_before=cutoff):
            _close_dead_run(row)
    # A watch takes well under a second: one still RUNNING after a lease lost its worker.
    for row in running_rows(watch_jobs.module_path, started_before=cutoff - timedelta(seconds=1)):
        task_row_abandon(str(row.pk), why="The worker running this watch stopped.")
    return taken


def _close_dead_run(row) -> None:
    """A `run_job` row RUNNING for longer than a lease whose job is not held by it: its
    worker died. A job it left queued (the worker died before claiming it) is queued again."""
    args = (row.args_kwargs or {}).get("args") or []
    job_id = args[0] if args else (row.args_kwargs or {}).get("kwargs", {}).get("job_id")
    job = Job.objects.filter(pk=job_id).first() if job_id else None
    if job is not None and job.status == Job.RUNNING and job.task_id == str(row.pk):
        return  # its runner still beats (a stale one was re-queued above)
    if not task_row_abandon(str(row.pk), why=f"The worker running job {job_id} stopped."):
        return
    if job is not None and job.status == Job.QUEUED and job.task_id == str(row.pk):
        log.warning("job %s: its worker stopped before starting it; queued again", job.pk)
        enqueue_run(job)
