"""An IT admin's change to one user in one inbox, and what is true after it.

    with audited(request, action="team.user_role", target=user_id, params={"role": role}) as audit:
        change = user_changes.role_set(client=request.avochato, user=user_id, role=role, inbox_name=name)
        audit.settle(change.outcome, change.error)

Each function looks the user up (the directory first, so usually no API call), makes the write
through `avodash.domain.users`, and never raises: it returns a `Change` that says whether the
change is in place, in words for the person. A lookup that fails sent nothing: not applied.
When Avochato's answer does not say (a 5xx, an unreadable answer, a timeout after sending) the
user is read back (`users.user_read_back`, which writes the directory through): applied, not
applied, or, when the read-back fails too, unknown, and then the directory's copy is doubted so
the next page that shows them asks Avochato. A password reset and a pending MFA phone cannot be
read back: an unclear answer is unknown. Nothing is ever sent again on its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from avodash.avochato import AvochatoError, ForbiddenError, ValidationError
from avodash.domain import phones, users
from avodash.domain.errors import ActionError
from avodash.domain.outcomes import APPLIED, NOT_APPLIED, UNKNOWN, Truth, settle
from avodash.domain.users import InboxUser
from team import mfa

_UNCLEAR = "Avochato's answer was unclear, so avodash read it back:"
_NOTHING_CHANGED = "Avochato's answer was unclear, so avodash read it back: nothing had changed."


@dataclass(frozen=True, kw_only=True)
class Change:
    """What one write did: `truth` (applied, not applied, unknown), words for the person, the
    user as Avochato has them afterwards (when known), and facts for the audit entry."""

    truth: Truth
    message: str
    user: InboxUser | None = None
    field: str | None = None  # the form field a refused input belongs to
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def applied(self) -> bool:
        return self.truth.applied

    @property
    def unknown(self) -> bool:
        return self.truth.state == UNKNOWN

    @property
    def outcome(self) -> str:
        """The audit outcome (ok, failed, unknown)."""
        return self.truth.outcome

    @property
    def error(self) -> str:
        """For the audit entry: what went wrong (empty when applied)."""
        return "" if self.applied else (self.truth.error or self.message)


@dataclass(frozen=True)
class _Words:
    done: Callable[[InboxUser], str]  # applied: given the user afterwards (or as found, when gone)
    not_done: str  # "The role was not changed"
    unknown: str


# A read-back's test: does the user as Avochato has them now (None: not a member) show the change?
# None instead of a test: the change cannot be read back.
_Check = Callable[[InboxUser | None], bool] | None


def _not_done(
    words: _Words, error: str, *, user: InboxUser | None = None, field: str | None = None
) -> Change:
    return Change(
        truth=Truth(NOT_APPLIED, error), message=f"{words.not_done}: {error}", user=user, field=field
    )


def _verify(client, found: InboxUser, err: AvochatoError, check: _Check, words: _Words, error: str) -> Change:
    """The write failed with `err`: what is true (see the module's docstring)."""
    if not err.may_have_applied:
        return _not_done(words, error, user=found)
    seen: list[InboxUser | None] = []

    def is_applied() -> bool:
        seen.append(users.user_read_back(client=client, user=found.id))
        return check(seen[-1])

    truth = settle(err, is_applied) if check is not None else Truth(UNKNOWN, err.message)
    now = seen[-1] if seen else None
    if truth.state == APPLIED:
        return Change(truth=truth, message=f"{_UNCLEAR} {words.done(now or found)}", user=now)
    if truth.state == NOT_APPLIED:
        text = f"{words.not_done}. {_NOTHING_CHANGED} {error}"
        return Change(truth=Truth(NOT_APPLIED, err.message), message=text, user=now or found)
    if check is not None:
        users.user_doubt(client=client, user=found.id)
    return Change(truth=truth, message=words.unknown, user=found)


def _change(
    client,
    user: str,
    *,
    write: Callable[[InboxUser], InboxUser | None],
    check: _Check,
    words: Callable[[InboxUser], _Words],
    explain: Callable[[AvochatoError], str] = lambda err: "",
) -> Change:
    """Look the user up, write, and tell what is true."""
    try:
        found = users.inbox_user(client=client, user=user)
    except (AvochatoError, ActionError) as err:
        return unread(err)
    said = words(found)
    try:
        after = write(found)
    except ActionError as err:
        return _not_done(said, err.message, user=found, field=err.field)
    except AvochatoError as err:
        return _verify(client, found, err, check, said, err.message + explain(err))
    return Change(truth=Truth(APPLIED), message=said.done(after or found), user=after or found)


def settle_audit(audit, change: Change) -> None:
    """The audit entry (an `avodash.audit.AuditHandle`) says what the change says: its outcome and
    error, and the id of the user it addressed (one given by email too)."""
    audit.settle(change.outcome, change.error)
    if change.user is not None:
        audit.target = change.user.id


def unread(err: AvochatoError | ActionError) -> Change:
    """The user could not be looked up before the write: nothing was sent."""
    text = f"Nothing was changed: the user could not be read first. {err.message}"
    return Change(truth=Truth(NOT_APPLIED, err.message), message=text)


def _check_later(who: str) -> str:
    return f"Check {who}'s page before trying again: it shows what Avochato says now."


def _not_the_credential_user(client, user: InboxUser, inbox_name: str) -> None:
    """Disabling or removing the API credential's own user would cut avodash off from the inbox."""
    if user.id == users.credential_user_id(client=client):
        raise ActionError(
            f"{user.display_name} is the user avodash's API credential acts as: disabling or removing it "
            f"would cut the dashboard off from {inbox_name}. Change it in Avochato itself."
        )


# --- the changes ------------------------------------------------------------------------------


def role_set(*, client, user: str, role: str, inbox_name: str, was: str | None = None) -> Change:
    """`PUT /v1/users/:id` with the role; read back: their role is `role`. `was`: the role the
    person saw, named in the message."""
    before = f" (was {was})" if was else ""

    def words(u: InboxUser) -> _Words:
        return _Words(
            done=lambda after: f"{after.display_name} is now {after.role or role} in {inbox_name}{before}.",
            not_done="The role was not changed",
            unknown=f"Avochato did not say whether {u.display_name} is now {role} in {inbox_name}, and "
            f"reading it back failed. {_check_later(u.display_name)}",
        )

    def explain(err: AvochatoError) -> str:
        return f" {users.ROLE_RULE}" if isinstance(err, (ValidationError, ForbiddenError)) else ""

    return _change(
        client,
        user,
        write=lambda u: users.user_role_update(client=client, user=u.id, role=role),
        check=lambda now: now is not None and now.role == role,
        words=words,
        explain=explain,
    )


def disable(*, client, user: str, inbox_name: str) -> Change:
    """`POST /v1/users/:id/disable` (never the credential's own user); read back: disabled."""

    def write(u: InboxUser) -> InboxUser:
        _not_the_credential_user(client, u, inbox_name)
        return users.user_disable(client=client, user=u.id)

    def words(u: InboxUser) -> _Words:
        return _Words(
            done=lambda after: (
                f"{after.display_name} is disabled in {inbox_name}: they cannot sign in "
                "here and get no new conversations. Their history is kept; re-enable them any time."
            ),
            not_done=f"{u.display_name} was not disabled",
            unknown=f"Avochato did not say whether {u.display_name} was disabled in {inbox_name}, and "
            f"reading it back failed. {_check_later(u.display_name)}",
        )

    return _change(
        client, user, write=write, check=lambda now: now is not None and now.enabled is False, words=words
    )


def enable(*, client, user: str, inbox_name: str) -> Change:
    """`POST /v1/users/:id/enable`; read back: enabled."""

    def words(u: InboxUser) -> _Words:
        return _Words(
            done=lambda after: f"{after.display_name} is enabled again in {inbox_name}.",
            not_done=f"{u.display_name} was not enabled",
            unknown=f"Avochato did not say whether {u.display_name} was enabled again in {inbox_name}, "
            f"and reading it back failed. {_check_later(u.display_name)}",
        )

    return _change(
        client,
        user,
        write=lambda u: users.user_enable(client=client, user=u.id),
        check=lambda now: now is not None and now.enabled is True,
        words=words,
    )


def password_reset(*, client, user: str) -> Change:
    """`POST /v1/users/:id/password_reset`. Nothing shows a sent email: an unclear answer is unknown."""
    hours = users.PASSWORD_RESET_EXPIRY_HOURS

    def write(u: InboxUser) -> None:
        users.user_password_reset(client=client, user=u.id)

    def words(u: InboxUser) -> _Words:
        who = u.email or u.display_name
        return _Words(
            done=lambda _after: (
                f"Password reset email sent to {who}. The link in it expires in {hours} hours."
            ),
            not_done="The password reset email was not sent",
            unknown=f"Unknown whether the password reset email reached {who}: Avochato did not say, and "
            "it may have been sent. Check with them before sending another.",
        )

    return _change(client, user, write=write, check=None, words=words)


def mfa_phone_set(*, client, user: str, phone: str, operator) -> Change:
    """`POST /v1/users/:id/mfa_phone`; avodash remembers the phone as pending (team.mfa). A pending
    phone does not show in the API's answers: an unclear answer is unknown."""
    shown = phones.shown(phone)

    def write(u: InboxUser) -> InboxUser:
        after = users.user_mfa_phone_set(client=client, user=u.id, phone=phone)
        mfa.pending_phone_remember(user=after, phone=phone, operator=operator)
        return after

    def words(u: InboxUser) -> _Words:
        return _Words(
            done=lambda after: (
                f"MFA phone {shown} set for {after.display_name}. It stays pending until "
                "they confirm it with the code Avochato texts to that number."
            ),
            not_done="The MFA phone was not set",
            unknown=f"Unknown whether the MFA phone {shown} was set for {u.display_name}: Avochato did "
            "not say, and it may have been (then they got a text with a code). Check with them before "
            "setting it again: that sends a new code.",
        )

    return _change(client, user, write=write, check=None, words=words)


def remove(*, client, user: str, inbox_name: str) -> Change:
    """`DELETE /v1/users/:id` (never the credential's own user); read back: no longer a member."""

    def write(u: InboxUser) -> None:
        _not_the_credential_user(client, u, inbox_name)
        users.user_delete(client=client, user=u.id)

    def words(u: InboxUser) -> _Words:
        return _Words(
            done=lambda _after: f"{u.display_name} was removed from {inbox_name}.",
            not_done=f"{u.display_name} was not removed",
            unknown=f"Avochato did not say whether {u.display_name} was removed from {inbox_name}, and "
            f"reading it back failed. {_check_later(u.display_name)}",
        )

    return _change(client, user, write=write, check=lambda now: now is None, words=words)


def add(*, client, email: str, name: str, role: str, phone: str, inbox_name: str, operator) -> Change:
    """`POST /v1/users`; an unclear answer is read back by email: are they a member now, with that
    role? `extra` tells the audit entry who they are and whether they were invited."""
    words = _Words(
        done=lambda u: f"{u.email or email} is a member of {inbox_name} now, as {u.role or role}.",
        not_done="Avochato did not add the user",
        unknown=f"Avochato did not say whether {email} was added to {inbox_name}, and reading it back "
        "failed. Check the team list before trying again.",
    )
    try:
        result = users.user_add(client=client, email=email, name=name or None, role=role, phone=phone or None)
    except ActionError as err:
        return _not_done(words, err.message, field=err.field)
    except AvochatoError as err:
        change = _verify_add(client, err, email=email, role=role, words=words)
        if change.applied and phone:
            mfa.pending_phone_remember(user=change.user, phone=phone, operator=operator)
        return change
    if phone:
        mfa.pending_phone_remember(user=result.user, phone=phone, operator=operator)
    text = f"{result.outcome} Role: {result.user.role or role}."
    if phone:
        text += f" MFA phone {phones.shown(phone)} is pending until they confirm it by SMS."
    extra = {"user_id": result.user.id, "invited": result.invited}
    return Change(truth=Truth(APPLIED), message=text, user=result.user, extra=extra)


def _verify_add(client, err: AvochatoError, *, email: str, role: str, words: _Words) -> Change:
    if not err.may_have_applied:
        return _not_done(words, err.message)
    seen: list[InboxUser | None] = []

    def is_applied() -> bool:
        seen.append(users.member_by_email(client=client, email=email))
        return seen[-1] is not None and seen[-1].role == role

    truth = settle(err, is_applied)
    now = seen[-1] if seen else None
    if truth.state == APPLIED:
        text = f"{_UNCLEAR} {words.done(now)} Whether they got an invitation or a notice could not be told."
        return Change(truth=truth, message=text, user=now, extra={"user_id": now.id})
    if truth.state == NOT_APPLIED:
        return Change(truth=truth, message=f"{words.not_done}. {_NOTHING_CHANGED} {err.message}")
    return Change(truth=truth, message=words.unknown)
