"""Job control, called by views with the operator: create, start, cancel, retry, resume."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from avodash.audit import actor_display
from avodash.domain.errors import ActionError
from team.jobs.runner import audit_job
from team.jobs.tasks import enqueue_run, job_requeue
from team.models import Job, JobStep


def new_job(*, kind: str, title: str, subject: str, operator, options: dict, run_after=None) -> Job:
    return Job.objects.create(
        kind=kind,
        title=title,
        subject=subject,
        options=options,
        run_after=run_after,
        created_by=operator,
        created_by_name=actor_display(operator),
        status=Job.DRAFT,
    )


def job_start(job: Job, *, user) -> Job:
    """Queue a planned job now, or schedule it when it carries a future `run_after`."""
    if job.status != Job.DRAFT:
        raise ActionError("This job has already been started.")
    if not job.steps.exists():
        raise ActionError("There is nothing to do in this job.")
    now = timezone.now()
    scheduled = job.run_after is not None and job.run_after > now
    job.status = Job.SCHEDULED if scheduled else Job.QUEUED
    job.run_by = user
    job.run_by_name = actor_display(user)
    job.queued_at = job.run_after if scheduled else now
    job.save(update_fields=["status", "run_by", "run_by_name", "queued_at"])
    audit_job(
        job,
        user,
        "team.job_schedule" if scheduled else "team.job_start",
        **({"run_after": job.run_after.isoformat()} if scheduled else {}),
    )
    enqueue_run(job)
    return job


def job_cancel(job: Job, *, user) -> Job:
    """Cancel a job that has not started (a dated job until its time). Nothing is sent."""
    updated = Job.objects.filter(pk=job.pk, status__in=(Job.DRAFT, Job.SCHEDULED, Job.QUEUED)).update(
        status=Job.CANCELLED,
        cancelled_at=timezone.now(),
        cancelled_by_name=actor_display(user),
        finished_at=timezone.now(),
    )
    if not updated:
        raise ActionError("This job has already started: it can no longer be cancelled.")
    job.steps.filter(status__in=(JobStep.PENDING, JobStep.BLOCKED)).update(
        status=JobStep.CANCELLED, outcome="cancelled before it ran"
    )
    job.refresh_from_db()
    audit_job(job, user, "team.job_cancel")
    return job


def job_retry(job: Job, *, user, step_ids: list[int] | None = None) -> Job:
    """Run the failed and unknown steps again (and the ones they held back); finished steps are
    kept. Every step checks Avochato's state before it writes, so an unknown one is checked first."""
    if job.status != Job.FAILED:
        raise ActionError("Only a job that finished with failed steps can be retried.")
    steps = job.steps.filter(status__in=(*JobStep.UNSETTLED, JobStep.BLOCKED))
    if step_ids:
        groups = set(
            job.steps.filter(pk__in=step_ids, status__in=JobStep.UNSETTLED).values_list("group", flat=True)
        )
        if not groups:
            raise ActionError("That step has not failed: there is nothing to retry.")
        steps = steps.filter(group__in=groups)
    retried = list(steps.values_list("pk", flat=True))
    if not retried:
        raise ActionError("No failed step to retry.")
    with transaction.atomic():
        claimed = Job.objects.filter(pk=job.pk, status=Job.FAILED).update(
            status=Job.QUEUED,
            run_by=user,
            run_by_name=actor_display(user),
            finished_at=None,
            queued_at=timezone.now(),
        )
        if not claimed:
            raise ActionError("This job is already running again.")
        JobStep.objects.filter(pk__in=retried).update(status=JobStep.PENDING, outcome="")
    job.refresh_from_db()
    audit_job(job, user, "team.job_retry", steps=retried)
    enqueue_run(job)
    return job


def job_resume(job: Job, *, user) -> Job:
    """Take up at once a job whose worker died (running, no heartbeat for longer than the
    lease); a worker would take it up by itself shortly."""
    job.refresh_from_db()
    if not job.is_stale:
        raise ActionError("This job is not stalled: nothing to resume.")
    if not job_requeue(job, user=user):
        raise ActionError("This job changed meanwhile; reload the page.")
    job.refresh_from_db()
    return job
