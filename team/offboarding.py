"""Offboarding: per inbox, hand over a person's open tickets, cancel their scheduled messages,
then disable or remove them; planned as a job (`team.models`) that `team.jobs` runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from avodash.domain.errors import ActionError
from avodash.domain.tickets import AUTOASSIGN, UNASSIGN
from team.jobs import new_job
from team.models import Job, JobStep
from team.people import Person

HANDOVER_AUTOASSIGN = AUTOASSIGN
HANDOVER_NOBODY = UNASSIGN


@dataclass(frozen=True, kw_only=True)
class OffboardChoice:
    """What the operator chose for one inbox."""

    subdomain: str
    handover: str  # a successor's user id, HANDOVER_AUTOASSIGN or HANDOVER_NOBODY
    handover_name: str = ""


class OffboardingExists(ActionError):
    """A second offboarding of the same person while one is scheduled, queued or running."""

    def __init__(self, job: Job):
        when = "scheduled" if job.status == Job.SCHEDULED else "already under way"
        super().__init__(f"An offboarding of {job.subject} is {when} (job #{job.pk}): open it instead.")
        self.job = job


def offboarding_in_progress(*, email: str, user_id: str = "") -> Job | None:
    """The person's offboarding that is scheduled, queued or running, if any."""
    jobs = Job.objects.filter(kind=Job.OFFBOARD, status__in=(*Job.WAITING, Job.RUNNING))
    by_email = jobs.filter(subject__iexact=email).order_by("pk").first() if email else None
    if by_email is not None or not user_id:
        return by_email
    return next((j for j in jobs.order_by("pk") if j.options.get("user_id") == user_id), None)


def offboard_job_create(
    *,
    operator,
    person: Person,
    choices: list[OffboardChoice],
    remove: bool,
    cancel_scheduled: bool,
    run_after: datetime | None = None,
) -> Job:
    """Per inbox, in order: hand over open tickets, cancel pending scheduled messages (when
    chosen), then disable (or remove). Steps re-query the API's state when they run."""
    if not choices:
        raise ActionError("Choose at least one inbox to offboard them from.")
    with transaction.atomic():
        # Lock the person's jobs (PostgreSQL) so two submits cannot both pass the check.
        list(Job.objects.select_for_update().filter(kind=Job.OFFBOARD, subject__iexact=person.email))
        existing = offboarding_in_progress(email=person.email, user_id=person.user_id)
        if existing is not None:
            raise OffboardingExists(existing)
        return _create(operator, person, choices, remove, cancel_scheduled, run_after)


def _create(operator, person: Person, choices, remove: bool, cancel_scheduled: bool, run_after) -> Job:
    what = "remove" if remove else "disable"
    job = new_job(
        kind=Job.OFFBOARD,
        title=f"Offboard {person.email}",
        subject=person.email,
        operator=operator,
        run_after=run_after,
        options={
            "name": person.name,
            "user_id": person.user_id,
            "action": what,
            "scheduled": "cancel" if cancel_scheduled else "keep",
            "inboxes": [c.subdomain for c in choices],
            "handover": {c.subdomain: c.handover_name or c.handover for c in choices},
        },
    )
    steps: list[JobStep] = []
    base = {"user_id": person.user_id}
    for c in choices:
        handover = JobStep(
            action=JobStep.REASSIGN_TICKETS,
            inbox=c.subdomain,
            params={**base, "to": c.handover, "to_name": c.handover_name or handover_label(c.handover)},
        )
        cancel = JobStep(action=JobStep.CANCEL_SCHEDULED, inbox=c.subdomain, params=dict(base))
        disable = JobStep(action=JobStep.DISABLE_USER, inbox=c.subdomain, params=dict(base))
        removal = JobStep(action=JobStep.REMOVE_USER, inbox=c.subdomain, params=dict(base))
        if c.handover == HANDOVER_AUTOASSIGN:
            # Auto-assignment picks among enabled members: while they are enabled it can hand
            # their tickets straight back to them. So: disable first, then auto-assign.
            order = [cancel] if cancel_scheduled else []
            order += [disable, handover] + ([removal] if remove else [])
        else:
            order = [handover] + ([cancel] if cancel_scheduled else []) + [removal if remove else disable]
        steps += order
    for n, s in enumerate(steps, start=1):
        s.job, s.position, s.group, s.target = job, n, s.inbox, person.email
    JobStep.objects.bulk_create(steps)
    return job


def handover_label(to: str) -> str:
    return {HANDOVER_AUTOASSIGN: "auto-assignment", HANDOVER_NOBODY: "nobody (unassigned)"}.get(to, to)
