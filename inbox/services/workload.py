"""Team load for the inbox overview: per person, open tickets, unaddressed tickets and the
longest wait among them.

Counted from the inbox's not-closed tickets when that is cheaper: `GET /v1/tickets?limit=100`
(no status: the tickets that are not closed), oldest activity first, through the `last_key`
cursor. One call for an inbox with up to 100 open tickets, whatever the size of the team. Past
WALK_MAX_PAGES pages, or when asking per person costs fewer calls, each owner is counted by the
API instead: `GET /v1/tickets?user_id=&limit=1` (open, `total_count`) and
`GET /v1/tickets?user_id=&unaddressed=on&order=oldest_activity&limit=1` (unaddressed count and
the longest-waiting ticket), 2 calls per person, all at once. Then one batched
`GET /v1/tickets/:ids/events` gives those tickets' last customer message. The result is shared
by everyone on the inbox for TEAM_LOAD_CACHE_SECONDS (the panel says so).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache

from avodash.avochato import AvochatoClient, parallel
from avodash.domain.tickets import Ticket
from avodash.domain.users import InboxUser
from inbox.services.events import tickets_activity
from inbox.services.tickets import TicketFilters, tickets_search

TEAM_LOAD_CACHE_SECONDS = 30
WALK_PAGE = 100  # the API's largest ticket page
WALK_MAX_PAGES = 10  # at most this many pages (1,000 open tickets) are walked in turn


@dataclass(kw_only=True)
class PersonLoad:
    user: InboxUser
    open: int | None
    unaddressed: int | None
    oldest_ticket_id: str | None = None
    waiting_since: datetime | None = None

    @property
    def wait_seconds(self) -> float | None:
        return (datetime.now(UTC) - self.waiting_since).total_seconds() if self.waiting_since else None


def team_load(*, client: AvochatoClient, people: list[InboxUser]) -> list[PersonLoad]:
    """The load of each person who can own tickets, busiest first (most unaddressed, then open)."""
    digest = hashlib.sha256(",".join(sorted(u.id for u in people)).encode()).hexdigest()[:32]
    key = f"inbox:team-load:{client.subdomain}:{digest}"
    cached = cache.get(key)
    if cached is None:
        cached = _team_load(client=client, people=people)
        cache.set(key, cached, TEAM_LOAD_CACHE_SECONDS)
    return cached


def _team_load(*, client: AvochatoClient, people: list[InboxUser]) -> list[PersonLoad]:
    loads = _walked(client=client, people=people)
    if loads is None:
        loads = _asked_per_person(client=client, people=people)
    oldest_ids = [p.oldest_ticket_id for p in loads if p.oldest_ticket_id]
    if oldest_ids:
        activity = tickets_activity(client=client, ticket_ids=oldest_ids)
        for p in loads:
            act = activity.get(p.oldest_ticket_id or "")
            if act is not None and act.last_inbound_at is not None:
                p.waiting_since = act.last_inbound_at
    return sorted(loads, key=lambda p: (-(p.unaddressed or 0), -(p.open or 0), p.user.name.lower()))


def _walked(*, client: AvochatoClient, people: list[InboxUser]) -> list[PersonLoad] | None:
    """Counted from every not-closed ticket, oldest activity first; None when that would take
    more calls than asking per person (or more than WALK_MAX_PAGES)."""
    budget = min(WALK_MAX_PAGES, 2 * len(people))
    if budget < 1:
        return None
    filters = TicketFilters(order="oldest_activity")
    page = tickets_search(client=client, filters=filters, limit=WALK_PAGE)
    if page.total_count is not None and math.ceil(page.total_count / WALK_PAGE) > budget:
        return None
    tickets: list[Ticket] = []
    seen: set[str] = set()
    cursors: set[str] = set()
    for walked in range(1, budget + 1):
        tickets += [t for t in page.tickets if t.id not in seen and not seen.add(t.id)]
        after = page.next_after
        if not after or len(page.tickets) < WALK_PAGE or after in cursors:
            break  # the last page (a repeated cursor too: what was read is all there is)
        if page.total_count is not None and len(tickets) >= page.total_count:
            break  # all counted: no need to ask for the empty page after them
        if walked == budget:
            return None  # more pages than the budget: the per-person counts are cheaper
        cursors.add(after)
        page = tickets_search(client=client, filters=filters, limit=WALK_PAGE, after=after)
    loads = {u.id: PersonLoad(user=u, open=0, unaddressed=0) for u in people}
    for t in tickets:
        load = loads.get(t.owner_id or "")
        if load is None or t.status == "Closed":
            continue
        load.open += 1
        if t.unaddressed:
            load.unaddressed += 1
            if load.oldest_ticket_id is None:  # oldest activity first: the first is the longest wait
                load.oldest_ticket_id, load.waiting_since = t.id, t.waiting_since
    return list(loads.values())


def _asked_per_person(*, client: AvochatoClient, people: list[InboxUser]) -> list[PersonLoad]:
    calls = []
    for u in people:
        calls.append(lambda u=u: tickets_search(client=client, filters=TicketFilters(owner_id=u.id), limit=1))
        calls.append(
            lambda u=u: tickets_search(
                client=client,
                filters=TicketFilters(owner_id=u.id, unaddressed=True, order="oldest_activity"),
                limit=1,
            )
        )
    pages = parallel(calls)
    loads = []
    for i, u in enumerate(people):
        opened, waiting = pages[2 * i], pages[2 * i + 1]
        oldest = waiting.tickets[0] if waiting.tickets else None
        loads.append(
            PersonLoad(
                user=u,
                open=opened.total_count if opened.total_count is not None else len(opened.tickets),
                unaddressed=waiting.total_count if waiting.total_count is not None else len(waiting.tickets),
                oldest_ticket_id=oldest.id if oldest else None,
                waiting_since=oldest.waiting_since if oldest else None,
            )
        )
    return loads
