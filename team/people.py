"""People across inboxes: find a person, the directory, MFA compliance.

Selectors over the local directory (`avodash.domain.users` / `directory`): the inboxes' users
and roles come from our own tables, never one API call per user. Only what changes by the
minute is asked of the API: a person's open tickets and pending scheduled messages per inbox,
for the offboarding plan, all inboxes at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from avodash.avochato import AvochatoError, parallel
from avodash.avochato.django import get_client
from avodash.domain import directory
from avodash.domain.inboxes import Inbox
from avodash.domain.scheduled import ScheduledMessage, scheduled_by_sender
from avodash.domain.tickets import user_open_ticket_count
from avodash.domain.users import InboxUser, credential_user_id, user_inboxes
from team import mfa

T = TypeVar("T")


def each(calls: list[Callable[[], T]]) -> list[T | AvochatoError]:
    """`parallel`, but one inbox's failure is that inbox's result, not everyone's."""

    def guarded(fn: Callable[[], T]) -> Callable[[], T | AvochatoError]:
        def run() -> T | AvochatoError:
            try:
                return fn()
            except AvochatoError as err:
                return err

        return run

    return parallel([guarded(fn) for fn in calls])


def inboxes_listed(inboxes: list[Inbox]) -> list[tuple[Inbox, str]]:
    """Make sure every inbox is in the directory; the inboxes that could not be listed."""
    errors: list[tuple[Inbox, str]] = []
    for inbox in inboxes:
        try:
            directory.ensure_listed(clients={inbox.subdomain: get_client(inbox.subdomain)})
        except AvochatoError as err:
            errors.append((inbox, err.message))
    return errors


# --- one person, for the offboarding plan ----------------------------------------------------


@dataclass(kw_only=True)
class Membership:
    """A person's place in one granted inbox, as the offboarding plan shows it."""

    inbox: Inbox
    user: InboxUser
    open_tickets: int | None = None
    scheduled: list[ScheduledMessage] = field(default_factory=list)
    colleagues: list[InboxUser] = field(default_factory=list)  # enabled members who could take over
    error: str = ""


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

    Memberships (role, enabled, disabled ones too) and each inbox's colleagues come from the
    directory. Then one round, every inbox at once: the inboxes they are in beyond the
    operator's grants (`GET /v1/users/:id/accounts`), their open ticket count
    (`GET /v1/tickets?user_id=`) and pending scheduled messages
    (`GET /v1/messages/scheduled?sender_id=`).
    """
    email = email.strip().lower()
    person = Person(email=email)
    if not inboxes:
        return person
    person.errors = inboxes_listed(inboxes)
    teams = directory.memberships(subdomains=[i.subdomain for i in inboxes])
    members: list[Membership] = []
    for inbox in inboxes:
        user = next((u for u in teams.get(inbox.subdomain, []) if (u.email or "").lower() == email), None)
        if user is not None:
            colleagues = [u for u in teams[inbox.subdomain] if u.id != user.id and u.may_own_tickets]
            members.append(Membership(inbox=inbox, user=user, colleagues=colleagues))
    if not members:
        return person
    person.user_id, person.name = members[0].user.id, members[0].user.name
    granted = {i.subdomain for i in inboxes}
    home = get_client(members[0].inbox.subdomain)
    calls: list[Callable[[], Any]] = [lambda: user_inboxes(client=home, user=person.user_id)]
    for m in members:
        client, uid = get_client(m.inbox.subdomain), m.user.id
        calls += [
            lambda c=client, uid=uid: user_open_ticket_count(client=c, user_id=uid),
            lambda c=client, uid=uid: scheduled_by_sender(client=c, user_id=uid, email=email),
        ]
    listed, *results = each(calls)
    if not isinstance(listed, AvochatoError):
        person.elsewhere = sorted(ui.subdomain for ui in listed if ui.subdomain not in granted)
    for n, m in enumerate(members):
        count, scheduled = results[2 * n : 2 * n + 2]
        m.error = "; ".join(
            dict.fromkeys(r.message for r in (count, scheduled) if isinstance(r, AvochatoError))
        )
        m.open_tickets = None if isinstance(count, AvochatoError) else count
        m.scheduled = [] if isinstance(scheduled, AvochatoError) else scheduled
    person.memberships = members
    return person


# --- the cross-inbox directory and MFA compliance -----------------------------------------------


@dataclass(kw_only=True)
class DirectoryPerson:
    id: str
    name: str
    email: str | None
    memberships: dict[str, InboxUser] = field(default_factory=dict)  # subdomain -> their user there
    inbox_names: dict[str, str] = field(default_factory=dict, repr=False)  # subdomain -> inbox name

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.id

    @property
    def chips(self) -> list[tuple[str, str, InboxUser]]:
        """(inbox name, subdomain, their user there), for the directory's row."""
        return [(self.inbox_names.get(sub, sub), sub, u) for sub, u in self.memberships.items()]

    @property
    def any_user(self) -> InboxUser:
        return next(iter(self.memberships.values()))

    @property
    def mfa_issue(self) -> str:
        """'' when every enabled membership is compliant, else the first state that is not."""
        states = [mfa.mfa_state(u) for u in self.memberships.values()]
        return next((mfa.STATE_NAMES[s] for s in states if s in mfa.NEEDS_ACTION), "")


@dataclass(kw_only=True)
class Directory:
    inboxes: list[Inbox]
    people: list[DirectoryPerson]
    errors: list[tuple[Inbox, str]]
    freshness: dict[str, directory.Freshness] = field(default_factory=dict)


def people_directory(*, inboxes: list[Inbox]) -> Directory:
    """Each person once, with their role, state and MFA per inbox, from the local directory
    (one query for every inbox). People are matched by their Avochato user id (one id across
    inboxes)."""
    errors = inboxes_listed(inboxes)
    teams = directory.memberships(subdomains=[i.subdomain for i in inboxes])
    people: dict[str, DirectoryPerson] = {}
    names = {i.subdomain: i.name for i in inboxes}
    for inbox in inboxes:
        for user in teams.get(inbox.subdomain, []):
            key = user.id or (user.email or "").lower()
            person = people.get(key)
            if person is None:
                person = people[key] = DirectoryPerson(
                    id=user.id, name=user.name, email=user.email, inbox_names=names
                )
            person.memberships[inbox.subdomain] = user
    ordered = sorted(people.values(), key=lambda p: (p.display_name.lower(), p.id))
    fresh = directory.freshness_of(subdomains=[i.subdomain for i in inboxes])
    return Directory(inboxes=inboxes, people=ordered, errors=errors, freshness=fresh)


@dataclass(frozen=True, kw_only=True)
class ComplianceRow:
    inbox: Inbox
    user: InboxUser
    state: str  # a `team.mfa` state
    pending_phone: str = ""  # the phone avodash set, awaiting their SMS code
    is_api_user: bool = False  # the user avodash's API credential acts as: no actions offered

    @property
    def state_name(self) -> str:
        return mfa.STATE_NAMES[self.state]

    @property
    def fix(self) -> str:
        return mfa.FIXES.get(self.state, "")

    @property
    def action(self) -> str:
        return "" if self.is_api_user else mfa.ACTIONS.get(self.state, "")

    @property
    def key(self) -> str:
        """How the bulk form names the row."""
        return f"{self.inbox.subdomain}:{self.user.id}"


def api_user_id(inboxes: list[Inbox]) -> str | None:
    """The id of the user the dashboard's API credential acts as (one id across inboxes), or
    None when it cannot be told (`credential_user_id`, cached)."""
    if not inboxes:
        return None
    return credential_user_id(client=get_client(inboxes[0].subdomain))


def compliance_rows(people: Directory, *, api_user: str | None = None) -> list[ComplianceRow]:
    """Every membership with its MFA state (`team.mfa`), by inbox then name. `api_user` (the
    credential's user id) marks that user's rows. Pending phones avodash set are forgotten once
    the API reports a working method."""
    by_sub = {i.subdomain: i for i in people.inboxes}
    users = [u for p in people.people for u in p.memberships.values()]
    mfa.pending_phones_settle(users)
    pending = mfa.pending_phones(u.id for u in users)
    rows = [
        ComplianceRow(
            inbox=by_sub[sub],
            user=user,
            state=mfa.mfa_state(user, pending.get(user.id)),
            pending_phone=pending.get(user.id, ""),
            is_api_user=bool(api_user) and user.id == api_user,
        )
        for person in people.people
        for sub, user in person.memberships.items()
    ]
    rows.sort(key=lambda r: (r.inbox.name.lower(), r.user.display_name.lower()))
    return rows
