"""What happened to a submitted draft, in words for the person who sent it: sent, scheduled,
not sent (certainly), unknown (it may have gone out), refused, and why a contact cannot be
written to. Used by the sending service and the composer's template context."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from avodash.avochato import AvochatoError, RateLimitedError, UnavailableError
from avodash.domain.contacts import Contact

UNKNOWN_ADVICE = (
    "Check the conversation before sending it again: pressing Send again will not resend this draft."
)


@dataclass(kw_only=True)
class Outcome:
    """What happened to a submitted draft, in words for the person who sent it.

    kind: sent | scheduled | duplicate | not_sent | unknown | invalid | refused | redraft
    """

    kind: str
    title: str
    detail: str = ""
    check_url: str | None = None  # where to look when the outcome is unknown

    @property
    def ok(self) -> bool:
        return self.kind in ("sent", "scheduled", "duplicate")

    @property
    def level(self) -> str:
        if self.ok:
            return "ok"
        return "warn" if self.kind in ("unknown", "redraft") else "bad"

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "detail": self.detail, "check_url": self.check_url}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(
            kind=str(data.get("kind") or "not_sent"),
            title=str(data.get("title") or ""),
            detail=str(data.get("detail") or ""),
            check_url=data.get("check_url"),
        )


def not_sent_outcome(err: AvochatoError) -> Outcome:
    """Certainly not sent: the API refused the message (4xx, 429), the request never left,
    or a check before sending failed. Say so, and what to do next."""
    if isinstance(err, RateLimitedError):
        wait = f" in {int(err.retry_after) + 1} seconds" if err.retry_after else " in a moment"
        return Outcome(
            kind="not_sent",
            title="Not sent: Avochato asked us to slow down.",
            detail=f"Nothing was sent. Your draft is below: send it again{wait}.",
        )
    if isinstance(err, UnavailableError):
        return Outcome(
            kind="not_sent",
            title="Not sent: Avochato could not be reached.",
            detail=f"{err.message} The request never left, so nothing was sent. Your draft is below: try again.",
        )
    if err.status and err.status >= 500:
        return Outcome(
            kind="not_sent",
            title="Not sent: Avochato had a problem.",
            detail=f"Avochato answered with an error (HTTP {err.status}). Nothing was sent. Your draft is below: try again in a moment.",
        )
    return Outcome(kind="not_sent", title="Not sent: Avochato refused it.", detail=err.message)


def unknown_outcome(check_url: str, detail: str = "", *, err: AvochatoError | None = None) -> Outcome:
    """The request may have reached Avochato and been acted on: it may have been sent."""
    if not detail:
        if isinstance(err, UnavailableError) or err is None:
            why = "Avochato did not answer after the message left"
        elif err.status and err.status >= 500:
            why = f"Avochato answered with an error (HTTP {err.status}) after the message reached it"
        else:
            why = "Avochato's answer to the message could not be read"
        detail = f"{why}, so it may have been sent. {UNKNOWN_ADVICE}"
    return Outcome(kind="unknown", title="Unknown whether it was sent.", detail=detail, check_url=check_url)


def disabled_reason(contact: Contact | None) -> str:
    """Why no message can go to this contact ("" when one can)."""
    if contact is None:
        return "This ticket's contact could not be found, so there is no number to reply to."
    if not contact.phone:
        return "This contact has no phone number to reply to."
    if contact.opted_out:
        return f"{contact.display_name} has opted out of messages from this inbox: Avochato refuses to send to them."
    if contact.blocked:
        return f"{contact.display_name} is blocked: messages to them are not delivered."
    return ""
