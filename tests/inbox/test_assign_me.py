"""Assign to me, on the ticket page and in the queue: a lead takes any ticket, an agent one
that nobody owns; the owner is always the person's own inbox user (by email)."""

from __future__ import annotations

from avodash.models import AuditEntry
from tests.helpers import api_calls, post
from tests.inbox.support import HTMX, QUEUE, box, text_of, ticket_url, user_id

OMAR = "omar.haddad@acme.example"


def as_omar(user, sandbox) -> str:
    user.email = OMAR
    user.save()
    return user_id(sandbox, OMAR)


def unowned(sandbox):
    return next(t for t in box(sandbox).tickets.values() if not t.user_id and t.status != "Closed")


def owned_by_other(sandbox, me: str):
    return next(
        t for t in box(sandbox).tickets.values() if t.user_id and t.user_id != me and t.status != "Closed"
    )


def assign_me(client, ticket_id: str):
    return post(client, f"{ticket_url(ticket_id)}assign-me/", {}, **HTMX)


def test_an_agent_takes_an_unowned_ticket(client_agent, agent, sandbox):
    me = as_omar(agent, sandbox)
    ticket = unowned(sandbox)
    assert 'id="assign-me"' in text_of(client_agent.get(ticket_url(ticket.id)))
    r = assign_me(client_agent, ticket.id)
    assert "Assigned to you." in text_of(r)
    assert ticket.user_id == me
    entry = AuditEntry.objects.get(action="ticket.owner")
    assert entry.params == {"user_id": me} and entry.outcome == AuditEntry.OK
    assert 'id="assign-me"' not in text_of(r)  # it is theirs now


def test_an_agent_cannot_take_a_colleagues_ticket(client_agent, agent, sandbox):
    me = as_omar(agent, sandbox)
    ticket = owned_by_other(sandbox, me)
    owner = ticket.user_id
    assert 'id="assign-me"' not in text_of(client_agent.get(ticket_url(ticket.id)))
    sandbox.clear_log()
    r = assign_me(client_agent, ticket.id)
    assert "only a lead can reassign it" in text_of(r)
    assert ticket.user_id == owner
    assert api_calls(sandbox, "PUT") == []


def test_a_lead_takes_any_ticket(client_lead, lead, sandbox):
    me = as_omar(lead, sandbox)
    ticket = owned_by_other(sandbox, me)
    r = assign_me(client_lead, ticket.id)
    assert "Assigned to you." in text_of(r)
    assert ticket.user_id == me


def test_someone_who_is_no_inbox_user_is_told_why(client_agent, sandbox):
    ticket = unowned(sandbox)
    sandbox.clear_log()
    r = assign_me(client_agent, ticket.id)
    assert "You are not a user of this inbox in Avochato" in text_of(r)
    assert ticket.user_id is None and api_calls(sandbox, "PUT") == []


def test_the_queue_assigns_the_chosen_tickets_to_me(client_lead, lead, sandbox):
    me = as_omar(lead, sandbox)
    tickets = [t for t in box(sandbox).tickets.values() if t.status != "Closed" and t.user_id != me][:2]
    r = post(
        client_lead,
        f"{QUEUE}assign-me/",
        {"ids": [t.id for t in tickets], "filter": "unaddressed=on"},
        **HTMX,
    )
    assert "Updated 2 of 2." in text_of(r)
    assert all(t.user_id == me for t in tickets)
    assert AuditEntry.objects.get(action="ticket.owner").target == ",".join(t.id for t in tickets)


def test_the_queue_says_so_when_nothing_is_chosen(client_agent, agent, sandbox):
    as_omar(agent, sandbox)
    r = post(client_agent, f"{QUEUE}assign-me/", {"ids": ""}, **HTMX)
    assert "Not assigned: Select a ticket first" in text_of(r)


def test_the_shortcut_is_in_the_help(client_agent, sandbox):
    assert "<kbd>m</kbd></dt><dd>Assign to me" in text_of(client_agent.get(QUEUE))
