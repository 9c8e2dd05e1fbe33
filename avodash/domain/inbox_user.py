"""The record of a user in one inbox (`InboxUser`), and reading it from the API's answers.

Pure data: no database, no directory. `avodash.domain.users` holds the selectors and services
that read and write users; the directory stores and returns these records.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from avodash.avochato import NotFoundError
from avodash.domain.parse import api_bool, api_str, epoch, iso_datetime


@dataclass(frozen=True, kw_only=True)
class InboxUser:
    """A user of one inbox: a ticket's owner, a message's sender, a row of the team page.

    `role` and `enabled` are None until the user's details were read (`details_loaded`).
    """

    id: str
    name: str = ""
    email: str | None = None
    phone: str | None = None  # the verified MFA phone, E.164
    phone_formatted: str | None = None
    require_2fa: bool = False
    mfa_app_valid: bool = False
    phone_valid: bool = False
    signed_in_at: datetime | None = None
    created_at: datetime | None = None
    role: str | None = None
    enabled: bool | None = None
    added_at: datetime | None = None
    can_message: bool | None = None
    can_call: bool | None = None
    can_view_billing: bool | None = None
    can_view_org: bool | None = None
    details_loaded: bool = False
    details_at: datetime | None = None
    details_error: str = ""

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.id

    @property
    def may_own_tickets(self) -> bool:
        """Offered as an owner: not known to be disabled."""
        return self.enabled is not False

    @property
    def mfa_complete(self) -> bool:
        """2FA not required, or an authenticator app or a verified phone is in place."""
        return (not self.require_2fa) or self.mfa_app_valid or self.phone_valid

    @property
    def mfa_incomplete(self) -> bool:
        return not self.mfa_complete


@dataclass(frozen=True, kw_only=True)
class UserInbox:
    """An inbox a user belongs to, with their membership there."""

    subdomain: str
    name: str
    user: InboxUser | None = None


def user_from_api(raw: dict[str, Any]) -> InboxUser:
    """A user object of the API: the list form, or the single-user form with role/enabled."""
    role = api_str(raw.get("role"))
    enabled = api_bool(raw.get("enabled"))
    loaded = role is not None or enabled is not None
    return InboxUser(
        id=str(raw.get("id") or ""),
        name=api_str(raw.get("name")) or "",
        email=api_str(raw.get("email")),
        phone=api_str(raw.get("phone")),
        phone_formatted=api_str(raw.get("phone_formatted")),
        require_2fa=bool(raw.get("require_2fa")),
        mfa_app_valid=bool(raw.get("mfa_app_valid")),
        phone_valid=bool(raw.get("phone_valid")),
        signed_in_at=iso_datetime(raw.get("signed_in_at")),
        created_at=epoch(raw.get("created_at")),
        role=role.lower() if role else None,
        enabled=enabled,
        added_at=epoch(raw.get("added_at")),
        can_message=api_bool(raw.get("can_message")),
        can_call=api_bool(raw.get("can_call")),
        can_view_billing=api_bool(raw.get("can_view_billing")),
        can_view_org=api_bool(raw.get("can_view_org")),
        details_loaded=loaded,
    )


def user_of(envelope: dict[str, Any]) -> InboxUser:
    """`data.user` of a single-user answer (an object; a one-item array is tolerated)."""
    data = envelope.get("data") or {}
    raw = data.get("user")
    if raw is None and isinstance(data.get("users"), list):
        raw = data["users"][0] if data["users"] else None
    if isinstance(raw, list):
        raw = raw[0] if raw else None
    if not isinstance(raw, dict) or not raw.get("id"):
        raise NotFoundError(status=404)
    return user_from_api(raw)
