"""Never twice: one draft key, at most one `POST /v1/messages`, checked in the sandbox's log."""

from __future__ import annotations

import threading
from datetime import timedelta

from django.test import Client
from django.utils import timezone

from avodash.domain.errors import ActionError
from avodash.models import IdempotencyKey
from inbox.idempotency import idem_claim, idem_finish, idem_is_stale, idem_wait
from tests.helpers import wait_for
from tests.inbox.support import (
    BOB,
    draft_key,
    message_posts,
    outbound,
    pending_of,
    reply,
    text_of,
    ticket_for,
)

KEY = "0123456789abcdef0123456789abcdef"


def test_two_posts_with_one_key_call_the_api_once(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    before = len(outbound(sandbox, ticket.id))

    first = reply(client_agent, sandbox, text="Only once", key=KEY)
    second = reply(client_agent, sandbox, text="Only once", key=KEY)

    assert "Sent to Bob McTest." in text_of(first)
    assert "Already sent." in text_of(second)
    assert "it was sent once" in text_of(second)
    assert len(message_posts(sandbox)) == 1
    assert len(outbound(sandbox, ticket.id)) == before + 1
    assert IdempotencyKey.objects.get(key=KEY).state == IdempotencyKey.SENT
    # The repeat hands out a fresh draft, like the first success did.
    assert draft_key(text_of(second)) != KEY


def test_a_resubmitted_form_without_javascript_is_not_sent_again(client_agent, sandbox):
    reply(client_agent, sandbox, htmx=False, key=KEY)
    r = reply(client_agent, sandbox, htmx=False, key=KEY)
    assert r.status_code == 302
    assert "Already sent." in text_of(client_agent.get(r["Location"]))
    assert len(message_posts(sandbox)) == 1


def test_a_double_click_while_the_first_is_in_flight_calls_the_api_once(agent, sandbox, transactional_db):
    """Two requests at the same time with one key: the database decides which one sends."""
    sandbox.faults.add("/v1/messages", method="POST", latency_ms=800, times=1)
    results: dict[str, str] = {}

    def click(name: str) -> None:
        c = Client()
        c.force_login(agent)
        results[name] = text_of(reply(c, sandbox, text="Double click", key=KEY))

    first = threading.Thread(target=click, args=("first",))
    first.start()
    # The second click lands while the first is waiting for Avochato: its POST has reached the
    # sandbox (the fault fired, so the key is claimed) and is answered 0.8 s later. Watching the
    # sandbox, not the database: the in-memory SQLite test database locks whole tables.
    wait_for(lambda: len(sandbox.faults) == 0)
    assert first.is_alive()
    click("second")
    first.join(10)

    assert "Sent to Bob McTest." in results["first"]
    assert "Already sent." in results["second"]
    assert len(message_posts(sandbox)) == 1


def test_a_scheduled_draft_is_not_scheduled_twice(client_agent, sandbox):
    ticket = ticket_for(sandbox, BOB)
    before = len(pending_of(sandbox, ticket.id))
    fields = {"action": "schedule", "when": "tomorrow_9", "text": "Tomorrow then"}
    reply(client_agent, sandbox, key=KEY, **fields)
    again = reply(client_agent, sandbox, key=KEY, **fields)
    assert "Already scheduled." in text_of(again)
    assert len(pending_of(sandbox, ticket.id)) == before + 1
    assert len(message_posts(sandbox)) == 1


def test_a_not_sent_outcome_is_replayed_and_the_retry_gets_a_new_key(client_agent, sandbox):
    sandbox.faults.add("/v1/messages", method="POST", status=429, times=1)
    first = reply(client_agent, sandbox, text="Retry me", key=KEY)
    new_key = draft_key(text_of(first))
    assert new_key != KEY

    replayed = reply(client_agent, sandbox, text="Retry me", key=KEY)  # the old form, resubmitted
    assert "Not sent: Avochato asked us to slow down." in text_of(replayed)
    assert len(message_posts(sandbox)) == 1

    retried = reply(client_agent, sandbox, text="Retry me", key=new_key)  # the person presses Send
    assert "Sent to Bob McTest." in text_of(retried)
    assert len(message_posts(sandbox)) == 2


def test_someone_elses_key_is_refused(client_agent, client_lead, sandbox):
    reply(client_lead, sandbox, key=KEY)
    r = reply(client_agent, sandbox, key=KEY, text="Not mine")
    assert "this form belongs to another draft" in text_of(r)
    assert "Not mine" in text_of(r)
    assert len(message_posts(sandbox)) == 1


def test_a_form_without_a_key_is_refused(client_agent, sandbox):
    r = reply(client_agent, sandbox, key="", idempotency_key="", text="Old tab")
    page = text_of(r)
    assert "This form is out of date" in page
    assert "Old tab" in page
    assert draft_key(page)
    assert message_posts(sandbox) == []


# --- the key store itself ---------------------------------------------------------------------------
def test_a_key_is_claimed_once(agent):
    first = idem_claim(key=KEY, user=agent, inbox="acme-support", action="message.send")
    second = idem_claim(key=KEY, user=agent, inbox="acme-support", action="message.send")
    assert first.fresh and not second.fresh
    assert second.record.state == IdempotencyKey.PENDING
    idem_finish(first, state=IdempotencyKey.SENT, result={"message_id": "m1"})
    assert idem_wait(second.record, timeout=1).state == IdempotencyKey.SENT


def test_a_key_belongs_to_one_person_and_inbox(agent, lead):
    idem_claim(key=KEY, user=agent, inbox="acme-support", action="message.send")
    for user, inbox in ((lead, "acme-support"), (agent, "acme-sales")):
        try:
            idem_claim(key=KEY, user=user, inbox=inbox, action="message.send")
        except ActionError:
            continue
        raise AssertionError("a replayed key was accepted")


def test_a_pending_key_left_behind_counts_as_unknown(agent):
    claim = idem_claim(key=KEY, user=agent, inbox="acme-support", action="message.send")
    assert not idem_is_stale(claim.record)
    IdempotencyKey.objects.filter(pk=claim.record.pk).update(created_at=timezone.now() - timedelta(hours=1))
    claim.record.refresh_from_db()
    assert idem_is_stale(claim.record)
