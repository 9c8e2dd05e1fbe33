"""Lifecycle planning across inboxes: find a person, plan on/offboarding, CSV rows, directory.

The API work goes through `team.services` (the team pages' services) and, for scheduled
messages, `inbox.services.messages`; `tickets_release` names the handover to
auto-assignment or to nobody.

Plans become `Job`s with every step (`team.models`); `team.jobs` runs them.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email

from avodash.audit import actor_display
from avodash.avochato import AvochatoClient, AvochatoError, NotFoundError, RateLimitedError, parallel
from avodash.avochato.django import get_client
from avodash.inboxes import Inbox
from inbox.services import messages as messaging
from inbox.services.messages import ScheduledMessage
from team import services
from team.models import Job, JobStep
from team.services import ROLES, TeamUser, is_e164

log = logging.getLogger(__name__)
T = TypeVar("T")

HANDOVER_AUTOASSIGN = services.HANDOVER_AUTOASSIGN
HANDOVER_NOBODY = services.HANDOVER_UNASSIGN
MAX_CSV_BYTES = 512 * 1024
MAX_CSV_ROWS = 500
CSV_COLUMNS = ("email", "name", "role", "phone", "inboxes")
CSV_TEMPLATE = (
    "email,name,role,phone,inboxes\r\n"
    "jane.doe@example.com,Jane Doe,member,+14155550123,acme-support;acme-sales\r\n"
    "sam.lee@example.com,Sam Lee,manager,,acme-support\r\n"
)


class LifecycleError(Exception):
    """A plan or job problem fit to show a person (not an API error)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- helpers ------------------------------------------------------------------------------


def normalize_phone(value: str) -> str:
    """Spaces, dashes and brackets dropped; '' stays ''. Raises LifecycleError if not E.164."""
    phone = "".join((value or "").split()).replace("-", "").replace("(", "").replace(")", "").replace(".", "")
    if phone and not is_e164(phone):
        hint = e164_suggestion(value)
        raise LifecycleError(
            "Phone must be in E.164 format: + then country code and number, like +14155551234."
            + (f" Did you mean {hint}?" if hint else "")
        )
    return phone


def e164_suggestion(value: str) -> str:
    """The E.164 form of a US/Canada number typed the local way, or ''.

    `(415) 555-1234`, `415.555.1234`, `1 415 555 1234` -> `+14155551234`.
    Only a suggestion to offer (never applied silently): other countries' local forms cannot
    be told apart, so they get none.
    """
    text = (value or "").strip()
    if not text or text.startswith("+") or any(c.isalpha() for c in text):
        return ""  # with a "+" it names its country: nothing to guess
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    # A NANP number: 10 digits, area code and exchange starting with 2-9.
    if len(digits) != 10 or digits[0] in "01" or digits[3] in "01":
        return ""
    return "+1" + digits


def email_error(value: str) -> str:
    """'' when `value` is an email address, else the reason."""
    if not value:
        return "Email is missing."
    try:
        validate_email(value)
    except DjangoValidationError:
        return f"“{value}” is not an email address."
    return ""


def _each(calls: list[Callable[[], T]]) -> list[T | AvochatoError]:
    """`parallel`, but one inbox's failure is that inbox's result, not everyone's."""

    def guarded(fn: Callable[[], T]) -> Callable[[], T | AvochatoError]:
        def run() -> T | AvochatoError:
            try:
                return fn()
            except AvochatoError as err:
                return err

        return run

    return parallel([guarded(fn) for fn in calls])


# --- services the team services lack ------------------------------------------------------


MAX_SCHEDULED_PAGES = 40


def scheduled_by_sender(client: AvochatoClient, *, user_id: str) -> list[ScheduledMessage]:
    """Pending scheduled messages of one sender, soonest first: the messaging services'
    `scheduled_search` (`GET /v1/messages/scheduled?sender_id=...&query=aborted: false`),
    every page."""
    found: list[ScheduledMessage] = []
    for page in range(1, MAX_SCHEDULED_PAGES + 1):
        result = messaging.scheduled_search(
            client=client, filters=messaging.ScheduledFilters(sender_id=user_id), page=page, with_people=False
        )
        # Defensive: a server ignoring the filter must not get others' messages cancelled.
        found += [m for m in result.messages if m.is_pending and m.sender_id in (None, user_id)]
        if not result.has_next:
            break
    found.sort(key=lambda m: m.scheduled_for or datetime.max.replace(tzinfo=UTC))
    return found


def tickets_release(client: AvochatoClient, *, user_id: str, to: str) -> services.HandoverResult:
    """Hand a user's open tickets to auto-assignment or to nobody (`tickets_handover` with
    the API's words `autoassign` / `unassign`)."""
    if to not in (HANDOVER_AUTOASSIGN, HANDOVER_NOBODY):
        raise ValueError("to must be autoassign or unassign")
    return services.tickets_handover(client, from_user_id=user_id, to_user_id=to)


# --- what job steps call ------------------------------------------------------------------


def member_by_email(client: AvochatoClient, *, email: str) -> TeamUser | None:
    """The inbox's user with this email, or None when they are not a member."""
    try:
        return services.user_get(client, user=email)
    except NotFoundError:
        return None


def member_add(client: AvochatoClient, *, email: str, name: str, role: str, phone: str | None) -> TeamUser:
    return services.user_add(client, email=email, name=name or None, role=role, phone=phone or None).user


def member_disable(client: AvochatoClient, *, user_id: str) -> TeamUser:
    return services.user_disable(client, user=user_id)


def member_remove(client: AvochatoClient, *, user_id: str) -> None:
    services.user_delete(client, user=user_id)


def tickets_hand_over(client: AvochatoClient, *, user_id: str, to: str) -> list[str]:
    """Move the user's open tickets (re-queried now) to `to`; the moved ids.

    Raises LifecycleError naming what was and was not moved when some tickets stay: a
    retry picks up exactly those (they are still the user's).
    """
    if to in (HANDOVER_AUTOASSIGN, HANDOVER_NOBODY):
        result = tickets_release(client, user_id=user_id, to=to)
    else:
        result = services.tickets_handover(client, from_user_id=user_id, to_user_id=to)
    if not result.ok:
        raise LifecycleError(result.summary)
    return list(result.moved)


def scheduled_cancel_by_sender(client: AvochatoClient, *, user_id: str) -> list[str]:
    """Cancel every pending scheduled message of the user (re-queried now); the cancelled ids."""
    cancelled: list[str] = []
    for message in scheduled_by_sender(client, user_id=user_id):
        try:
            messaging.scheduled_cancel(client=client, message_id=message.id)
        except NotFoundError:
            continue  # sent or cancelled meanwhile
        except RateLimitedError:
            raise  # not acted on: the runner waits and runs the step again
        except AvochatoError as err:
            done = f"{len(cancelled)} cancelled before this; " if cancelled else ""
            raise LifecycleError(
                f"Could not cancel a scheduled message ({err.message}); {done}a retry picks up the rest."
            ) from err
        cancelled.append(message.id)
    return cancelled


# --- finding a person across inboxes ------------------------------------------------------


@dataclass(kw_only=True)
class Membership:
    """A person's place in one granted inbox, as the offboarding plan shows it."""

    inbox: Inbox
    user: TeamUser | None = None  # None: not a member
    open_tickets: int | None = None
    scheduled: list[ScheduledMessage] = field(default_factory=list)
    colleagues: list[TeamUser] = field(default_factory=list)  # enabled members who could take over
    error: str = ""

    @property
    def is_member(self) -> bool:
        return self.user is not None


@dataclass(kw_only=True)
class Person:
    email: str
    user_id: str = ""
    name: str = ""
    memberships: list[Membership] = field(default_factory=list)  # member inboxes (granted)
    elsewhere: list[str] = field(default_factory=list)  # inboxes they are in, not granted to the operator
    errors: list[tuple[Inbox, str]] = field(default_factory=list)  # inboxes that could not be checked

    @property
    def found(self) -> bool:
        return bool(self.memberships)

    def membership(self, subdomain: str) -> Membership | None:
        return next((m for m in self.memberships if m.inbox.subdomain == subdomain), None)


def person_find(*, email: str, inboxes: list[Inbox]) -> Person:
    """Where `email` is a member among `inboxes` (the operator's), with what the plan needs.

    Round 1, every granted inbox at once: `GET /v1/users/_?email=` (role, enabled; finds
    disabled memberships too). Round 2, at once: their inboxes (`GET /v1/users/:id/accounts`,
    asked in an inbox they belong to: which ones exist beyond the operator's grants) and,
    per inbox they are in, their open ticket count (`GET /v1/tickets?user_id=`), pending
    scheduled messages (`GET /v1/messages/scheduled?sender_id=`) and the inbox's team for
    a successor (`team.services.users_list`, cached).
    """
    email = email.strip().lower()
    person = Person(email=email)
    if not inboxes:
        return person
    clients = {i.subdomain: get_client(i.subdomain) for i in inboxes}
    users = _each([lambda c=clients[i.subdomain]: member_by_email(c, email=email) for i in inboxes])
    members: list[Membership] = []
    for inbox, user in zip(inboxes, users, strict=True):
        if isinstance(user, AvochatoError):
            person.errors.append((inbox, user.message))
        elif user is not None:
            members.append(Membership(inbox=inbox, user=user))
    if not members:
        return person
    first_user = members[0].user
    assert first_user is not None
    person.user_id, person.name = first_user.id, first_user.name

    # Their inboxes (asked in an inbox they belong to), and per inbox at once: open tickets,
    # pending scheduled messages, the team (for a successor).
    home = clients[members[0].inbox.subdomain]
    calls: list[Callable[[], Any]] = [lambda: services.user_inboxes(home, user=first_user.id)]
    for m in members:
        c, uid = clients[m.inbox.subdomain], m.user.id  # type: ignore[union-attr]
        calls += [
            lambda c=c, uid=uid: services.user_open_ticket_count(c, user_id=uid),
            lambda c=c, uid=uid: scheduled_by_sender(c, user_id=uid),
            lambda c=c: services.users_list(c),
        ]
    listed, *results = _each(calls)
    granted = {i.subdomain for i in inboxes}
    if not isinstance(listed, AvochatoError):
        person.elsewhere = sorted(a.subdomain for a in listed if a.subdomain not in granted)
    for n, m in enumerate(members):
        count, scheduled, team = results[3 * n : 3 * n + 3]
        problems = [r.message for r in (count, scheduled, team) if isinstance(r, AvochatoError)]
        m.error = "; ".join(dict.fromkeys(problems))
        m.open_tickets = None if isinstance(count, AvochatoError) else count
        m.scheduled = [] if isinstance(scheduled, AvochatoError) else scheduled
        if not isinstance(team, AvochatoError):
            m.colleagues = [u for u in team if u.id != m.user.id and u.enabled is not False]  # type: ignore[union-attr]
    person.memberships = members
    return person


# --- plans become jobs --------------------------------------------------------------------


def _new_job(*, kind: str, title: str, subject: str, operator, options: dict, run_after=None) -> Job:
    return Job.objects.create(
        kind=kind,
        title=title,
        subject=subject,
        options=options,
        run_after=run_after,
        created_by=operator,
        created_by_name=actor_display(operator),
        status=Job.DRAFT,
    )


def onboard_job_create(*, operator, email: str, name: str, role: str, phone: str, inboxes: list[str]) -> Job:
    """One `add_user` step per inbox (`POST /v1/users` with `phone` when given)."""
    if role not in ROLES:
        raise LifecycleError("Choose a role from the list.")
    if not inboxes:
        raise LifecycleError("Choose at least one inbox.")
    job = _new_job(
        kind=Job.ONBOARD,
        title=f"Onboard {email}",
        subject=email,
        operator=operator,
        options={"name": name, "role": role, "phone": bool(phone), "inboxes": inboxes},
    )
    params = {"name": name, "role": role, "phone": phone}
    JobStep.objects.bulk_create(
        [
            JobStep(
                job=job,
                position=n,
                group=sub,
                inbox=sub,
                action=JobStep.ADD_USER,
                target=email,
                params=params,
            )
            for n, sub in enumerate(inboxes, start=1)
        ]
    )
    return job


@dataclass(frozen=True, kw_only=True)
class OffboardChoice:
    """What the operator chose for one inbox."""

    subdomain: str
    handover: str  # a successor's user id, HANDOVER_AUTOASSIGN or HANDOVER_NOBODY
    handover_name: str = ""


def offboard_job_create(
    *,
    operator,
    person: Person,
    choices: list[OffboardChoice],
    remove: bool,
    cancel_scheduled: bool,
    run_after: datetime | None = None,
) -> Job:
    """Per inbox, in order: hand over open tickets, cancel pending scheduled messages (when
    chosen), then disable (or remove). Steps re-query the API's state when they run."""
    if not choices:
        raise LifecycleError("Choose at least one inbox to offboard them from.")
    what = "remove" if remove else "disable"
    job = _new_job(
        kind=Job.OFFBOARD,
        title=f"Offboard {person.email}",
        subject=person.email,
        operator=operator,
        run_after=run_after,
        options={
            "name": person.name,
            "user_id": person.user_id,
            "action": what,
            "scheduled": "cancel" if cancel_scheduled else "keep",
            "inboxes": [c.subdomain for c in choices],
            "handover": {c.subdomain: c.handover_name or c.handover for c in choices},
        },
    )
    steps: list[JobStep] = []
    base = {"user_id": person.user_id}
    for c in choices:
        handover = JobStep(
            action=JobStep.REASSIGN_TICKETS,
            inbox=c.subdomain,
            params={**base, "to": c.handover, "to_name": c.handover_name or _handover_label(c.handover)},
        )
        cancel = JobStep(action=JobStep.CANCEL_SCHEDULED, inbox=c.subdomain, params=dict(base))
        disable = JobStep(action=JobStep.DISABLE_USER, inbox=c.subdomain, params=dict(base))
        removal = JobStep(action=JobStep.REMOVE_USER, inbox=c.subdomain, params=dict(base))
        if c.handover == HANDOVER_AUTOASSIGN:
            # Auto-assignment picks among enabled members: while they are enabled it can hand
            # their tickets straight back to them. So: disable first, then auto-assign.
            order = [cancel] if cancel_scheduled else []
            order += [disable, handover] + ([removal] if remove else [])
        else:
            order = [handover] + ([cancel] if cancel_scheduled else []) + [removal if remove else disable]
        steps += order
    for n, s in enumerate(steps, start=1):
        s.job, s.position, s.group, s.target = job, n, s.inbox, person.email
    JobStep.objects.bulk_create(steps)
    return job


def _handover_label(to: str) -> str:
    return {HANDOVER_AUTOASSIGN: "auto-assignment", HANDOVER_NOBODY: "nobody (unassigned)"}.get(to, to)


# --- CSV onboarding -----------------------------------------------------------------------


@dataclass(kw_only=True)
class CsvRow:
    number: int  # the line in the file (the header is line 1)
    email: str = ""
    name: str = ""
    role: str = "member"
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

    def as_dict(self) -> dict:
        return {
            "number": self.number,
            "email": self.email,
            "name": self.name,
            "role": self.role,
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


def csv_parse(data: bytes, *, granted: Iterable[str]) -> list[CsvRow]:
    """Read and validate an onboarding CSV (email, name, role, phone, inboxes).

    Every row is checked before anything is sent: email, role from the list, E.164 phone,
    inboxes that exist and are granted, no email twice. Raises LifecycleError when the
    file itself is unusable.
    """
    if len(data) > MAX_CSV_BYTES:
        raise LifecycleError(f"The file is too large (at most {MAX_CSV_BYTES // 1024} KB).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LifecycleError(
            "The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again."
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text.splitlines()[0] if text.strip() else "", delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise LifecycleError("The file is empty. Start from the template.") from None
    except csv.Error as err:
        raise LifecycleError(f"The file is not valid CSV: {err}.") from None
    missing = [c for c in ("email", "inboxes") if c not in header]
    if missing:
        raise LifecycleError(
            f"The first line must name the columns ({', '.join(CSV_COLUMNS)}); missing: {', '.join(missing)}."
        )
    col = {name: header.index(name) for name in CSV_COLUMNS if name in header}
    granted = {g.lower() for g in granted}
    rows: list[CsvRow] = []
    seen: dict[str, int] = {}
    try:
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) >= MAX_CSV_ROWS:
                raise LifecycleError(f"Too many rows: at most {MAX_CSV_ROWS} people per file.")

            def cell(name: str, record=record) -> str:
                i = col.get(name)
                return record[i].strip() if i is not None and i < len(record) else ""

            row = CsvRow(number=reader.line_num, email=cell("email").lower(), name=cell("name"))
            if problem := email_error(row.email):
                row.errors.append(problem)
            elif row.email in seen:
                row.errors.append(f"{row.email} is already on line {seen[row.email]}.")
            else:
                seen[row.email] = row.number
            role = cell("role").lower() or "member"
            if role not in ROLES:
                row.errors.append(f"Role “{cell('role')}” is not one of {', '.join(ROLES)}.")
            row.role = role
            try:
                row.phone = normalize_phone(cell("phone"))
            except LifecycleError:
                row.phone = cell("phone")
                hint = e164_suggestion(row.phone)
                row.errors.append(
                    f"Phone “{row.phone}” is not in E.164 format (like +14155551234)."
                    + (f" Did you mean {hint}?" if hint else "")
                )
            row.inboxes = list(dict.fromkeys(_split_inboxes(cell("inboxes"))))
            if not row.inboxes:
                row.errors.append("No inbox given.")
            unknown = [i for i in row.inboxes if i not in granted]
            if unknown:
                row.errors.append(f"Not an inbox you are granted: {', '.join(unknown)}.")
            if len(row.name) > 100:
                row.errors.append("Name is longer than 100 characters.")
            rows.append(row)
    except csv.Error as err:
        raise LifecycleError(f"The file is not valid CSV near line {reader.line_num}: {err}.") from None
    if not rows:
        raise LifecycleError("The file has a header but no people in it.")
    return rows


def csv_preview(rows: list[CsvRow]) -> list[str]:
    """Fill each valid row's plan per inbox: will be added, or already a member (with the role
    they have there: onboarding never changes an existing membership's role).

    One members list per inbox involved (`GET /v1/users`, every page; no call per row), at
    once; then `GET /v1/users/:id` for the rows' existing members only (the list has no
    role). Returns the inboxes whose list could not be read (their rows say "unknown").
    """
    inboxes = sorted({i for r in rows if r.ok for i in r.inboxes})

    def emails(sub: str) -> Callable[[], dict[str, str]]:
        client = get_client(sub)
        return lambda: {
            str(u.get("email") or "").lower(): str(u.get("id") or "")
            for u in client.iter_pages(("users",), {}, key="users")
        }

    # Only the list (not the per-user details `users_list` adds): the emails are all we need.
    results = dict(zip(inboxes, _each([emails(s) for s in inboxes]), strict=True))
    unreadable = [s for s, r in results.items() if isinstance(r, AvochatoError)]
    existing: list[tuple[str, str]] = []  # (subdomain, user id) of rows' existing members
    for row in rows:
        if not row.ok:
            continue
        for sub in row.inboxes:
            members = results.get(sub)
            if isinstance(members, AvochatoError) or members is None:
                row.plan[sub] = "unknown"
            elif row.email in members:
                row.plan[sub] = "member"
                existing.append((sub, members[row.email]))
            else:
                row.plan[sub] = "add"
    existing = sorted(set(existing))
    fetched = _each(
        [lambda sub=sub, uid=uid: services.user_get(get_client(sub), user=uid) for sub, uid in existing]
    )
    roles = {
        key: ("" if isinstance(user, AvochatoError) else user.role or "")
        for key, user in zip(existing, fetched, strict=True)
    }
    for row in rows:
        for sub, what in row.plan.items():
            if what == "member":
                row.current[sub] = roles.get((sub, results[sub][row.email]), "")  # type: ignore[index]
    return unreadable


def csv_job_create(*, operator, rows: list[CsvRow], filename: str) -> Job:
    """A draft job: the preview shows it; applying it starts it. Bad rows get no steps."""
    good = [r for r in rows if r.ok]
    job = _new_job(
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
                    params={"name": r.name, "role": r.role, "phone": r.phone},
                )
            )
    JobStep.objects.bulk_create(steps)
    return job


# --- the cross-inbox directory and MFA compliance -----------------------------------------


@dataclass(kw_only=True)
class DirectoryPerson:
    id: str
    name: str
    email: str | None
    memberships: dict[str, TeamUser] = field(default_factory=dict)  # subdomain -> their user there

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.id

    @property
    def any_user(self) -> TeamUser:
        return next(iter(self.memberships.values()))

    @property
    def mfa_issue(self) -> str:
        return mfa_issue(self.any_user)


def mfa_issue(user: TeamUser) -> str:
    """'' when MFA is in place, else what is missing."""
    if not user.require_2fa:
        return "2FA not required"
    if not (user.mfa_app_valid or user.phone_valid):
        return "no verified phone or app"
    return ""


@dataclass(kw_only=True)
class Directory:
    inboxes: list[Inbox]
    people: list[DirectoryPerson]
    errors: list[tuple[Inbox, str]]


def people_directory(*, inboxes: list[Inbox]) -> Directory:
    """Each person once, with their role, state and MFA per inbox.

    `team.services.users_list` per inbox (the list and every user's details; cached), all
    inboxes at once. People are matched by their Avochato user id (one id across inboxes),
    else by email.
    """
    teams = _each([lambda sub=i.subdomain: services.users_list(get_client(sub)) for i in inboxes])
    people: dict[str, DirectoryPerson] = {}
    errors: list[tuple[Inbox, str]] = []
    for inbox, team in zip(inboxes, teams, strict=True):
        if isinstance(team, AvochatoError):
            errors.append((inbox, team.message))
            continue
        for user in team:
            key = user.id or (user.email or "").lower()
            person = people.get(key)
            if person is None:
                person = people[key] = DirectoryPerson(id=user.id, name=user.name, email=user.email)
            person.memberships[inbox.subdomain] = user
    ordered = sorted(people.values(), key=lambda p: (p.display_name.lower(), p.id))
    return Directory(inboxes=inboxes, people=ordered, errors=errors)


@dataclass(frozen=True, kw_only=True)
class ComplianceRow:
    inbox: Inbox
    user: TeamUser
    issue: str
    is_api_user: bool = False  # the user avodash's API credential acts as: no actions offered


def api_user_id(inboxes: list[Inbox]) -> str | None:
    """The id of the user the dashboard's API credential acts as (one id across inboxes), or
    None when it cannot be told (`services.credential_user_id`, cached)."""
    if not inboxes:
        return None
    return services.credential_user_id(get_client(inboxes[0].subdomain))


def compliance_rows(directory: Directory, *, api_user: str | None = None) -> list[ComplianceRow]:
    """Per inbox, the users without working MFA (2FA not required, or no verified phone/app).
    `api_user` (the credential's user id) marks that user's rows."""
    by_sub = {i.subdomain: i for i in directory.inboxes}
    rows = [
        ComplianceRow(
            inbox=by_sub[sub], user=user, issue=issue, is_api_user=bool(api_user) and user.id == api_user
        )
        for person in directory.people
        for sub, user in person.memberships.items()
        if (issue := mfa_issue(user))
    ]
    rows.sort(key=lambda r: (r.inbox.name.lower(), r.user.display_name.lower()))
    return rows
