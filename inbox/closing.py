"""Closing from the ticket page, as the person sees it: where to go next, and the Undo toast.

Context builders and session records only (no views, no API calls). After a close the
person lands on another page (the next ticket, the queue, or the closed ticket itself);
`undo_remember` keeps what the ticket was in the session, and every page that includes
templates/inbox/_undo_toast.html shows an Undo button for what is left of UNDO_SECONDS.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest

from avodash.audit import audited
from avodash.avochato import AvochatoError
from avodash.domain import users as user_svc
from avodash.hosts import reverse
from inbox.forms.queue import filter_form_from_querystring
from inbox.models import Preference, after_close_for
from inbox.services import closing as closing_svc
from inbox.services.closing import TicketState

UNDO_SECONDS = 10  # how long the toast offers Undo
UNDO_GRACE = 5  # a click at the last second still counts when the request is slow
SESSION_KEY = "inbox:undo_close"
CLOSE_CHECKED = "Closed (Avochato's answer was unclear; the ticket was read back: it is closed)."
CLOSE_UNKNOWN = (
    "Avochato did not say whether the ticket was closed, and it could not be read back. "
    "Check the ticket's status before trying again."
)


def ticket_url(subdomain: str, ticket_id: str, origin: str = "") -> str:
    """A ticket's page, carrying the queue it was opened from."""
    url = reverse("inbox:ticket", args=[subdomain, ticket_id])
    return f"{url}?{_from(origin)}" if origin else url


def queue_url(subdomain: str, origin: str = "") -> str:
    url = reverse("inbox:tickets", args=[subdomain])
    return f"{url}?{origin}" if origin else url


def _from(origin: str) -> str:
    return urlencode({"from": origin})


@dataclass(kw_only=True)
class Landing:
    """Where the person goes after closing, and what went wrong if it did not close."""

    url: str
    error: str = ""
    note: str = ""  # a close that went through although Avochato's answer did not say so


def _next_in_queue(request: HttpRequest, *, ticket_id: str, origin: str, users) -> str | None:
    """The queue's ticket after this one, read before closing: closing changes the ticket's
    activity, and so its place in a queue ordered by activity."""
    form = filter_form_from_querystring(origin)
    form.is_valid()
    me = user_svc.user_for_email(users, request.user.email)
    try:
        return closing_svc.next_ticket_id(
            client=request.avochato, filters=form.filters(me_id=me.id if me else None), after_id=ticket_id
        )
    except AvochatoError:
        return None  # closing still works: the queue shows what is left


def close_and_move_on(request: HttpRequest, *, ticket_id: str, origin: str, name: str) -> Landing:
    """Close the ticket (audited as a status change, with the state Undo restores), remember
    the Undo, and choose the next page: the queue's next ticket, or the ticket itself when the
    person prefers to stay, or the queue when it has no other ticket."""
    sub = request.inbox.subdomain
    client = request.avochato
    here = ticket_url(sub, ticket_id, origin)
    stay = after_close_for(request.user) == Preference.STAY
    try:
        with audited(request, action="ticket.status", target=ticket_id, params={"status": "Closed"}) as audit:
            with audit.lookup():  # the users, the ticket before; the close settles its own answer
                users = user_svc.inbox_users(client=client)
                nxt = (
                    None if stay else _next_in_queue(request, ticket_id=ticket_id, origin=origin, users=users)
                )
                result = closing_svc.ticket_close(client=client, ticket_id=ticket_id, users=users)
            audit.extra["before"] = result.before.as_dict()
            outcome = result.outcome
            if outcome.unknown:
                audit.unknown(outcome.message)
            elif not outcome.ok:
                audit.fail(outcome.message)
    except AvochatoError as err:
        return Landing(url=here, error=f"Not closed: {err.message}")
    if outcome.unknown:
        return Landing(url=here, error=CLOSE_UNKNOWN)
    if not outcome.ok:
        return Landing(url=here, error=f"Not closed: {outcome.message}.")
    undo_remember(request, ticket_id=ticket_id, before=result.before, name=name, origin=origin)
    note = CLOSE_CHECKED if outcome.checked else ""
    if stay:
        return Landing(url=here, note=note)
    return Landing(url=ticket_url(sub, nxt, origin) if nxt else queue_url(sub, origin), note=note)


def undo_remember(
    request: HttpRequest, *, ticket_id: str, before: TicketState, name: str, origin: str
) -> None:
    """Keep the last close of this person (one at a time, like a mail client's undo)."""
    request.session[SESSION_KEY] = {
        "inbox": request.inbox.subdomain,
        "ticket_id": ticket_id,
        "before": before.as_dict(),
        "name": name,
        "origin": origin,
        "at": time.time(),
    }


def _record(request: HttpRequest) -> dict[str, Any] | None:
    record = request.session.get(SESSION_KEY)
    if not isinstance(record, dict) or record.get("inbox") != request.inbox.subdomain:
        return None
    return record


def undo_toast(request: HttpRequest) -> dict[str, Any] | None:
    """The toast's context while Undo is still offered, else None."""
    record = _record(request)
    if record is None:
        return None
    left = UNDO_SECONDS - (time.time() - float(record.get("at") or 0))
    if left <= 0:
        return None
    sub = request.inbox.subdomain
    return {
        "ticket_id": record["ticket_id"],
        "name": record.get("name") or "the ticket",
        "seconds": max(1, round(left)),
        "undo_url": reverse("inbox:ticket_undo_close", args=[sub, record["ticket_id"]]),
        "origin": record.get("origin") or "",
    }


def undo_take(request: HttpRequest, ticket_id: str) -> tuple[TicketState, str] | None:
    """The state to restore for this ticket's Undo (removed from the session), or None when
    there is nothing to undo any more."""
    record = _record(request)
    if record is None or record.get("ticket_id") != ticket_id:
        return None
    request.session.pop(SESSION_KEY, None)
    if time.time() - float(record.get("at") or 0) > UNDO_SECONDS + UNDO_GRACE:
        return None
    before = TicketState.from_dict(record.get("before") or {})
    return (before, str(record.get("origin") or "")) if before else None
