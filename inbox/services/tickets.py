"""Tickets: the queue (search + the people on each row), one ticket, updates one and many.

A queue page costs two rounds of upstream calls: `GET /v1/tickets` (filtered, one page),
then in parallel `GET /v1/contacts/:ids` (batched) and the inbox's users (`GET /v1/users`,
cached briefly). Never one call per row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache

from avodash.avochato import AvochatoClient, AvochatoError, NotFoundError, parallel
from inbox.services.contacts import contacts_get, epoch
from inbox.services.types import STATUSES, PreviousTicket, Ticket, UserRef

QUEUE_PAGE_SIZE = 30
USERS_CACHE_SECONDS = 60
# The users list returns 25 per page whatever `limit` says (NOTES.md): a shorter page is the last.
USERS_PER_PAGE = 25
# "Select all N matching" collects ids by paging the filter; past this many we stop and say so.
SELECT_ALL_CAP = 1000
# Ids per bulk `PUT /v1/tickets/:ids`.
BULK_CHUNK = 50

ORDERS: dict[str, str] = {
    "most_recent_activity": "Most recent activity",
    "oldest_activity": "Oldest activity (longest wait)",
    "newest": "Newest tickets",
    "oldest": "Oldest tickets",
    "best_match": "Best match (with a search)",
}
ANY_STATUS = "any"
# PUT /v1/tickets/:ids `user_id` words.
UNASSIGN = "unassign"
AUTOASSIGN = "autoassign"


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
_US_PHONE_RE = re.compile(r"^(?:\+?1[\s.-]*)?\(?([2-9]\d{2})\)?[\s.-]*(\d{3})[\s.-]*(\d{4})$")
_INTL_PHONE_RE = re.compile(r"^\+[\d\s().-]+$")


def phone_query(text: str) -> str:
    """`text` as an E.164 number when it is only a (formatted) phone number; else unchanged.

    Bare digits are left alone: they already match stored numbers as a substring, and they
    may be an order number in a message.
    """
    stripped = text.strip()
    if not stripped or stripped.isdigit():
        return text
    match = _US_PHONE_RE.match(stripped)
    if match and (not stripped.startswith("+") or stripped.startswith("+1")):
        return "+1" + "".join(match.groups())
    if _INTL_PHONE_RE.match(stripped):
        digits = re.sub(r"\D", "", stripped)
        if 8 <= len(digits) <= 15 and digits[0] != "0":
            return "+" + digits
    return text


def _list_params(filters: TicketFilters, *, limit: int, after: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"limit": limit, "order": filters.order}
    text = phone_query(filters.text.strip())
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
def ticket_from_api(raw: dict[str, Any]) -> Ticket:
    contact = raw.get("contact")
    if isinstance(contact, dict):  # the reference says an id; tolerate an embedded object
        contact = contact.get("id")
    return Ticket(
        id=str(raw.get("id") or ""),
        contact_id=str(contact) if contact else None,
        status=str(raw.get("status") or "New"),
        unaddressed=bool(raw.get("unaddressed")),
        owner_id=str(raw["user_id"]) if raw.get("user_id") else None,
        created_at=epoch(raw.get("created_at")),
        origin=raw.get("origin"),
        channel=raw.get("channel"),
        # Not in the reference's ticket object; used when an API version provides them.
        last_activity_at=epoch(raw.get("last_activity_at") or raw.get("updated_at")),
        last_message=(raw.get("last_message") if isinstance(raw.get("last_message"), str) else None),
    )


def user_from_api(raw: dict[str, Any]) -> UserRef:
    email = raw.get("email") or None
    return UserRef(
        id=str(raw.get("id") or ""), name=str(raw.get("name") or email or "Unnamed user"), email=email
    )


# --- users (owners) ------------------------------------------------------------------------
def _users_key(client: AvochatoClient) -> str:
    return f"inbox:users:{client.subdomain or '-'}"


def inbox_users(*, client: AvochatoClient, fresh: bool = False) -> list[UserRef]:
    """The inbox's users, by name: `GET /v1/users` (all pages), cached for a minute."""
    key = _users_key(client)
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    users: list[UserRef] = []
    page = 1
    while page <= 40:
        batch = client.get(("users",), {"page": page})["data"].get("users") or []
        users.extend(user_from_api(u) for u in batch if isinstance(u, dict) and u.get("id"))
        if len(batch) < USERS_PER_PAGE:
            break
        page += 1
    users.sort(key=lambda u: u.name.lower())
    cache.set(key, users, USERS_CACHE_SECONDS)
    return users


def users_by_id(users: Iterable[UserRef]) -> dict[str, UserRef]:
    return {u.id: u for u in users}


def user_for_email(users: Iterable[UserRef], email: str | None) -> UserRef | None:
    """The inbox user whose Avochato email is this (case-insensitive), if any."""
    if not email:
        return None
    wanted = email.strip().lower()
    return next((u for u in users if u.email and u.email.lower() == wanted), None)


def unknown_user(user_id: str) -> UserRef:
    return UserRef(id=user_id, name="Former user")


# --- reading -----------------------------------------------------------------------------
@dataclass(kw_only=True)
class TicketPage:
    tickets: list[Ticket]
    total_count: int | None
    next_after: str | None  # pass back as `after` for the next page
    limit: int = QUEUE_PAGE_SIZE
    users: list[UserRef] = field(default_factory=list)


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


def attach_people(*, tickets: Sequence[Ticket], contacts: dict, users: Iterable[UserRef]) -> None:
    by_id = users_by_id(users)
    for t in tickets:
        t.contact = contacts.get(t.contact_id) if t.contact_id else None
        t.owner = (by_id.get(t.owner_id) or unknown_user(t.owner_id)) if t.owner_id else None


def tickets_with_people(*, client: AvochatoClient, tickets: Sequence[Ticket]) -> list[UserRef]:
    """Fill each ticket's contact and owner in one parallel round.

    `GET /v1/contacts/:ids` (batched) and `GET /v1/users` (cached). Returns the users.
    """
    contacts, users = parallel(
        [
            lambda: contacts_get(client=client, contact_ids=[t.contact_id for t in tickets if t.contact_id]),
            lambda: inbox_users(client=client),
        ]
    )
    attach_people(tickets=tickets, contacts=contacts, users=users)
    return users


def queue_page(
    *,
    client: AvochatoClient,
    filters: TicketFilters,
    limit: int = QUEUE_PAGE_SIZE,
    after: str | None = None,
    users: list[UserRef] | None = None,
) -> TicketPage:
    """A queue page with names, in two rounds (at most 3 calls on a cold cache).

    Round 1: `GET /v1/tickets` (and `GET /v1/users` when not given, cached); round 2:
    `GET /v1/contacts/:ids` for the page's contacts, batched.
    """
    if users is None:
        page, users = parallel(
            [
                lambda: tickets_search(client=client, filters=filters, limit=limit, after=after),
                lambda: inbox_users(client=client),
            ]
        )
    else:
        page = tickets_search(client=client, filters=filters, limit=limit, after=after)
    contacts = (
        contacts_get(client=client, contact_ids=[t.contact_id for t in page.tickets if t.contact_id])
        if page.tickets
        else {}
    )
    attach_people(tickets=page.tickets, contacts=contacts, users=users)
    page.users = users
    return page


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
    """The contact's earlier tickets: `GET /v1/tickets/:id/previous`, newest first."""
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
    for _ in range(cap // 100 + 2):
        page = tickets_search(client=client, filters=filters, limit=100, after=after)
        for t in page.tickets:
            if t.id not in ids:
                ids.append(t.id)
            if len(ids) >= cap:
                more = len(page.tickets) > 0 and (page.next_after is not None or t is not page.tickets[-1])
                return ids, more
        if not page.next_after or not page.tickets:
            break
        after = page.next_after
    return ids, False


def ticket_counts(*, client: AvochatoClient) -> dict[str, int | None]:
    """Counts for the inbox home, in parallel: `GET /v1/tickets` with `limit=1` per filter.

    Keys: New, Open, Pending, Closed, unaddressed, unassigned (not closed), open_total (not closed).
    """
    specs = {
        "New": TicketFilters(status="New"),
        "Open": TicketFilters(status="Open"),
        "Pending": TicketFilters(status="Pending"),
        "Closed": TicketFilters(status="Closed"),
        "unaddressed": TicketFilters(unaddressed=True),
        "unassigned": TicketFilters(unassigned=True),
        "open_total": TicketFilters(),
    }
    pages = parallel(
        [(lambda f=f: tickets_search(client=client, filters=f, limit=1)) for f in specs.values()]
    )
    return {name: page.total_count for name, page in zip(specs, pages, strict=True)}


# --- writing -------------------------------------------------------------------------------
@dataclass(kw_only=True)
class TicketChange:
    """What to change on tickets; None = no change. `owner`: a user id, UNASSIGN or AUTOASSIGN."""

    status: str | None = None
    owner: str | None = None
    unaddressed: bool | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in STATUSES:
            raise ValueError(f"Unknown status {self.status!r}.")

    @property
    def empty(self) -> bool:
        return self.status is None and self.owner is None and self.unaddressed is None

    def as_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {}
        if self.status is not None:
            params["status"] = self.status
        if self.owner is not None:
            params["user_id"] = self.owner
        if self.unaddressed is not None:
            params["unaddressed"] = "true" if self.unaddressed else "false"
        return params


@dataclass(kw_only=True)
class TicketOutcome:
    ticket_id: str
    ok: bool
    message: str = ""
    ticket: Ticket | None = None


@dataclass(kw_only=True)
class BulkResult:
    requested: int
    outcomes: list[TicketOutcome] = field(default_factory=list)

    @property
    def updated(self) -> list[TicketOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[TicketOutcome]:
        return [o for o in self.outcomes if not o.ok]

    @property
    def summary(self) -> str:
        if not self.failed:
            return f"Updated {len(self.updated)} of {self.requested}."
        return f"Updated {len(self.updated)}, failed {len(self.failed)} of {self.requested}."

    def audit_extra(self) -> dict[str, Any]:
        return {
            "updated": len(self.updated),
            "failed": {o.ticket_id: o.message for o in self.failed},
        }


def _check(change: TicketChange, ticket: Ticket, users: dict[str, UserRef]) -> TicketOutcome:
    """Compare what the API returned with what was asked (it answers 200 when it ignores a status)."""
    problems = []
    notes = []
    if change.status is not None and ticket.status != change.status:
        problems.append(f"status left at {ticket.status} (Avochato ignored the change to {change.status})")
    if change.owner == UNASSIGN and ticket.owner_id:
        problems.append("still assigned (Avochato ignored the unassignment)")
    elif change.owner not in (None, UNASSIGN, AUTOASSIGN) and ticket.owner_id != change.owner:
        problems.append("owner unchanged (Avochato ignored the assignment)")
    elif change.owner == AUTOASSIGN:
        who = users.get(ticket.owner_id) if ticket.owner_id else None
        notes.append(
            f"owner now {who.name if who else ('nobody' if not ticket.owner_id else 'a former user')}"
        )
    expected_unaddressed = change.unaddressed
    if change.status == "Closed":
        expected_unaddressed = False  # closing also marks addressed
    if expected_unaddressed is not None and ticket.unaddressed != expected_unaddressed:
        problems.append("addressed state unchanged (Avochato ignored it)")
    if problems:
        return TicketOutcome(ticket_id=ticket.id, ok=False, message="; ".join(problems), ticket=ticket)
    return TicketOutcome(ticket_id=ticket.id, ok=True, message="; ".join(notes), ticket=ticket)


def tickets_update(
    *,
    client: AvochatoClient,
    ticket_ids: Sequence[str],
    change: TicketChange,
    chunk_size: int = BULK_CHUNK,
    users: Iterable[UserRef] = (),
) -> BulkResult:
    """Change tickets: `PUT /v1/tickets/:ids` (comma-separated, `chunk_size` per call).

    Every id gets an outcome: updated; failed with the API's error (the whole chunk);
    not returned by the API (not found); or returned unchanged (the API answers 200 even
    when it ignores a status change, NOTES.md).
    """
    ids = list(dict.fromkeys(i for i in ticket_ids if i))
    result = BulkResult(requested=len(ids))
    if change.empty or not ids:
        return result
    params = change.as_params()
    by_id = users_by_id(users)
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        try:
            raw = client.put(("tickets", ",".join(chunk)), data=params)["data"].get("tickets") or []
        except AvochatoError as err:
            result.outcomes.extend(TicketOutcome(ticket_id=i, ok=False, message=err.message) for i in chunk)
            continue
        returned = {t.id: t for t in (ticket_from_api(r) for r in raw if isinstance(r, dict))}
        for tid in chunk:
            ticket = returned.get(tid)
            if ticket is None:
                result.outcomes.append(
                    TicketOutcome(
                        ticket_id=tid, ok=False, message="not found (Avochato returned no such ticket)"
                    )
                )
            else:
                result.outcomes.append(_check(change, ticket, by_id))
    return result


def ticket_update(
    *, client: AvochatoClient, ticket_id: str, change: TicketChange, users: Iterable[UserRef] = ()
) -> TicketOutcome:
    """Change one ticket (`PUT /v1/tickets/:id`). Raises the API's error; reports an ignored change."""
    if change.empty:
        raise ValueError("Nothing to change.")
    items = client.put(("tickets", ticket_id), data=change.as_params())["data"].get("tickets") or []
    found = [ticket_from_api(r) for r in items if isinstance(r, dict) and str(r.get("id")) == ticket_id]
    if not found:
        raise NotFoundError(status=404)
    return _check(change, found[0], users_by_id(users))
