"""Scheduled messages as the reference shows them: a contact id and a sender's login name, no
sender id and no phone. Who sent one and where it goes come from those documented fields."""

from __future__ import annotations

import pytest

from avodash.avochato.django import get_client
from avodash.domain.scheduled import ScheduledFilters, scheduled_by_sender, scheduled_search
from tests.helpers import INBOX, api_calls

pytestmark = pytest.mark.django_db
ADMIN = "admin@avodash.example"


def _pending_of(sandbox, email: str) -> set[str]:
    user = sandbox.state.user_by_email(email)
    inbox = sandbox.state.inboxes[INBOX]
    return {
        p.event_id
        for p in inbox.pending.values()
        if p.sender_id == user.id and not p.aborted and p.sent_element_id is None
    }


def test_by_sender_uses_the_documented_filter_and_the_senders_login(sandbox):
    client = get_client(INBOX)
    admin = sandbox.state.user_by_email(ADMIN)
    theirs = _pending_of(sandbox, ADMIN)
    assert theirs
    found = scheduled_by_sender(client=client, user_id=admin.id, email=ADMIN)
    assert {m.id for m in found} == theirs
    assert {c["params"]["sender_id"] for c in api_calls(sandbox, "GET", "/v1/messages/scheduled")} == {
        admin.id
    }
    # a message whose `sender` login is someone else's is never taken as theirs (a server that
    # ignored the filter must not get others' messages cancelled)
    assert scheduled_by_sender(client=client, user_id=admin.id, email="someone.else@acme.example") == []


def test_a_scheduled_messages_phone_and_sender_come_from_its_contact_and_login(sandbox):
    client = get_client(INBOX)
    page = scheduled_search(client=client, filters=ScheduledFilters())
    inbox = sandbox.state.inboxes[INBOX]
    named = [m for m in page.messages if m.sender]
    assert named and page.messages
    for m in page.messages:
        pending = inbox.pending[m.id]
        assert m.to_phone == inbox.contacts[pending.contact_id].phone
        if pending.sender_id:
            assert m.sender and m.sender.id == pending.sender_id


def test_scheduled_state_tells_pending_cancelled_sent_and_gone(sandbox):
    """How a cancel whose answer was lost is checked (`GET /v1/messages/:id`)."""
    from avodash.domain.scheduled import scheduled_state

    client = get_client(INBOX)
    pending = [
        p for p in sandbox.state.inbox(INBOX).pending.values() if not p.aborted and not p.sent_element_id
    ]
    first, second = pending[0], pending[1]
    assert scheduled_state(client=client, message_id=first.event_id) == "pending"
    first.aborted = True
    assert scheduled_state(client=client, message_id=first.event_id) == "cancelled"
    second.sent_element_id = "sentElement1"
    assert scheduled_state(client=client, message_id=second.event_id) == "sent"
    assert scheduled_state(client=client, message_id="noSuchMsg1") == "gone"
