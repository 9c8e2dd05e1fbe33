"""Shared reads on real pages (AVOCHATO_SHARED_READ_TTL on; the rest of the suite runs with it
off because it changes the sandbox behind the dashboard's back): twenty people on the same queue
cost one upstream call, a person sees their own write at once, and it costs nobody else theirs."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers import INBOX
from tests.inbox.support import BOB, reply, text_of, ticket_for, ticket_url

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shared_reads(settings):
    settings.AVOCHATO_SHARED_READ_TTL = 3.0


def api_calls(sandbox) -> list[dict]:
    return [c for c in sandbox.requests if not c["path"].startswith("/_sandbox")]


def test_twenty_people_on_the_same_queue_cost_one_read(agent, lead, sandbox, settings):
    settings.AVOCHATO_SHARED_READ_TTL = 60.0  # twenty page loads on a busy machine can take 3 s
    people = [Client() for _ in range(20)]
    for i, person in enumerate(people):
        person.force_login(agent if i % 2 else lead)
    people[0].get(f"/i/{INBOX}/tickets/")
    first = len(api_calls(sandbox))
    assert first > 0
    sandbox.clear_log()
    for person in people[1:]:
        assert person.get(f"/i/{INBOX}/tickets/").status_code == 200
    assert api_calls(sandbox) == []


def test_a_person_sees_their_own_reply_at_once(client_agent, client_lead, sandbox, settings):
    settings.AVOCHATO_SHARED_READ_TTL = 1.0
    import time

    ticket = ticket_for(sandbox, BOB)
    client_lead.get(ticket_url(ticket.id))  # the stream is now shared, for 1 s
    r = reply(client_agent, sandbox, htmx=False, text="Shared reads never hide this")
    assert r.status_code == 302
    assert "Shared reads never hide this" in text_of(client_agent.get(ticket_url(ticket.id)))
    # Someone else is shown the stream as it was at most the TTL ago (a write costs them
    # nothing), then the reply.
    time.sleep(1.1)
    assert "Shared reads never hide this" in text_of(client_lead.get(ticket_url(ticket.id)))


def test_a_reply_does_not_cost_the_others_their_shared_queue(client_agent, client_lead, sandbox):
    client_lead.get(f"/i/{INBOX}/tickets/")
    reply(client_agent, sandbox, htmx=False, text="Twenty people still share one queue")
    sandbox.clear_log()
    assert client_lead.get(f"/i/{INBOX}/tickets/").status_code == 200
    assert api_calls(sandbox) == []
    client_agent.get(f"/i/{INBOX}/tickets/")  # the writer's own view: read afresh
    assert [c["path"] for c in api_calls(sandbox)][:1] == ["/v1/tickets"]


def test_a_change_made_outside_shows_after_the_ttl(client_agent, sandbox, settings):
    settings.AVOCHATO_SHARED_READ_TTL = 1.0
    import time

    ticket = ticket_for(sandbox, BOB)
    client_agent.get(ticket_url(ticket.id))
    with sandbox.state.lock:
        sandbox.state.inbox(INBOX).contacts[ticket.contact_id].name = "Robert Outside"
    time.sleep(1.1)
    assert "Robert Outside" in text_of(client_agent.get(ticket_url(ticket.id)))
