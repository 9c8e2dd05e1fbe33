"""The truth about a write whose answer did not say: read the target back, then tell it.

    try:
        ticket_update(client, ...)
    except AvochatoError as err:
        truth = settle(err, lambda: ticket_get(client, tid).status == "closed")
        audit.settle(truth.outcome, err.message)
        messages.info(request, truth.message("The ticket was closed", "The ticket was not closed"))

A write that failed in a way that cannot have gone through (a 4xx, our own limiter, a
request that never left) is `NOT_APPLIED` without a read-back. One that may have (a 5xx,
an unreadable answer, a timeout after sending) is read back: `APPLIED` when the target
shows the change, `NOT_APPLIED` when it verifiably does not, `UNKNOWN` when the read-back
fails too. Callers never send a write again on their own; a verified no-op may be retried
by the person. `read_back` is the read itself, for a caller that wants the target's state
rather than a yes or no (a job step), with `ReadBackFailed` when the read fails too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from avodash.avochato import AvochatoError

APPLIED = "applied"
NOT_APPLIED = "not_applied"
UNKNOWN = "unknown"

_AUDIT_OUTCOME = {APPLIED: "ok", NOT_APPLIED: "failed", UNKNOWN: "unknown"}

T = TypeVar("T")


@dataclass(frozen=True)
class Truth:
    state: str  # APPLIED, NOT_APPLIED or UNKNOWN
    error: str = ""  # what the API (or the read-back) said

    @property
    def applied(self) -> bool:
        return self.state == APPLIED

    @property
    def known(self) -> bool:
        return self.state != UNKNOWN

    @property
    def outcome(self) -> str:
        """The audit outcome (`AuditEntry.OK`, `FAILED` or `UNKNOWN`)."""
        return _AUDIT_OUTCOME[self.state]

    def message(self, applied: str, not_applied: str, unknown: str | None = None) -> str:
        """Words for the person, by what is true."""
        if self.state == APPLIED:
            return f"{applied} (Avochato's answer was unclear; checked: it went through)."
        if self.state == NOT_APPLIED:
            return f"{not_applied}: {self.error}" if self.error else f"{not_applied}."
        return unknown or (
            "Avochato did not say whether the change went through, and it could not be checked. "
            "Check before trying again."
        )


class ReadBackFailed(Exception):
    """A write may have gone through, and reading its target back failed too: nobody knows."""

    def __init__(self, err: AvochatoError, again: AvochatoError):
        super().__init__(f"{err.message} Reading it back failed too: {again.message}")
        self.err = err  # the write's error
        self.again = again  # the read-back's error


def read_back(err: AvochatoError, read: Callable[[], T]) -> T:
    """The target of a write that failed with `err`, as `read` finds it now; ReadBackFailed
    when the read fails too."""
    try:
        return read()
    except AvochatoError as again:
        raise ReadBackFailed(err, again) from again


def settle(err: AvochatoError, is_applied: Callable[[], bool]) -> Truth:
    """What is true after `err`: read back with `is_applied` only when the write may have gone through."""
    if not err.may_have_applied:
        return Truth(NOT_APPLIED, err.message)
    try:
        done = read_back(err, is_applied)
    except ReadBackFailed:
        return Truth(UNKNOWN, err.message)
    return Truth(APPLIED if done else NOT_APPLIED, "" if done else err.message)


def settle_many(err: AvochatoError, ids: list[str], applied_ids: Callable[[], set[str]]) -> dict[str, Truth]:
    """Per-item truth for a write to many targets (a bulk update, a handover)."""
    if not err.may_have_applied:
        return {i: Truth(NOT_APPLIED, err.message) for i in ids}
    try:
        done = read_back(err, applied_ids)
    except ReadBackFailed:
        return {i: Truth(UNKNOWN, err.message) for i in ids}
    return {i: Truth(APPLIED) if i in done else Truth(NOT_APPLIED, err.message) for i in ids}
