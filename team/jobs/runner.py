"""The runner: claim a job, run its open steps in order, record and audit each outcome.

The claim is a conditional UPDATE (one runner per job, whatever the number of workers or app
servers) that gives the run a lease (`team.jobs.lease`). Each step's outcome is saved, and
audited in the name of the operator who started the run, before the next begins. A step found
`running` was interrupted by a crash: its executor re-checks the API's state before doing
anything again (`team.jobs.steps`), and it finishes the audit row its first attempt began.
"""

from __future__ import annotations

import logging
import time

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from avodash.audit import audit_begin, audit_finish, audit_record
from avodash.avochato import AvochatoError, RateLimitedError
from avodash.avochato.django import get_client
from avodash.domain.errors import ActionError
from avodash.domain.inboxes import user_may_use
from avodash.models import AuditEntry
from team.jobs.lease import Heartbeat, new_token
from team.jobs.steps import EXECUTORS, StepFailed, StepRun, StepUnknown
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
OUTCOMES = {
    JobStep.DONE: AuditEntry.OK,
    JobStep.FAILED: AuditEntry.FAILED,
    JobStep.UNKNOWN: AuditEntry.UNKNOWN,
}


def job_run(*, job_id: int, task_id: str = "") -> dict:
    """Claim the job and run its open steps in order; returns a small summary."""
    now = timezone.now()
    token = new_token()
    due = Q(status=Job.QUEUED) | Q(status=Job.SCHEDULED, run_after__lte=now)
    claimed = Job.objects.filter(due, pk=job_id).update(
        status=Job.RUNNING, heartbeat_at=now, lease_token=token, task_id=task_id or F("task_id")
    )
    if not claimed:
        job = Job.objects.filter(pk=job_id).first()
        status = job.status if job else "missing"
        log.info("job %s not run: %s", job_id, status)
        return {"job": job_id, "ran": False, "status": status}
    Job.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    job = Job.objects.get(pk=job_id)
    log.info("job %s (%s) running", job.pk, job.kind)
    with Heartbeat(job.pk, token) as heart:
        for step_id in job.steps.filter(status__in=(JobStep.PENDING, JobStep.RUNNING)).values_list(
            "pk", flat=True
        ):
            if not heart.beat():
                return {"job": job.pk, "ran": True, "status": "taken over"}
            step = JobStep.objects.get(pk=step_id)
            if not _held_back(job, step):
                _run_step(job, step, heart)
        if not heart.beat():
            return {"job": job.pk, "ran": True, "status": "taken over"}
        left = job.steps.exclude(status__in=(JobStep.DONE, JobStep.CANCELLED)).count()
        final = Job.DONE if left == 0 else Job.FAILED
        Job.objects.filter(pk=job.pk, lease_token=token).update(
            status=final, finished_at=timezone.now(), heartbeat_at=timezone.now()
        )
    log.info("job %s finished: %s", job.pk, final)
    return {"job": job.pk, "ran": True, "status": final}


def _held_back(job: Job, step: JobStep) -> bool:
    """A step after a failed (or unknown) one in its group waits for that one's retry."""
    held_by = (
        job.steps.filter(
            group=step.group,
            position__lt=step.position,
            status__in=(*JobStep.UNSETTLED, JobStep.BLOCKED),
        )
        .order_by("position")
        .first()
    )
    if held_by is None:
        return False
    why = "has an unknown outcome" if held_by.status == JobStep.UNKNOWN else "did not succeed"
    step.status = JobStep.BLOCKED
    step.outcome = f"held back: “{held_by.get_action_display().lower()}” {why} in {step.inbox}"
    step.save(update_fields=["status", "outcome"])
    return True


def _begin(job: Job, step: JobStep) -> None:
    """Mark the step running and its audit row begun, together, before any API call. A step
    found running was interrupted: it finishes the row its first attempt began."""
    interrupted = step.status == JobStep.RUNNING
    entry = step.audit_entry if interrupted else None
    with transaction.atomic():
        if entry is None or entry.outcome != AuditEntry.PENDING:
            entry = audit_begin(
                actor=job.run_by if job.run_by_id else None,
                actor_name=job.run_by_name or job.created_by_name,
                inbox=step.inbox,
                action=AUDIT_ACTIONS[step.action],
                target=step.target,
                params={"job": job.pk, "step": step.position, **_audit_params(step, results=False)},
            )
        JobStep.objects.filter(pk=step.pk).update(
            status=JobStep.RUNNING,
            attempts=F("attempts") + 1,
            started_at=timezone.now(),
            error="",
            audit_entry=entry,
        )
    step.refresh_from_db()


def _run_step(job: Job, step: JobStep, heart: Heartbeat) -> None:
    interrupted = step.status == JobStep.RUNNING  # a crash happened in the middle of it
    _begin(job, step)
    run = None
    try:
        _check_operator(job, step)
        run = StepRun(
            client=get_client(step.inbox, background=True),
            step=step,
            recheck=interrupted or step.attempts > 1,
        )
        outcome, result = _execute(run)
    except StepUnknown as err:
        _finish(
            job, step, heart, JobStep.UNKNOWN, outcome="outcome unknown", error=err.message, result=err.result
        )
    except StepFailed as err:
        _finish(job, step, heart, JobStep.FAILED, outcome="failed", error=err.message, result=err.result)
    except AvochatoError as err:
        # Executors read back what they wrote; one that escapes after a write is unknown.
        unknown = run is not None and run.wrote and err.may_have_applied
        if unknown:
            message = f"{err.message} It may have gone through: check in Avochato; a retry checks first."
            _finish(job, step, heart, JobStep.UNKNOWN, outcome="outcome unknown", error=message)
        else:
            _finish(job, step, heart, JobStep.FAILED, outcome="failed", error=err.message)
    except ActionError as err:
        _finish(job, step, heart, JobStep.FAILED, outcome="failed", error=str(err))
    except Exception:  # a bug must not leave the job half-recorded
        log.exception("job %s step %s crashed", job.pk, step.pk)
        error = "Unexpected error in avodash (see the server log)."
        if run is not None and run.wrote:
            error += " It came after a write: check in Avochato; a retry checks first."
            _finish(job, step, heart, JobStep.UNKNOWN, outcome="outcome unknown", error=error)
        else:
            _finish(job, step, heart, JobStep.FAILED, outcome="failed", error=error)
    else:
        _finish(job, step, heart, JobStep.DONE, outcome=outcome, result=result)


def _execute(run: StepRun) -> tuple[str, dict]:
    """Run the step's executor, waiting out rate limits: a 429 means Avochato did not act,
    so even a POST is safe to send again (the client itself never resends one)."""
    first = run.recheck
    for attempt in range(1, RATE_LIMIT_ATTEMPTS + 1):
        run.recheck = first or attempt > 1
        run.wrote = False  # what an earlier attempt wrote, this one re-reads first
        try:
            return EXECUTORS[run.step.action](run)
        except RateLimitedError as err:
            if attempt == RATE_LIMIT_ATTEMPTS:
                raise
            wait = min(err.retry_after or 1.0, RATE_LIMIT_MAX_WAIT)
            log.info("job step %s rate limited; trying again in %.1f s", run.step.pk, wait)
            time.sleep(wait)
    raise AssertionError("unreachable")


def _finish(
    job: Job,
    step: JobStep,
    heart: Heartbeat,
    status: str,
    *,
    outcome: str,
    error: str = "",
    result: dict | None = None,
) -> None:
    if not heart.beat():
        return  # taken over: the run that holds the job re-checks this step and records it
    step.status = status
    step.outcome = outcome[:300]
    step.error = error
    if result is not None:  # a failed step keeps what it noted before failing
        step.result = result
    step.finished_at = timezone.now()
    actor = job.run_by if job.run_by_id else None
    with transaction.atomic():
        step.save(update_fields=["status", "outcome", "error", "result", "finished_at"])
        audit_finish(
            step.audit_entry,
            outcome=OUTCOMES[status],
            error=error,
            params={"outcome": step.outcome, **_audit_params(step)},
        )
        if step.action == JobStep.REASSIGN_TICKETS and result:  # what this attempt moved
            audit_handed_over(
                actor=actor,
                actor_name=job.run_by_name or job.created_by_name,
                inbox=step.inbox,
                ticket_ids=result.get("ticket_ids") or [],
                to=step.params.get("to", ""),
                job=job.pk,
            )


def audit_job(job: Job, user, action: str, *, actor_name: str | None = None, **params) -> None:
    """Audit something done to the job as a whole (start, retry, resume...)."""
    audit_record(
        actor=user,
        actor_name=actor_name,
        inbox="",
        action=action,
        target=f"job {job.pk}: {job.title}",
        params={"job": job.pk, "kind": job.kind, **params},
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


def _audit_params(step: JobStep, *, results: bool = True) -> dict:
    """What the audit row shows of the step: what it was asked to do (and what it did)."""
    p = step.params
    keep = {k: p[k] for k in ("role", "name", "to", "to_name", "user_id") if p.get(k)}
    if p.get("phone"):
        keep["phone"] = "set"
    for k in ("tickets", "messages") if results else ():
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
