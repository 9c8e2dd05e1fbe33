"""Dashboard-side state only: inbox grants, the audit trail, idempotency keys.

Everything about tickets, contacts and users lives in Avochato; we keep only what the
dashboard itself must remember.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

ALL_INBOXES = "*"


class Capability(models.Model):
    """Holds the dashboard's permissions (no table). Roles are groups of these."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_tickets", "Read tickets, event streams and contacts"),
            ("send_messages", "Send and schedule messages"),
            ("change_ticket_status", "Change ticket status and addressed state"),
            ("tag_contacts", "Add and remove contact tags"),
            ("log_events", "Log custom events"),
            ("assign_tickets", "Assign tickets"),
            ("bulk_update_tickets", "Bulk status and assignment"),
            ("manage_scheduled", "Manage the inbox's scheduled messages"),
            ("view_team", "See the team (read-only)"),
            ("view_inbox_audit", "Audit of the inboxes they are granted"),
            ("manage_team", "Manage users: add, role, disable, MFA, reset, remove"),
            ("view_all_audit", "Audit of everything"),
            ("edit_contacts", "Edit contacts, opt out and in, bulk contact updates"),
            ("remove_all_contacts", "Remove every contact of an inbox"),
            ("manage_broadcasts", "Draft, edit and publish broadcasts"),
            ("manage_campaigns", "Remove contacts from campaigns"),
            ("manage_saved_replies", "Manage the inbox's saved replies"),
            ("manage_access", "Manage dashboard users, roles and inbox grants"),
        ]

    def __str__(self) -> str:
        return "capability"


class InboxGrant(models.Model):
    """Which dashboard user may use which inbox (subdomain), or every inbox ("*")."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox_grants")
    subdomain = models.CharField(max_length=100, help_text='An inbox subdomain, or "*" for every inbox.')
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "subdomain"], name="unique_inbox_grant")]
        ordering = ["user__username", "subdomain"]

    def __str__(self) -> str:
        what = "every inbox" if self.subdomain == ALL_INBOXES else self.subdomain
        return f"{self.user} → {what}"


class AuditEntry(models.Model):
    """One write attempt, successful or not. Kept read-only; survives the actor's deletion."""

    OK = "ok"
    FAILED = "failed"
    UNKNOWN = "unknown"  # the answer could not tell whether the write went through
    PENDING = "pending"  # recorded before the first API call; still so after a crash
    OUTCOMES = [(OK, "ok"), (FAILED, "failed"), (UNKNOWN, "outcome unknown"), (PENDING, "in progress")]
    # A pending entry older than this belongs to an attempt that ended without saying how
    # (a killed worker or process): the audit page shows it as "outcome unknown".
    PENDING_STALE_AFTER = timedelta(minutes=2)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_name = models.CharField(max_length=150)
    ip = models.GenericIPAddressField(null=True, blank=True)
    inbox = models.CharField(max_length=100, blank=True, db_index=True)
    action = models.CharField(max_length=64, db_index=True)
    target = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    outcome = models.CharField(max_length=8, choices=OUTCOMES, db_index=True)
    error = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.outcome}"

    @property
    def shown_outcome(self) -> str:
        """What the audit page says: a pending entry whose attempt died reads as unknown."""
        if self.outcome == self.PENDING and timezone.now() - self.created_at > self.PENDING_STALE_AFTER:
            return self.UNKNOWN
        return self.outcome


class IdempotencyKey(models.Model):
    """The first outcome of a write carried by a form's idempotency key.

    The database (not the cache) holds these so a double submit is caught on any app
    server. `state` is pending while the API call runs; the final state and the result
    are kept so a repeat returns the first outcome without calling the API again.
    """

    PENDING = "pending"
    SENT = "sent"
    NOT_SENT = "not_sent"
    UNKNOWN = "unknown"
    STATES = [(PENDING, "pending"), (SENT, "sent"), (NOT_SENT, "not sent"), (UNKNOWN, "unknown")]

    key = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    inbox = models.CharField(max_length=100)
    action = models.CharField(max_length=64)
    state = models.CharField(max_length=10, choices=STATES, default=PENDING)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.action} {self.key} {self.state}"


# --- the local directory: Avochato's inboxes, users and memberships, kept fresh in the
# background (avodash.domain.directory) and updated at once by every write through avodash.


class DirectoryInbox(models.Model):
    """An inbox (Avochato account) the API credential reaches (`GET /v1/accounts`)."""

    subdomain = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    present = models.BooleanField(default=True)  # False: the credential no longer reaches it
    seen_at = models.DateTimeField(null=True, blank=True)  # last accounts pass that listed it
    listed_at = models.DateTimeField(null=True, blank=True)  # last users-list pass
    list_error = models.TextField(blank=True)
    sync_started_at = models.DateTimeField(null=True, blank=True)
    sync_finished_at = models.DateTimeField(null=True, blank=True)
    next_sync_at = models.DateTimeField(null=True, blank=True)  # the background chain's next run
    # "Refresh now": every member read again since this moment; None when none is asked for.
    refresh_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.subdomain


class DirectoryCredential(models.Model):
    """The user the API credential acts as (`GET /v1/whoami`), read once and kept: the team pages
    refuse to disable or remove that user (the dashboard would lose the inbox), and pages must
    not ask the API each time. Keyed by a hash of the API URL and auth id (never the secret), so
    a changed credential is asked again."""

    credential = models.CharField(max_length=32, unique=True)
    user_id = models.CharField(max_length=64)
    read_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.user_id


class DirectoryUser(models.Model):
    """An Avochato user: one id across every inbox they belong to."""

    avochato_id = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=200, blank=True)
    email = models.CharField(max_length=254, blank=True, db_index=True)

    def __str__(self) -> str:
        return self.name or self.email or self.avochato_id


class DirectoryMembership(models.Model):
    """A user's place in one inbox. The users list gives the MFA state and last sign-in;
    role and enabled come only from the single-user answer (`details_at`)."""

    inbox = models.ForeignKey(DirectoryInbox, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(DirectoryUser, on_delete=models.CASCADE, related_name="memberships")
    phone = models.CharField(max_length=40, blank=True)
    phone_formatted = models.CharField(max_length=60, blank=True)
    require_2fa = models.BooleanField(default=False)
    mfa_app_valid = models.BooleanField(default=False)
    phone_valid = models.BooleanField(default=False)
    signed_in_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(null=True, blank=True)
    role = models.CharField(max_length=20, blank=True)
    enabled = models.BooleanField(null=True)
    added_at = models.DateTimeField(null=True, blank=True)
    can_message = models.BooleanField(null=True)
    can_call = models.BooleanField(null=True)
    can_view_billing = models.BooleanField(null=True)
    can_view_org = models.BooleanField(null=True)
    listed_at = models.DateTimeField(null=True, blank=True)  # last list pass that showed them
    details_at = models.DateTimeField(null=True, blank=True)  # None: role/enabled never read
    details_error = models.TextField(blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["inbox", "user"], name="unique_membership")]
        indexes = [models.Index(fields=["inbox", "details_at"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.inbox}"
