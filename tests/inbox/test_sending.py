"""The sending service on its own (no view): `message_submit` and `message_replay` decide
sent / not sent / unknown, claim the draft key once, and record every attempt."""

from __future__ import annotations

import pytest

from avodash.avochato.django import get_client
from avodash.models import AuditEntry, IdempotencyKey
from inbox.idempotency import new_key
from inbox.services.messages import Draft
from inbox.services.sending import Attempt, message_replay, message_submit
from tests.helpers import INBOX
from tests.inbox.support import BOB, OPTED_OUT, message_posts, ticket_for

pytestmark = pytest.mark.django_db
CHECK = f"/i/{INBOX}/tickets/"


def submit(agent, sandbox, key: str, phone: str = BOB, **kwargs):
    ticket = ticket_for(sandbox, phone)
    return message_submit(
        client=get_client(INBOX),
        actor=agent,
        inbox=INBOX,
        key=key,
        draft=Draft(phone="", text=kwargs.pop("text", "From the service")),
        ticket_id=ticket.id,
        shown_contact_id=ticket.contact_id,
        check_url=CHECK,
        **kwargs,
    )


def test_it_sends_a_reply_to_the_tickets_contact(agent, sandbox):
    result = submit(agent, sandbox, new_key())
    assert result.outcome.kind == "sent" and result.outcome.title == "Sent to Bob McTest."
    assert result.clear and result.contact.phone == BOB
    (post,) = message_posts(sandbox)
    assert post["params"]["phone"] == BOB
    entry = AuditEntry.objects.get(action="message.send")
    assert entry.outcome == AuditEntry.OK and entry.params["delivery"] == "sent"


def test_a_double_submit_posts_once(agent, sandbox):
    key = new_key()
    first = submit(agent, sandbox, key)
    second = submit(agent, sandbox, key)
    assert first.outcome.kind == "sent"
    assert second.outcome.kind == "duplicate" and second.outcome.title == "Already sent."
    assert len(message_posts(sandbox)) == 1
    assert IdempotencyKey.objects.get(key=key).state == IdempotencyKey.SENT
    # Asked before the form is read, the key answers the same, without the API.
    replay = message_replay(actor=agent, inbox=INBOX, attempt=Attempt(key=key), check_url=CHECK)
    assert replay is not None and replay.outcome.kind == "duplicate"
    assert len(message_posts(sandbox)) == 1


def test_a_new_key_is_not_a_replay(agent):
    assert message_replay(actor=agent, inbox=INBOX, attempt=Attempt(key=new_key()), check_url=CHECK) is None


def test_someone_elses_key_is_refused_and_recorded(agent, lead, sandbox):
    key = new_key()
    submit(lead, sandbox, key)
    result = message_replay(
        actor=agent, inbox=INBOX, attempt=Attempt(key=key, text="Not mine"), check_url=CHECK
    )
    assert result.outcome.title == "Not sent: this form belongs to another draft." and not result.keep_key
    failed = AuditEntry.objects.get(outcome=AuditEntry.FAILED)
    assert failed.actor == agent and failed.params["refused"] == "key conflict"
    assert len(message_posts(sandbox)) == 1


def test_an_opted_out_contact_is_refused_before_any_post(agent, sandbox):
    result = submit(agent, sandbox, new_key(), phone=OPTED_OUT)
    assert result.outcome.kind == "refused" and "has opted out" in result.outcome.detail
    assert message_posts(sandbox) == []
    entry = AuditEntry.objects.get()
    assert entry.outcome == AuditEntry.FAILED and entry.params["refused"] == "opted out"


def test_a_timeout_after_sending_is_unknown_and_keeps_the_key(agent, sandbox):
    sandbox.faults.add("/v1/messages", method="POST", status=502)
    key = new_key()
    result = submit(agent, sandbox, key)
    assert result.outcome.kind == "unknown" and result.keep_key
    assert IdempotencyKey.objects.get(key=key).state == IdempotencyKey.UNKNOWN
    sandbox.faults.clear()
    again = submit(agent, sandbox, key)
    assert again.outcome.kind == "unknown"
    assert len(message_posts(sandbox)) == 1


def test_a_refusal_by_the_api_is_not_sent_and_needs_a_new_key(agent, sandbox):
    sandbox.faults.add("/v1/messages", method="POST", status=429, times=1)
    result = submit(agent, sandbox, new_key())
    assert result.outcome.kind == "not_sent" and not result.keep_key
