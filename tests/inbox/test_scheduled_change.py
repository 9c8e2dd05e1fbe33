"""Changing a scheduled message (text and time): a new copy, then the original cancelled;
never two pending copies, the original kept when anything fails, at most once per form, and
one audit entry."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

from django.utils import timezone

from avodash.models import AuditEntry
from tests.helpers import INBOX, api_calls, post
from tests.inbox.support import box, text_of

LATER = (timezone.localtime() + timedelta(days=2)).replace(hour=10, minute=30, second=0, microsecond=0)


def pending(sandbox):
    return sorted(
        (p for p in box(sandbox).pending.values() if not p.aborted and not p.sent_element_id),
        key=lambda p: p.scheduled_for,
    )


def change_url(message_id: str) -> str:
    return f"/i/{INBOX}/scheduled/{message_id}/change/"


def change(client, message_id: str, text: str = "New words", when: datetime = LATER, key: str | None = None):
    page = text_of(client.get(change_url(message_id)))
    key = key or re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', page).group(1)
    data = {"idempotency_key": key, "text": text, "scheduled_at": when.strftime("%Y-%m-%dT%H:%M")}
    return post(client, change_url(message_id), data), key


def test_a_change_replaces_the_message_once_and_is_audited_once(client_lead, sandbox):
    original = pending(sandbox)[0]
    count = len(pending(sandbox))
    r, key = change(client_lead, original.event_id)
    assert r.status_code == 302
    assert original.aborted
    now_pending = pending(sandbox)
    assert len(now_pending) == count  # one out, one in: never two
    new = next(p for p in now_pending if p.message == "New words")
    assert new.scheduled_for == LATER.timestamp() and new.to == original.to
    entry = AuditEntry.objects.get(action="message.reschedule")
    assert entry.outcome == AuditEntry.OK and entry.target == original.event_id
    assert entry.params["new"] == new.event_id
    # The same form again (a double click, a resubmit) makes nothing more.
    posts = len(api_calls(sandbox, "POST", "/v1/messages"))
    again, _ = change(client_lead, new.event_id, key=key)
    assert len(api_calls(sandbox, "POST", "/v1/messages")) == posts
    assert "Already changed" in text_of(client_lead.get(again["Location"])) and not new.aborted


def test_when_the_new_copy_fails_the_original_stays(client_lead, sandbox):
    original = pending(sandbox)[0]
    sandbox.faults.add("/v1/messages", method="POST", status=422)
    r, _ = change(client_lead, original.event_id)
    assert r.status_code == 422
    assert "The original is kept." in html.unescape(text_of(r))
    assert "New words" in text_of(r)  # the draft is kept
    assert not original.aborted
    assert api_calls(sandbox, "DELETE") == []
    assert AuditEntry.objects.get(action="message.reschedule").outcome == AuditEntry.FAILED


def test_when_the_original_cannot_be_cancelled_the_new_copy_is_withdrawn(client_lead, sandbox):
    original = pending(sandbox)[0]
    count = len(pending(sandbox))
    sandbox.faults.add(f"/v1/messages/{original.event_id}", method="DELETE", status=500)
    r, _ = change(client_lead, original.event_id)
    assert r.status_code == 422
    assert "so it stays as it was" in text_of(r)
    assert not original.aborted
    assert len(pending(sandbox)) == count  # the new copy was cancelled again
    assert [p for p in pending(sandbox) if p.message == "New words"] == []


def test_a_time_in_the_past_is_refused_before_any_call(client_lead, sandbox):
    original = pending(sandbox)[0]
    sandbox.clear_log()
    r, _ = change(client_lead, original.event_id, when=timezone.localtime() - timedelta(hours=1))
    assert r.status_code == 422 and "That time has passed" in text_of(r)
    assert api_calls(sandbox, "POST") == [] and api_calls(sandbox, "DELETE") == []


def test_an_agent_cannot_change_someone_elses_message(client_agent, sandbox):
    original = pending(sandbox)[0]
    assert client_agent.get(change_url(original.event_id)).status_code == 403


def test_the_list_offers_the_change(client_lead, sandbox):
    original = pending(sandbox)[0]
    assert change_url(original.event_id) in text_of(client_lead.get(f"/i/{INBOX}/scheduled/"))
