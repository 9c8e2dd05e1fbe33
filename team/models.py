"""Lifecycle jobs: onboarding and offboarding across inboxes, kept in the database.

A `Job` is planned in full before it runs: its `JobStep`s (one API operation in one
inbox each, in order) are created with the job, so the plan the operator saw is what
runs. Each step's outcome is saved before the next step starts, so a page reload, a
restart or another app server shows the same progress, and a crashed job resumes where
it stopped. Steps in the same `group` (an inbox, or a CSV row in an inbox) run in order;
a failed step holds back the steps after it in its group (they are `blocked`, never
skipped silently) until it is retried.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

# A queued (or due) job no worker has taken after this long: is a worker running?
UNCLAIMED_AFTER = timedelta(minutes=1)


def job_lease() -> timedelta:
    """How long a running job may go without a heartbeat before it counts as orphaned (its
    worker died): `TEAM_JOB_LEASE` seconds. The runner beats several times per lease."""
    return timedelta(seconds=float(getattr(settings, "TEAM_JOB_LEASE", 30.0)))


class Job(models.Model):
    ONBOARD = "onboard"
    ONBOARD_CSV = "onboard_csv"
    OFFBOARD = "offboard"
    KINDS = [(ONBOARD, "Onboarding"), (ONBOARD_CSV, "CSV onboarding"), (OFFBOARD, "Offboarding")]

    DRAFT = "draft"  # planned, waiting for the operator to apply it (CSV preview)
    SCHEDULED = "scheduled"  # dated: runs by itself at run_after
    QUEUED = "queued"  # waiting for a worker
    RUNNING = "running"
    DONE = "done"  # every step finished
    FAILED = "failed"  # finished with failed (retryable) steps
    CANCELLED = "cancelled"
    STATUSES = [
        (DRAFT, "draft"),
        (SCHEDULED, "scheduled"),
        (QUEUED, "queued"),
        (RUNNING, "running"),
        (DONE, "done"),
        (FAILED, "needs attention"),
        (CANCELLED, "cancelled"),
    ]
    WAITING = (SCHEDULED, QUEUED)

    kind = models.CharField(max_length=16, choices=KINDS)
    status = models.CharField(max_length=10, choices=STATUSES, default=DRAFT, db_index=True)
    title = models.CharField(max_length=300)
    subject = models.CharField(max_length=254, blank=True, db_index=True, help_text="The person's email.")
    options = models.JSONField(
        default=dict, blank=True, help_text="What the operator chose; shown on the page."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by_name = models.CharField(max_length=150)
    # Who started the current run (the creator, or whoever retried or resumed it): steps are
    # audited in their name.
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    run_by_name = models.CharField(max_length=150, blank=True)

    run_after = models.DateTimeField(null=True, blank=True, help_text="Dated jobs: not before this time.")
    queued_at = models.DateTimeField(null=True, blank=True, help_text="Since when it waits for a worker.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="The runner's last sign of life.")
    lease_token = models.CharField(
        max_length=32, blank=True, help_text="Which run holds the job: a reclaimed run's old runner stops."
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by_name = models.CharField(max_length=150, blank=True)
    task_id = models.CharField(
        max_length=64, blank=True, help_text="The django-tasks result id of the last run."
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title} ({self.status})"

    @property
    def is_live(self) -> bool:
        """Worth polling: something may still change by itself."""
        return self.status in (self.QUEUED, self.RUNNING) and not self.is_stale

    @property
    def is_stale(self) -> bool:
        """Running, but no heartbeat for longer than the lease: its worker died (a worker
        reclaims it by itself; Resume does the same at once)."""
        if self.status != self.RUNNING:
            return False
        beat = self.heartbeat_at or self.started_at or self.created_at
        return timezone.now() - beat > job_lease()

    @property
    def is_unclaimed(self) -> bool:
        """Due for a while, yet no worker has started it."""
        if self.status not in (self.QUEUED, self.SCHEDULED) or self.queued_at is None:
            return False
        return timezone.now() - self.queued_at > UNCLAIMED_AFTER

    @property
    def is_cancellable(self) -> bool:
        return self.status in (self.DRAFT, self.SCHEDULED, self.QUEUED)


class JobStep(models.Model):
    ADD_USER = "add_user"
    REASSIGN_TICKETS = "reassign_tickets"
    CANCEL_SCHEDULED = "cancel_scheduled"
    DISABLE_USER = "disable_user"
    REMOVE_USER = "remove_user"
    ACTIONS = [
        (ADD_USER, "Add to inbox"),
        (REASSIGN_TICKETS, "Hand over open tickets"),
        (CANCEL_SCHEDULED, "Cancel pending scheduled messages"),
        (DISABLE_USER, "Disable"),
        (REMOVE_USER, "Remove from inbox"),
    ]

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    # The API call may have gone through and reading the target back failed too: nobody knows
    # whether it took effect. Holds back the steps after it, like a failure; a retry checks first.
    UNKNOWN = "unknown"
    BLOCKED = "blocked"  # held back by a failed (or unknown) step before it in the same group
    CANCELLED = "cancelled"
    STATUSES = [
        (PENDING, "pending"),
        (RUNNING, "running"),
        (DONE, "done"),
        (FAILED, "failed"),
        (UNKNOWN, "outcome unknown — check"),
        (BLOCKED, "held back"),
        (CANCELLED, "cancelled"),
    ]
    UNSETTLED = (FAILED, UNKNOWN)  # what a retry takes up (with the steps they held back)

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField()
    group = models.CharField(max_length=120, help_text="Steps of one group run in order.")
    row = models.PositiveIntegerField(null=True, blank=True, help_text="CSV row number, when from a CSV.")
    inbox = models.CharField(max_length=100)
    action = models.CharField(max_length=20, choices=ACTIONS)
    target = models.CharField(max_length=254, help_text="The person's email.")
    params = models.JSONField(default=dict, blank=True)

    status = models.CharField(max_length=10, choices=STATUSES, default=PENDING)
    outcome = models.CharField(max_length=300, blank=True, help_text="What happened, in words.")
    error = models.TextField(blank=True)
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The audit row of the current attempt, begun before its first API call: a resumed step
    # finishes this same row.
    audit_entry = models.ForeignKey(
        "avodash.AuditEntry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["job", "position"]
        constraints = [models.UniqueConstraint(fields=["job", "position"], name="unique_job_step_position")]

    def __str__(self) -> str:
        return f"{self.job_id}.{self.position} {self.action} {self.inbox} ({self.status})"


class MfaPhoneRequest(models.Model):
    """An MFA phone set through avodash that its owner has not confirmed yet.

    The API tells only whether a phone is verified (`phone_valid`): a phone set with
    `POST /v1/users/:id/mfa_phone` (or `POST /v1/users` with `phone`) stays pending, invisibly,
    until the person types the code Avochato texts them. avodash remembers what it set, so the
    compliance report can say "phone pending confirmation" instead of "no method". The MFA
    phone belongs to the Avochato user (one across inboxes): one row per user.
    """

    user_id = models.CharField(max_length=64, unique=True, help_text="The Avochato user id.")
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=20, help_text="E.164, as sent.")
    set_at = models.DateTimeField()
    set_by_name = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"{self.email or self.user_id}: {self.phone} pending"
