"""Two-factor sign-in (MFA) compliance: one state per membership, what fixes it, and the
IT admin's bulk actions (MFA phones from a pasted list, password resets).

What the API tells (`GET /v1/users`, `GET /v1/users/:id`): `require_2fa`, `mfa_app_valid` and
`phone_valid` (a *verified* phone). It never says that a phone was set and awaits the SMS
code: avodash remembers the phones it set (`team.models.MfaPhoneRequest`) until the API
reports a working method.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from avodash.audit import actor_display, audit_begin, audit_finish
from avodash.avochato.django import get_client
from avodash.domain.phones import to_e164
from avodash.domain.users import InboxUser
from team.models import MfaPhoneRequest

COMPLIANT = "compliant"
PENDING = "pending"
NO_METHOD = "none"
NOT_REQUIRED = "not_required"
DISABLED = "disabled"
# The state names people read (and the CSV keeps), in the report's order.
STATE_NAMES = {
    PENDING: "phone pending confirmation",
    NO_METHOD: "no method",
    NOT_REQUIRED: "2FA not required by the inbox",
    COMPLIANT: "compliant",
    DISABLED: "disabled (excluded)",
}
NEEDS_ACTION = (PENDING, NO_METHOD, NOT_REQUIRED)
# What fixes each state that needs it, in words; `action` is what avodash offers for it.
FIXES = {
    PENDING: "They confirm it with the code Avochato texts to that number. Setting the phone again sends a new code.",
    NO_METHOD: "Set an MFA phone: Avochato texts them a code to confirm it. Or send a password reset so they "
    "sign in and set up an authenticator app.",
    NOT_REQUIRED: "No API operation turns two-factor sign-in on: an owner turns it on in the inbox's "
    "settings in Avochato.",
}
ACTIONS = {PENDING: "mfa_phone", NO_METHOD: "mfa_phone", NOT_REQUIRED: ""}


def mfa_state(user: InboxUser, pending_phone: str | None = None) -> str:
    """The membership's state. Disabled people are excluded from compliance: they cannot sign in."""
    if user.enabled is False:
        return DISABLED
    if not user.require_2fa:
        return NOT_REQUIRED
    if user.mfa_app_valid or user.phone_valid:
        return COMPLIANT
    return PENDING if pending_phone else NO_METHOD


def pending_phones(user_ids: Iterable[str]) -> dict[str, str]:
    """user id -> the MFA phone avodash set for them and they have not confirmed (one query)."""
    ids = [u for u in set(user_ids) if u]
    return dict(MfaPhoneRequest.objects.filter(user_id__in=ids).values_list("user_id", "phone"))


def pending_phone_remember(*, user: InboxUser, phone: str, operator) -> None:
    """avodash just set `phone` as `user`'s MFA phone: pending until they confirm it."""
    if user.phone_valid and user.phone == phone:
        MfaPhoneRequest.objects.filter(user_id=user.id).delete()
        return
    MfaPhoneRequest.objects.update_or_create(
        user_id=user.id,
        defaults={
            "email": user.email or "",
            "phone": phone,
            "set_at": timezone.now(),
            "set_by_name": actor_display(operator),
        },
    )


def pending_phones_settle(users: Iterable[InboxUser]) -> None:
    """Forget the pending phones of people the API now reports with a working method."""
    done = [u.id for u in users if u.mfa_app_valid or u.phone_valid]
    if done:
        MfaPhoneRequest.objects.filter(user_id__in=done).delete()


@dataclass(frozen=True, kw_only=True)
class PhoneLine:
    """One line of a pasted list: who (email, or a name) and the phone as typed."""

    number: int
    who: str
    phone: str


def phone_lines(text: str) -> tuple[list[PhoneLine], list[str]]:
    """Lines like `jane@example.com, +14155550123` (comma, semicolon, tab or spaces between):
    the lines read, and the problems of the others in words."""
    lines: list[PhoneLine] = []
    problems: list[str] = []
    for n, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        for sep in (",", ";", "\t"):
            if sep in line:
                who, _, phone = line.partition(sep)
                break
        else:
            who, _, phone = line.rpartition(" ")
        who, phone = who.strip(), phone.strip()
        if not who or not phone:
            problems.append(f"Line {n}: give who and their phone, like “jane@example.com, +14155550123”.")
            continue
        lines.append(PhoneLine(number=n, who=who, phone=phone))
    return lines, problems


# --- bulk actions -------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class BulkItem:
    """One person's outcome of a bulk action, in words."""

    who: str
    ok: bool
    message: str
    unknown: bool = False  # Avochato did not say, and it cannot be read back


def _targets(rows: list, picked: Iterable[str], lines: list[PhoneLine]) -> tuple[dict, list[BulkItem]]:
    """user id -> (row, phone or "") for the ticked rows and the people the list names (one row
    per person: the MFA phone and the password belong to the person, not to an inbox)."""
    by_key = {r.key: r for r in rows}
    targets: dict[str, tuple] = {}
    for key in picked:
        row = by_key.get(key)
        if row is not None:
            targets.setdefault(row.user.id, (row, ""))
    unknown: list[BulkItem] = []
    for line in lines:
        want = line.who.lower()
        row = next(
            (r for r in rows if (r.user.email or "").lower() == want or r.user.display_name.lower() == want),
            None,
        )
        if row is None:
            unknown.append(
                BulkItem(
                    who=line.who,
                    ok=False,
                    message=f"line {line.number}: not in this report, so nothing was sent",
                )
            )
            continue
        targets[row.user.id] = (row, line.phone)
    return targets, unknown


def mfa_bulk(
    *, operator, rows: list, action: str, picked: Iterable[str], lines: list[PhoneLine]
) -> list[BulkItem]:
    """Run `action` ("mfa_phone" with the listed phones, or "password_reset") once per person,
    each audited in the operator's name (pending before the call, then what is true: see
    `team.user_changes`); one person's failure does not stop the others.
    Calls `POST /v1/users/:id/mfa_phone` or `POST /v1/users/:id/password_reset` in an inbox of theirs."""
    from team import user_changes  # it remembers pending phones through this module

    targets, items = _targets(rows, picked, lines)
    for row, phone in targets.values():
        who = row.user.display_name
        if action == "mfa_phone" and not phone:
            items.append(BulkItem(who=who, ok=False, message="no phone for them in the list: nothing sent"))
            continue
        client = get_client(row.inbox.subdomain)
        e164 = (to_e164(phone) or phone) if phone else ""  # the service refuses a bad one
        entry = audit_begin(
            actor=operator,
            inbox=row.inbox.subdomain,
            action="team.user_mfa_phone" if action == "mfa_phone" else "team.user_password_reset",
            target=row.user.id,
            params={"bulk": True, **({"phone": e164} if phone else {})},
        )
        if action == "mfa_phone":
            change = user_changes.mfa_phone_set(
                client=client, user=row.user.id, phone=e164, operator=operator
            )
        else:
            change = user_changes.password_reset(client=client, user=row.user.id)
        audit_finish(entry, outcome=change.outcome, error=change.error)
        items.append(BulkItem(who=who, ok=change.applied, message=change.message, unknown=change.unknown))
    return items
