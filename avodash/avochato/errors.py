"""Typed errors for everything that can go wrong talking to Avochato.

Callers catch a type, not a status code, and show `err.message` to a person: every
message is written for the dashboard's users and never carries the API secret or a URL.
"""

from __future__ import annotations

import email.utils
import math
import time
from typing import Any


class AvochatoError(Exception):
    """Base class: `.message` is fit to show a person, `.status` is the HTTP status or None."""

    default_message = "Avochato could not complete the request."

    def __init__(self, message: str | None = None, *, status: int | None = None) -> None:
        self.message = message or self.default_message
        self.status = status
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, status={self.status!r})"

    @property
    def may_have_applied(self) -> bool:
        """Whether the write that failed this way may have gone through anyway: not for a 429
        (the API ignores the request; also our own limiter), any other 4xx, or a request that
        never left; yes for everything else (5xx, an unreadable answer, a timeout after
        sending). Such a write is reported as unknown, never blindly sent again."""
        return not (self.status is not None and 400 <= self.status < 500)


class AuthError(AvochatoError):
    """401: the credentials are wrong, deleted, or their user left the inbox."""

    default_message = "Avochato did not accept the dashboard's API credentials."


class ForbiddenError(AvochatoError):
    """403: the credentials work but may not reach this inbox or action."""

    default_message = "The dashboard's API credentials have no access to this inbox or action."


class NotFoundError(AvochatoError):
    """404, or an empty array where one object was expected (the API's way of saying so)."""

    default_message = "Avochato could not find that item."


class ValidationError(AvochatoError):
    """Any other 4xx: the API refused the input. `.errors` lists the API's own words."""

    default_message = "Avochato refused the request."

    def __init__(
        self, message: str | None = None, *, status: int | None = None, errors: list[str] | None = None
    ) -> None:
        self.errors = list(errors or [])
        super().__init__(message or "; ".join(self.errors) or None, status=status)


class RateLimitedError(AvochatoError):
    """429 (or our own limiter could not get a slot in time). `.retry_after` in seconds or None."""

    default_message = "Avochato is busy with too many requests; try again in a moment."

    def __init__(
        self, message: str | None = None, *, status: int | None = 429, retry_after: float | None = None
    ) -> None:
        self.retry_after = retry_after
        super().__init__(message, status=status)

    @property
    def may_have_applied(self) -> bool:
        return False  # the API ignores a request it refuses with 429; ours never left


class ServerError(AvochatoError):
    """5xx: Avochato (or a proxy in front of it) failed."""

    default_message = "Avochato had an internal problem; try again later."


class UnavailableError(AvochatoError):
    """No answer: timeout, refused connection, broken TLS.

    `.maybe_sent` is True when a non-idempotent request (POST, DELETE) may have reached
    the server (the connection was made and the request written), so a person must check
    before trying again rather than risk sending twice.
    """

    default_message = "Avochato could not be reached; try again in a moment."

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        maybe_sent: bool = False,
        sent: bool | None = None,
    ) -> None:
        self.maybe_sent = maybe_sent
        # Whether the request reached the server at all: an idempotent write (PUT) that timed
        # out after sending is never blindly re-sent by a person either, but may have applied.
        self.sent = maybe_sent if sent is None else sent
        super().__init__(message, status=status)

    @property
    def may_have_applied(self) -> bool:
        return self.sent


class BadResponseError(AvochatoError):
    """An answer we cannot trust: not JSON, no envelope, too large, or a redirect."""

    default_message = "Avochato sent an answer the dashboard could not read."


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header: integer, float or HTTP-date; anything else None."""
    if not value or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        return max(0.0, when.timestamp() - time.time())
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return seconds


def api_errors(body: Any) -> list[str]:
    """The envelope's `errors`, which the API sends as a list of strings or one string."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if errors is None and isinstance(body, dict) and isinstance(body.get("error"), str):
        errors = body["error"]
    if isinstance(errors, str):
        return [errors] if errors.strip() else []
    if isinstance(errors, list):
        return [str(e) for e in errors if str(e).strip()]
    return []
