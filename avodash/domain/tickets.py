"""Tickets: the ticket object, and every ticket write (one, many, a person's handover).

One bulk-update service serves the queue's bulk actions, the ticket page's header controls,
the team page's removal with handover and the offboarding job's handover step:
`PUT /v1/tickets/:ids` with comma-separated ids in chunks (sent in parallel, so a slow API
still fits a page's budget), and a check of every returned ticket against what was asked (the
API answers 200 even when it ignores a change, NOTES.md). A chunk whose answer did not say (a
5xx, an unreadable body, a timeout after sending) is read back (`GET /v1/tickets/:ids`): each
ticket is then updated, not updated, or unknown when the read-back fails too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from django.core.cache import cache

from avodash.avochato import AvochatoClient, AvochatoError, NotFoundError, parallel
from avodash.avochato.django import get_client
from avodash.domain.errors import ActionError
from avodash.domain.outcomes import APPLIED, UNKNOWN, settle_many
from avodash.domain.parse import api_int, epoch

if TYPE_CHECKING:
    from avodash.domain.contacts import Contact
    from avodash.domain.inbox_user import InboxUser

STATUSES: tuple[str, ...] = ("New", "Open", "Pending", "Closed")
# `PUT /v1/tickets/:ids` takes an owner's id or one of these words for `user_id` (NOTES.md).
UNASSIGN = "unassign"
AUTOASSIGN = "autoassign"
BULK_CHUNK = 50  # ids per `PUT /v1/tickets/:ids`
BULK_PARALLEL = 4  # chunks written at once


@dataclass(kw_only=True)
class Ticket:
    """A conversation with one contact. `contact` / `owner` are filled in when fetched."""

    id: str
    contact_id: str | None
    status: str
    unaddressed: bool = False
    owner_id: str | None = None
    created_at: datetime | None = None
    origin: str | None = None
    channel: str | None = None
    contact: Contact | None = None
    owner: InboxUser | None = None
    # Filled when the API (or a fetched event stream) tells us; None when unknown.
    last_activity_at: datetime | None = None
    last_message: str | None = None
    last_inbound_at: datetime | None = None

    @property
    def contact_name(self) -> str:
        return self.contact.display_name if self.contact else "Unknown contact"

    @property
    def waiting_since(self) -> datetime | None:
        """How long the customer has waited: since the last inbound message, else creation."""
        return self.last_inbound_at or self.created_at

    @property
    def wait_seconds(self) -> float | None:
        since = self.waiting_since
        return (datetime.now(UTC) - since).total_seconds() if since else None


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


# --- reads -------------------------------------------------------------------------------------------


def tickets_of_contact(*, client: AvochatoClient, contact_id: str) -> list[Ticket]:
    """Every ticket of a contact, open and closed, newest first: `GET /v1/tickets` with the
    field query `contact:<id>` once per status (the list leaves closed ones out otherwise)."""
    query = " OR ".join(f"contact:{contact_id} status:{s}" for s in STATUSES)
    data = client.get(("tickets",), {"query": query, "order": "newest", "limit": 100})["data"]
    raw = data.get("tickets") or []
    found = [ticket_from_api(t) for t in raw if isinstance(t, dict) and t.get("id")]
    return [t for t in found if t.contact_id in (None, contact_id)]


# --- what to change, and what happened ------------------------------------------------------------


@dataclass(kw_only=True)
class TicketChange:
    """What to change on tickets; None = no change. `owner`: a user id, UNASSIGN or AUTOASSIGN."""

    status: str | None = None
    owner: str | None = None
    unaddressed: bool | None = None

    def __post_init__(self) -> None:
        if self.status is not None and self.status not in STATUSES:
            raise ActionError(f"Unknown status {self.status!r}.", field="status")

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
    """One ticket's result. `checked`: the API's answer was unclear and the ticket was read
    back to know. `unknown`: it could not be read back either (then `ok` is False)."""

    ticket_id: str
    ok: bool
    message: str = ""
    ticket: Ticket | None = None
    checked: bool = False
    unknown: bool = False


@dataclass(kw_only=True)
class BulkResult:
    requested: int
    outcomes: list[TicketOutcome] = field(default_factory=list)

    @property
    def updated(self) -> list[TicketOutcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[TicketOutcome]:
        """Verified not updated (refused, ignored, or read back unchanged)."""
        return [o for o in self.outcomes if not o.ok and not o.unknown]

    @property
    def unknown(self) -> list[TicketOutcome]:
        """Avochato did not say, and the ticket could not be read back."""
        return [o for o in self.outcomes if o.unknown]

    @property
    def ok(self) -> bool:
        return not self.failed and not self.unknown

    @property
    def checked(self) -> bool:
        return any(o.checked for o in self.outcomes)

    @property
    def summary(self) -> str:
        text = f"Updated {len(self.updated)} of {self.requested}."
        if self.failed:
            text = f"Updated {len(self.updated)}, failed {len(self.failed)} of {self.requested}."
        if self.unknown:
            text += (
                f" Unknown for {len(self.unknown)}: Avochato did not say whether "
                f"{'it was' if len(self.unknown) == 1 else 'they were'} changed, and a check failed too;"
                " open them to see."
            )
        if self.checked and not self.unknown:
            text += " (Avochato's answer was unclear; the tickets were read back to know.)"
        return text

    @property
    def audit_outcome(self) -> str:
        """ok, failed, or unknown (the audit's words) for the whole action."""
        return "unknown" if self.unknown else ("failed" if self.failed else "ok")

    def audit_extra(self) -> dict[str, Any]:
        """Per-ticket results for the audit row's params."""
        extra: dict[str, Any] = {
            "updated": len(self.updated),
            "updated_ids": [o.ticket_id for o in self.updated],
            "failed": {o.ticket_id: o.message for o in self.failed},
        }
        if self.unknown:
            extra["unknown"] = [o.ticket_id for o in self.unknown]
        if self.checked:
            extra["read_back"] = [o.ticket_id for o in self.outcomes if o.checked]
        return extra


@dataclass(kw_only=True)
class HandoverResult(BulkResult):
    """A person's open tickets moved to someone else (`tickets_handover`). Running the
    handover again picks up whatever is still assigned to `from_user_id`."""

    from_user_id: str = ""
    to: str = ""

    @property
    def moved(self) -> list[str]:
        return [o.ticket_id for o in self.updated]

    @property
    def summary(self) -> str:
        if not self.requested:
            return "No open tickets to hand over."
        noun = "open ticket" if self.requested == 1 else "open tickets"
        text = f"Handed over {len(self.updated)} of {self.requested} {noun}."
        if self.failed:
            reasons = sorted({o.message for o in self.failed})
            text += f" {len(self.failed)} not moved: {'; '.join(reasons)}"
        if self.unknown:
            text += f" Unknown for {len(self.unknown)}: Avochato did not say, and a check failed too."
        return text


def _check(
    change: TicketChange, ticket: Ticket, users: dict[str, InboxUser], *, away_from: str | None
) -> TicketOutcome:
    """Compare what the API returned with what was asked."""
    problems = []
    notes = []
    if change.status is not None and ticket.status != change.status:
        problems.append(f"status left at {ticket.status} (Avochato ignored the change to {change.status})")
    if change.owner == UNASSIGN and ticket.owner_id:
        problems.append("still assigned (Avochato ignored the unassignment)")
    elif change.owner not in (None, UNASSIGN, AUTOASSIGN) and ticket.owner_id != change.owner:
        problems.append("owner unchanged (Avochato ignored the assignment)")
    elif change.owner == AUTOASSIGN:
        if away_from and ticket.owner_id == away_from:
            problems.append("owner unchanged (auto-assignment gave it back to the same person)")
        who = users.get(ticket.owner_id) if ticket.owner_id else None
        notes.append(
            f"owner now {who.name if who else ('nobody' if not ticket.owner_id else 'a former user')}"
        )
    expected_unaddressed = False if change.status == "Closed" else change.unaddressed  # closing addresses
    if expected_unaddressed is not None and ticket.unaddressed != expected_unaddressed:
        problems.append("addressed state unchanged (Avochato ignored it)")
    if problems:
        return TicketOutcome(ticket_id=ticket.id, ok=False, message="; ".join(problems), ticket=ticket)
    return TicketOutcome(ticket_id=ticket.id, ok=True, message="; ".join(notes), ticket=ticket)


# --- writes ------------------------------------------------------------------------------------------


def _read_back(
    client: AvochatoClient,
    chunk: list[str],
    err: AvochatoError,
    change: TicketChange,
    by_id: dict[str, InboxUser],
    away_from: str | None,
) -> list[TicketOutcome]:
    """A chunk whose write failed: per ticket, what is true (read back only when the write
    may have gone through, `GET /v1/tickets/:ids`)."""
    seen: dict[str, TicketOutcome] = {}

    def applied_ids() -> set[str]:
        raw = client.get(("tickets", ",".join(chunk)))["data"].get("tickets") or []
        for t in (ticket_from_api(r) for r in raw if isinstance(r, dict)):
            seen[t.id] = _check(change, t, by_id, away_from=away_from)
        return {tid for tid, o in seen.items() if o.ok}

    truths = settle_many(err, chunk, applied_ids)
    out = []
    for tid in chunk:
        state = truths[tid].state
        if state == APPLIED:
            out.append(TicketOutcome(ticket_id=tid, ok=True, ticket=seen[tid].ticket, checked=True))
        elif state == UNKNOWN:
            why = "Avochato's answer was unclear and the ticket could not be read back"
            out.append(TicketOutcome(ticket_id=tid, ok=False, message=why, unknown=True))
        else:
            out.append(TicketOutcome(ticket_id=tid, ok=False, message=err.message, checked=tid in seen))
    return out


def _update_chunk(
    client: AvochatoClient,
    chunk: list[str],
    change: TicketChange,
    by_id: dict[str, InboxUser],
    away_from: str | None,
) -> list[TicketOutcome]:
    try:
        # Retries of the PUT stop early enough to leave time to read the tickets back.
        answer = client.leaving().put(("tickets", ",".join(chunk)), data=change.as_params())
        raw = answer["data"].get("tickets") or []
    except AvochatoError as err:
        return _read_back(client, chunk, err, change, by_id, away_from)
    returned = {t.id: t for t in (ticket_from_api(r) for r in raw if isinstance(r, dict))}
    out = []
    for tid in chunk:
        ticket = returned.get(tid)
        if ticket is None:
            message = "not found (Avochato returned no such ticket)"
            out.append(TicketOutcome(ticket_id=tid, ok=False, message=message))
        else:
            out.append(_check(change, ticket, by_id, away_from=away_from))
    return out


def _update_into(
    result: BulkResult,
    *,
    client: AvochatoClient,
    ids: list[str],
    change: TicketChange,
    users: Iterable[InboxUser],
    chunk_size: int,
    away_from: str | None = None,
) -> None:
    """Every chunk written at once (at most BULK_PARALLEL at a time): a slow API costs one
    call's time, not one per chunk. Each chunk reports its own tickets; none raises."""
    by_id = {u.id: u for u in users}
    size = max(1, chunk_size)
    chunks = [ids[start : start + size] for start in range(0, len(ids), size)]
    calls = [lambda c=c: _update_chunk(client, c, change, by_id, away_from) for c in chunks]
    for outcomes in parallel(calls, max_workers=BULK_PARALLEL):
        result.outcomes.extend(outcomes)


def tickets_update(
    *,
    client: AvochatoClient,
    ticket_ids: Sequence[str],
    change: TicketChange,
    chunk_size: int = BULK_CHUNK,
    users: Iterable[InboxUser] = (),
) -> BulkResult:
    """Change tickets: `PUT /v1/tickets/:ids` (comma-separated, `chunk_size` per call).

    Every id gets an outcome: updated; failed with the API's error (the whole chunk); not
    returned by the API (not found); or returned unchanged (the change was ignored).
    """
    ids = list(dict.fromkeys(i for i in ticket_ids if i))
    result = BulkResult(requested=len(ids))
    if not change.empty and ids:
        _update_into(result, client=client, ids=ids, change=change, users=users, chunk_size=chunk_size)
    return result


def ticket_update(
    *, client: AvochatoClient, ticket_id: str, change: TicketChange, users: Iterable[InboxUser] = ()
) -> TicketOutcome:
    """Change one ticket (`PUT /v1/tickets/:id`). Raises the API's error when the change cannot
    have gone through (a 4xx); reports an ignored change. When the answer did not say (a 5xx,
    an unreadable body, a timeout after sending) the ticket is read back (`GET /v1/tickets/:id`):
    the outcome is then updated (`checked`), not updated, or `unknown`."""
    if change.empty:
        raise ActionError("Nothing to change.")
    by_id = {u.id: u for u in users}
    try:
        answer = client.leaving().put(("tickets", ticket_id), data=change.as_params())
        items = answer["data"].get("tickets") or []
    except AvochatoError as err:
        if not err.may_have_applied:
            raise
        return _read_back(client, [ticket_id], err, change, by_id, None)[0]
    found = [ticket_from_api(r) for r in items if isinstance(r, dict) and str(r.get("id")) == ticket_id]
    if not found:
        raise NotFoundError(status=404)
    return _check(change, found[0], by_id, away_from=None)


UNADDRESSED_TTL = 60  # seconds the switcher's and the landing's counts are reused


def unaddressed_counts(subdomains: Sequence[str]) -> dict[str, int | None]:
    """Unaddressed tickets per inbox (not closed): `GET /v1/tickets?unaddressed=on&limit=1`
    per inbox, in parallel, reading `total_count`; each count is cached UNADDRESSED_TTL
    seconds for everyone. None where the API did not say (a fault never breaks a page)."""
    counts: dict[str, int | None] = {s: cache.get(f"unaddressed:{s}") for s in subdomains}
    missing = [s for s, n in counts.items() if n is None]

    def count(sub: str) -> int | None:
        try:
            envelope = get_client(sub).get(("tickets",), {"unaddressed": "on", "limit": 1})
        except AvochatoError:
            return None
        data = envelope.get("data") or {}
        return api_int(data.get("total_count", envelope.get("total_count")))

    for sub, n in zip(missing, parallel([lambda s=s: count(s) for s in missing]), strict=True):
        counts[sub] = n
        if n is not None:
            cache.set(f"unaddressed:{sub}", n, UNADDRESSED_TTL)
    return counts


def user_open_ticket_ids(*, client: AvochatoClient, user_id: str) -> list[str]:
    """Ids of the not-closed tickets the user owns (`GET /v1/tickets?user_id=`, every page
    through the `last_key` cursor)."""
    ids: list[str] = []
    seen: set[str] = set()
    for t in client.iter_cursor(("tickets",), {"user_id": user_id}, key="tickets"):
        tid = str(t.get("id") or "")
        if not tid or tid in seen or t.get("status") == "Closed":
            continue
        if t.get("user_id", user_id) != user_id:
            continue  # defensive: a server ignoring the filter must not move others' tickets
        seen.add(tid)
        ids.append(tid)
    return ids


def user_open_ticket_count(*, client: AvochatoClient, user_id: str) -> int:
    """How many not-closed tickets the user owns (`GET /v1/tickets?user_id=&limit=1`,
    reading `total_count`; counting the page when the answer has none)."""
    envelope = client.get(("tickets",), {"user_id": user_id, "limit": 1})
    data = envelope.get("data") or {}
    total = api_int(data.get("total_count", envelope.get("total_count")))
    if total is not None:
        return total
    return sum(1 for t in data.get("tickets") or [] if isinstance(t, dict) and t.get("status") != "Closed")


def tickets_handover(
    *, client: AvochatoClient, from_user_id: str, to: str, chunk_size: int = BULK_CHUNK
) -> HandoverResult:
    """Reassign every not-closed ticket `from_user_id` owns in the inbox to `to`: a user id,
    AUTOASSIGN or UNASSIGN. The tickets are re-queried now (`GET /v1/tickets?user_id=`), then
    moved with `tickets_update`; for auto-assignment a ticket handed straight back to the same
    person counts as not moved.
    """
    if not from_user_id or not to:
        raise ActionError("Choose whose tickets to hand over, and to whom.")
    if from_user_id == to:
        raise ActionError("Tickets cannot be handed over to the same person.")
    ids = user_open_ticket_ids(client=client, user_id=from_user_id)
    result = HandoverResult(requested=len(ids), from_user_id=from_user_id, to=to)
    if ids:
        _update_into(
            result,
            client=client,
            ids=ids,
            change=TicketChange(owner=to),
            users=(),
            chunk_size=chunk_size,
            away_from=from_user_id,
        )
    return result
