"""Scheduling from the composer: the viewer's time zone, quick picks, and the time guards."""

from __future__ import annotations

import html
import zoneinfo
from datetime import datetime, time, timedelta

import pytest

from avodash.models import AuditEntry
from tests.inbox.support import (
    BOB,
    box,
    message_posts,
    pending_of,
    reply,
    text_of,
    ticket_for,
    ticket_url,
)

NY = zoneinfo.ZoneInfo("America/New_York")


@pytest.fixture
def in_new_york(client_agent):
    client_agent.cookies["tz"] = "America%2FNew_York"  # as app.js writes it
    return client_agent


def _new_pending(sandbox, ticket_id, before):
    now = pending_of(sandbox, ticket_id)
    (added,) = [p for p in now if p.event_id not in {b.event_id for b in before}]
    return added


def test_it_schedules_for_tomorrow_9_in_the_viewers_zone(in_new_york, sandbox):
    ticket = ticket_for(sandbox, BOB)
    before = pending_of(sandbox, ticket.id)

    r = reply(in_new_york, sandbox, action="schedule", when="tomorrow_9", text="Good morning!")

    page = text_of(r)
    assert "Scheduled for" in page and "To Bob McTest" in page
    assert "scheduledChanged" in r["HX-Trigger"] and "streamChanged" in r["HX-Trigger"]
    added = _new_pending(sandbox, ticket.id, before)
    tomorrow = datetime.now(NY).date() + timedelta(days=1)
    assert added.scheduled_for == datetime.combine(tomorrow, time(9), tzinfo=NY).timestamp()
    assert added.message == "Good morning!"
    (call,) = message_posts(sandbox)
    assert call["params"]["scheduled_for"] == int(added.scheduled_for)
    entry = AuditEntry.objects.get(action="message.schedule")
    assert entry.outcome == AuditEntry.OK and entry.params["message_id"] == added.event_id
    assert entry.params["scheduled_for"].startswith(tomorrow.isoformat() + "T09:00:00-0")


def test_it_schedules_a_picked_time_as_local_time(in_new_york, sandbox):
    ticket = ticket_for(sandbox, BOB)
    before = pending_of(sandbox, ticket.id)
    day = datetime.now(NY).date() + timedelta(days=3)
    reply(in_new_york, sandbox, action="schedule", when="custom", scheduled_at=f"{day.isoformat()}T14:30")
    added = _new_pending(sandbox, ticket.id, before)
    assert added.scheduled_for == datetime.combine(day, time(14, 30), tzinfo=NY).timestamp()


def test_a_typed_time_without_a_pick_counts_as_picked(in_new_york, sandbox):
    ticket = ticket_for(sandbox, BOB)
    before = pending_of(sandbox, ticket.id)
    day = datetime.now(NY).date() + timedelta(days=2)
    reply(in_new_york, sandbox, action="schedule", scheduled_at=f"{day.isoformat()}T08:05")
    assert (
        _new_pending(sandbox, ticket.id, before).scheduled_for
        == datetime.combine(day, time(8, 5), tzinfo=NY).timestamp()
    )


def test_monday_9_is_the_coming_monday(in_new_york, sandbox):
    ticket = ticket_for(sandbox, BOB)
    before = pending_of(sandbox, ticket.id)
    reply(in_new_york, sandbox, action="schedule", when="monday_9")
    when = datetime.fromtimestamp(_new_pending(sandbox, ticket.id, before).scheduled_for, NY)
    assert when.weekday() == 0 and (when.hour, when.minute) == (9, 0)
    assert timedelta(0) < when - datetime.now(NY) <= timedelta(days=7)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"when": "custom", "scheduled_at": "2020-01-01T09:00"}, "That time has passed"),
        ({"when": "custom", "scheduled_at": "2099-01-01T09:00"}, "up to a year ahead"),
        ({"when": "custom", "scheduled_at": ""}, "Pick a date and time."),
        ({"when": "custom", "scheduled_at": "tomorrow"}, "Enter a valid date/time."),
        ({}, "Choose when to send it."),
        ({"when": "next_week"}, "Select a valid choice."),
    ],
)
def test_it_refuses_a_bad_schedule_time_before_any_api_call(in_new_york, sandbox, fields, message):
    r = reply(in_new_york, sandbox, action="schedule", text="Later please", **fields)
    page = html.unescape(text_of(r))
    assert message in page
    assert "Later please" in page
    assert message_posts(sandbox) == []


def test_the_composer_offers_quick_picks_in_the_viewers_zone(in_new_york, sandbox):
    ticket = ticket_for(sandbox, BOB)
    page = text_of(in_new_york.get(ticket_url(ticket.id)))
    assert "times in America/New_York" in page
    tomorrow = datetime.now(NY).date() + timedelta(days=1)
    assert f'data-when="{tomorrow.isoformat()}T09:00"' in page
    for label in ("In 1 hour", "Tomorrow 9:00", "Monday 9:00", "Pick a time"):
        assert label in page


def test_the_ticket_page_lists_its_pending_messages(client_lead, sandbox):
    ticket = ticket_for(sandbox, BOB)
    reply(client_lead, sandbox, action="schedule", when="tomorrow_9", text="See you tomorrow, Bob")
    page = text_of(client_lead.get(ticket_url(ticket.id)))
    assert "Scheduled to go out" in page
    assert "See you tomorrow, Bob" in page
    assert "Cancel…" in page
    # The clock is drawn (inline SVG): Debian's Chromium has no emoji font for "⏱".
    assert '<span class="ts-icon" aria-hidden="true"><svg class="icon"' in page
    assert "⏱" not in page


def _scheduled_reads(sandbox) -> list[dict]:
    return [c for c in sandbox.requests if c["method"] == "GET" and c["path"] == "/v1/messages/scheduled"]


def _pending_elsewhere(sandbox, template, n: int) -> None:
    """`n` pending messages on other tickets of the inbox (another agent's follow-ups)."""
    import dataclasses

    others = [t for t in box(sandbox).tickets.values() if t.id != template.ticket_id and t.status != "Closed"]
    with sandbox.state.lock:
        for i in range(n):
            p = dataclasses.replace(
                template,
                event_id=f"evPend{i:04d}",
                element_id=f"elPend{i:04d}",
                ticket_id=others[i % len(others)].id,
                message=f"Someone else's follow-up {i}",
            )
            box(sandbox).pending[p.event_id] = p


def test_a_ticket_takes_its_pending_messages_from_the_inbox_list_everyone_shares(client_lead, sandbox):
    """Few scheduled in the inbox: one read of them all (the same for every ticket page, so
    shared by everyone on the inbox), not one per ticket."""
    ticket = ticket_for(sandbox, BOB)
    reply(client_lead, sandbox, action="schedule", when="tomorrow_9", text="See you tomorrow, Bob")
    _pending_elsewhere(sandbox, pending_of(sandbox, ticket.id)[0], 3)
    sandbox.clear_log()
    page = text_of(client_lead.get(ticket_url(ticket.id)))
    assert "See you tomorrow, Bob" in page
    assert "Someone else's follow-up" not in page
    (read,) = _scheduled_reads(sandbox)
    assert "ticket_id" not in read["params"]


def test_with_many_scheduled_in_the_inbox_it_asks_for_the_tickets_own(client_lead, sandbox):
    """More than a page scheduled in the inbox: the first ticket page finds out (the list, then
    the ticket's own beside the contact: no round more), and the next ones ask for their own at
    once, without the list."""
    from django.core.cache import cache

    from tests.helpers import rounds

    ticket = ticket_for(sandbox, BOB)
    reply(client_lead, sandbox, action="schedule", when="tomorrow_9", text="See you tomorrow, Bob")
    _pending_elsewhere(sandbox, pending_of(sandbox, ticket.id)[0], 30)  # more than a page (25)
    client_lead.get(ticket_url(ticket.id))  # the directory filled
    cache.clear()  # nothing known of the inbox's list
    sandbox.set_latency(40)  # calls made in parallel overlap: rounds can be counted
    loads = []
    try:
        for _ in range(2):
            sandbox.clear_log()
            page = text_of(client_lead.get(ticket_url(ticket.id)))
            calls = [c for c in sandbox.requests if not c["path"].startswith("/_sandbox")]
            loads.append(
                (page, [c["params"].get("ticket_id") for c in _scheduled_reads(sandbox)], rounds(calls))
            )
    finally:
        sandbox.set_latency(0)
    for page, _reads, n in loads:
        assert "See you tomorrow, Bob" in page
        assert "Someone else's follow-up" not in page
        assert n == 2
    assert loads[0][1] == [None, ticket.id]
    assert loads[1][1] == [ticket.id]
