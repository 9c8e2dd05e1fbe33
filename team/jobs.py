"""Lifecycle jobs run in the background: the django-tasks task, the runner, and job control.

    job = offboard_job_create(...)              # team.offboarding: a Job with every step, planned
    job_start(job, user=request.user)           # queued now, or scheduled for job.run_after
    job_retry(job, user=...)                    # failed / held-back steps again, finished ones kept
    job_cancel(job, user=...)                   # before it starts (a dated job until its time)
    job_resume(job, user=...)                   # a job whose worker died mid-way

The worker (`manage.py db_worker`) runs `run_job(job_id)`, which calls `job_run`. The runner
claims the job with a conditional UPDATE (one runner per job, whatever the number of
workers or app servers), then takes the open steps in order. Each step's outcome is saved,
and audited in the name of the operator who started the run, before the next begins. A
step found `running` was interrupted by a crash: its executor re-checks the API's state
before doing anything again (adding checks membership first, a handover re-queries the
person's remaining tickets, disabling is idempotent, removing treats "not a member" as done).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from avodash.audit import actor_display, audit_record
from avodash.avochato import AvochatoError, NotFoundError, RateLimitedError, UnavailableError
from avodash.avochato.django import get_client
from avodash.domain import scheduled as scheduled_svc
from avodash.domain import users as user_svc
from avodash.domain.errors import ActionError
from avodash.domain.inboxes import user_may_use
from avodash.domain.tickets import tickets_handover
from avodash.models import AuditEntry
from team import mfa
from team.models import Job, JobStep

log = logging.getLogger(__name__)

MANAGE_PERM = "avodash.manage_team"
RATE_LIMIT_ATTEMPTS = 4
RATE_LIMIT_MAX_WAIT = 30.0

# How each step is audited (the action names of the single-inbox team pages).
AUDIT_ACTIONS = {
    JobStep.ADD_USER: "team.user_add",
    JobStep.REASSIGN_TICKETS: "team.tickets_handover",
    JobStep.CANCEL_SCHEDULED: "team.scheduled_cancel",
    JobStep.DISABLE_USER: "team.user_disable",
    JobStep.REMOVE_USER: "team.user_remove",
}


# --- the task -------------------------------------------------------------------------


@task()
def run_job(job_id: int) -> dict:
    """The background entry point: run (or resume) one lifecycle job."""
    return job_run(job_id=job_id)


def _enqueue(job: Job) -> None:
    when = job.run_after if job.status == Job.SCHEDULED else None
    runner = run_job.using(run_after=when) if when else run_job
    result = runner.enqueue(job.pk)
    # The immediate backend (tests) has already run it; keep what the runner saved.
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id))
    job.refresh_from_db()


# --- job control (called by views, with the operator) -----------------------------------


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


def _audit_job(job: Job, user, action: str, **params) -> None:
    audit_record(
        actor=user,
        inbox="",
        action=action,
        target=f"job {job.pk}: {job.title}",
        params={"job": job.pk, "kind": job.kind, **params},
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
    _audit_job(
        job,
        user,
        "team.job_schedule" if scheduled else "team.job_start",
        **({"run_after": job.run_after.isoformat()} if scheduled else {}),
    )
    _enqueue(job)
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
    _audit_job(job, user, "team.job_cancel")
    return job


def job_retry(job: Job, *, user, step_ids: list[int] | None = None) -> Job:
    """Run the failed steps again (and the ones they held back); finished steps are kept."""
    if job.status != Job.FAILED:
        raise ActionError("Only a job that finished with failed steps can be retried.")
    steps = job.steps.filter(status__in=(JobStep.FAILED, JobStep.BLOCKED))
    if step_ids:
        groups = set(job.steps.filter(pk__in=step_ids, status=JobStep.FAILED).values_list("group", flat=True))
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
    _audit_job(job, user, "team.job_retry", steps=retried)
    _enqueue(job)
    return job


def job_resume(job: Job, *, user) -> Job:
    """Take up a job whose worker died (running, no heartbeat for a while)."""
    job.refresh_from_db()
    if not job.is_stale:
        raise ActionError("This job is not stalled: nothing to resume.")
    claimed = Job.objects.filter(pk=job.pk, status=Job.RUNNING, heartbeat_at=job.heartbeat_at).update(
        status=Job.QUEUED, run_by=user, run_by_name=actor_display(user), queued_at=timezone.now()
    )
    if not claimed:
        raise ActionError("This job changed meanwhile; reload the page.")
    job.refresh_from_db()
    _audit_job(job, user, "team.job_resume")
    _enqueue(job)
    return job


# --- the runner -------------------------------------------------------------------------


def job_run(*, job_id: int) -> dict:
    """Claim the job and run its open steps in order; returns a small summary."""
    now = timezone.now()
    due = Q(status=Job.QUEUED) | Q(status=Job.SCHEDULED, run_after__lte=now)
    claimed = Job.objects.filter(due, pk=job_id).update(status=Job.RUNNING, heartbeat_at=timezone.now())
    if not claimed:
        job = Job.objects.filter(pk=job_id).first()
        status = job.status if job else "missing"
        log.info("job %s not run: %s", job_id, status)
        return {"job": job_id, "ran": False, "status": status}
    job = Job.objects.get(pk=job_id)
    if job.started_at is None:
        Job.objects.filter(pk=job_id).update(started_at=timezone.now())
    log.info("job %s (%s) running", job.pk, job.kind)

    for step_id in job.steps.filter(status__in=(JobStep.PENDING, JobStep.RUNNING)).values_list(
        "pk", flat=True
    ):
        step = JobStep.objects.get(pk=step_id)
        held_by = (
            job.steps.filter(
                group=step.group, position__lt=step.position, status__in=(JobStep.FAILED, JobStep.BLOCKED)
            )
            .order_by("position")
            .first()
        )
        if held_by is not None:
            step.status = JobStep.BLOCKED
            step.outcome = (
                f"held back: “{held_by.get_action_display().lower()}” did not succeed in {step.inbox}"
            )
            step.save(update_fields=["status", "outcome"])
            continue
        _run_step(job, step)
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())

    left = job.steps.exclude(status__in=(JobStep.DONE, JobStep.CANCELLED)).count()
    final = Job.DONE if left == 0 else Job.FAILED
    Job.objects.filter(pk=job.pk).update(
        status=final, finished_at=timezone.now(), heartbeat_at=timezone.now()
    )
    log.info("job %s finished: %s", job.pk, final)
    return {"job": job.pk, "ran": True, "status": final}


def _run_step(job: Job, step: JobStep) -> None:
    interrupted = step.status == JobStep.RUNNING  # a crash happened in the middle of it
    JobStep.objects.filter(pk=step.pk).update(
        status=JobStep.RUNNING, attempts=F("attempts") + 1, started_at=timezone.now(), error=""
    )
    step.refresh_from_db()
    try:
        _check_operator(job, step)
        client = get_client(step.inbox, background=True)
        outcome, result = _execute(client, step, interrupted or step.attempts > 1)
    except AvochatoError as err:
        message = err.message
        if isinstance(err, UnavailableError) and err.maybe_sent:
            message += " It may have gone through: a retry checks first."
        _finish(job, step, JobStep.FAILED, outcome="failed", error=message)
    except ActionError as err:
        _finish(job, step, JobStep.FAILED, outcome="failed", error=str(err))
    except Exception:  # a bug must not leave the job half-recorded
        log.exception("job %s step %s crashed", job.pk, step.pk)
        _finish(
            job,
            step,
            JobStep.FAILED,
            outcome="failed",
            error="Unexpected error in avodash (see the server log).",
        )
    else:
        _finish(job, step, JobStep.DONE, outcome=outcome, result=result)


def _execute(client, step: JobStep, recheck: bool) -> tuple[str, dict]:
    """Run the step's executor, waiting out rate limits: a 429 means Avochato did not act,
    so even a POST is safe to send again (the client itself never resends one)."""
    for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
        try:
            return EXECUTORS[step.action](client, step, recheck or attempt > 1)
        except RateLimitedError as err:
            if attempt == RATE_LIMIT_ATTEMPTS:
                raise
            wait = min(err.retry_after or 1.0, RATE_LIMIT_MAX_WAIT)
            log.info("job step %s rate limited; trying again in %.1f s", step.pk, wait)
            time.sleep(wait)
    raise AssertionError("unreachable")


def _finish(
    job: Job, step: JobStep, status: str, *, outcome: str, error: str = "", result: dict | None = None
) -> None:
    step.status = status
    step.outcome = outcome[:300]
    step.error = error
    if result is not None:  # a failed step keeps what it noted before failing
        step.result = result
    step.finished_at = timezone.now()
    step.save(update_fields=["status", "outcome", "error", "result", "finished_at"])
    actor = job.run_by if job.run_by_id else None
    audit_record(
        actor=actor,
        actor_name=job.run_by_name or job.created_by_name,
        inbox=step.inbox,
        action=AUDIT_ACTIONS[step.action],
        target=step.target,
        params={"job": job.pk, "step": step.position, "outcome": step.outcome, **_audit_params(step)},
        outcome=AuditEntry.OK if status == JobStep.DONE else AuditEntry.FAILED,
        error=error,
    )
    if status == JobStep.DONE and step.action == JobStep.REASSIGN_TICKETS:
        audit_handed_over(
            actor=actor,
            actor_name=job.run_by_name or job.created_by_name,
            inbox=step.inbox,
            ticket_ids=step.result.get("ticket_ids") or [],
            to=step.params.get("to", ""),
            job=job.pk,
        )


def audit_handed_over(*, actor, actor_name: str, inbox: str, ticket_ids: list[str], to: str, **extra) -> None:
    """One audit entry naming the tickets a handover moved, as the ticket page's attribution
    reads them (`tickets.bulk_update` with `user_id`, the ticket ids as the target): Avochato
    credits the change to the API's own user; the ticket page then names the person instead."""
    if ticket_ids:
        audit_record(
            actor=actor,
            actor_name=actor_name,
            inbox=inbox,
            action="tickets.bulk_update",
            target=ticket_ids,
            params={"user_id": to, "handover": True, **extra},
        )


def _audit_params(step: JobStep) -> dict:
    p = step.params
    keep = {k: p[k] for k in ("role", "name", "to", "to_name", "user_id") if p.get(k)}
    if p.get("phone"):
        keep["phone"] = "set"
    for k in ("tickets", "messages"):
        if step.result.get(k):
            keep[k] = step.result[k]
    return keep


def _check_operator(job: Job, step: JobStep) -> None:
    """A dated job runs later: the operator must still be allowed to do it then."""
    operator = job.run_by
    if operator is None or not operator.is_active:
        raise ActionError(
            "The operator who started this job no longer has a dashboard account; an IT admin can retry it."
        )
    if not operator.has_perm(MANAGE_PERM):
        raise ActionError(f"{job.run_by_name} may no longer manage the team; an IT admin can retry it.")
    if not user_may_use(operator, step.inbox):
        raise ActionError(f"{job.run_by_name} is no longer granted the inbox {step.inbox}.")


# --- what each step does ------------------------------------------------------------------
# Each returns (outcome in words, result data) or raises AvochatoError / LifecycleError.
# `recheck` is True on a retry or after a crash: look at the API's state before acting.


def _step_add_user(client, step: JobStep, recheck: bool) -> tuple[str, dict]:
    p = step.params
    existing = user_svc.member_by_email(client=client, email=step.target)
    if existing is not None:
        if recheck and step.result.get("posted"):
            return "added (found on re-check)", {"user_id": existing.id, "already": True}
        # Onboarding adds; it never changes the role of an existing membership (a bulk file
        # must not silently demote an owner or promote a member).
        asked = p.get("role", "member")
        what = "already a member"
        if existing.role:
            what += f" as {existing.role}"
            if existing.role != asked:
                what += f": role unchanged (asked for {asked})"
        return what, {"user_id": existing.id, "already": True}
    # Recorded before the POST: a crash after it makes the re-check above say so.
    step.result = {"posted": True}
    JobStep.objects.filter(pk=step.pk).update(result=step.result)
    user = user_svc.user_add(
        client=client,
        email=step.target,
        name=p.get("name") or None,
        role=p.get("role", "member"),
        phone=p.get("phone") or None,
    ).user
    outcome = f"added as {user.role or p.get('role', 'member')}"
    if p.get("phone"):
        mfa.pending_phone_remember(user=user, phone=p["phone"], operator=step.job.run_by)
        outcome += ", MFA phone pending verification"
    return outcome, {"user_id": user.id, "posted": True}


def _step_reassign(client, step: JobStep, recheck: bool) -> tuple[str, dict]:
    p = step.params
    result = tickets_handover(client=client, from_user_id=p["user_id"], to=p["to"])
    if not result.ok:  # a retry picks up exactly the tickets still theirs
        raise ActionError(result.summary)
    moved = result.moved
    if not moved:
        return "no open tickets left to hand over", {"tickets": 0}
    who = p.get("to_name") or p["to"]
    return f"{len(moved)} open ticket{'s' if len(moved) != 1 else ''} handed to {who}", {
        "tickets": len(moved),
        "ticket_ids": moved[:500],
    }


def _step_cancel_scheduled(client, step: JobStep, recheck: bool) -> tuple[str, dict]:
    cancelled = _cancel_scheduled_of(client, user_id=step.params["user_id"], email=step.target)
    if not cancelled:
        return "no pending scheduled messages left", {"messages": 0}
    return f"{len(cancelled)} scheduled message{'s' if len(cancelled) != 1 else ''} cancelled", {
        "messages": len(cancelled),
        "message_ids": cancelled[:500],
    }


def _step_disable(client, step: JobStep, recheck: bool) -> tuple[str, dict]:
    user_svc.user_disable(client=client, user=step.params["user_id"])
    return "disabled", {}


def _step_remove(client, step: JobStep, recheck: bool) -> tuple[str, dict]:
    try:
        user_svc.user_delete(client=client, user=step.params["user_id"])
    except NotFoundError:
        if user_svc.member_by_email(client=client, email=step.target) is None:
            return "removed (no longer a member)", {"already": True}
        raise
    return "removed from the inbox", {}


def _cancel_scheduled_of(client, *, user_id: str, email: str) -> list[str]:
    """Cancel every pending scheduled message of the user (re-queried now); the cancelled ids."""
    cancelled: list[str] = []
    for message in scheduled_svc.scheduled_by_sender(client=client, user_id=user_id, email=email):
        try:
            scheduled_svc.scheduled_cancel(client=client, message_id=message.id)
        except NotFoundError:
            continue  # sent or cancelled meanwhile
        except RateLimitedError:
            raise  # not acted on: the runner waits and runs the step again
        except AvochatoError as err:
            done = f"{len(cancelled)} cancelled before this; " if cancelled else ""
            raise ActionError(
                f"Could not cancel a scheduled message ({err.message}); {done}a retry picks up the rest."
            ) from err
        cancelled.append(message.id)
    return cancelled


EXECUTORS: dict[str, Callable[..., tuple[str, dict]]] = {
    JobStep.ADD_USER: _step_add_user,
    JobStep.REASSIGN_TICKETS: _step_reassign,
    JobStep.CANCEL_SCHEDULED: _step_cancel_scheduled,
    JobStep.DISABLE_USER: _step_disable,
    JobStep.REMOVE_USER: _step_remove,
}
