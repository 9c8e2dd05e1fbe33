"""The inbox home: counts that link into the queue, tickets by status, messages per day."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import INBOX, api_calls
from tests.inbox.support import box

pytestmark = pytest.mark.django_db
HOME = f"/i/{INBOX}/"


def card(html: str, label: str) -> tuple[str, str]:
    """(href, value) of the card with this label."""
    m = re.search(
        rf'<a class="card[^"]*" href="([^"]*)">\s*<div class="value">([^<]*)</div>\s*<div class="label">{re.escape(label)}</div>',
        html,
    )
    assert m, f"no card {label!r}"
    return m.group(1).replace("&amp;", "&"), m.group(2).strip()


def test_the_counts_match_the_inbox_and_link_into_the_queue(client_agent, sandbox):
    r = client_agent.get(HOME)
    assert r.status_code == 200
    html = r.content.decode()
    tickets = list(box(sandbox).tickets.values())
    not_closed = [t for t in tickets if t.status != "Closed"]
    for status in ("Open", "New", "Pending"):
        href, value = card(html, status)
        assert value == str(sum(t.status == status for t in tickets))
        assert href == f"/i/{INBOX}/tickets/?status={status}"
    href, value = card(html, "Unaddressed")
    assert value == str(sum(t.unaddressed for t in not_closed))
    assert href == f"/i/{INBOX}/tickets/?unaddressed=on&order=oldest_activity"
    href, value = card(html, "Unassigned")
    assert value == str(sum(t.user_id is None for t in not_closed))
    assert href == f"/i/{INBOX}/tickets/?owner=none"
    assert f"{len(not_closed)} tickets not closed." in html


def test_each_card_count_equals_the_queue_it_links_to(client_agent, sandbox):
    html = client_agent.get(HOME).content.decode()
    for label in ("Open", "Unaddressed", "Unassigned"):
        href, value = card(html, label)
        queue = client_agent.get(href).content.decode()
        assert f"of {value}" in queue or (value == "0" and "No tickets match" in queue), label


def test_scheduled_messages_due_in_24_hours(client_agent, sandbox):
    now = time.time()
    due = [
        p for p in box(sandbox).pending.values() if not p.aborted and now <= p.scheduled_for <= now + 86400
    ]
    html = client_agent.get(HOME).content.decode()
    m = re.search(r'<div class="value">([^<]*)</div>\s*<div class="label">Scheduled, next 24 h</div>', html)
    assert m and m.group(1).strip() == str(len(due))
    call = api_calls(sandbox, "GET", "/v1/messages/scheduled")[0]
    assert float(call["params"]["scheduled_for"]["to"]) - float(
        call["params"]["scheduled_for"]["from"]
    ) == pytest.approx(86400, abs=1)


def test_tickets_by_status_chart(client_agent, sandbox):
    html = client_agent.get(HOME).content.decode()
    tickets = list(box(sandbox).tickets.values())
    svg = re.search(r'<svg class="chart status-chart".*?</svg>', html, re.S).group(0)
    for status in ("New", "Open", "Pending", "Closed"):
        assert f"{status}: {sum(t.status == status for t in tickets)}." in svg
        assert f'class="bar bar-{status}"' in svg


def test_messages_per_day_chart_loads_after_the_page(client_agent, sandbox):
    html = client_agent.get(HOME).content.decode()
    assert 'hx-get="/i/acme-support/charts/"' in html and "<noscript>" in html
    r = client_agent.get(f"/i/{INBOX}/charts/", HTTP_HX_REQUEST="true")
    fragment = r.content.decode()
    assert fragment.lstrip().startswith('<div id="messages-chart"')
    since = datetime.now(UTC).date() - timedelta(days=13)
    start = datetime(since.year, since.month, since.day, tzinfo=UTC).timestamp()
    inbox = box(sandbox)
    msgs = [e for e in inbox.events.values() if e.element_type == "SmsMessage" and e.created_at >= start]
    n_in = sum(m.direction == "in" for m in msgs)
    n_out = sum(m.direction == "out" for m in msgs)
    assert f"{n_in} received and {n_out} sent over 14 days." in fragment
    assert fragment.count('class="bar bar-in"') == 14 and fragment.count('class="bar bar-out"') == 14
    # Without JavaScript, ?charts=1 draws it in the page.
    assert 'class="bar bar-in"' in client_agent.get(HOME, {"charts": "1"}).content.decode()
