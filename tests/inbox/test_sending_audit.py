"""Every send or schedule attempt is in the audit trail, also the ones refused before the API
call (a stale or altered contact, an opted-out or blocked contact, a draft key conflict, a
ticket that is gone, a contact lookup that failed): recorded `failed`, with the reason, and
no `POST /v1/messages` made."""

from __future__ import annotations

import pytest

from avodash.models import AuditEntry
from inbox.idempotency import new_key
from tests.helpers import INBOX, post
from tests.inbox.support import (
    BLOCKED,
    BOB,
    HTMX,
    LANDLINE,
    OPTED_OUT,
    message_posts,
    reply,
    send_url,
    ticket_for,
)

COMPOSE = f"/i/{INBOX}/compose/"


def only_failed_entry(action: str = "message.send") -> AuditEntry:
    (entry,) = AuditEntry.objects.filter(action=action)
    assert entry.outcome == AuditEntry.FAILED
    assert entry.params["delivery"] == "not sent"
    assert entry.params["api_send_call"] is False
    assert "no message request was made" in entry.error
    assert entry.actor is not None and entry.inbox == INBOX
    return entry


@pytest.mark.parametrize("htmx", [True, False])
def test_a_reply_naming_another_contact_is_recorded_as_failed(client_agent, sandbox, htmx):
    ticket = ticket_for(sandbox, BOB)
    other = ticket_for(sandbox, LANDLINE).contact_id
    reply(client_agent, sandbox, htmx=htmx, text="Meant for Bob", contact_id=other)

    assert message_posts(sandbox) == []
    entry = only_failed_entry()
    assert entry.target == ticket.id
    assert entry.params["refused"] == "contact mismatch"
    assert entry.params["form_contact"] == other  # what the stale or altered form said
    assert entry.params["contact"] == ticket.contact_id  # who replies on this ticket go to
    assert entry.params["text"] == "Meant for Bob"
    assert "addressed to someone other than the ticket's contact" in entry.error


@pytest.mark.parametrize(
    ("phone", "reason", "words"),
    [(OPTED_OUT, "opted out", "has opted out"), (BLOCKED, "blocked", "is blocked")],
)
def test_a_reply_to_an_opted_out_or_blocked_contact_is_recorded_as_failed(
    client_agent, sandbox, phone, reason, words
):
    ticket = ticket_for(sandbox, phone)
    reply(client_agent, sandbox, phone, text="Are you there?")

    assert message_posts(sandbox) == []
    entry = only_failed_entry()
    assert (entry.target, entry.params["to"], entry.params["contact"]) == (
        ticket.id,
        phone,
        ticket.contact_id,
    )
    assert entry.params["refused"] == reason
    assert f"Refused before sending ({reason})" in entry.error and words in entry.error


def test_a_refused_schedule_is_recorded_under_its_own_action(client_agent, sandbox):
    reply(client_agent, sandbox, OPTED_OUT, action="schedule", when="tomorrow_9", text="Later")
    assert message_posts(sandbox) == []
    entry = only_failed_entry("message.schedule")
    assert entry.params["refused"] == "opted out" and entry.params["scheduled_for"]
    assert not AuditEntry.objects.filter(action="message.send").exists()


def test_a_new_message_to_an_opted_out_number_is_recorded_as_failed(client_agent, sandbox):
    post(
        client_agent,
        COMPOSE,
        {"idempotency_key": new_key(), "phone": OPTED_OUT, "text": "Hi", "action": "send"},
    )
    assert message_posts(sandbox) == []
    entry = only_failed_entry()
    assert entry.target == OPTED_OUT and entry.params["ticket"] == ""
    assert entry.params["refused"] == "opted out"


def test_someone_elses_draft_key_is_recorded_as_a_failed_key_conflict(client_agent, client_lead, sandbox):
    key = "0123456789abcdef0123456789abcdef"
    reply(client_lead, sandbox, key=key, text="The lead's message")
    reply(client_agent, sandbox, key=key, text="Not mine")

    assert len(message_posts(sandbox)) == 1  # the lead's only
    ok = AuditEntry.objects.get(action="message.send", outcome=AuditEntry.OK)
    failed = AuditEntry.objects.get(action="message.send", outcome=AuditEntry.FAILED)
    assert ok.actor.username != failed.actor.username
    assert failed.params["refused"] == "key conflict"
    assert failed.params["text"] == "Not mine"
    assert "this form belongs to another draft" in failed.error


def test_a_reply_to_a_missing_ticket_is_recorded_as_failed(client_agent, sandbox):
    post(
        client_agent,
        send_url("NoSuchTicket"),
        {"idempotency_key": new_key(), "text": "Anyone?", "action": "send"},
        **HTMX,
    )
    entry = only_failed_entry()
    assert entry.target == "NoSuchTicket" and entry.params["refused"] == "ticket not found"


def test_a_failed_contact_check_is_recorded_as_failed(client_agent, sandbox):
    sandbox.faults.add("/v1/contacts*", method="GET", status=503)
    post(
        client_agent,
        COMPOSE,
        {"idempotency_key": new_key(), "phone": "+14155550123", "text": "Hi", "action": "send"},
    )
    assert message_posts(sandbox) == []
    entry = only_failed_entry()
    assert entry.params["refused"] == "contact check failed" and entry.params["error"]


def test_a_form_error_is_not_an_attempt_and_a_replay_is_not_a_second_one(client_agent, sandbox):
    """Input the form refuses (an empty message) is not recorded; a double submit of a sent
    draft records the one send, not a second entry."""
    reply(client_agent, sandbox, text="")
    assert not AuditEntry.objects.exists()
    key = new_key()
    reply(client_agent, sandbox, key=key, text="Once")
    reply(client_agent, sandbox, key=key, text="Once")
    assert list(AuditEntry.objects.values_list("outcome", flat=True)) == [AuditEntry.OK]
