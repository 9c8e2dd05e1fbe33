"""Figures kept a few seconds for everyone on the inbox: the overview's counts and a ticket's
earlier tickets cost their API calls once per period, not once per page view."""

from __future__ import annotations

from tests.helpers import INBOX, api_calls
from tests.inbox.support import box


def _count_calls(sandbox) -> list[dict]:
    return [c for c in api_calls(sandbox, "GET", "/v1/tickets") if c["params"].get("limit") in ("1", 1)]


def test_the_overview_counts_are_shared_for_a_few_seconds_and_say_when(
    client_agent, client_lead, sandbox, settings
):
    settings.INBOX_COUNTS_SECONDS = 20
    first = client_agent.get(f"/i/{INBOX}/").content.decode()
    assert len(_count_calls(sandbox)) == 7 and "Counts as of" not in first
    sandbox.clear_log()
    again = client_lead.get(f"/i/{INBOX}/").content.decode()  # someone else, a moment later
    assert _count_calls(sandbox) == []
    assert "Counts as of" in again
    open_now = sum(1 for t in box(sandbox).tickets.values() if t.status == "Open")
    assert "status=Open" in again and str(open_now) in again


def test_with_no_period_the_counts_are_read_every_time(client_agent, sandbox, settings):
    settings.INBOX_COUNTS_SECONDS = 0
    client_agent.get(f"/i/{INBOX}/")
    sandbox.clear_log()
    page = client_agent.get(f"/i/{INBOX}/").content.decode()
    assert len(_count_calls(sandbox)) == 7 and "Counts as of" not in page


def test_a_tickets_earlier_tickets_are_read_once_per_period(client_agent, sandbox, settings):
    settings.TICKET_HISTORY_SECONDS = 60
    ticket = next(iter(box(sandbox).tickets))
    client_agent.get(f"/i/{INBOX}/tickets/{ticket}/")
    client_agent.get(f"/i/{INBOX}/tickets/{ticket}/")
    assert len(api_calls(sandbox, "GET", f"/v1/tickets/{ticket}/previous")) == 1
    assert len(api_calls(sandbox, "GET", f"/v1/tickets/{ticket}/events")) == 2  # the stream is live


def test_counts_past_their_period_are_shown_and_taken_again_in_the_background(
    client_agent, sandbox, settings
):
    """Past INBOX_COUNTS_SECONDS (within INBOX_COUNTS_STALE_SECONDS more) the page shows the kept
    counts, with their time, and one background thread takes them again: the next view shows
    the new ones. The page itself waits for none of the seven calls."""
    import time
    from datetime import timedelta

    from django.core.cache import cache

    from inbox.services.snapshot import PREFIX

    settings.INBOX_COUNTS_SECONDS = 20
    settings.INBOX_COUNTS_STALE_SECONDS = 60
    client_agent.get(f"/i/{INBOX}/")
    key = f"{PREFIX}counts:{INBOX}"
    value, taken_at = cache.get(key)
    old = taken_at - timedelta(seconds=30)  # past its period, within the stale window
    cache.set(key, ({**value, "Open": 98765}, old), 80)
    sandbox.clear_log()
    page = client_agent.get(f"/i/{INBOX}/").content.decode()
    assert "98765" in page and "Counts as of" in page  # the kept counts, said as such
    for _ in range(100):  # the background refresh: seven calls, then the new counts kept
        if cache.get(key)[1] > old:
            break
        time.sleep(0.05)
    open_now = sum(1 for t in box(sandbox).tickets.values() if t.status == "Open")
    assert cache.get(key)[0]["Open"] == open_now
    assert len(_count_calls(sandbox)) == 7
    again = client_agent.get(f"/i/{INBOX}/").content.decode()
    assert "98765" not in again
    assert len(_count_calls(sandbox)) == 7  # nothing asked again: the new counts are kept
