"""Onboarding: one person into several inboxes, or many from a CSV file, planned as a job.

The plan is a `Job` with one `add_user` step per inbox (`team.models`); `team.jobs` runs it in
the background. Existing memberships are read from the local directory, never per row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from avodash.avochato import AvochatoError
from avodash.avochato.django import get_client
from avodash.domain import directory, phones
from avodash.domain.csvfile import read_table
from avodash.domain.errors import ActionError
from avodash.domain.users import ROLES, inbox_users
from team.jobs import new_job
from team.models import Job, JobStep

MAX_CSV_BYTES = 512 * 1024
MAX_CSV_ROWS = 500
CSV_COLUMNS = ("email", "name", "role", "phone", "inboxes")
CSV_TEMPLATE = (
    "email,name,role,phone,inboxes\r\n"
    "jane.doe@example.com,Jane Doe,member,+14155550123,acme-support;acme-sales\r\n"
    "sam.lee@example.com,Sam Lee,manager,,acme-support\r\n"
    "ola.berg@example.com,Ola Berg,acme-support:manager;acme-sales:member,,acme-support;acme-sales\r\n"
)


def email_error(value: str) -> str:
    """'' when `value` is an email address, else the reason."""
    if not value:
        return "Email is missing."
    try:
        validate_email(value)
    except DjangoValidationError:
        return f"“{value}” is not an email address."
    return ""


def onboard_job_create(
    *,
    operator,
    email: str,
    name: str,
    role: str,
    phone: str,
    inboxes: list[str],
    roles: dict[str, str] | None = None,
) -> Job:
    """One `add_user` step per inbox (`POST /v1/users` with `phone` when given), each with its
    role: `roles[inbox]` when given, else `role`."""
    roles = {sub: (roles or {}).get(sub) or role for sub in inboxes}
    if any(r not in ROLES for r in roles.values()) or role not in ROLES:
        raise ActionError("Choose a role from the list.")
    if not inboxes:
        raise ActionError("Choose at least one inbox.")
    job = new_job(
        kind=Job.ONBOARD,
        title=f"Onboard {email}",
        subject=email,
        operator=operator,
        options={"name": name, "role": role, "roles": roles, "phone": bool(phone), "inboxes": inboxes},
    )
    JobStep.objects.bulk_create(
        [
            JobStep(
                job=job,
                position=n,
                group=sub,
                inbox=sub,
                action=JobStep.ADD_USER,
                target=email,
                params={"name": name, "role": roles[sub], "phone": phone},
            )
            for n, sub in enumerate(inboxes, start=1)
        ]
    )
    return job


def memberships_in(*, email: str, inboxes: list[str]) -> dict[str, str]:
    """The chosen inboxes `email` is already a member of, with their role there ("" when not
    read yet): from the local directory, listed first where it never was."""
    for sub in inboxes:
        try:
            directory.ensure_listed(clients={sub: get_client(sub)})
        except AvochatoError:
            continue  # the job checks again when it runs
    found = directory.person_memberships(user=email, subdomains=inboxes) if "@" in email else {}
    return {sub: (u.role or "") for sub, u in found.items()}


# --- CSV onboarding -----------------------------------------------------------------------


@dataclass(kw_only=True)
class CsvRow:
    number: int  # the line in the file (the header is line 1)
    email: str = ""
    name: str = ""
    role: str = "member"
    roles: dict[str, str] = field(default_factory=dict)  # inbox -> role, from `inbox:role` pairs
    phone: str = ""
    inboxes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # subdomain -> "add" | "member" | "unknown" (after the preview's membership check)
    plan: dict[str, str] = field(default_factory=dict)
    # subdomain -> the role they already have there ("" when it could not be read), for "member"
    current: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def role_in(self, inbox: str) -> str:
        return self.roles.get(inbox) or self.role

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "roles": self.roles,
            "phone": self.phone,
            "inboxes": self.inboxes,
            "errors": self.errors,
            "plan": self.plan,
            "current": self.current,
        }


def _split_inboxes(value: str) -> list[str]:
    for sep in (";", "|", ","):
        value = value.replace(sep, " ")
    return [v.strip().lower() for v in value.split() if v.strip()]


def _roles(value: str, inboxes: list[str]) -> tuple[str, dict[str, str], list[str]]:
    """The `role` cell: one role for every inbox (`manager`; empty: member), or `inbox:role`
    pairs (`acme-support:manager;acme-sales:member`; inboxes not named get member)."""
    value = value.strip().lower()
    if ":" not in value:
        role = value or "member"
        return role, {}, [] if role in ROLES else [f"Role “{value}” is not one of {', '.join(ROLES)}."]
    roles: dict[str, str] = {}
    problems: list[str] = []
    for pair in _split_inboxes(value):
        inbox, _, role = pair.partition(":")
        if role not in ROLES:
            problems.append(f"Role “{role}” for {inbox} is not one of {', '.join(ROLES)}.")
        elif inbox not in inboxes:
            problems.append(f"Role given for {inbox}, which is not in this row's inboxes.")
        else:
            roles[inbox] = role
    return "member", roles, problems


def _csv_row(number: int, cells: dict[str, str], *, granted: set[str], seen: dict[str, int]) -> CsvRow:
    """One line of the file, checked: `seen` (email -> line) catches a person twice."""
    row = CsvRow(number=number, email=cells.get("email", "").lower(), name=cells.get("name", ""))
    if problem := email_error(row.email):
        row.errors.append(problem)
    elif row.email in seen:
        row.errors.append(f"{row.email} is already on line {seen[row.email]}.")
    else:
        seen[row.email] = row.number
    row.phone = cells.get("phone", "")
    if row.phone:
        e164 = phones.to_e164(row.phone)
        if e164 is None:
            row.errors.append(
                f"Phone “{row.phone}”: " + phones.field_error(row.phone, suggest_in=phones.DEFAULT_REGION)
            )
        else:
            row.phone = e164
    row.inboxes = list(dict.fromkeys(_split_inboxes(cells.get("inboxes", ""))))
    row.role, row.roles, problems = _roles(cells.get("role", ""), row.inboxes)
    row.errors += problems
    if not row.inboxes:
        row.errors.append("No inbox given.")
    unknown = [i for i in row.inboxes if i not in granted]
    if unknown:
        row.errors.append(f"Not an inbox you are granted: {', '.join(unknown)}.")
    if len(row.name) > 100:
        row.errors.append("Name is longer than 100 characters.")
    return row


def csv_parse(data: bytes, *, granted: Iterable[str]) -> list[CsvRow]:
    """Read and validate an onboarding CSV (email, name, role, phone, inboxes).

    Every row is checked before anything is sent: email, role from the list, E.164 phone,
    inboxes that exist and are granted, no email twice. Raises ActionError when the
    file itself is unusable.
    """
    table = read_table(
        data,
        columns=CSV_COLUMNS,
        required=("email", "inboxes"),
        max_rows=MAX_CSV_ROWS,
        noun="people",
        max_bytes=MAX_CSV_BYTES,
    )
    granted = {g.lower() for g in granted}
    rows: list[CsvRow] = []
    seen: dict[str, int] = {}
    for line, cell in table.rows:
        cells = {name: cell(name) for name in CSV_COLUMNS}
        rows.append(_csv_row(line, cells, granted=granted, seen=seen))
    return rows


def csv_preview(rows: list[CsvRow]) -> list[str]:
    """Fill each valid row's plan per inbox: will be added, or already a member (with the role
    they have there: onboarding never changes an existing membership's role).

    Read from the local directory (the inboxes involved are listed first if they never were):
    no call per row. Returns the inboxes that could not be read (their rows say "unknown").
    """
    inboxes = sorted({i for r in rows if r.ok for i in r.inboxes})
    unreadable: list[str] = []
    readable: dict[str, dict[str, str]] = {}
    for sub in inboxes:
        try:
            members = inbox_users(client=get_client(sub))
        except AvochatoError:
            unreadable.append(sub)
            continue
        readable[sub] = {(u.email or "").lower(): (u.role or "") for u in members}
    for row in rows:
        if not row.ok:
            continue
        for sub in row.inboxes:
            members = readable.get(sub)
            if members is None:
                row.plan[sub] = "unknown"
            elif row.email in members:
                row.plan[sub] = "member"
                row.current[sub] = members[row.email]
            else:
                row.plan[sub] = "add"
    return unreadable


def csv_job_create(*, operator, rows: list[CsvRow], filename: str) -> Job:
    """A draft job: the preview shows it; applying it starts it. Bad rows get no steps."""
    good = [r for r in rows if r.ok]
    job = new_job(
        kind=Job.ONBOARD_CSV,
        title=f"CSV onboarding: {filename or 'upload'}",
        subject="",
        operator=operator,
        options={"filename": filename, "rows": [r.as_dict() for r in rows]},
    )
    steps: list[JobStep] = []
    for r in good:
        for sub in r.inboxes:
            steps.append(
                JobStep(
                    job=job,
                    position=len(steps) + 1,
                    group=f"{r.number}:{sub}",
                    row=r.number,
                    inbox=sub,
                    action=JobStep.ADD_USER,
                    target=r.email,
                    params={"name": r.name, "role": r.role_in(sub), "phone": r.phone},
                )
            )
    JobStep.objects.bulk_create(steps)
    return job
