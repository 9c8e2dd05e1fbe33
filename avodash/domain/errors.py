"""The one application error: an action that can't be done, with words for the person.

Services raise `ActionError` for refusals and bad input that only the service can judge
(a contact who opted out, a job that is already running, a user who is the API's own).
Views turn it into a form error or a flash message. Upstream failures stay
`avodash.avochato.AvochatoError`.
"""

from __future__ import annotations

from typing import Any


class ActionError(Exception):
    """`message` is fit to show a person; `field` names the form field it belongs to, if any;
    `audit` carries extra facts for the audit entry of the refused attempt."""

    def __init__(self, message: str, *, field: str | None = None, audit: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.audit = audit or {}

    def __str__(self) -> str:
        return self.message
