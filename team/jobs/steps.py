"""What each step does, and how it learns the truth when an answer is lost.

Each executor takes a `StepRun` and returns (outcome in words, result data), or raises:
`AvochatoError` before anything was written (a lookup failed) or when a write was refused
(nothing applied); `StepFailed` when a write is verifiably absent (a retry may send it again);
`StepUnknown` when a write may have applied and reading the target back failed too.

A write that fails in a way that may have gone through (`err.may_have_applied`: a 5xx, an
unreadable answer, a timeout after sending) is never reported as failed on that ground alone:
the step reads the target back (is the person a member, disabled, gone; which tickets are still
theirs; is the message aborted). An effect already in place is done.

`run.recheck` is True on a retry or after a crash: look at the API's state before acting.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from avodash.avochato import AvochatoClient, AvochatoError, NotFoundError, RateLimitedError
from avodash.domain import outcomes
from avodash.domain import scheduled as scheduled_svc
from avodash.domain import users as user_svc
from avodash.domain.errors import ActionError
from avodash.domain.tickets import tickets_handover, user_open_ticket_ids
from team import mfa
from team.models import JobStep


class StepFailed(ActionError):
    """The step's effect is verifiably not (all) in place; `result` keeps what it did do."""

    def __init__(self, message: str, *, result: dict | None = None):
        super().__init__(message)
        self.result = result


class StepUnknown(StepFailed):
    """A write may have gone through and could not be read back: nobody knows yet."""


@dataclass(kw_only=True)
class StepRun:
    client: AvochatoClient
    step: JobStep
    recheck: bool
    wrote: bool = False  # a write was sent: an error from here on may have applied

    def writing(self) -> None:
        self.wrote = True


def read_back(what: str, err: AvochatoError, read: Callable[[], Any]) -> Any:
    """Read the target of a write whose answer was lost (`outcomes.read_back`); StepUnknown,
    in the step's words, when that fails too."""
    try:
        return outcomes.read_back(err, read)
    except outcomes.ReadBackFailed as lost:
        raise StepUnknown(
            f"{err.message} It may have gone through, and reading {what} back failed too "
            f"({lost.again.message}): check in Avochato; a retry checks first."
        ) from lost.again


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# --- add to an inbox ----------------------------------------------------------------------------


def _step_add_user(run: StepRun) -> tuple[str, dict]:
    step, p = run.step, run.step.params
    asked = p.get("role", "member")
    existing = user_svc.member_by_email(client=run.client, email=step.target)
    if existing is not None:
        if run.recheck and step.result.get("posted"):
            return f"added as {existing.role or asked} (found on re-check)", {
                "user_id": existing.id,
                "posted": True,
            }
        # Onboarding adds; it never changes the role of an existing membership (a bulk file
        # must not silently demote an owner or promote a member).
        what = "already a member"
        if existing.role:
            what += f" as {existing.role}"
            if existing.role != asked:
                what += f": role unchanged (asked for {asked})"
        return what, {"user_id": existing.id, "already": True}
    # Recorded before the POST: a crash after it makes the re-check above say so.
    step.result = {"posted": True}
    JobStep.objects.filter(pk=step.pk).update(result=step.result)
    run.writing()
    try:
        user = user_svc.user_add(
            client=run.client,
            email=step.target,
            name=p.get("name") or None,
            role=asked,
            phone=p.get("phone") or None,
        ).user
        outcome = f"added as {user.role or asked}"
    except AvochatoError as err:
        if not err.may_have_applied:
            raise
        user = read_back(
            "the membership", err, lambda: user_svc.member_by_email(client=run.client, email=step.target)
        )
        if user is None:
            raise StepFailed(
                f"{err.message} Checked: they are not a member, so nothing was added; a retry adds them.",
                result={"posted": True, "verified": "absent"},
            ) from err
        outcome = f"added as {user.role or asked} (confirmed by reading it back after: {err.message})"
        if user.role and user.role != asked:
            outcome += f"; role is {user.role}, asked for {asked}"
    if p.get("phone"):
        mfa.pending_phone_remember(user=user, phone=p["phone"], operator=step.job.run_by)
        outcome += ", MFA phone pending verification"
    return outcome, {"user_id": user.id, "posted": True}


# --- hand over open tickets ------------------------------------------------------------------------


def _step_reassign(run: StepRun) -> tuple[str, dict]:
    """Move their open tickets; then, when some reported a failure, ask which are still theirs:
    a ticket that is no longer theirs was moved, whatever the lost answer said."""
    p = run.step.params
    who = p.get("to_name") or p["to"]
    # An error raised here is the first read's (nothing moved yet); the moves' own failures
    # come back per ticket, checked below.
    result = tickets_handover(client=run.client, from_user_id=p["user_id"], to=p["to"])
    moved = list(result.moved)
    failed = {o.ticket_id: o.message for o in result.failed}
    if failed:
        mine = read_back(
            "their tickets",
            AvochatoError(result.summary),
            lambda: set(user_open_ticket_ids(client=run.client, user_id=p["user_id"])),
        )
        moved += [t for t in failed if t not in mine]
        failed = {t: why for t, why in failed.items() if t in mine}
    data = {"tickets": len(moved), "ticket_ids": moved[:500], "requested": result.requested}
    if not result.requested:
        return "no open tickets left to hand over", {"tickets": 0}
    words = f"{len(moved)} of {_plural(result.requested, 'open ticket')} handed to {who}"
    if failed:
        reasons = "; ".join(sorted(set(failed.values())))
        raise StepFailed(
            f"{words}; {len(failed)} still theirs ({reasons}). A retry picks up exactly those.", result=data
        )
    return words, data


# --- cancel their scheduled messages --------------------------------------------------------------


def _step_cancel_scheduled(run: StepRun) -> tuple[str, dict]:
    """Cancel every pending scheduled message of the user (re-queried now)."""
    client = run.client
    cancelled: list[str] = []
    params = run.step.params
    for message in scheduled_svc.scheduled_by_sender(
        client=client, user_id=params["user_id"], email=run.step.target
    ):
        run.writing()
        try:
            scheduled_svc.scheduled_cancel(client=client, message_id=message.id)
        except RateLimitedError:
            raise  # not acted on: the runner waits and runs the step again
        except AvochatoError as err:
            state = "pending"
            # A 404 usually means sent or cancelled meanwhile: read back, never assume it.
            if err.may_have_applied or isinstance(err, NotFoundError):
                state = read_back(
                    "the message",
                    err,
                    lambda m=message: scheduled_svc.scheduled_state(client=client, message_id=m.id),
                )
            if state == "cancelled":
                cancelled.append(message.id)
                continue
            if state != "pending":
                continue  # sent or gone meanwhile: nothing left to cancel
            done = f"{len(cancelled)} cancelled before this; " if cancelled else ""
            raise StepFailed(
                f"Could not cancel a scheduled message ({err.message}); it is still pending. "
                f"{done}A retry picks up the rest.",
                result={"messages": len(cancelled), "message_ids": cancelled[:500]},
            ) from err
        cancelled.append(message.id)
    if not cancelled:
        return "no pending scheduled messages left", {"messages": 0}
    return f"{_plural(len(cancelled), 'scheduled message')} cancelled", {
        "messages": len(cancelled),
        "message_ids": cancelled[:500],
    }


# --- disable, remove ------------------------------------------------------------------------------


def _rechecked_user(run: StepRun):
    """On a retry or after a crash: the user as Avochato has them now, read before writing."""
    return user_svc.user_read_back(client=run.client, user=run.step.params["user_id"])


def _step_disable(run: StepRun) -> tuple[str, dict]:
    user_id = run.step.params["user_id"]
    if run.recheck:
        now = _rechecked_user(run)
        if now is None:
            return "not a member any more (nothing to disable)", {"already": True}
        if now.enabled is False:
            return "disabled (found on re-check)", {"already": True}
    run.writing()
    try:
        user_svc.user_disable(client=run.client, user=user_id)
    except AvochatoError as err:
        if not err.may_have_applied:
            raise
        now = read_back("the user", err, lambda: user_svc.user_read_back(client=run.client, user=user_id))
        if now is None:
            return "not a member any more (nothing to disable)", {"verified": True}
        if now.enabled is False:
            return f"disabled (confirmed by reading it back after: {err.message})", {"verified": True}
        raise StepFailed(f"{err.message} Checked: they are still enabled; a retry disables them.") from err
    return "disabled", {}


def _step_remove(run: StepRun) -> tuple[str, dict]:
    user_id = run.step.params["user_id"]
    if run.recheck and _rechecked_user(run) is None:
        return "removed (no longer a member)", {"already": True}
    run.writing()
    try:
        user_svc.user_delete(client=run.client, user=user_id)
    except NotFoundError:
        if user_svc.user_read_back(client=run.client, user=run.step.target) is None:
            return "removed (no longer a member)", {"already": True}
        raise
    except AvochatoError as err:
        if not err.may_have_applied:
            raise
        now = read_back(
            "the membership", err, lambda: user_svc.user_read_back(client=run.client, user=user_id)
        )
        if now is None:
            return f"removed (confirmed by reading it back after: {err.message})", {"verified": True}
        raise StepFailed(f"{err.message} Checked: they are still a member; a retry removes them.") from err
    return "removed from the inbox", {}


EXECUTORS: dict[str, Callable[[StepRun], tuple[str, dict]]] = {
    JobStep.ADD_USER: _step_add_user,
    JobStep.REASSIGN_TICKETS: _step_reassign,
    JobStep.CANCEL_SCHEDULED: _step_cancel_scheduled,
    JobStep.DISABLE_USER: _step_disable,
    JobStep.REMOVE_USER: _step_remove,
}
