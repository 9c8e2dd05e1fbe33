"""A contact's custom events (sales, clicks...), read from the streams of their tickets."""

from __future__ import annotations

from collections.abc import Sequence

from avodash.avochato import AvochatoClient, parallel
from inbox.services.events import event_from_api
from inbox.services.types import CustomEvent

MAX_TICKETS = 20  # the newest tickets' streams are read; older ones are left out (the page says so)


def contact_custom_events(*, client: AvochatoClient, ticket_ids: Sequence[str]) -> list[CustomEvent]:
    """The custom events in the newest page of each ticket's stream, newest first:
    `GET /v1/tickets/:id/events`, the tickets in parallel."""
    ids = list(dict.fromkeys(ticket_ids))[:MAX_TICKETS]
    pages = parallel([(lambda i=i: client.get(("tickets", i, "events"))) for i in ids])
    found: list[CustomEvent] = []
    for envelope in pages:
        raw = envelope["data"].get("events") or []
        events = (event_from_api(r) for r in raw if isinstance(r, dict))
        found += [e for e in events if isinstance(e, CustomEvent)]
    found.sort(key=lambda e: e.at.timestamp() if e.at else 0.0, reverse=True)
    return found
