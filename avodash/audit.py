"""The audit trail: every write attempt, successful or not, through one helper.

    with audited(request, action="ticket.status", target=ids, params={"status": "Closed"}):
        ticket_update(...)

records the attempt as `pending` before the block's first API call (write-ahead: a crash
leaves that row, shown as "outcome unknown"), then `ok` when the block finishes, or
`failed`/`unknown` with the error text when it raises (the exception goes on). A block that
read the target back after an unclear answer says what is true with `handle.settle(...)`.
Background jobs, which have no request, call `audit_begin` / `audit_finish` with the
operator as actor; `audit_record` is for what is recorded after the fact.

Every write here goes through `create()` or `save()`, so `avodash.storable` cleans the texts
(NULs, lone surrogates) on the way in; a bulk `update()` of entries would have to clean its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from avodash.models import AuditEntry

_SECRET_WORDS = ("secret", "password", "token", "auth")

# What each action is called on the audit page (the code name stays in the CSV and filters' values).
ACTION_LABELS = {
    "ticket.status": "Ticket status",
    "ticket.owner": "Ticket assignment",
    "ticket.addressed": "Ticket addressed or unaddressed",
    "ticket.undo_close": "Ticket close undone",
    "ticket.event": "Custom event logged",
    "tickets.bulk_update": "Bulk ticket update",
    "contact.tag_add": "Tag added",
    "contact.tag_remove": "Tag removed",
    "contact.update": "Contact edited",
    "contact.opt_out": "Contact opted out",
    "contact.opt_in": "Contact opted back in",
    "contact.event": "Custom event logged (contact)",
    "contacts.tag_add": "Tag added to many",
    "contacts.tag_remove": "Tag removed from many",
    "contacts.update_many": "Contacts updated from CSV",
    "contacts.remove_all": "All contacts removed",
    "message.send": "Message sent",
    "message.schedule": "Message scheduled",
    "message.cancel": "Scheduled message cancelled",
    "broadcast.create": "Broadcast drafted",
    "broadcast.update": "Broadcast draft saved",
    "broadcast.publish": "Broadcast published",
    "campaign.cancel": "Removed from campaign",
    "message.reschedule": "Scheduled message changed",
    "saved_reply.create": "Saved reply added",
    "saved_reply.update": "Saved reply changed",
    "saved_reply.delete": "Saved reply removed",
    "team.user_add": "User added",
    "team.user_role": "Role changed",
    "team.user_disable": "User disabled",
    "team.user_enable": "User re-enabled",
    "team.user_mfa_phone": "MFA phone set",
    "team.user_password_reset": "Password reset sent",
    "team.user_remove": "User removed",
    "team.tickets_handover": "Tickets handed over",
    "team.scheduled_cancel": "Their scheduled messages cancelled",
    "team.job_start": "Job started",
    "team.job_schedule": "Job scheduled",
    "team.job_retry": "Job retried",
    "team.job_resume": "Job resumed",
    "team.job_cancel": "Job cancelled",
    "auth.login": "Signed in",
    "auth.logout": "Signed out",
    "auth.login_failed": "Sign-in failed",
    "auth.lockout": "Sign-in locked (too many failures)",
    "auth.mfa_added": "MFA enrolled",
    "auth.mfa_removed": "MFA removed",
    "auth.mfa_reset": "Recovery codes regenerated",
    "auth.mfa_failed": "MFA code refused",
    "auth.step_up_asked": "Re-authentication asked",
    "auth.step_up": "Re-authenticated",
    "auth.session_ended": "Session ended",
    "auth.sign_out_everywhere": "Signed out everywhere",
    "access.grants": "Dashboard role and inbox grants changed",
    "access.invite": "Dashboard user invited",
    "access.deactivate": "Dashboard user deactivated",
    "access.reactivate": "Dashboard user reactivated",
    "access.sign_out": "Dashboard user signed out everywhere",
}


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action, action.replace("_", " ").replace(".", ": "))


def _clean(params: dict[str, Any] | None) -> dict[str, Any]:
    """A summary of the parameters: no secrets, long texts shortened."""
    out: dict[str, Any] = {}
    for k, v in (params or {}).items():
        if any(w in k.lower() for w in _SECRET_WORDS):
            continue
        if isinstance(v, str) and len(v) > 200:
            v = v[:200] + "…"
        elif isinstance(v, (list, tuple)) and len(v) > 50:
            v = [*v[:50], f"… {len(v) - 50} more"]
        elif not isinstance(v, (str, int, float, bool, type(None), list, tuple, dict)):
            v = str(v)
        out[k] = v
    return out


def _target_text(target: Any) -> str:
    if target is None:
        return ""
    if isinstance(target, (list, tuple, set)):
        return ",".join(str(t) for t in target)
    return str(target)


def client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def actor_display(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return "system"
    full = user.get_full_name()
    return f"{full} ({user.username})" if full else user.username


def _entry_fields(*, actor, inbox, action, target, params, ip, actor_name) -> dict[str, Any]:
    return {
        "actor": actor if actor is not None and actor.is_authenticated else None,
        "actor_name": actor_name or actor_display(actor),
        "ip": ip,
        "inbox": inbox or "",
        "action": action,
        "target": _target_text(target),
        "params": _clean(params),
    }


def audit_record(
    *,
    actor,
    inbox: str,
    action: str,
    target: Any = "",
    params: dict[str, Any] | None = None,
    outcome: str = AuditEntry.OK,
    error: str = "",
    ip: str | None = None,
    actor_name: str | None = None,
) -> AuditEntry:
    """One finished attempt, recorded after the fact (for what makes no API call, or sign-in events)."""
    fields = _entry_fields(
        actor=actor, inbox=inbox, action=action, target=target, params=params, ip=ip, actor_name=actor_name
    )
    return AuditEntry.objects.create(
        **fields, outcome=outcome, error=error[:2000], finished_at=timezone.now()
    )


def audit_begin(
    *,
    actor,
    inbox: str,
    action: str,
    target: Any = "",
    params: dict[str, Any] | None = None,
    ip: str | None = None,
    actor_name: str | None = None,
) -> AuditEntry:
    """Write-ahead: the attempt is recorded as pending before its first API call (lookups
    included), committed at once, so a crash leaves a row the audit page shows as unknown."""
    fields = _entry_fields(
        actor=actor, inbox=inbox, action=action, target=target, params=params, ip=ip, actor_name=actor_name
    )
    return AuditEntry.objects.create(**fields, outcome=AuditEntry.PENDING)


def audit_finish(
    entry: AuditEntry,
    *,
    outcome: str,
    error: str = "",
    params: dict[str, Any] | None = None,
    target: Any = None,
) -> AuditEntry:
    """The attempt's true outcome: ok, failed, or unknown (never left pending once it ended).
    `target`: what the attempt turned out to address, learnt on the way (a user given by
    email: their id; a ticket's contact)."""
    entry.outcome = outcome
    entry.error = error[:2000]
    entry.finished_at = timezone.now()
    update = ["outcome", "error", "finished_at"]
    if target is not None:
        entry.target = _target_text(target)
        update.append("target")
    if params:
        entry.params = _clean({**entry.params, **params})
        update.append("params")
    entry.save(update_fields=update)
    return entry


def outcome_of_error(err: BaseException) -> str:
    """failed when the write cannot have gone through; unknown when it may have (a 5xx, an
    unreadable answer, a timeout after sending), until someone reads the target back."""
    return AuditEntry.UNKNOWN if getattr(err, "may_have_applied", False) else AuditEntry.FAILED


class AuditHandle:
    """Lets the block say what really happened (a partial failure, a read-back's answer)."""

    def __init__(self) -> None:
        self.outcome = AuditEntry.OK
        self.error = ""
        self.extra: dict[str, Any] = {}
        self.settled = False  # the block decided the outcome of an error itself
        self.target: Any = None  # set when the block learns what it addressed (an email's user id)

    def fail(self, error: str) -> None:
        self.outcome = AuditEntry.FAILED
        self.error = error

    def unknown(self, error: str) -> None:
        self.outcome = AuditEntry.UNKNOWN
        self.error = error

    @contextmanager
    def lookup(self) -> Iterator[None]:
        """Around what a write reads before it writes (users, the ticket, the contact): an
        error there changed nothing, so the attempt is failed, not unknown."""
        try:
            yield
        except BaseException as err:
            self.settle(AuditEntry.FAILED, str(getattr(err, "message", None) or err.__class__.__name__))
            raise

    def settle(self, truth: str, error: str = "") -> None:
        """After a read-back: `truth` is an AuditEntry outcome (ok = the write is in place)."""
        self.outcome = truth
        self.error = "" if truth == AuditEntry.OK else error
        self.settled = True


@contextmanager
def audited(
    request: HttpRequest,
    *,
    action: str,
    target: Any = "",
    params: dict[str, Any] | None = None,
    inbox: str | None = None,
) -> Iterator[AuditHandle]:
    """Records the attempt as pending before the block runs, then its outcome: the handle's
    (ok unless the block said otherwise), or, when the block raises, failed or unknown by
    the error (see `outcome_of_error`). The exception goes on."""
    handle = AuditHandle()
    inbox = inbox if inbox is not None else getattr(getattr(request, "inbox", None), "subdomain", "")
    entry = audit_begin(
        actor=request.user, inbox=inbox, action=action, target=target, params=params, ip=client_ip(request)
    )
    try:
        yield handle
    except BaseException as err:
        message = getattr(err, "message", None) or err.__class__.__name__
        outcome = handle.outcome if handle.settled else outcome_of_error(err)
        audit_finish(entry, outcome=outcome, error=str(message), params=handle.extra, target=handle.target)
        raise
    audit_finish(entry, outcome=handle.outcome, error=handle.error, params=handle.extra, target=handle.target)
