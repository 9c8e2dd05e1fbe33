"""Team load for the inbox overview: per person, open tickets, unaddressed tickets and the
longest wait among them.

Per owner, two calls in parallel: `GET /v1/tickets?user_id=&limit=1` (open, `total_count`) and
`GET /v1/tickets?user_id=&unaddressed=on&order=oldest_activity&limit=1` (unaddressed count and
the longest-waiting ticket); then one batched `GET /v1/tickets/:ids/events` for those tickets'
last customer message. 2 × people + 1 calls, all at once: the costliest read of the overview,
so the result is shared by everyone on the inbox for TEAM_LOAD_CACHE_SECONDS (the panel says so).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache

from avodash.avochato import AvochatoClient, parallel
from avodash.domain.users import InboxUser
from inbox.services.events import tickets_activity
from inbox.services.tickets import TicketFilters, tickets_search

TEAM_LOAD_CACHE_SECONDS = 30


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
    oldest_ids = [p.oldest_ticket_id for p in loads if p.oldest_ticket_id]
    if oldest_ids:
        activity = tickets_activity(client=client, ticket_ids=oldest_ids)
        for p in loads:
            act = activity.get(p.oldest_ticket_id or "")
            if act is not None and act.last_inbound_at is not None:
                p.waiting_since = act.last_inbound_at
    return sorted(loads, key=lambda p: (-(p.unaddressed or 0), -(p.open or 0), p.user.name.lower()))
