"""Tickets: the queue (search + the people on each row), one ticket, counts, previous tickets.

A queue page costs two rounds of upstream calls: `GET /v1/tickets` (filtered, one page), then
`GET /v1/contacts/:ids` (batched). Owners' names come from the local directory
(`avodash.domain.users`), never one call per row. Ticket writes live in `avodash.domain.tickets`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from avodash.avochato import AvochatoClient, alongside, parallel
from avodash.avochato.django import get_client
from avodash.domain import phones
from avodash.domain.contacts import contacts_get
from avodash.domain.parse import epoch
from avodash.domain.tickets import STATUSES, Ticket, ticket_from_api
from avodash.domain.users import InboxUser, inbox_users, unknown_user, users_by_id
from inbox.services.snapshot import Snapshot, kept, snapshot
from inbox.services.types import PreviousTicket

QUEUE_PAGE_SIZE = 30
# "Select all N matching" collects ids by paging the filter; past this many we stop and say so.
SELECT_ALL_CAP = 1000

ORDERS: dict[str, str] = {
    "most_recent_activity": "Most recent activity",
    "oldest_activity": "Oldest activity (longest wait)",
    "newest": "Newest tickets",
    "oldest": "Oldest tickets",
    "best_match": "Best match (with a search)",
}
ANY_STATUS = "any"
# PUT /v1/tickets/:ids `user_id` words.


# --- filters --------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class TicketFilters:
    """What the queue shows. `status` "" = not closed (the API's default), or a status, or "any"."""

    status: str = ""
    owner_id: str | None = None
    unassigned: bool = False
    unaddressed: bool = False
    text: str = ""
    order: str = "most_recent_activity"


def _any_status_query(text: str) -> str:
    """A search query that matches every status.

    The ticket list has no "any status" value: without `status` it returns the tickets that
    are not closed. The search's field syntax can ask for each status, and since terms side
    by side bind tighter than OR, the free text is repeated in each alternative:
    `bob status:New OR bob status:Open OR ...`. A query that already names `status:`
    is left alone (the person asked for specific statuses).
    """
    if "status:" in text.lower():
        return text
    prefix = f"{text} " if text else ""
    return " OR ".join(f"{prefix}status:{s}" for s in STATUSES)


# A search that is only a phone number, as people type them: US numbers with spaces, dashes,
# dots or parentheses (`(617) 555-8544`, `617.555.8544`, `+1 617-555-8544`), or `+` and a
# country code. Contacts' phones are stored in E.164 (`+16175558544`), which the search
# matches; the formatted text matches nothing.


def _list_params(filters: TicketFilters, *, limit: int, after: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit, "order": filters.order}
    text = phones.search_term(filters.text.strip())
    if filters.unassigned:
        # No list parameter for "no owner": the field query on the ticket's user_id does it.
        text = f"{text} user_id:null".strip()
    if filters.status == ANY_STATUS:
        if " OR " in text and "status:" not in text.lower():
            # (a OR b) cannot be repeated per status safely; the form refuses this combination.
            raise ValueError("Use OR with a specific status, not 'any'.")
        text = _any_status_query(text)
    elif filters.status:
        params["status"] = filters.status
    if text:
        params["query"] = text
    if filters.owner_id:
        params["user_id"] = filters.owner_id
    if filters.unaddressed:
        params["unaddressed"] = "on"
    if after:
        params["after"] = after
    return params


# --- parsing ----------------------------------------------------------------------------


# --- reading -----------------------------------------------------------------------------
@dataclass(kw_only=True)
class TicketPage:
    tickets: list[Ticket]
    total_count: int | None
    next_after: str | None  # pass back as `after` for the next page
    limit: int = QUEUE_PAGE_SIZE
    users: list[InboxUser] = field(default_factory=list)  # every member: names of owners
    owners: list[InboxUser] = field(default_factory=list)  # who may be given tickets (enabled)


def tickets_search(
    *, client: AvochatoClient, filters: TicketFilters, limit: int = QUEUE_PAGE_SIZE, after: str | None = None
) -> TicketPage:
    """One page of tickets: `GET /v1/tickets` with status/user_id/unaddressed/query/order/limit/after."""
    envelope = client.get(("tickets",), _list_params(filters, limit=limit, after=after))
    data = envelope["data"]
    raw = data.get("tickets") or []
    total = data.get("total_count", envelope.get("total_count"))
    cursor = data.get("last_key", envelope.get("last_key"))
    return TicketPage(
        tickets=[ticket_from_api(t) for t in raw if isinstance(t, dict) and t.get("id")],
        total_count=int(total) if isinstance(total, (int, float)) else None,
        next_after=str(cursor) if cursor not in (None, "") and raw else None,
        limit=limit,
    )


def attach_people(*, tickets: Sequence[Ticket], contacts: dict, users: Iterable[InboxUser]) -> None:
    by_id = users_by_id(users)
    attach_contacts(tickets, contacts)
    for t in tickets:
        t.owner = (by_id.get(t.owner_id) or unknown_user(t.owner_id)) if t.owner_id else None


def queue_page(
    *,
    client: AvochatoClient,
    filters: TicketFilters,
    limit: int = QUEUE_PAGE_SIZE,
    after: str | None = None,
    users: list[InboxUser] | None = None,
) -> TicketPage:
    """A queue page with names, in two rounds: `queue_list`, then `queue_contacts`."""
    page = queue_list(client=client, filters=filters, limit=limit, after=after, users=users)
    attach_contacts(page.tickets, queue_contacts(client=client, page=page))
    return page


def queue_list(
    *,
    client: AvochatoClient,
    filters: TicketFilters,
    limit: int = QUEUE_PAGE_SIZE,
    after: str | None = None,
    users: list[InboxUser] | None = None,
) -> TicketPage:
    """A queue page's first round: `GET /v1/tickets`, owners from the directory (`users` when
    given). Its contacts are the second round (`queue_contacts`, then `attach_contacts`)."""
    known = users
    users, (page,) = alongside(  # the directory read (when needed) while the list is asked for
        (lambda: known) if known is not None else (lambda: inbox_users(client=client)),
        [lambda: tickets_search(client=client, filters=filters, limit=limit, after=after)],
    )
    attach_people(tickets=page.tickets, contacts={}, users=users)
    page.users = users
    page.owners = [u for u in users if u.may_own_tickets]
    return page


def queue_contacts(*, client: AvochatoClient, page: TicketPage) -> dict:
    """A queue page's second round: its tickets' contacts, `GET /v1/contacts/:ids` batched."""
    return contacts_get(client=client, contact_ids=[t.contact_id for t in page.tickets if t.contact_id])


def attach_contacts(tickets: Sequence[Ticket], contacts: dict) -> None:
    for t in tickets:
        t.contact = contacts.get(t.contact_id) if t.contact_id else None


def ticket_get(*, client: AvochatoClient, ticket_id: str) -> Ticket:
    """One ticket: `GET /v1/tickets/:id` (NotFoundError when the API returns none)."""
    return ticket_from_api(client.get_one(("tickets", ticket_id), key="tickets"))


def tickets_get(*, client: AvochatoClient, ticket_ids: Sequence[str]) -> dict[str, Ticket]:
    """Several tickets by id: `GET /v1/tickets/:ids` (comma-separated, 100 a call)."""
    ids = list(dict.fromkeys(i for i in ticket_ids if i))
    found: dict[str, Ticket] = {}
    for start in range(0, len(ids), 100):
        raw = client.get(("tickets", ",".join(ids[start : start + 100])))["data"].get("tickets") or []
        found.update((t.id, t) for t in (ticket_from_api(r) for r in raw if isinstance(r, dict)))
    return found


def tickets_previous(*, client: AvochatoClient, ticket_id: str) -> list[PreviousTicket]:
    """The contact's earlier tickets: `GET /v1/tickets/:id/previous`, newest first. History
    that seldom changes: kept for TICKET_HISTORY_SECONDS per ticket, for everyone."""
    return snapshot(
        f"previous:{client.subdomain}:{ticket_id}",
        seconds=float(getattr(settings, "TICKET_HISTORY_SECONDS", 0)),
        compute=lambda: _tickets_previous(client, ticket_id),
    ).value


def _tickets_previous(client: AvochatoClient, ticket_id: str) -> list[PreviousTicket]:
    raw = client.get(("tickets", ticket_id, "previous"))["data"].get("tickets") or []
    found = []
    for t in raw:
        if not isinstance(t, dict) or not t.get("id") or str(t["id"]) == ticket_id:
            continue
        user = t.get("user") if isinstance(t.get("user"), dict) else None
        found.append(
            PreviousTicket(
                id=str(t["id"]),
                created_at=epoch(t.get("created_at")),
                closed_at=epoch(t.get("closed_at")),
                owner_name=(user or {}).get("name"),
                channel=t.get("channel"),
                tags=tuple(str(x) for x in (t.get("tags") or []) if x),
            )
        )
    found.sort(key=lambda p: p.created_at.timestamp() if p.created_at else 0, reverse=True)
    return found


def ticket_ids_matching(
    *, client: AvochatoClient, filters: TicketFilters, cap: int = SELECT_ALL_CAP
) -> tuple[list[str], bool]:
    """Every ticket id the filter matches, by paging it (`GET /v1/tickets`, 100 a page).

    Returns (ids, capped): stops at `cap` ids and says so.
    """
    ids: list[str] = []
    after: str | None = None
    cursors: set[str] = set()  # a cursor seen again (its ticket left the filter): stop, no loop
    for _ in range(cap // 100 + 2):
        page = tickets_search(client=client, filters=filters, limit=100, after=after)
        for t in page.tickets:
            if t.id not in ids:
                ids.append(t.id)
            if len(ids) >= cap:
                more = len(page.tickets) > 0 and (page.next_after is not None or t is not page.tickets[-1])
                return ids, more
        if not page.next_after or not page.tickets or page.next_after in cursors:
            break
        cursors.add(page.next_after)
        after = page.next_after
    return ids, False


def inbox_counts(*, client: AvochatoClient) -> Snapshot[dict[str, int | None]]:
    """`ticket_counts`, shared by everyone on the inbox for INBOX_COUNTS_SECONDS (the overview
    says "as of" when they were taken by an earlier view): seven calls once per period. For
    INBOX_COUNTS_STALE_SECONDS more they are still shown while they are taken again in the
    background, at the background share of the rate limit (a low-priority client)."""
    return snapshot(compute=lambda: ticket_counts(client=client), **_counts_kept_as(client))


def inbox_counts_kept(*, client: AvochatoClient) -> Snapshot[dict[str, int | None]] | None:
    """`inbox_counts` when they are kept (no call), else None."""
    return kept(**_counts_kept_as(client))


def _counts_kept_as(client: AvochatoClient) -> dict:
    subdomain = client.subdomain
    return {
        "key": f"counts:{subdomain}",
        "seconds": float(getattr(settings, "INBOX_COUNTS_SECONDS", 0)),
        "refresh": lambda: ticket_counts(client=get_client(subdomain, low_priority=True)),
        "stale": float(getattr(settings, "INBOX_COUNTS_STALE_SECONDS", 0)),
    }


def ticket_counts(*, client: AvochatoClient) -> dict[str, int | None]:
    """Counts for the inbox home, in parallel: `GET /v1/tickets` with `limit=1` per filter.

    Keys: New, Open, Pending, Closed, unaddressed, unassigned (not closed), open_total (not closed).
    """
    pages = parallel(
        [(lambda f=f: tickets_search(client=client, filters=f, limit=1)) for f in COUNTS.values()]
    )
    return {name: page.total_count for name, page in zip(COUNTS, pages, strict=True)}


COUNTS = {  # `ticket_counts`: one call each
    "New": TicketFilters(status="New"),
    "Open": TicketFilters(status="Open"),
    "Pending": TicketFilters(status="Pending"),
    "Closed": TicketFilters(status="Closed"),
    "unaddressed": TicketFilters(unaddressed=True),
    "unassigned": TicketFilters(unassigned=True),
    "open_total": TicketFilters(),
}


# --- writing -------------------------------------------------------------------------------
