"""Scheduled messages in the domain: how a cancel whose answer was lost is checked."""

from __future__ import annotations

import pytest

from avodash.avochato.django import get_client
from avodash.domain import scheduled as scheduled_svc
from tests.helpers import INBOX

pytestmark = pytest.mark.django_db


def test_scheduled_state_tells_pending_cancelled_sent_and_gone(sandbox):
    client = get_client(INBOX)
    pending = [
        p for p in sandbox.state.inbox(INBOX).pending.values() if not p.aborted and not p.sent_element_id
    ]
    first, second = pending[0], pending[1]
    assert scheduled_svc.scheduled_state(client=client, message_id=first.event_id) == "pending"
    first.aborted = True
    assert scheduled_svc.scheduled_state(client=client, message_id=first.event_id) == "cancelled"
    second.sent_element_id = "sentElement1"
    assert scheduled_svc.scheduled_state(client=client, message_id=second.event_id) == "sent"
    assert scheduled_svc.scheduled_state(client=client, message_id="noSuchMsg1") == "gone"
