"""One person across inboxes: the person page's data, and finding a person by name, email or phone.

Who they are and where (role, enabled, MFA, last sign-in) comes from the local directory. Only
what changes by the minute is asked of the API, every inbox at once in worker threads: their
open tickets and pending scheduled messages per inbox, and the inboxes they are in beyond the
operator's grants (counted, never named). The database is touched only in the caller's thread.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from avodash.avochato import AvochatoError
from avodash.avochato.django import get_client
from avodash.domain import directory
from avodash.domain.inboxes import Inbox
from avodash.domain.scheduled import scheduled_by_sender
from avodash.domain.tickets import user_open_ticket_count
from avodash.domain.users import InboxUser, user_inboxes
from team import mfa
from team.people import each, inboxes_listed


@dataclass(kw_only=True)
class PersonInbox:
    """The person in one inbox the operator is granted."""

    inbox: Inbox
    user: InboxUser
    mfa_state: str
    open_tickets: int | None = None
    scheduled: int | None = None
    error: str = ""

    @property
    def mfa_state_name(self) -> str:
        return mfa.STATE_NAMES[self.mfa_state]


@dataclass(kw_only=True)
class PersonPage:
    id: str
    name: str
    email: str | None
    inboxes: list[PersonInbox] = field(default_factory=list)
    other_inboxes: int | None = None  # inboxes they are in that the operator is not granted; None: unknown
    pending_phone: str = ""
    errors: list[tuple[Inbox, str]] = field(default_factory=list)

    @property
    def display_name(self) -> str:
        return self.name or self.email or self.id

    @property
    def phone(self) -> str | None:
        return next((m.user.phone for m in self.inboxes if m.user.phone), None)

    @property
    def signed_in_at(self):
        return max((m.user.signed_in_at for m in self.inboxes if m.user.signed_in_at), default=None)

    @property
    def open_tickets(self) -> int:
        return sum(m.open_tickets or 0 for m in self.inboxes)

    @property
    def scheduled(self) -> int:
        return sum(m.scheduled or 0 for m in self.inboxes)


def person_page(*, ref: str, inboxes: list[Inbox]) -> PersonPage | None:
    """The person `ref` (Avochato user id or email) in the operator's `inboxes`, or None when
    they are in none of them. One parallel round: `GET /v1/users/:id/accounts` (how many of
    their inboxes are not granted), and per inbox `GET /v1/tickets?user_id=&limit=1` and
    `GET /v1/messages/scheduled?sender_id=`."""
    errors = inboxes_listed(inboxes)
    found = directory.person_memberships(user=ref, subdomains=[i.subdomain for i in inboxes])
    if not found:
        return None
    by_sub = {i.subdomain: i for i in inboxes}
    first = next(iter(found.values()))
    pending = mfa.pending_phones([first.id]).get(first.id, "")
    page = PersonPage(id=first.id, name=first.name, email=first.email, pending_phone=pending, errors=errors)
    page.inboxes = sorted(
        (PersonInbox(inbox=by_sub[s], user=u, mfa_state=mfa.mfa_state(u, pending)) for s, u in found.items()),
        key=lambda m: m.inbox.name.lower(),
    )
    home = get_client(page.inboxes[0].inbox.subdomain)
    calls: list[Callable[[], Any]] = [lambda: user_inboxes(client=home, user=page.id)]
    for m in page.inboxes:
        client = get_client(m.inbox.subdomain)
        calls += [
            lambda c=client: user_open_ticket_count(client=c, user_id=page.id),
            lambda c=client: len(scheduled_by_sender(client=c, user_id=page.id, email=page.email)),
        ]
    listed, *results = each(calls)
    if not isinstance(listed, AvochatoError):
        page.other_inboxes = len({i.subdomain for i in listed} - set(by_sub))
    for n, m in enumerate(page.inboxes):
        count, scheduled = results[2 * n : 2 * n + 2]
        m.open_tickets = None if isinstance(count, AvochatoError) else count
        m.scheduled = None if isinstance(scheduled, AvochatoError) else scheduled
        m.error = "; ".join(
            dict.fromkeys(r.message for r in (count, scheduled) if isinstance(r, AvochatoError))
        )
    return page


def people_find(
    *, text: str, inboxes: list[Inbox], limit: int = 12, fill: bool = True
) -> list[tuple[InboxUser, list[Inbox]]]:
    """People whose name, email or MFA phone contains `text`, from the local directory, each
    with the operator's inboxes they are in. `fill`: list inboxes never listed first (the
    type-ahead does not: the page that shows the box has done it, and keystrokes must not
    write)."""
    if len((text or "").strip()) < 2:
        return []
    if fill:
        inboxes_listed(inboxes)  # an unreadable inbox just finds nobody
    subs = [i.subdomain for i in inboxes]
    by_sub = {i.subdomain: i for i in inboxes}
    matches = directory.find_people(text=text, subdomains=subs, limit=limit)
    where = directory.inboxes_of(user_ids=[u.id for u in matches], subdomains=subs)
    name = {s: by_sub[s].name.lower() for s in subs}
    return [(u, [by_sub[s] for s in sorted(where.get(u.id, []), key=name.get)]) for u in matches]


def is_api_user(page: PersonPage) -> bool:
    """Whether this is the user avodash's API credential acts as (no disabling, no removing)."""
    from team.people import api_user_id

    return bool(page.inboxes) and api_user_id([page.inboxes[0].inbox]) == page.id
